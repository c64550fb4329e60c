//! Every session iDenfy opens for us goes into the session ledger before the function answers
//! ([`IssuanceService::open_recorded`], the only caller of the issuer port), and one that is
//! never handed out is asked to be deleted at iDenfy once its token lapses
//! ([`IssuanceService::discard`]); the daily cap counts from it ([`IssuanceService::cap_reached`]).

use super::*;
use pair_core::pair::ledger::{self, DeletionCause, Entry, Minted};

/// How opening a recorded session failed.
#[derive(Debug, thiserror::Error)]
pub(super) enum MintError {
    #[error(transparent)]
    Upstream(#[from] IdenfyError),
    /// iDenfy opened the session, but the ledger could not record it.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<MintError> for IssueError {
    fn from(error: MintError) -> Self {
        match error {
            MintError::Upstream(error) => IssueError::Upstream(error),
            MintError::Store(error) => IssueError::Store(error),
        }
    }
}

impl From<MintError> for FollowError {
    fn from(error: MintError) -> Self {
        match error {
            MintError::Upstream(error) => FollowError::Upstream(error),
            MintError::Store(error) => FollowError::Store(error),
        }
    }
}

/// Ledger writes of a session just opened are tried this many times: the session exists at
/// iDenfy whatever happens next.
const RECORD_ATTEMPTS: usize = 3;

impl IssuanceService {
    /// Opens the session `order` asks for and records it in the ledger (`renewal`: a document
    /// session minted again at the continuation) before anything else can fail.
    pub(super) async fn open_recorded(
        &self,
        order: &SessionOrder,
        renewal: bool,
    ) -> Result<OpenedSession, MintError> {
        let opened = self.sessions.open_session(order).await?;
        let now = self.clock.now();
        let entry = Entry::minted(
            Minted {
                client_id: order.client_id.clone(),
                scan_ref: opened.scan_ref.clone(),
                role: order.role,
                pair_id: order.pair_id.clone(),
                renewal,
                usable_until: now.plus(order.start_within),
            },
            now,
            self.policy.ledger,
        );
        let mut outcome = Ok(());
        for _ in 0..RECORD_ATTEMPTS {
            outcome = self.ledger.record(&entry).await;
            if outcome.is_ok() {
                return Ok(opened);
            }
        }
        let error = outcome.err().unwrap_or(StoreError::Conflict);
        // The one case a session escapes the ledger: an operator deletes it by its scanRef.
        tracing::error!(
            client_id = %order.client_id,
            scan_ref = %opened.scan_ref,
            %error,
            "a session iDenfy opened could not be recorded in the ledger"
        );
        Err(MintError::Store(error))
    }

    /// Sessions minted but never handed out (their pair was not installed, or their renewal
    /// lost): asked to be deleted at iDenfy once their tokens lapse. Best effort — if this
    /// fails, the retention check finds them later, since no record names them.
    pub(super) async fn discard(&self, client_id: &ClientId, scan_refs: &[&str]) {
        for scan_ref in scan_refs {
            for _ in 0..RECORD_ATTEMPTS {
                let now = self.clock.now();
                let entry = match self.ledger.entry(client_id, scan_ref).await {
                    Ok(Some(entry)) => entry,
                    Ok(None) => break,
                    Err(error) => {
                        tracing::warn!(client_id = %client_id, %scan_ref, %error, "an unused session not marked for deletion");
                        break;
                    }
                };
                let Some(next) = entry.ask_deletion(DeletionCause::NotUsed, now) else {
                    break;
                };
                match self.ledger.update(&next, entry.version).await {
                    Ok(()) => break,
                    Err(StoreError::Conflict) => continue,
                    Err(error) => {
                        tracing::warn!(client_id = %client_id, %scan_ref, %error, "an unused session not marked for deletion");
                        break;
                    }
                }
            }
        }
    }

    /// Whether `client_id` reached the cap at `now` (the ledger's issuances in the last day):
    /// how long until one more fits, if so.
    pub(super) async fn cap_reached(
        &self,
        client_id: &ClientId,
        now: Timestamp,
    ) -> Result<Option<Duration>, StoreError> {
        let since = Timestamp::from_unix_seconds(
            now.unix_seconds() - ledger::PAIRS_WINDOW.as_secs().cast_signed(),
        );
        let recent = self.ledger.minted_since(client_id, since).await?;
        let Err(next_allowed) = ledger::pair_allowed(&recent, self.policy.max_pairs_per_day, now)
        else {
            return Ok(None);
        };
        tracing::warn!(client_id = %client_id, "pairs per day reached: no tokens minted");
        let wait = (next_allowed.unix_seconds() - now.unix_seconds()).max(1);
        Ok(Some(Duration::from_secs(wait.unsigned_abs())))
    }
}
