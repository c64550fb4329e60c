//! Store wrappers for tests: counting what really happened, and injecting failures.

use async_trait::async_trait;
use shared::clock::Timestamp;
use shared::pair::machine::{ClaimWrite, Install};
use shared::pair::{ClientId, HalfResult, PairRecord, Verdict};
use shared::store::{Expected, HalfWrite, PairStore, StoreError};
use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};

/// Counts the verdicts actually written (the store said yes), per clientId, whatever the
/// caller saw afterwards.
pub struct CountingStore {
    inner: Arc<dyn PairStore>,
    verdict_writes: Mutex<HashMap<ClientId, usize>>,
}

impl CountingStore {
    pub fn new(inner: Arc<dyn PairStore>) -> Self {
        Self {
            inner,
            verdict_writes: Mutex::new(HashMap::new()),
        }
    }

    fn writes(&self) -> std::sync::MutexGuard<'_, HashMap<ClientId, usize>> {
        self.verdict_writes
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    pub fn verdict_writes(&self) -> usize {
        self.writes().values().sum()
    }

    pub fn verdict_writes_for(&self, client_id: &ClientId) -> usize {
        self.writes().get(client_id).copied().unwrap_or(0)
    }
}

#[async_trait]
impl PairStore for CountingStore {
    async fn load(&self, client_id: &ClientId) -> Result<Option<PairRecord>, StoreError> {
        self.inner.load(client_id).await
    }

    async fn save(&self, record: &PairRecord, expected: Expected) -> Result<(), StoreError> {
        self.inner.save(record, expected).await
    }

    async fn claim(
        &self,
        client_id: &ClientId,
        write: &ClaimWrite,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        self.inner.claim(client_id, write, now).await
    }

    async fn release(&self, client_id: &ClientId, claim_id: &str) -> Result<(), StoreError> {
        self.inner.release(client_id, claim_id).await
    }

    async fn install(&self, client_id: &ClientId, install: &Install) -> Result<(), StoreError> {
        self.inner.install(client_id, install).await
    }

    async fn record_half(
        &self,
        client_id: &ClientId,
        scan_ref: &str,
        half: &HalfResult,
        now: Timestamp,
    ) -> Result<HalfWrite, StoreError> {
        self.inner.record_half(client_id, scan_ref, half, now).await
    }

    async fn record_verdict(
        &self,
        client_id: &ClientId,
        pair_id: &str,
        verdict: &Verdict,
        replaces: Option<&Verdict>,
    ) -> Result<bool, StoreError> {
        let written = self
            .inner
            .record_verdict(client_id, pair_id, verdict, replaces)
            .await?;
        if written {
            *self.writes().entry(client_id.clone()).or_default() += 1;
        }
        Ok(written)
    }
}

/// What happens to one store call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    None,
    /// The call fails and nothing is written (the store was unreachable).
    FailBefore,
    /// The write happens, then the call fails (a timeout or a crash after the write).
    FailAfter,
}

/// Applies a plan of faults, one per write call in order; calls past the plan succeed.
pub struct FaultyStore {
    inner: Arc<dyn PairStore>,
    plan: Mutex<VecDeque<Fault>>,
}

impl FaultyStore {
    pub fn new(inner: Arc<dyn PairStore>, plan: Vec<Fault>) -> Self {
        Self {
            inner,
            plan: Mutex::new(plan.into()),
        }
    }

    fn next_fault(&self) -> Fault {
        self.plan
            .lock()
            .map(|mut plan| plan.pop_front().unwrap_or(Fault::None))
            .unwrap_or(Fault::None)
    }
}

fn injected() -> StoreError {
    StoreError::Unavailable("injected fault".into())
}

#[async_trait]
impl PairStore for FaultyStore {
    async fn load(&self, client_id: &ClientId) -> Result<Option<PairRecord>, StoreError> {
        self.inner.load(client_id).await
    }

    async fn save(&self, record: &PairRecord, expected: Expected) -> Result<(), StoreError> {
        self.inner.save(record, expected).await
    }

    async fn claim(
        &self,
        client_id: &ClientId,
        write: &ClaimWrite,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        self.inner.claim(client_id, write, now).await
    }

    async fn release(&self, client_id: &ClientId, claim_id: &str) -> Result<(), StoreError> {
        self.inner.release(client_id, claim_id).await
    }

    async fn install(&self, client_id: &ClientId, install: &Install) -> Result<(), StoreError> {
        self.inner.install(client_id, install).await
    }

    async fn record_half(
        &self,
        client_id: &ClientId,
        scan_ref: &str,
        half: &HalfResult,
        now: Timestamp,
    ) -> Result<HalfWrite, StoreError> {
        match self.next_fault() {
            Fault::FailBefore => Err(injected()),
            Fault::FailAfter => {
                self.inner
                    .record_half(client_id, scan_ref, half, now)
                    .await?;
                Err(injected())
            }
            Fault::None => self.inner.record_half(client_id, scan_ref, half, now).await,
        }
    }

    async fn record_verdict(
        &self,
        client_id: &ClientId,
        pair_id: &str,
        verdict: &Verdict,
        replaces: Option<&Verdict>,
    ) -> Result<bool, StoreError> {
        match self.next_fault() {
            Fault::FailBefore => Err(injected()),
            Fault::FailAfter => {
                self.inner
                    .record_verdict(client_id, pair_id, verdict, replaces)
                    .await?;
                Err(injected())
            }
            Fault::None => {
                self.inner
                    .record_verdict(client_id, pair_id, verdict, replaces)
                    .await
            }
        }
    }
}
