//! The in-memory adapter: tests and the local stack. Same semantics as DynamoDB's, and, like a
//! table's stream, an optional feed of every change (the record before and after).

use async_trait::async_trait;
use pair_core::clock::Timestamp;
use pair_core::pair::machine::{
    ClaimReview, ClaimWrite, Install, accept_half, accept_verdict, claimed, claimed_review,
    installed, released, with_expiry,
};
use pair_core::pair::queue::{Queue, QueuePage, QueuePosition, QueuedPair, ReviewClaim};
use pair_core::pair::validity::ExpiryUpdate;
use pair_core::pair::{ClientId, PairRecord, PreviousPair, Threshold};
use pair_core::ports::store::{
    Arrival, Decision, ErasureStore, Expected, ExpiryStore, ExpiryWatchStore, HalfWrite,
    HalfWritten, HistoryStore, PairReader, ReplaceStore, ResultStore, ReviewQueueStore,
    ReviewStore, SeedStore, StoreError, VerdictStore, VerificationsStore, Written,
};
use std::collections::HashMap;
use std::sync::Mutex;
use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender};

#[derive(Debug, Default)]
pub struct MemoryStore {
    records: Mutex<HashMap<ClientId, PairRecord>>,
    changes: Option<UnboundedSender<Change>>,
}

/// One write, as a stream record shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    pub old: Option<PairRecord>,
    pub new: PairRecord,
}

impl MemoryStore {
    pub fn new() -> Self {
        Self::default()
    }

    /// A store that also sends every change, in the order the writes happen.
    pub fn with_change_feed() -> (Self, UnboundedReceiver<Change>) {
        let (sender, receiver) = tokio::sync::mpsc::unbounded_channel();
        let store = Self {
            changes: Some(sender),
            ..Self::default()
        };
        (store, receiver)
    }

    /// Writes `next` under the lock already held, and tells the feed.
    fn put(
        &self,
        records: &mut HashMap<ClientId, PairRecord>,
        client_id: &ClientId,
        next: PairRecord,
    ) {
        match &self.changes {
            None => {
                records.insert(client_id.clone(), next);
            }
            Some(changes) => {
                let old = records.insert(client_id.clone(), next.clone());
                // Nobody listening any more is not the writer's concern.
                let _ = changes.send(Change { old, new: next });
            }
        }
    }

    fn records(&self) -> std::sync::MutexGuard<'_, HashMap<ClientId, PairRecord>> {
        // A panic while holding the lock cannot leave a half-written record (inserts are
        // whole), so a poisoned lock is still safe to use.
        self.records
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

#[async_trait]
impl PairReader for MemoryStore {
    async fn load(&self, client_id: &ClientId) -> Result<Option<PairRecord>, StoreError> {
        Ok(self.records().get(client_id).cloned())
    }
}

#[async_trait]
impl SeedStore for MemoryStore {
    async fn save(&self, record: &PairRecord, expected: Expected) -> Result<(), StoreError> {
        let mut records = self.records();
        let current = records.get(&record.client_id).map(|r| r.version);
        let matches = match expected {
            Expected::Absent => current.is_none(),
            Expected::Version(version) => current == Some(version),
        };
        if !matches {
            return Err(StoreError::Conflict);
        }
        self.put(&mut records, &record.client_id, record.clone());
        Ok(())
    }
}

impl ReviewStore for MemoryStore {}

#[async_trait]
impl ReplaceStore for MemoryStore {
    async fn replace(&self, record: &PairRecord, expected_version: u64) -> Result<(), StoreError> {
        self.save(record, Expected::Version(expected_version)).await
    }
}

#[async_trait]
impl ErasureStore for MemoryStore {
    async fn create(&self, record: &PairRecord) -> Result<(), StoreError> {
        self.save(record, Expected::Absent).await
    }
}

#[async_trait]
impl ExpiryStore for MemoryStore {
    async fn record_expiry(
        &self,
        client_id: &ClientId,
        update: &ExpiryUpdate,
    ) -> Result<(), StoreError> {
        let mut records = self.records();
        let next = records
            .get(client_id)
            .and_then(|current| with_expiry(current, update))
            .ok_or(StoreError::Conflict)?;
        self.put(&mut records, client_id, next);
        Ok(())
    }
}

#[async_trait]
impl ExpiryWatchStore for MemoryStore {
    async fn watched_due(
        &self,
        threshold: Threshold,
        day: &str,
        limit: usize,
    ) -> Result<Vec<ClientId>, StoreError> {
        let records = self.records();
        let mut due: Vec<(&str, &ClientId)> = records
            .values()
            .filter(|r| r.expiry_watch == Some(threshold))
            .filter_map(|r| Some((r.expiry_due.as_deref()?, &r.client_id)))
            .filter(|(due, _)| *due <= day)
            .collect();
        // The index's order: by due day (then by clientId, for repeatable tests).
        due.sort_by(|a, b| (a.0, a.1.as_str()).cmp(&(b.0, b.1.as_str())));
        Ok(due
            .into_iter()
            .take(limit)
            .map(|(_, client_id)| client_id.clone())
            .collect())
    }
}

#[async_trait]
impl ReviewQueueStore for MemoryStore {
    async fn waiting(
        &self,
        queue: Queue,
        after: Option<&QueuePosition>,
        limit: usize,
        now: Timestamp,
    ) -> Result<QueuePage, StoreError> {
        let records = self.records();
        let mut entries: Vec<(Timestamp, &PairRecord)> = records
            .values()
            .filter(|r| r.queue == Some(queue) && r.waiting.is_some())
            .filter_map(|r| Some((r.waiting_since?, r)))
            .filter(|(since, r)| {
                after.is_none_or(|a| {
                    (*since, r.client_id.as_str()) > (a.since, a.client_id.as_str())
                })
            })
            .collect();
        // The index's order: by waitingSince, then by clientId.
        entries.sort_by(|a, b| (a.0, a.1.client_id.as_str()).cmp(&(b.0, b.1.client_id.as_str())));
        entries.truncate(limit);
        // Like a Query's Limit: a full page names its last entry, even if none follows.
        let next = (entries.len() == limit)
            .then(|| entries.last())
            .flatten()
            .map(|(since, r)| QueuePosition {
                since: *since,
                client_id: r.client_id.clone(),
            });
        let pairs = entries
            .into_iter()
            .filter(|(_, r)| r.expires_at > now)
            .filter_map(|(since, r)| {
                Some(QueuedPair {
                    client_id: r.client_id.clone(),
                    since,
                    waiting: r.waiting.clone()?,
                    claim: ReviewClaim::holding(r.review_claim.as_ref(), now).cloned(),
                })
            })
            .collect();
        Ok(QueuePage { pairs, next })
    }

    async fn claim_review(
        &self,
        client_id: &ClientId,
        write: &ClaimReview,
    ) -> Result<(), StoreError> {
        let mut records = self.records();
        let next = records
            .get(client_id)
            .and_then(|current| claimed_review(current, write))
            .ok_or(StoreError::Conflict)?;
        self.put(&mut records, client_id, next);
        Ok(())
    }
}

#[async_trait]
impl VerificationsStore for MemoryStore {
    async fn claim(&self, client_id: &ClientId, write: &ClaimWrite) -> Result<(), StoreError> {
        let mut records = self.records();
        let next = claimed(records.get(client_id), client_id, write).ok_or(StoreError::Conflict)?;
        self.put(&mut records, client_id, next);
        Ok(())
    }

    async fn release(&self, client_id: &ClientId, claim_id: &str) -> Result<(), StoreError> {
        let mut records = self.records();
        if let Some(next) = released(records.get(client_id), claim_id) {
            self.put(&mut records, client_id, next);
        }
        Ok(())
    }

    async fn install(&self, client_id: &ClientId, install: &Install) -> Result<(), StoreError> {
        let mut records = self.records();
        let next = installed(records.get(client_id), install).ok_or(StoreError::Conflict)?;
        self.put(&mut records, client_id, next);
        Ok(())
    }
}

#[async_trait]
impl HistoryStore for MemoryStore {
    async fn record_late(
        &self,
        client_id: &ClientId,
        read_version: u64,
        previous_pairs: &[PreviousPair],
    ) -> Result<(), StoreError> {
        let mut records = self.records();
        let Some(current) = records.get(client_id).filter(|r| r.version == read_version) else {
            return Err(StoreError::Conflict);
        };
        let next = PairRecord {
            version: current.version + 1,
            previous_pairs: previous_pairs.to_vec(),
            ..current.clone()
        };
        self.put(&mut records, client_id, next);
        Ok(())
    }
}

#[async_trait]
impl ResultStore for MemoryStore {
    async fn record_half(&self, client_id: &ClientId, arrival: Arrival<'_>) -> HalfWritten {
        let mut records = self.records();
        let Some(current) = records.get(client_id) else {
            return Ok(HalfWrite::Refused(None));
        };
        match accept_half(current, arrival.scan_ref, arrival.half, arrival.now) {
            Some(next) => {
                self.put(&mut records, client_id, next.clone());
                Ok(HalfWrite::Stored(next))
            }
            None => Ok(HalfWrite::Refused(Some(current.clone()))),
        }
    }
}

#[async_trait]
impl VerdictStore for MemoryStore {
    async fn record_verdict(&self, client_id: &ClientId, decision: Decision<'_>) -> Written {
        let mut records = self.records();
        let next = records
            .get(client_id)
            .and_then(|current| accept_verdict(current, decision.pair_id, decision.verdict));
        match next {
            Some(mut next) => {
                next.set_watch(decision.watch);
                next.set_waiting(decision.waiting);
                if let Some(keep_until) = decision.keep_until {
                    next.expires_at = keep_until;
                }
                self.put(&mut records, client_id, next);
                Ok(true)
            }
            None => Ok(false),
        }
    }
}
