//! The eraser's use cases: erase a clientId ([`ErasureService::erase`]: our copy first, in one
//! conditional write, then iDenfy's sessions), and ask iDenfy again for the sessions it has
//! not deleted yet ([`ErasureService::retry_pending`], run on a schedule). The rules are in
//! [`crate::pair::erasure`].

use crate::clock::{Clock, Timestamp};
use crate::idenfy::SessionEraser;
use crate::pair::erasure::{self, DeletionRefusal, Erasure};
use crate::pair::{ClientId, PairRecord, Principal};
use crate::store::{ErasureStore, StoreError};
use futures_util::future::join_all;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// A scheduled pass starts no record with less time than this left.
const PASS_RESERVE: Duration = Duration::from_secs(3);

/// Records changed under an erasure's write are read again this many times at most.
const WRITE_ATTEMPTS: usize = 3;

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
    /// Sessions iDenfy refused (or could not be asked) in this call: asked again later.
    pub refused_now: usize,
    /// Sessions still with iDenfy a day after the erasure was asked for.
    pub overdue: usize,
}

impl Erased {
    fn of(erasure: Erasure, refused_now: usize, now: Timestamp) -> Self {
        let overdue = erasure
            .sessions
            .iter()
            .filter(|s| s.is_overdue(now))
            .count();
        Self {
            erasure,
            refused_now,
            overdue,
        }
    }

    /// Every session is deleted at iDenfy too.
    pub fn is_complete(&self) -> bool {
        self.erasure.sessions.iter().all(|s| s.is_deleted())
    }
}

/// One pass of [`ErasureService::retry_pending`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RetryPass {
    pub records: usize,
    pub refused: usize,
    pub overdue: usize,
}

#[derive(Clone)]
pub struct ErasureService {
    store: Arc<dyn ErasureStore>,
    sessions: Arc<dyn SessionEraser>,
    clock: Arc<dyn Clock>,
    /// An erased record is kept at least this long (the pairs' retention): the audit, and
    /// the retries while iDenfy refuses, outlive the data.
    keep_for: Duration,
}

impl ErasureService {
    pub fn new(
        store: Arc<dyn ErasureStore>,
        sessions: Arc<dyn SessionEraser>,
        clock: Arc<dyn Clock>,
        keep_for: Duration,
    ) -> Self {
        Self {
            store,
            sessions,
            clock,
            keep_for,
        }
    }

    /// Erases every pair of `client_id` on `by`'s request, then asks iDenfy to delete each
    /// session not deleted yet (by `answer_by`). Our copy is gone before iDenfy is asked: a
    /// failure after that leaves only iDenfy's deletions to do, which the retries do.
    pub async fn erase(
        &self,
        client_id: &ClientId,
        by: &Principal,
        answer_by: Instant,
    ) -> Result<Erased, ErasureError> {
        let mut written = None;
        for _ in 0..WRITE_ATTEMPTS {
            let now = self.clock.now();
            let record = self
                .store
                .load(client_id)
                .await?
                .ok_or(ErasureError::NotFound)?;
            let erased = erasure::erase(&record, by, now, self.keep_for);
            match self.store.replace(&erased, record.version).await {
                Ok(()) => {
                    written = Some(erased);
                    break;
                }
                Err(StoreError::Conflict) => continue,
                Err(other) => return Err(other.into()),
            }
        }
        let record = written.ok_or(StoreError::Conflict)?;
        tracing::info!(
            client_id = %client_id,
            principal = %by,
            "clientId erased; asking iDenfy to delete its sessions"
        );
        Ok(self.delete_due(record, answer_by, true).await?)
    }

    /// Asks iDenfy again for the sessions of up to `limit` records whose erasure waits for
    /// it, each no sooner than [`erasure::DELETION_RETRY_AFTER`] after its last attempt.
    pub async fn retry_pending(
        &self,
        limit: usize,
        answer_by: Instant,
    ) -> Result<RetryPass, StoreError> {
        let mut pass = RetryPass::default();
        for client_id in self.store.pending_erasures(limit).await? {
            // The rest waits for the next run rather than be recorded as timed out now.
            if Instant::now() + PASS_RESERVE >= answer_by {
                break;
            }
            let Some(record) = self.store.load(&client_id).await? else {
                continue;
            };
            let erased = self.delete_due(record, answer_by, false).await?;
            pass.records += 1;
            pass.refused += erased.refused_now;
            pass.overdue += erased.overdue;
        }
        Ok(pass)
    }

    /// iDenfy asked for every due session of `record` at once; the answers recorded under
    /// the version read (again on a fresh read if the record changed meanwhile).
    async fn delete_due(
        &self,
        mut record: PairRecord,
        answer_by: Instant,
        now_too: bool,
    ) -> Result<Erased, StoreError> {
        let now = self.clock.now();
        let due = erasure::due_for_deletion(&record, now, now_too);
        let answers: Vec<(String, Result<(), DeletionRefusal>)> =
            join_all(due.into_iter().map(|scan_ref| async move {
                let answer = self
                    .sessions
                    .delete_session(&scan_ref, answer_by)
                    .await
                    .map_err(|error| crate::idenfy::deletion_refusal(&error));
                (scan_ref, answer)
            }))
            .await;
        let refused_now = answers.iter().filter(|(_, a)| a.is_err()).count();
        for (scan_ref, answer) in &answers {
            if let Err(refusal) = answer {
                tracing::warn!(
                    client_id = %record.client_id,
                    scan_ref = %scan_ref,
                    refusal = refusal.code(),
                    "iDenfy did not delete a session: asked again later"
                );
            }
        }
        for _ in 0..WRITE_ATTEMPTS {
            let Some(next) = erasure::record_deletions(&record, &answers, now) else {
                break;
            };
            match self.store.replace(&next, record.version).await {
                Ok(()) => {
                    record = next;
                    break;
                }
                Err(StoreError::Conflict) => {
                    record = self
                        .store
                        .load(&record.client_id)
                        .await?
                        .ok_or(StoreError::Conflict)?;
                }
                Err(other) => return Err(other),
            }
        }
        let erasure = record.erasure.unwrap_or(Erasure {
            requests: vec![],
            pairs: vec![],
            sessions: vec![],
        });
        Ok(Erased::of(erasure, refused_now, now))
    }
}
