//! A verified pair's end, on moto_server: `validUntil` and `validity` as GET shows them, iDenfy's
//! document-expiration webhook ([`notices`]), the daily run over the sparse index on a table
//! of thousands of pairs ([`watch`]), and the site told once per threshold ([`notify`]).

mod conformance;
mod notices;
mod notify;
mod watch;

use integration_tests::api::{self, answer};
use integration_tests::callbacks::{
    call, callback_clock, events_permit_policy, handler as callback_handler, payload,
    pending_record, sample_id_card, sample_permit, signed,
};
use integration_tests::{IdenfyStub, issue_tokens_handler, moto_table};
use pair_adapters::store::DynamoStore;
use pair_core::clock::{ManualClock, Timestamp};
use pair_core::pair::{ClientId, PairRecord, Threshold, dates};
use pair_core::ports::store::{Expected, PairReader, SeedStore};
use serde_json::{Value, json};
use std::sync::Arc;

/// `day` moved by `days` (`YYYY-MM-DD`).
pub(crate) fn shifted(day: &str, days: i64) -> String {
    let start = dates::start_of(dates::parse(day).expect("a day"));
    dates::format(dates::day_of(Timestamp::from_unix_seconds(
        start.unix_seconds() + days * 86_400,
    )))
}

/// Noon (UTC) of `day`.
pub(crate) fn noon(day: &str) -> Timestamp {
    let start = dates::start_of(dates::parse(day).expect("a day"));
    Timestamp::from_unix_seconds(start.unix_seconds() + 12 * 3600)
}

/// A two-session pair for `client_id`, decided by signed callbacks (an hour after T0, on
/// 2026-11-26) on documents expiring as given; returns the callbacks' answers' `decided`.
pub(crate) async fn decide(
    store: &DynamoStore,
    client_id: &str,
    identity_expiry: &str,
    permit_expiry: &str,
) -> PairRecord {
    let mut record = pending_record(
        client_id,
        &format!("pair-{client_id}"),
        &format!("{client_id}-identity"),
        &format!("{client_id}-document"),
    );
    if let Some(pair) = record.pair.as_mut() {
        pair.permit_policy = events_permit_policy();
    }
    store.save(&record, Expected::Absent).await.expect("seeded");
    let callbacks = callback_handler(Arc::new(store.clone()), callback_clock());
    for (scan_ref, fields, expiry) in [
        (
            format!("{client_id}-identity"),
            sample_id_card(),
            identity_expiry,
        ),
        (
            format!("{client_id}-document"),
            sample_permit(),
            permit_expiry,
        ),
    ] {
        let mut body = payload(client_id, &scan_ref, true, &fields);
        body["data"]["docExpiry"] = json!(expiry);
        let (status, answer) = call(
            &callbacks,
            signed(&body.to_string(), "IDENTIFICATION_MANUAL_FINISHED"),
        )
        .await;
        assert_eq!(status, 200, "{answer}");
    }
    load(store, client_id).await
}

pub(crate) async fn load(store: &DynamoStore, client_id: &str) -> PairRecord {
    store
        .load(&ClientId::parse(client_id).expect("a clientId"))
        .await
        .expect("readable")
        .expect("stored")
}

/// `GET /verifications/{clientId}` as the site sees it at `now`.
pub(crate) async fn status_at(store: &DynamoStore, client_id: &str, now: Timestamp) -> Value {
    let idenfy = Arc::new(IdenfyStub::bare().await.client());
    let issuing = issue_tokens_handler(
        Arc::new(store.clone()),
        idenfy,
        Arc::new(ManualClock::at(now)),
    );
    let (status, body) = answer(&issuing, api::get(client_id, "")).await;
    assert_eq!(status, 200, "{body}");
    body
}

#[tokio::test]
async fn valid_until_is_the_earlier_expiry_and_the_record_is_kept_and_watched_until_it() {
    let table = moto_table().await;
    let store = &table.store;
    for (client, identity, permit, earlier) in [
        ("USER_ID_FIRST", "2027-03-10", "2027-06-30", "2027-03-10"),
        (
            "USER_PERMIT_FIRST",
            "2031-04-30",
            "2027-02-28",
            "2027-02-28",
        ),
    ] {
        let record = decide(store, client, identity, permit).await;
        let pair = record.pair.as_ref().expect("a pair");
        assert_eq!(
            pair.verdict.as_ref().map(|v| v.outcome),
            Some(pair_core::pair::Outcome::Verified),
            "{client}"
        );
        let body = status_at(store, client, callback_clock_now()).await;
        assert_eq!(body["status"], "VERIFIED");
        assert_eq!(body["validUntil"], earlier, "{client}: {body}");
        assert_eq!(body["validity"], "VALID", "{client}: {body}");
        // Kept past the 30-day retention until a week after its end, and in the watch's
        // index at its first threshold, 30 days before the end.
        let keep = dates::start_of(dates::parse(&shifted(earlier, 8)).expect("a day"));
        assert_eq!(record.expires_at, keep, "{client}");
        assert_eq!(record.expiry_watch, Some(Threshold::Days30));
        assert_eq!(record.expiry_due, Some(shifted(earlier, -30)));
    }
    // A permit without a readable date: unknown, and not watched.
    let record = decide(store, "USER_NO_DATE", "2031-04-30", "30/04/2031").await;
    let body = status_at(store, "USER_NO_DATE", callback_clock_now()).await;
    assert_eq!(body["status"], "REQUIRES_REVIEW", "{body}");
    assert_eq!(
        (&body["validUntil"], &body["validity"]),
        (&Value::Null, &json!("UNKNOWN"))
    );
    assert_eq!((record.expiry_watch, record.expiry_due), (None, None));
    table.store.delete_table().await.expect("dropped");
}

fn callback_clock_now() -> Timestamp {
    use pair_core::clock::Clock;
    callback_clock().now()
}

#[tokio::test]
async fn each_validity_state_at_its_edges_by_the_clock_of_the_read() {
    let table = moto_table().await;
    let store = &table.store;
    decide(store, "USER_EDGES", "2031-04-30", "2027-03-10").await;
    // EXPIRY_WARNING_DAYS is 30 (the default): 31 days before the end it is still VALID.
    for (day, validity) in [
        ("2027-02-07", "VALID"),
        ("2027-02-08", "EXPIRING"),
        ("2027-03-10", "EXPIRING"),
        ("2027-03-11", "EXPIRED"),
    ] {
        for now in [
            dates::start_of(dates::parse(day).expect("a day")),
            noon(day),
        ] {
            let body = status_at(store, "USER_EDGES", now).await;
            assert_eq!(body["validity"], validity, "{day}: {body}");
            assert_eq!(body["validUntil"], "2027-03-10");
        }
    }
    // A pending pair shows neither.
    let pending = pending_record("USER_PENDING", "pair-pending", "p-id", "p-doc");
    store
        .save(&pending, Expected::Absent)
        .await
        .expect("seeded");
    let body = status_at(store, "USER_PENDING", callback_clock_now()).await;
    assert!(
        body.get("validUntil").is_none() && body.get("validity").is_none(),
        "{body}"
    );
    table.store.delete_table().await.expect("dropped");
}
