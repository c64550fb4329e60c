//! A result for a session of a pair a restart replaced: kept on that pair's history entry
//! ([`pair_core::pair::machine::accept_late`]), never used for the live pair.

use super::*;

/// A replaced pair's late result is written again on a fresh read at most this many times.
const HISTORY_ATTEMPTS: usize = 3;

impl CallbackService {
    /// A result for a replaced pair's session, kept on its history entry under the version
    /// read (read again if a write landed meanwhile).
    pub(super) async fn keep_in_history(
        &self,
        mut record: PairRecord,
        callback: &Callback,
        now: Timestamp,
    ) -> Result<Receipt, StoreError> {
        let client_id = &callback.client_id;
        let scan_ref = callback.scan_ref.as_str();
        for _ in 0..HISTORY_ATTEMPTS {
            let Some(previous) = machine::accept_late(&record, scan_ref, &callback.half, now)
            else {
                return Ok(Receipt::KeptInHistory { recorded: false });
            };
            match self
                .store
                .record_late(client_id, record.version, &previous)
                .await
            {
                Ok(()) => {
                    tracing::warn!(%client_id, scan_ref, overall = callback.half.overall.as_str(), "a result for a replaced pair's session: kept on its history entry");
                    return Ok(Receipt::KeptInHistory { recorded: true });
                }
                Err(StoreError::Conflict) => {
                    let Some(again) = self.store.load(client_id).await? else {
                        return Ok(Receipt::Ignored(IgnoredBecause::UnknownClientId));
                    };
                    record = again;
                }
                Err(other) => return Err(other),
            }
        }
        // Writes kept landing: iDenfy's retry keeps it later.
        Err(StoreError::Conflict)
    }
}
