//! Store wrappers for tests: counting what really happened, and injecting failures. Each
//! wraps an [`AnyStore`] (an adapter, or another wrapper) and serves every port.

use async_trait::async_trait;
use pair_core::clock::Timestamp;
use pair_core::pair::machine::{ClaimReview, ClaimWrite, Install};
use pair_core::pair::queue::{Queue, QueuePage, QueuePosition};
use pair_core::pair::validity::ExpiryUpdate;
use pair_core::pair::{ClientId, PairRecord, PreviousPair, Threshold};
use pair_core::ports::store::{
    Arrival, Decision, ErasureStore, Expected, ExpiryStore, ExpiryWatchStore, HalfWritten,
    HistoryStore, PairReader, ReplaceStore, ResultStore, ReviewQueueStore, ReviewStore, SeedStore,
    StoreError, VerdictStore, VerificationsStore, Written,
};
use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};

/// Every port at once: what the adapters (and these wrappers) implement, so one store can
/// serve a test's issuance service, its callback service and its seeding.
pub trait AnyStore: VerificationsStore + ResultStore + SeedStore {}

impl<T: VerificationsStore + ResultStore + SeedStore + ?Sized> AnyStore for T {}

/// The ports a wrapper passes through unchanged: reads, seeding and issuance's writes.
macro_rules! pass_through_issuance {
    ($wrapper:ty) => {
        #[async_trait]
        impl PairReader for $wrapper {
            async fn load(&self, client_id: &ClientId) -> Result<Option<PairRecord>, StoreError> {
                self.inner.load(client_id).await
            }
        }

        #[async_trait]
        impl SeedStore for $wrapper {
            async fn save(
                &self,
                record: &PairRecord,
                expected: Expected,
            ) -> Result<(), StoreError> {
                self.inner.save(record, expected).await
            }
        }

        impl ReviewStore for $wrapper {}

        #[async_trait]
        impl ReplaceStore for $wrapper {
            async fn replace(
                &self,
                record: &PairRecord,
                expected_version: u64,
            ) -> Result<(), StoreError> {
                self.inner.replace(record, expected_version).await
            }
        }

        #[async_trait]
        impl ErasureStore for $wrapper {
            async fn create(&self, record: &PairRecord) -> Result<(), StoreError> {
                self.inner.create(record).await
            }
        }

        #[async_trait]
        impl HistoryStore for $wrapper {
            async fn record_late(
                &self,
                client_id: &ClientId,
                read_version: u64,
                previous_pairs: &[PreviousPair],
            ) -> Result<(), StoreError> {
                self.inner
                    .record_late(client_id, read_version, previous_pairs)
                    .await
            }
        }

        #[async_trait]
        impl ExpiryStore for $wrapper {
            async fn record_expiry(
                &self,
                client_id: &ClientId,
                update: &ExpiryUpdate,
            ) -> Result<(), StoreError> {
                self.inner.record_expiry(client_id, update).await
            }
        }

        #[async_trait]
        impl ExpiryWatchStore for $wrapper {
            async fn watched_due(
                &self,
                threshold: Threshold,
                day: &str,
                limit: usize,
            ) -> Result<Vec<ClientId>, StoreError> {
                self.inner.watched_due(threshold, day, limit).await
            }
        }

        #[async_trait]
        impl ReviewQueueStore for $wrapper {
            async fn waiting(
                &self,
                queue: Queue,
                after: Option<&QueuePosition>,
                limit: usize,
                now: Timestamp,
            ) -> Result<QueuePage, StoreError> {
                self.inner.waiting(queue, after, limit, now).await
            }

            async fn claim_review(
                &self,
                client_id: &ClientId,
                write: &ClaimReview,
            ) -> Result<(), StoreError> {
                self.inner.claim_review(client_id, write).await
            }
        }

        #[async_trait]
        impl VerificationsStore for $wrapper {
            async fn claim(
                &self,
                client_id: &ClientId,
                write: &ClaimWrite,
            ) -> Result<(), StoreError> {
                self.inner.claim(client_id, write).await
            }

            async fn release(
                &self,
                client_id: &ClientId,
                claim_id: &str,
            ) -> Result<(), StoreError> {
                self.inner.release(client_id, claim_id).await
            }

            async fn install(
                &self,
                client_id: &ClientId,
                install: &Install,
            ) -> Result<(), StoreError> {
                self.inner.install(client_id, install).await
            }
        }
    };
}

/// Counts the verdicts actually written (the store said yes), per clientId, whatever the
/// caller saw afterwards.
pub struct CountingStore {
    inner: Arc<dyn AnyStore>,
    verdict_writes: Mutex<HashMap<ClientId, usize>>,
}

impl CountingStore {
    pub fn new(inner: Arc<dyn AnyStore>) -> Self {
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

pass_through_issuance!(CountingStore);

#[async_trait]
impl ResultStore for CountingStore {
    async fn record_half(&self, client_id: &ClientId, arrival: Arrival<'_>) -> HalfWritten {
        self.inner.record_half(client_id, arrival).await
    }
}

#[async_trait]
impl VerdictStore for CountingStore {
    async fn record_verdict(&self, client_id: &ClientId, decision: Decision<'_>) -> Written {
        let written = self.inner.record_verdict(client_id, decision).await?;
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
    inner: Arc<dyn AnyStore>,
    plan: Mutex<VecDeque<Fault>>,
}

impl FaultyStore {
    pub fn new(inner: Arc<dyn AnyStore>, plan: Vec<Fault>) -> Self {
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

pass_through_issuance!(FaultyStore);

/// Faults apply to the callback's writes.
#[async_trait]
impl ResultStore for FaultyStore {
    async fn record_half(&self, client_id: &ClientId, arrival: Arrival<'_>) -> HalfWritten {
        match self.next_fault() {
            Fault::FailBefore => Err(injected()),
            Fault::FailAfter => {
                self.inner.record_half(client_id, arrival).await?;
                Err(injected())
            }
            Fault::None => self.inner.record_half(client_id, arrival).await,
        }
    }
}

#[async_trait]
impl VerdictStore for FaultyStore {
    async fn record_verdict(&self, client_id: &ClientId, decision: Decision<'_>) -> Written {
        match self.next_fault() {
            Fault::FailBefore => Err(injected()),
            Fault::FailAfter => {
                self.inner.record_verdict(client_id, decision).await?;
                Err(injected())
            }
            Fault::None => self.inner.record_verdict(client_id, decision).await,
        }
    }
}
