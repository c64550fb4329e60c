//! The session ledger in memory: tests and the local stack. Same semantics as DynamoDB's.

use async_trait::async_trait;
use pair_core::clock::Timestamp;
use pair_core::pair::ClientId;
use pair_core::pair::ledger::{Entry, Queue};
use pair_core::ports::ledger::{PendingDeletions, SessionLedger};
use pair_core::ports::store::StoreError;
use std::collections::BTreeMap;
use std::sync::{Mutex, MutexGuard, PoisonError};

#[derive(Debug, Default)]
pub struct MemoryLedger {
    entries: Mutex<BTreeMap<(String, String), Entry>>,
}

impl MemoryLedger {
    pub fn new() -> Self {
        Self::default()
    }

    fn entries(&self) -> MutexGuard<'_, BTreeMap<(String, String), Entry>> {
        // Inserts are whole: a poisoned lock still holds whole entries.
        self.entries.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn key(client_id: &ClientId, scan_ref: &str) -> (String, String) {
        (client_id.as_str().to_owned(), scan_ref.to_owned())
    }

    fn of_client<'a>(
        entries: &'a BTreeMap<(String, String), Entry>,
        client_id: &'a ClientId,
    ) -> impl Iterator<Item = &'a Entry> + 'a {
        entries.values().filter(move |e| e.client_id == *client_id)
    }
}

#[async_trait]
impl SessionLedger for MemoryLedger {
    async fn record(&self, entry: &Entry) -> Result<(), StoreError> {
        self.entries()
            .entry(Self::key(&entry.client_id, &entry.scan_ref))
            .or_insert_with(|| entry.clone());
        Ok(())
    }

    async fn sessions(&self, client_id: &ClientId) -> Result<Vec<Entry>, StoreError> {
        Ok(Self::of_client(&self.entries(), client_id)
            .cloned()
            .collect())
    }

    async fn minted_since(
        &self,
        client_id: &ClientId,
        since: Timestamp,
    ) -> Result<Vec<Entry>, StoreError> {
        Ok(Self::of_client(&self.entries(), client_id)
            .filter(|e| e.minted_at > since)
            .cloned()
            .collect())
    }

    async fn entry(
        &self,
        client_id: &ClientId,
        scan_ref: &str,
    ) -> Result<Option<Entry>, StoreError> {
        Ok(self.entries().get(&Self::key(client_id, scan_ref)).cloned())
    }

    async fn update(&self, entry: &Entry, expected_version: u64) -> Result<(), StoreError> {
        let mut entries = self.entries();
        let key = Self::key(&entry.client_id, &entry.scan_ref);
        match entries.get(&key) {
            Some(stored) if stored.version == expected_version => {
                entries.insert(key, entry.clone());
                Ok(())
            }
            _ => Err(StoreError::Conflict),
        }
    }

    async fn due(
        &self,
        queue: Queue,
        now: Timestamp,
        limit: usize,
    ) -> Result<Vec<(ClientId, String)>, StoreError> {
        let entries = self.entries();
        let mut due: Vec<&Entry> = entries
            .values()
            .filter(|e| e.queue == Some(queue) && e.due_at.is_some_and(|at| at <= now))
            .collect();
        due.sort_by_key(|e| e.due_at);
        Ok(due
            .into_iter()
            .take(limit)
            .map(|e| (e.client_id.clone(), e.scan_ref.clone()))
            .collect())
    }

    async fn pending_deletions(&self, now: Timestamp) -> Result<PendingDeletions, StoreError> {
        let mut pending = PendingDeletions::default();
        for entry in self.entries().values() {
            pending.add(entry, now);
        }
        Ok(pending)
    }
}
