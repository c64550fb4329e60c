//! The daily expiry run ([`ExpiryWatchService::run`]): the watched pairs whose next threshold
//! is due are read from the table's sparse expiry-watch index — one query per threshold,
//! never a scan — and each is told once ([`pair_core::pair::machine::watch_step`]): the alert is
//! recorded on the pair, where the table's stream brings it to the notifier, and the watch
//! moves on to the next threshold.

use futures_util::future::join_all;
use pair_core::clock::Clock;
use pair_core::pair::machine;
use pair_core::pair::validity::ExpiryAlert;
use pair_core::pair::{ClientId, Threshold, dates};
use pair_core::ports::store::{ExpiryWatchStore, StoreError};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// A run starts no record with less time than this left.
const RUN_RESERVE: Duration = Duration::from_secs(3);
/// Records handled at once.
const CONCURRENCY: usize = 8;
/// A record changed under the run's write is read again this many times at most.
const WRITE_ATTEMPTS: usize = 3;

/// One run's count.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct WatchPass {
    /// Records the index listed as due and this run handled.
    pub records: usize,
    /// Alerts recorded, per threshold (30, 7, 1 days, expired).
    pub alerts: [usize; 4],
    /// Records that left the index (no longer verified, replaced, expired).
    pub unwatched: usize,
    /// The run stopped at its time or size limit: the index still lists due records, which
    /// the next run handles.
    pub more: bool,
}

impl WatchPass {
    pub fn alerts_at(&self, threshold: Threshold) -> usize {
        self.alerts[slot(threshold)]
    }
}

/// A threshold's place in [`Threshold::ALL`] (and in [`WatchPass::alerts`]).
fn slot(threshold: Threshold) -> usize {
    Threshold::ALL
        .iter()
        .position(|t| *t == threshold)
        .unwrap_or(0)
}

#[derive(Clone)]
pub struct ExpiryWatchService {
    store: Arc<dyn ExpiryWatchStore>,
    clock: Arc<dyn Clock>,
}

/// What became of one record.
enum Step {
    Alerted(ExpiryAlert),
    Unwatched,
    Moved,
    Unchanged,
}

impl ExpiryWatchService {
    pub fn new(store: Arc<dyn ExpiryWatchStore>, clock: Arc<dyn Clock>) -> Self {
        Self { store, clock }
    }

    /// Handles up to `limit` due records, by `answer_by`.
    pub async fn run(&self, limit: usize, answer_by: Instant) -> Result<WatchPass, StoreError> {
        let today = dates::format(dates::day_of(self.clock.now()));
        let mut pass = WatchPass::default();
        for threshold in Threshold::ALL {
            let room = limit.saturating_sub(pass.records);
            if room == 0 {
                pass.more = true;
                break;
            }
            let due = self.store.watched_due(threshold, &today, room).await?;
            pass.more |= due.len() == room;
            for chunk in due.chunks(CONCURRENCY) {
                if Instant::now() + RUN_RESERVE >= answer_by {
                    pass.more = true;
                    return Ok(pass);
                }
                for step in join_all(chunk.iter().map(|id| self.step(id))).await {
                    pass.records += 1;
                    match step {
                        Ok(Step::Alerted(alert)) => pass.alerts[slot(alert.threshold)] += 1,
                        Ok(Step::Unwatched) => pass.unwatched += 1,
                        Ok(Step::Moved | Step::Unchanged) => {}
                        // Written over by others each time: still listed, for the next run.
                        Err(StoreError::Conflict) => pass.more = true,
                        Err(other) => return Err(other),
                    }
                }
            }
        }
        Ok(pass)
    }

    /// One record: its alert and next watch, written over the record as read.
    async fn step(&self, client_id: &ClientId) -> Result<Step, StoreError> {
        for _ in 0..WRITE_ATTEMPTS {
            let now = self.clock.now();
            let Some(record) = self.store.load(client_id).await? else {
                // Gone (TTL) since the index listed it.
                return Ok(Step::Unchanged);
            };
            let Some(update) = machine::watch_step(&record, now) else {
                return Ok(Step::Unchanged);
            };
            match self.store.record_expiry(client_id, &update).await {
                Ok(()) => {
                    return Ok(match update.alert {
                        Some(alert) => {
                            tracing::info!(
                                client_id = %client_id,
                                pair_id = %update.pair_id,
                                threshold = alert.threshold.days(),
                                days_left = alert.days_left,
                                "expiry alert recorded"
                            );
                            Step::Alerted(alert)
                        }
                        None if update.watch.is_none() => Step::Unwatched,
                        None => Step::Moved,
                    });
                }
                Err(StoreError::Conflict) => continue,
                Err(other) => return Err(other),
            }
        }
        Err(StoreError::Conflict)
    }
}

#[cfg(test)]
mod tests;
