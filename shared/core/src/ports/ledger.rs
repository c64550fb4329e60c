//! The session ledger's port ([`crate::pair::ledger`]): one entry per iDenfy session, keyed by
//! clientId and scanRef, written under a condition on the entry's version. Two adapters
//! implement it with the same semantics (`pair_adapters::store`: DynamoDB and in memory).

use super::store::StoreError;
use crate::clock::Timestamp;
use crate::pair::ClientId;
use crate::pair::ledger::{Entry, Queue};
use async_trait::async_trait;
use std::time::Duration;

#[async_trait]
pub trait SessionLedger: Send + Sync {
    /// Adds `entry` unless the ledger holds its scanRef already (then it is left as it is:
    /// recording a session twice is harmless).
    async fn record(&self, entry: &Entry) -> Result<(), StoreError>;

    /// Every entry of `client_id`, read consistently.
    async fn sessions(&self, client_id: &ClientId) -> Result<Vec<Entry>, StoreError>;

    /// The entries of `client_id` minted after `since`, read consistently (the pair cap).
    async fn minted_since(
        &self,
        client_id: &ClientId,
        since: Timestamp,
    ) -> Result<Vec<Entry>, StoreError>;

    /// One entry, read consistently.
    async fn entry(
        &self,
        client_id: &ClientId,
        scan_ref: &str,
    ) -> Result<Option<Entry>, StoreError>;

    /// Writes `entry` whole if the stored one is still at `expected_version`, else `Conflict`.
    async fn update(&self, entry: &Entry, expected_version: u64) -> Result<(), StoreError>;

    /// Up to `limit` entries waiting in `queue` and due by `now`, the longest due first, from
    /// the ledger's sparse index (never a scan). The index may lag: re-read before acting.
    async fn due(
        &self,
        queue: Queue,
        now: Timestamp,
        limit: usize,
    ) -> Result<Vec<(ClientId, String)>, StoreError>;

    /// The deletions iDenfy has not done yet at `now`: how many, how many overdue, and when
    /// the oldest was asked for.
    async fn pending_deletions(&self, now: Timestamp) -> Result<PendingDeletions, StoreError>;
}

/// The sessions still waiting for iDenfy's deletion.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PendingDeletions {
    pub count: usize,
    /// Of those, asked for more than [`crate::pair::ledger::DELETION_OVERDUE_AFTER`] ago.
    pub overdue: usize,
    pub oldest_requested_at: Option<Timestamp>,
}

impl PendingDeletions {
    /// Counts `entry` if its deletion waits for iDenfy.
    pub fn add(&mut self, entry: &Entry, now: Timestamp) {
        let Some(deletion) = entry.deletion.as_ref().filter(|d| !d.is_done()) else {
            return;
        };
        self.count += 1;
        if entry.is_overdue(now) {
            self.overdue += 1;
        }
        self.oldest_requested_at = Some(
            self.oldest_requested_at
                .map_or(deletion.requested_at, |at| at.min(deletion.requested_at)),
        );
    }

    /// How long the oldest has waited at `now`.
    pub fn oldest_age(&self, now: Timestamp) -> Duration {
        self.oldest_requested_at.map_or(Duration::ZERO, |at| {
            Duration::from_secs(
                (now.unix_seconds() - at.unix_seconds())
                    .max(0)
                    .unsigned_abs(),
            )
        })
    }
}
