//! The eraser's use cases: erase a clientId ([`ErasureService::erase`]: our copy first, in one
//! conditional write, then iDenfy's copy of every session the ledger holds for it), and the
//! scheduled run ([`ErasureService::run`]) that asks iDenfy again for the sessions it has not
//! deleted yet and deletes those whose pair record's retention ended. The rules are in
//! [`pair_core::pair::erasure`] and [`pair_core::pair::ledger`].

use futures_util::StreamExt;
use pair_core::clock::{Clock, Timestamp};
use pair_core::pair::erasure::{self, DeletionRefusal, Erasure};
use pair_core::pair::ledger::{self, DeletionCause, Entry, Queue, RetentionCheck};
use pair_core::pair::{ClientId, PairRecord, Principal, Role};
use pair_core::ports::idenfy::SessionEraser;
use pair_core::ports::ledger::{PendingDeletions, SessionLedger};
use pair_core::ports::store::{ErasureStore, StoreError};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// A scheduled run starts no session with less time than this left.
const RUN_RESERVE: Duration = Duration::from_secs(3);

/// Records and entries changed under a write are read again this many times at most.
const WRITE_ATTEMPTS: usize = 3;

/// iDenfy is asked for this many deletions at once.
const DELETIONS_AT_ONCE: usize = 8;

/// An erasure marks this many ledger entries at once (a clientId may have thousands).
const WRITES_AT_ONCE: usize = 16;

#[derive(Debug, thiserror::Error)]
pub enum ErasureError {
    #[error("no verification for this clientId")]
    NotFound,
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// An erasure as it stands after this call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Erased {
    pub erasure: Erasure,
    /// Every session the ledger holds for the clientId, and its deletion.
    pub sessions: Vec<Entry>,
    /// Sessions iDenfy refused (or could not be asked) in this call: asked again later.
    pub refused_now: usize,
    /// Sessions still with iDenfy a day after their deletion was asked for.
    pub overdue: usize,
}

impl Erased {
    /// Every session is deleted at iDenfy too.
    pub fn is_complete(&self) -> bool {
        self.sessions.iter().all(Entry::is_deleted)
    }
}

/// One scheduled run of [`ErasureService::run`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ErasureRun {
    /// Sessions iDenfy was asked to delete in this run, and how many it did.
    pub asked: usize,
    pub deleted: usize,
    pub refused: usize,
    /// Sessions whose pair record's retention was checked, and of those, how many ended.
    pub retention_checked: usize,
    pub retention_ended: usize,
    /// What waits for iDenfy after the run: how many, how many overdue, since when.
    pub pending: PendingDeletions,
    /// How long the oldest of them has waited.
    pub oldest_pending_age: Duration,
}

#[derive(Clone)]
pub struct ErasureService {
    store: Arc<dyn ErasureStore>,
    ledger: Arc<dyn SessionLedger>,
    sessions: Arc<dyn SessionEraser>,
    clock: Arc<dyn Clock>,
    /// How long the audit is kept (`AUDIT_RETENTION_DAYS`): an erased record, and a ledger
    /// entry whose deletion iDenfy keeps refusing, are kept at least this long from now.
    audit: Duration,
}

impl ErasureService {
    pub fn new(
        store: Arc<dyn ErasureStore>,
        ledger: Arc<dyn SessionLedger>,
        sessions: Arc<dyn SessionEraser>,
        clock: Arc<dyn Clock>,
        audit: Duration,
    ) -> Self {
        Self {
            store,
            ledger,
            sessions,
            clock,
            audit,
        }
    }

    /// Erases every pair of `client_id` on `by`'s request, then asks iDenfy to delete every
    /// session the ledger holds for it and has not seen deleted (by `answer_by`). Our copy is
    /// gone before iDenfy is asked: a failure after that leaves only iDenfy's deletions, which
    /// the scheduled run does. `NotFound` only for a clientId never seen.
    pub async fn erase(
        &self,
        client_id: &ClientId,
        by: &Principal,
        answer_by: Instant,
    ) -> Result<Erased, ErasureError> {
        let (stored, record) = self.erase_record(client_id, by).await?;
        let now = self.clock.now();
        if let Some(stored) = &stored {
            self.record_named_sessions(stored, now).await?;
        }
        tracing::info!(
            client_id = %client_id,
            principal = %by,
            "clientId erased; asking iDenfy to delete its sessions"
        );
        // Read after our write: a session minted by a request that raced the erasure is either
        // here, or its request finds the pair gone and asks for its deletion itself.
        let marked: Vec<Result<Entry, StoreError>> =
            futures_util::stream::iter(self.ledger.sessions(client_id).await?)
                .map(|entry| {
                    self.change(entry, move |e| e.ask_deletion(DeletionCause::Erasure, now))
                })
                .buffer_unordered(WRITES_AT_ONCE)
                .collect()
                .await;
        let mut entries = marked
            .into_iter()
            .collect::<Result<Vec<Entry>, StoreError>>()?;
        let due: Vec<Entry> = entries
            .iter()
            .filter(|e| e.deletion_due(now, true))
            .cloned()
            .collect();
        let answered = self.delete(due, answer_by).await?;
        let refused_now = answered.iter().filter(|e| !e.is_deleted()).count();
        for entry in answered {
            if let Some(slot) = entries.iter_mut().find(|e| e.scan_ref == entry.scan_ref) {
                *slot = entry;
            }
        }
        let overdue = entries.iter().filter(|e| e.is_overdue(now)).count();
        // In the order they were minted, a pair's identity session first.
        entries.sort_by(|a, b| {
            (a.minted_at, a.role != Some(Role::Identity), &a.scan_ref).cmp(&(
                b.minted_at,
                b.role != Some(Role::Identity),
                &b.scan_ref,
            ))
        });
        Ok(Erased {
            erasure: record.erasure.unwrap_or(Erasure {
                requests: vec![],
                pairs: vec![],
            }),
            sessions: entries,
            refused_now,
            overdue,
        })
    }

    /// Our copy erased in one write under the version read (or the audit of a clientId whose
    /// record is gone created): the record as it stood, and as it is now.
    async fn erase_record(
        &self,
        client_id: &ClientId,
        by: &Principal,
    ) -> Result<(Option<PairRecord>, PairRecord), ErasureError> {
        for _ in 0..WRITE_ATTEMPTS {
            let now = self.clock.now();
            let stored = self.store.load(client_id).await?;
            if stored.is_none() && self.ledger.sessions(client_id).await?.is_empty() {
                return Err(ErasureError::NotFound);
            }
            let erased = erasure::erase(client_id, stored.as_ref(), by, now, self.audit);
            let write = match &stored {
                Some(record) => self.store.replace(&erased, record.version).await,
                None => self.store.create(&erased).await,
            };
            match write {
                Ok(()) => return Ok((stored, erased)),
                Err(StoreError::Conflict) => continue,
                Err(other) => return Err(other.into()),
            }
        }
        Err(StoreError::Conflict.into())
    }

    /// The scheduled run: up to `limit` deletions due (the longest waiting first, so a session
    /// iDenfy keeps refusing goes to the back and never blocks the others), then, with what
    /// is left of `limit`, the retention checks due — a session whose pair record's retention
    /// ended is deleted at iDenfy too.
    pub async fn run(&self, limit: usize, answer_by: Instant) -> Result<ErasureRun, StoreError> {
        let now = self.clock.now();
        let mut run = ErasureRun::default();
        let mut due = Vec::new();
        for (client_id, scan_ref) in self.ledger.due(Queue::Deletion, now, limit).await? {
            if let Some(entry) = self.ledger.entry(&client_id, &scan_ref).await?
                && entry.deletion_due(now, false)
            {
                due.push(entry);
            }
        }
        let checks = limit.saturating_sub(due.len());
        for (client_id, scan_ref) in self.ledger.due(Queue::Retention, now, checks).await? {
            if Instant::now() + RUN_RESERVE >= answer_by {
                break;
            }
            let Some(entry) = self.ledger.entry(&client_id, &scan_ref).await? else {
                continue;
            };
            if entry.deletion.is_some() || entry.retention_check_at.is_none_or(|at| at > now) {
                continue;
            }
            run.retention_checked += 1;
            let record = self.store.load(&client_id).await?;
            let checked = match entry.retention_check(record.as_ref(), now) {
                RetentionCheck::KeepUntil(at) => {
                    let audit = self.audit;
                    self.change(entry, |e| Some(e.check_again_at(at, audit)))
                        .await?
                }
                RetentionCheck::Ended => {
                    run.retention_ended += 1;
                    self.change(entry, |e| e.ask_deletion(DeletionCause::RetentionEnd, now))
                        .await?
                }
            };
            if checked.deletion_due(now, false) {
                due.push(checked);
            }
        }
        run.asked = due.len();
        let answered = self.delete(due, answer_by).await?;
        run.deleted = answered.iter().filter(|e| e.is_deleted()).count();
        run.refused = run.asked - run.deleted;
        run.pending = self.ledger.pending_deletions(now).await?;
        run.oldest_pending_age = run.pending.oldest_age(now);
        Ok(run)
    }

    /// The sessions a pair record names that the ledger lacks (minted before it existed).
    async fn record_named_sessions(
        &self,
        stored: &PairRecord,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        let known = self.ledger.sessions(&stored.client_id).await?;
        for session in ledger::sessions_named_by(stored) {
            if !known.iter().any(|e| e.scan_ref == session.scan_ref) {
                let entry = Entry::known_from_record(&stored.client_id, &session, now, self.audit);
                self.ledger.record(&entry).await?;
            }
        }
        Ok(())
    }

    /// iDenfy asked to delete each of `entries` (a few at once, each call ending by
    /// `answer_by`, none started past it); each answer recorded. Returns the entries as
    /// written (those not asked in time stay due, as they were).
    async fn delete(
        &self,
        entries: Vec<Entry>,
        answer_by: Instant,
    ) -> Result<Vec<Entry>, StoreError> {
        let answers: Vec<(Entry, Option<Result<(), DeletionRefusal>>)> =
            futures_util::stream::iter(entries)
                .map(|entry| async move {
                    if Instant::now() + RUN_RESERVE >= answer_by {
                        return (entry, None);
                    }
                    let answer = self
                        .sessions
                        .delete_session(&entry.scan_ref, answer_by)
                        .await
                        .map_err(|error| pair_adapters::idenfy::deletion_refusal(&error));
                    (entry, Some(answer))
                })
                .buffer_unordered(DELETIONS_AT_ONCE)
                .collect()
                .await;
        let mut written = Vec::new();
        for (entry, answer) in answers {
            let Some(answer) = answer else {
                written.push(entry);
                continue;
            };
            if let Err(refusal) = answer {
                tracing::warn!(
                    client_id = %entry.client_id,
                    scan_ref = %entry.scan_ref,
                    refusal = refusal.code(),
                    "iDenfy did not delete a session: asked again later"
                );
            }
            let now = self.clock.now();
            let audit = self.audit;
            written.push(
                self.change(entry, |e| e.answered(answer, now, audit))
                    .await?,
            );
        }
        Ok(written)
    }

    /// `entry` changed by `step` and written under its version — on a fresh read if another
    /// writer got there first. Returns the entry as it stands (unchanged when `step` has
    /// nothing to do).
    async fn change(
        &self,
        mut entry: Entry,
        step: impl Fn(&Entry) -> Option<Entry>,
    ) -> Result<Entry, StoreError> {
        for _ in 0..WRITE_ATTEMPTS {
            let Some(next) = step(&entry) else {
                return Ok(entry);
            };
            match self.ledger.update(&next, entry.version).await {
                Ok(()) => return Ok(next),
                Err(StoreError::Conflict) => {
                    entry = self
                        .ledger
                        .entry(&entry.client_id, &entry.scan_ref)
                        .await?
                        .ok_or(StoreError::Conflict)?;
                }
                Err(other) => return Err(other),
            }
        }
        Err(StoreError::Conflict)
    }
}
