//! The expiry writes and the watch's index, held to the same outcomes on both store adapters:
//! the index lists by threshold the records due by a day, in due order, within a limit; a
//! write is taken only over the version read, and moves the record in the index or out.

use integration_tests::callbacks::pending_record;
use integration_tests::stores::AnyStore;
use pair_core::pair::validity::ExpiryUpdate;
use pair_core::pair::{ClientId, ExpiryWatch, Threshold, dates};
use pair_core::ports::store::{Expected, StoreError};
use std::sync::Arc;

on_both_stores!(the_watch_index_lists_what_is_due_and_writes_move_records_in_it);

fn watch(threshold: Threshold, due: &str) -> Option<ExpiryWatch> {
    Some(ExpiryWatch {
        threshold,
        due: dates::parse(due).expect("a day"),
    })
}

fn ids(list: Vec<ClientId>) -> Vec<String> {
    list.into_iter().map(|id| id.as_str().to_owned()).collect()
}

async fn the_watch_index_lists_what_is_due_and_writes_move_records_in_it(
    store: Arc<dyn AnyStore>,
    _: crate::Requests,
) {
    for (client, watched) in [
        ("USER_A", watch(Threshold::Days30, "2027-01-10")),
        ("USER_B", watch(Threshold::Days7, "2027-01-12")),
        ("USER_C", watch(Threshold::Days30, "2027-01-20")),
        ("USER_D", None),
    ] {
        let mut record = pending_record(client, &format!("pair-{client}"), "i", "d");
        record.set_watch(watched);
        store.save(&record, Expected::Absent).await.expect("seeded");
    }
    let due = |threshold, day: &'static str, limit| {
        let store = store.clone();
        async move {
            ids(store
                .watched_due(threshold, day, limit)
                .await
                .expect("a query"))
        }
    };
    assert_eq!(
        due(Threshold::Days30, "2027-01-09", 10).await,
        Vec::<String>::new()
    );
    assert_eq!(due(Threshold::Days30, "2027-01-10", 10).await, ["USER_A"]);
    assert_eq!(
        due(Threshold::Days30, "2027-01-20", 10).await,
        ["USER_A", "USER_C"]
    );
    assert_eq!(due(Threshold::Days30, "2027-12-31", 1).await, ["USER_A"]);
    assert_eq!(
        due(Threshold::Days7, "2027-01-11", 10).await,
        Vec::<String>::new()
    );
    assert_eq!(due(Threshold::Days7, "2027-01-12", 10).await, ["USER_B"]);
    assert_eq!(
        due(Threshold::Expired, "2027-12-31", 10).await,
        Vec::<String>::new()
    );

    let a = ClientId::parse("USER_A").expect("a clientId");
    let read = store.load(&a).await.expect("readable").expect("stored");
    let pair = read.pair.clone().expect("a pair");
    let moved = ExpiryUpdate {
        pair_id: pair.pair_id.clone(),
        expected_version: read.version,
        expiry: pair.expiry.clone(),
        watch: watch(Threshold::Days7, "2027-01-13"),
        alert: None,
    };
    let stale = ExpiryUpdate {
        expected_version: read.version - 1,
        ..moved.clone()
    };
    assert_eq!(
        store.record_expiry(&a, &stale).await,
        Err(StoreError::Conflict)
    );
    store.record_expiry(&a, &moved).await.expect("written");
    assert_eq!(
        store.record_expiry(&a, &moved).await,
        Err(StoreError::Conflict)
    );
    assert_eq!(due(Threshold::Days30, "2027-01-20", 10).await, ["USER_C"]);
    assert_eq!(
        due(Threshold::Days7, "2027-01-13", 10).await,
        ["USER_B", "USER_A"]
    );
    let written = store.load(&a).await.expect("readable").expect("stored");
    assert_eq!(written.version, read.version + 1);
    assert_eq!(
        (written.expiry_watch, written.expiry_due.as_deref()),
        (Some(Threshold::Days7), Some("2027-01-13"))
    );
    let out = ExpiryUpdate {
        expected_version: written.version,
        watch: None,
        ..moved
    };
    store.record_expiry(&a, &out).await.expect("written");
    assert_eq!(due(Threshold::Days7, "2027-12-31", 10).await, ["USER_B"]);
}
