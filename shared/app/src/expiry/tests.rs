use super::*;
use async_trait::async_trait;
use pair_adapters::store::MemoryStore;
use pair_core::clock::ManualClock;
use pair_core::pair::machine::fixtures::{NOW, final_half, pair, record};
use pair_core::pair::validity::ExpiryUpdate;
use pair_core::pair::{DocumentFacts, HalfResult, Outcome, PairRecord};
use pair_core::ports::store::{Expected, ExpiryStore, PairReader, SeedStore};

/// A verified pair for `client` whose permit ends 2027-02-10 (26 days after NOW).
fn due(client: &str) -> PairRecord {
    let mut pair = pair(60, Some(Outcome::Verified));
    pair.results.insert(
        "scan-document".into(),
        HalfResult {
            facts: DocumentFacts {
                expiry: Some("2027-02-10".into()),
                ..Default::default()
            },
            ..final_half(None)
        },
    );
    let mut record = record(Some(pair), None, 400 * 86_400);
    record.client_id = ClientId::parse(client).expect("a clientId");
    let watch = record.pair.as_ref().and_then(|p| p.expiry_watch());
    record.set_watch(watch);
    record
}

/// The memory store, except that every write to `contested` loses to another writer.
struct Contested {
    inner: MemoryStore,
    contested: ClientId,
}

#[async_trait]
impl PairReader for Contested {
    async fn load(&self, client_id: &ClientId) -> Result<Option<PairRecord>, StoreError> {
        self.inner.load(client_id).await
    }
}

#[async_trait]
impl ExpiryStore for Contested {
    async fn record_expiry(
        &self,
        client_id: &ClientId,
        update: &ExpiryUpdate,
    ) -> Result<(), StoreError> {
        if *client_id == self.contested {
            return Err(StoreError::Conflict);
        }
        self.inner.record_expiry(client_id, update).await
    }
}

#[async_trait]
impl ExpiryWatchStore for Contested {
    async fn watched_due(
        &self,
        threshold: Threshold,
        day: &str,
        limit: usize,
    ) -> Result<Vec<ClientId>, StoreError> {
        self.inner.watched_due(threshold, day, limit).await
    }
}

#[tokio::test]
async fn a_record_written_over_each_time_is_left_for_the_next_run_not_the_run_failed() {
    let inner = MemoryStore::new();
    for client in ["c-contested", "c-free"] {
        inner
            .save(&due(client), Expected::Absent)
            .await
            .expect("seeded");
    }
    let store = Arc::new(Contested {
        inner,
        contested: ClientId::parse("c-contested").expect("a clientId"),
    });
    let service = ExpiryWatchService::new(store.clone(), Arc::new(ManualClock::at(NOW)));
    let far = Instant::now() + Duration::from_secs(60);
    let pass = service.run(100, far).await.expect("a run");
    assert_eq!(
        (pass.records, pass.alerts_at(Threshold::Days30), pass.more),
        (2, 1, true)
    );
    let free = store
        .load(&ClientId::parse("c-free").expect("a clientId"))
        .await
        .expect("readable")
        .expect("stored");
    assert_eq!(free.expiry_watch, Some(Threshold::Days7));
    // The contested one is still listed; the free one is not due again.
    let again = service.run(100, far).await.expect("a run");
    assert_eq!((again.records, again.alerts.iter().sum::<usize>()), (1, 0));
    // No time left: nothing started, and the run says so.
    let late = service.run(100, Instant::now()).await.expect("a run");
    assert_eq!((late.records, late.more), (0, true));
}
