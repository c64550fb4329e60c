//! Every `events/idenfy-callback/*.json` through `lambda_http::request::from_str` and the
//! handler, then the whole journey of the sample events, on both stores.

use integration_tests::callbacks::{
    EVENTS_CLIENT_ID, EVENTS_DOCUMENT_SCAN_REF, EVENTS_IDENTITY_SCAN_REF, STEP_EVENTS_CLIENT_ID,
    STEP_EVENTS_SCAN_REF, call, callback_clock, event_type, events_record, handler, payload,
    sample_permit, signed, step_events_record,
};
use integration_tests::stores::AnyStore;
use integration_tests::{events, moto_table};
use pair_adapters::store::MemoryStore;
use pair_core::pair::{ClientId, Outcome, Rank, Reason, Verdict};
use pair_core::ports::store::{Expected, SeedStore};
use serde_json::json;
use std::sync::Arc;

pub fn event(name: &str) -> lambda_http::Request {
    lambda_http::request::from_str(&events::text(FUNCTION, name))
        .unwrap_or_else(|e| panic!("{name}: not an HTTP API event: {e}"))
}

/// Every sample event's file name.
pub fn event_names() -> Vec<String> {
    events::names(FUNCTION)
}

const FUNCTION: &str = "idenfy-callback";

/// The verdict each additional-step event gives on its own, on a fresh one-session pair.
fn step_verdict(name: &str) -> Option<(Outcome, Vec<Reason>)> {
    match name {
        "additional-step-image" | "additional-step-pdf" => Some((
            Outcome::RequiresReview,
            vec![Reason::PermitNeedsManualReview],
        )),
        "additional-step-missing" => Some((Outcome::Incomplete, vec![Reason::PermitMissing])),
        "additional-step-denied" => Some((Outcome::Rejected, vec![Reason::IdentityDenied])),
        _ => None,
    }
}

/// Both sample pairs: the two-session one and the additional-step one.
async fn seeded_memory_store() -> Arc<MemoryStore> {
    let store = Arc::new(MemoryStore::new());
    for record in [events_record(), step_events_record()] {
        store.save(&record, Expected::Absent).await.unwrap();
    }
    store
}

async fn stored_pair(store: &dyn AnyStore, client_id: &str) -> pair_core::pair::Pair {
    store
        .load(&ClientId::parse(client_id).unwrap())
        .await
        .unwrap()
        .unwrap()
        .pair
        .unwrap()
}

#[tokio::test]
async fn every_event_alone_on_a_fresh_pair() {
    let names = event_names();
    assert!(names.len() >= 11, "{names:?}");
    for name in names {
        let store = seeded_memory_store().await;
        let handler = handler(store.clone(), callback_clock());
        let (status, body) = call(&handler, event(&name)).await;
        let (expected_status, expected_body) = events::idenfy_callback(&name);
        assert_eq!(status, expected_status, "{name}: {body}");
        if status == 200 {
            assert_eq!(body, expected_body, "{name}");
        } else {
            assert_eq!(body["code"], expected_body, "{name}: {body}");
        }
        let step_pair = stored_pair(store.as_ref(), STEP_EVENTS_CLIENT_ID).await;
        if name.starts_with("additional-step-") {
            let half = &step_pair.results[STEP_EVENTS_SCAN_REF];
            let expected_rank = if name == "additional-step-preliminary" {
                Rank::Preliminary
            } else {
                Rank::Final
            };
            assert_eq!(half.rank, expected_rank, "{name}");
            let verdict = step_pair.verdict.map(|v| (v.outcome, v.reasons));
            assert_eq!(verdict, step_verdict(&name), "{name}");
            let two_sessions = stored_pair(store.as_ref(), EVENTS_CLIENT_ID).await;
            assert!(
                two_sessions.results.is_empty(),
                "{name} touched another pair"
            );
            continue;
        }
        assert!(step_pair.results.is_empty(), "{name} touched another pair");
        let stored = stored_pair(store.as_ref(), EVENTS_CLIENT_ID).await.results;
        match name.as_str() {
            "bad-signature" | "unknown-scan-ref" | "not-a-result" => {
                assert!(stored.is_empty(), "{name} changed nothing")
            }
            "document-expiration" => {
                assert!(stored.is_empty(), "{name} is not a result");
                let pair = stored_pair(store.as_ref(), EVENTS_CLIENT_ID).await;
                let notice = &pair.expiry.notices[EVENTS_DOCUMENT_SCAN_REF];
                assert_eq!(notice.threshold, pair_core::pair::Threshold::Days30);
                assert_eq!(notice.document_expiration.as_deref(), Some("2026-12-24"));
            }
            "identity-preliminary" => {
                assert_eq!(stored[EVENTS_IDENTITY_SCAN_REF].rank, Rank::Preliminary)
            }
            "identity-final" | "identity-revised-denied" => {
                assert_eq!(stored[EVENTS_IDENTITY_SCAN_REF].rank, Rank::Final)
            }
            _ => assert_eq!(stored[EVENTS_DOCUMENT_SCAN_REF].rank, Rank::Final, "{name}"),
        }
    }
}

/// The identity's final, then a permit the pair's policy refuses — expired, or issued by a
/// country the pair does not accept (events_permit_policy: LT, LV, EE) — or iDenfy doubts.
#[tokio::test]
async fn sample_permits_the_policy_refuses() {
    let review = |reason| (Outcome::RequiresReview, vec![reason]);
    for (name, expected) in [
        ("document-permit-expired", review(Reason::PermitExpired)),
        (
            "document-permit-wrong-country",
            review(Reason::PermitCountryNotAccepted),
        ),
        // APPROVED, yet iDenfy's passive liveness says the permit's portrait was replaced.
        (
            "document-portrait-substituted",
            review(Reason::IdenfyFraudTag),
        ),
        // The sample permit itself: Lithuanian, valid until 2031.
        ("document-final", (Outcome::Verified, vec![])),
    ] {
        let store = seeded_memory_store().await;
        let handler = handler(store.clone(), callback_clock());
        for event_name in ["identity-final", name] {
            let (status, body) = call(&handler, event(event_name)).await;
            assert_eq!(status, 200, "{event_name}: {body}");
        }
        let verdict = stored_pair(store.as_ref(), EVENTS_CLIENT_ID)
            .await
            .verdict
            .map(|v| (v.outcome, v.reasons));
        assert_eq!(verdict, Some(expected), "{name}");
    }
}

/// The journey of the sample events: preliminary, identity final, document final (twice, once
/// base64-encoded, once by an expiry event: the same result), then iDenfy's retries of
/// everything: VERIFIED. Then a re-review of the identity to DENIED: REJECTED, VERIFIED kept
/// as the earlier verdict; its retry and a signed body that is no result change nothing.
async fn journey(store: Arc<dyn AnyStore>, requests: impl Fn() -> usize) -> Vec<usize> {
    let handler = handler(store.clone(), callback_clock());
    let mut per_callback = Vec::new();
    let steps = [
        (
            "identity-preliminary",
            json!({"result": "STORED", "role": "identity", "decided": false}),
        ),
        (
            "identity-final",
            json!({"result": "STORED", "role": "identity", "decided": false}),
        ),
        (
            "document-final",
            json!({"result": "STORED", "role": "document", "decided": true}),
        ),
        (
            "document-final-base64",
            json!({"result": "UNCHANGED", "role": "document", "decided": false}),
        ),
        (
            "identity-preliminary",
            json!({"result": "UNCHANGED", "role": "identity", "decided": false}),
        ),
        (
            "identity-final",
            json!({"result": "UNCHANGED", "role": "identity", "decided": false}),
        ),
        (
            "document-expired-with-result",
            json!({"result": "UNCHANGED", "role": "document", "decided": false}),
        ),
        (
            "unknown-scan-ref",
            json!({"result": "IGNORED", "reason": "SCAN_REF_NOT_IN_PAIR"}),
        ),
        (
            "identity-revised-denied",
            json!({"result": "STORED", "role": "identity", "decided": true}),
        ),
        (
            "identity-revised-denied",
            json!({"result": "UNCHANGED", "role": "identity", "decided": false}),
        ),
        (
            "identity-final",
            json!({"result": "UNCHANGED", "role": "identity", "decided": false}),
        ),
        (
            "not-a-result",
            json!({"result": "IGNORED", "reason": "NO_CLIENT_ID"}),
        ),
    ];
    for (name, expected) in steps {
        let before = requests();
        let (status, body) = call(&handler, event(name)).await;
        per_callback.push(requests() - before);
        assert_eq!((status, body), (200, expected), "{name}");
    }
    let before = requests();
    let (status, _) = call(&handler, event("bad-signature")).await;
    assert_eq!(status, 401);
    assert_eq!(
        requests(),
        before,
        "a refused signature costs no store request"
    );

    let pair = store
        .load(&ClientId::parse(EVENTS_CLIENT_ID).unwrap())
        .await
        .unwrap()
        .unwrap()
        .pair
        .unwrap();
    let first = pair
        .earlier_verdicts
        .first()
        .expect("the first verdict kept");
    assert_eq!(
        (first.outcome, first.reasons.clone(), first.version),
        (Outcome::Verified, vec![], 1),
        "MÜLLER on the ID card, MUELLER on the permit"
    );
    let verdict = pair.verdict.expect("decided again");
    assert_eq!(
        (verdict.outcome, verdict.reasons, verdict.version),
        (Outcome::Rejected, vec![Reason::IdentityDenied], 2)
    );
    per_callback
}

#[tokio::test]
async fn sample_journey_on_the_memory_store() {
    journey(seeded_memory_store().await, || 0).await;
}

#[tokio::test]
async fn sample_journey_on_dynamodb_costs_at_most_two_requests_per_callback() {
    let table = moto_table().await;
    table
        .store
        .save(&events_record(), Expected::Absent)
        .await
        .unwrap();
    let requests = table.requests.clone();
    let per_callback = journey(Arc::new(table.store.clone()), move || {
        requests.load(std::sync::atomic::Ordering::SeqCst)
    })
    .await;
    println!("DynamoDB requests per callback: {per_callback:?}");
    assert!(per_callback.iter().all(|n| *n <= 2), "{per_callback:?}");
    // The callback that completes the pair pays the second request, and the revision that
    // decides it again; no other.
    assert_eq!(per_callback, vec![1, 1, 2, 1, 1, 1, 1, 1, 2, 1, 1, 0]);
    table.store.delete_table().await.unwrap();
}

/// The additional-step mode's sample journey: a preliminary, the final with the permit as an
/// image, then iDenfy's retry and the same result with the permit as a PDF (no new
/// information), REQUIRES_REVIEW for a person to look at the permit; then a re-review to
/// DENIED, a revision: REJECTED, the first verdict kept as the earlier one.
async fn step_journey(store: Arc<dyn AnyStore>, requests: impl Fn() -> usize) -> Vec<usize> {
    let handler = handler(store.clone(), callback_clock());
    let mut per_callback = Vec::new();
    let stored =
        |decided: bool| json!({"result": "STORED", "role": "identity", "decided": decided});
    let unchanged = json!({"result": "UNCHANGED", "role": "identity", "decided": false});
    let steps = [
        ("additional-step-preliminary", stored(false)),
        ("additional-step-image", stored(true)),
        ("additional-step-image", unchanged.clone()),
        ("additional-step-pdf", unchanged.clone()),
        ("additional-step-denied", stored(true)),
        ("additional-step-denied", unchanged.clone()),
        ("additional-step-image", unchanged.clone()),
        ("additional-step-preliminary", unchanged),
    ];
    for (name, expected) in steps {
        let before = requests();
        let (status, body) = call(&handler, event(name)).await;
        per_callback.push(requests() - before);
        assert_eq!((status, body), (200, expected), "{name}");
    }
    // The pair has no document session: any other scanRef of the clientId is foreign.
    let foreign = payload(STEP_EVENTS_CLIENT_ID, "unused", true, &sample_permit()).to_string();
    let before = requests();
    let (status, body) = call(&handler, signed(&foreign, event_type(true))).await;
    per_callback.push(requests() - before);
    assert_eq!(
        (status, body),
        (
            200,
            json!({"result": "IGNORED", "reason": "SCAN_REF_NOT_IN_PAIR"})
        )
    );
    let pair = stored_pair(store.as_ref(), STEP_EVENTS_CLIENT_ID).await;
    let Some(Verdict {
        outcome, reasons, ..
    }) = pair.verdict.clone()
    else {
        panic!("not decided");
    };
    assert_eq!(
        (outcome, reasons, pair.verdict.as_ref().map(|v| v.version)),
        (Outcome::Rejected, vec![Reason::IdentityDenied], Some(2))
    );
    let earlier: Vec<_> = pair
        .earlier_verdicts
        .iter()
        .map(|v| (v.outcome, v.reasons.clone(), v.version))
        .collect();
    assert_eq!(
        earlier,
        vec![(
            Outcome::RequiresReview,
            vec![Reason::PermitNeedsManualReview],
            1
        )]
    );
    let permit = pair.results[STEP_EVENTS_SCAN_REF]
        .permit_step
        .clone()
        .expect("the upload step is recorded");
    assert!(permit.in_file_urls && !permit.in_pdf_urls, "{permit:?}");
    assert!(
        !serde_json::to_string(&pair)
            .unwrap()
            .contains("amazonaws.com"),
        "no file URL is stored"
    );
    per_callback
}

#[tokio::test]
async fn additional_step_journey_on_the_memory_store() {
    step_journey(seeded_memory_store().await, || 0).await;
}

#[tokio::test]
async fn additional_step_journey_on_dynamodb_decides_once_in_two_requests() {
    let table = moto_table().await;
    table
        .store
        .save(&step_events_record(), Expected::Absent)
        .await
        .unwrap();
    let requests = table.requests.clone();
    let per_callback = step_journey(Arc::new(table.store.clone()), move || {
        requests.load(std::sync::atomic::Ordering::SeqCst)
    })
    .await;
    assert_eq!(per_callback, vec![1, 2, 1, 1, 2, 1, 1, 1, 1]);
    table.store.delete_table().await.unwrap();
}
