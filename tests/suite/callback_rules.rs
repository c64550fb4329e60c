//! The pair rules as callbacks meet them: the role comes from the scanRef issuance stored
//! (never from a `tokenType` field), a scanRef outside the live pair changes nothing, an
//! expired pair is absent, and a restarted pair ignores its predecessor's sessions — held to
//! both store adapters.

use integration_tests::callbacks::{
    EVENTS_CLIENT_ID, EVENTS_DOCUMENT_SCAN_REF, EVENTS_IDENTITY_SCAN_REF, call, callback_clock,
    events_record, handler, payload, sample_id_card, sample_permit, signed,
};
use integration_tests::stores::AnyStore;
use pair_core::pair::{ClientId, Role};
use pair_core::ports::store::Expected;
use serde_json::json;
use std::sync::Arc;
use std::time::Duration;

on_both_stores!(
    role_comes_from_the_stored_scan_ref_not_from_token_type_or_external_ref,
    a_scan_ref_of_another_pair_or_client_changes_nothing,
    an_expired_pair_is_absent_even_while_still_readable,
    a_final_seen_before_and_a_late_preliminary_change_nothing,
    a_preliminary_is_replaced_by_the_final_and_no_verdict_comes_from_it,
    a_restarted_pair_ignores_the_old_sessions,
);

async fn seed(store: &dyn AnyStore) {
    store
        .save(&events_record(), Expected::Absent)
        .await
        .unwrap();
}

async fn pair(store: &dyn AnyStore) -> pair_core::pair::Pair {
    store
        .load(&ClientId::parse(EVENTS_CLIENT_ID).unwrap())
        .await
        .unwrap()
        .unwrap()
        .pair
        .unwrap()
}

async fn role_comes_from_the_stored_scan_ref_not_from_token_type_or_external_ref(
    store: Arc<dyn AnyStore>,
    _: crate::Requests,
) {
    seed(store.as_ref()).await;
    let handler = handler(store.clone(), callback_clock());
    let mut body = payload(
        EVENTS_CLIENT_ID,
        EVENTS_DOCUMENT_SCAN_REF,
        true,
        &sample_permit(),
    );
    body["tokenType"] = json!("IDENTIFICATION");
    body["externalRef"] = json!("idp-000000000000000000000000-identity");
    let (status, response) = call(&handler, signed(&body.to_string(), "IDENTIFICATION")).await;
    assert_eq!((status, response["role"].as_str()), (200, Some("document")));
    let pair = pair(store.as_ref()).await;
    assert!(pair.half(Role::Document).is_some());
    assert!(pair.half(Role::Identity).is_none());
}

async fn a_scan_ref_of_another_pair_or_client_changes_nothing(
    store: Arc<dyn AnyStore>,
    _: crate::Requests,
) {
    seed(store.as_ref()).await;
    let handler = handler(store.clone(), callback_clock());
    let foreign = payload(
        EVENTS_CLIENT_ID,
        "11111111-2222-4333-8444-555555555555",
        true,
        &sample_permit(),
    );
    let (status, response) = call(&handler, signed(&foreign.to_string(), "IDENTIFICATION")).await;
    assert_eq!(
        (status, response["reason"].as_str()),
        (200, Some("SCAN_REF_NOT_IN_PAIR"))
    );
    // The right scanRef under another clientId is not this pair's either.
    let elsewhere = payload(
        "USER_99999",
        EVENTS_IDENTITY_SCAN_REF,
        true,
        &sample_permit(),
    );
    let (status, response) = call(&handler, signed(&elsewhere.to_string(), "IDENTIFICATION")).await;
    assert_eq!(
        (status, response["reason"].as_str()),
        (200, Some("UNKNOWN_CLIENT_ID"))
    );
    assert_eq!(pair(store.as_ref()).await, events_record().pair.unwrap());
}

async fn an_expired_pair_is_absent_even_while_still_readable(
    store: Arc<dyn AnyStore>,
    _: crate::Requests,
) {
    seed(store.as_ref()).await;
    let clock = callback_clock();
    clock.advance(Duration::from_secs(30 * 86_400));
    let handler = handler(store.clone(), clock);
    let body = payload(
        EVENTS_CLIENT_ID,
        EVENTS_DOCUMENT_SCAN_REF,
        true,
        &sample_permit(),
    );
    let (status, response) = call(&handler, signed(&body.to_string(), "IDENTIFICATION")).await;
    assert_eq!(
        (status, response["reason"].as_str()),
        (200, Some("SCAN_REF_NOT_IN_PAIR"))
    );
    assert!(pair(store.as_ref()).await.results.is_empty());
}

async fn a_final_seen_before_and_a_late_preliminary_change_nothing(
    store: Arc<dyn AnyStore>,
    _: crate::Requests,
) {
    seed(store.as_ref()).await;
    let handler = handler(store.clone(), callback_clock());
    let final_body = payload(
        EVENTS_CLIENT_ID,
        EVENTS_DOCUMENT_SCAN_REF,
        true,
        &sample_permit(),
    )
    .to_string();
    let mut other = sample_permit();
    other.overall = "DENIED";
    let late_preliminary =
        payload(EVENTS_CLIENT_ID, EVENTS_DOCUMENT_SCAN_REF, false, &other).to_string();

    assert_eq!(
        call(&handler, signed(&final_body, "IDENTIFICATION"))
            .await
            .1["result"],
        "STORED"
    );
    let stored = pair(store.as_ref()).await;
    for (body, event) in [
        (&late_preliminary, "IDENTIFICATION_AUTO_FINISHED"),
        (&final_body, "IDENTIFICATION"),
        // The same body under another (unsigned) event type is still the same result.
        (&final_body, "IDENTIFICATION_MANUAL_FINISHED"),
    ] {
        assert_eq!(
            call(&handler, signed(body, event)).await.1["result"],
            "UNCHANGED"
        );
    }
    assert_eq!(pair(store.as_ref()).await, stored);
}

async fn a_preliminary_is_replaced_by_the_final_and_no_verdict_comes_from_it(
    store: Arc<dyn AnyStore>,
    _: crate::Requests,
) {
    seed(store.as_ref()).await;
    let handler = handler(store.clone(), callback_clock());
    let identity = sample_id_card();
    let both_preliminary = [
        payload(EVENTS_CLIENT_ID, EVENTS_IDENTITY_SCAN_REF, false, &identity),
        payload(
            EVENTS_CLIENT_ID,
            EVENTS_DOCUMENT_SCAN_REF,
            false,
            &sample_permit(),
        ),
    ];
    for body in &both_preliminary {
        let (_, response) = call(
            &handler,
            signed(&body.to_string(), "IDENTIFICATION_AUTO_FINISHED"),
        )
        .await;
        assert_eq!(
            (response["result"].as_str(), response["decided"].as_bool()),
            (Some("STORED"), Some(false))
        );
    }
    assert_eq!(
        pair(store.as_ref()).await.verdict,
        None,
        "two preliminaries decide nothing"
    );
    let identity_final = payload(EVENTS_CLIENT_ID, EVENTS_IDENTITY_SCAN_REF, true, &identity);
    let document_final = payload(
        EVENTS_CLIENT_ID,
        EVENTS_DOCUMENT_SCAN_REF,
        true,
        &sample_permit(),
    );
    assert_eq!(
        call(
            &handler,
            signed(
                &identity_final.to_string(),
                "IDENTIFICATION_MANUAL_FINISHED"
            )
        )
        .await
        .1["decided"],
        false
    );
    assert_eq!(
        call(
            &handler,
            signed(
                &document_final.to_string(),
                "IDENTIFICATION_MANUAL_FINISHED"
            )
        )
        .await
        .1["decided"],
        true
    );
    assert_eq!(
        pair(store.as_ref()).await.verdict.unwrap().outcome,
        pair_core::pair::Outcome::Verified
    );
}

async fn a_restarted_pair_ignores_the_old_sessions(store: Arc<dyn AnyStore>, _: crate::Requests) {
    seed(store.as_ref()).await;
    let mut restarted = events_record();
    restarted.version = 2;
    if let Some(pair) = restarted.pair.as_mut() {
        pair.pair_id = "aaaaaaaaaaaaaaaaaaaaaaaa".into();
        pair.identity.scan_ref = "new-identity".into();
        pair.document.as_mut().unwrap().scan_ref = "new-document".into();
    }
    store.save(&restarted, Expected::Version(1)).await.unwrap();
    let handler = handler(store.clone(), callback_clock());
    let old = payload(
        EVENTS_CLIENT_ID,
        EVENTS_DOCUMENT_SCAN_REF,
        true,
        &sample_permit(),
    );
    let (_, response) = call(&handler, signed(&old.to_string(), "IDENTIFICATION")).await;
    assert_eq!(response["reason"], "SCAN_REF_NOT_IN_PAIR");
    assert!(pair(store.as_ref()).await.results.is_empty());
}
