//! Each function counts what an operator watches — verdicts by outcome, revisions, refused
//! signatures, ignored webhooks, store and iDenfy errors, notification failures — through the
//! same code that writes CloudWatch's embedded metric format in the functions.

use crate::callback_events::event;
use integration_tests::IdenfyStub;
use integration_tests::callbacks::{
    call, callback_clock, callback_secrets, events_record, seeded_callback_counting,
};
use integration_tests::metrics::Recorded;
use integration_tests::stores::{Fault, FaultyStore};
use pair_adapters::store::MemoryStore;
use pair_core::ports::store::{Expected, SeedStore};
use std::sync::Arc;
use wiremock::matchers::method;
use wiremock::{Mock, ResponseTemplate};

#[tokio::test]
async fn the_callback_counts_verdicts_revisions_refusals_and_ignored_webhooks() {
    let (recorded, metrics) = Recorded::start("idenfy-callback");
    let handler = seeded_callback_counting(callback_secrets(), metrics).await;
    for name in [
        "identity-final",
        "document-final",
        "identity-revised-denied",
        "bad-signature",
        "not-a-result",
        "unknown-scan-ref",
    ] {
        call(&handler, event(name)).await;
    }
    assert_eq!(
        recorded.names(),
        vec![
            "Verdicts:Outcome=VERIFIED",
            "Verdicts:Outcome=REJECTED",
            "Revisions",
            "RefusedSignatures",
            "IgnoredWebhooks:Reason=NO_CLIENT_ID",
            "IgnoredWebhooks:Reason=SCAN_REF_NOT_IN_PAIR",
        ]
    );
}

/// A verdict that rests on a value iDenfy's schema does not list is counted, so an operator
/// learns that iDenfy added one; a verdict on known values is not.
#[tokio::test]
async fn a_verdict_on_a_value_idenfy_added_is_counted() {
    use integration_tests::callbacks::{
        EVENTS_CLIENT_ID, EVENTS_DOCUMENT_SCAN_REF, EVENTS_IDENTITY_SCAN_REF, payload,
        sample_id_card, sample_permit, signed,
    };
    let (recorded, metrics) = Recorded::start("idenfy-callback");
    let handler = seeded_callback_counting(callback_secrets(), metrics).await;
    let mut identity = payload(
        EVENTS_CLIENT_ID,
        EVENTS_IDENTITY_SCAN_REF,
        true,
        &sample_id_card(),
    );
    identity["status"]["fraudTags"] = serde_json::json!(["A_TAG_IDENFY_ADDED"]);
    let permit = payload(
        EVENTS_CLIENT_ID,
        EVENTS_DOCUMENT_SCAN_REF,
        true,
        &sample_permit(),
    );
    for body in [identity, permit] {
        call(&handler, signed(&body.to_string(), "IDENTIFICATION")).await;
    }
    assert_eq!(
        recorded.names(),
        vec!["Verdicts:Outcome=REQUIRES_REVIEW", "UnknownIdenfyValues"]
    );
}

#[tokio::test]
async fn a_store_outage_is_counted() {
    let (recorded, metrics) = Recorded::start("idenfy-callback");
    let memory = Arc::new(MemoryStore::new());
    memory
        .save(&events_record(), Expected::Absent)
        .await
        .expect("seeded");
    let store = Arc::new(FaultyStore::new(memory, vec![Fault::FailBefore]));
    let handler = idenfy_callback::IdenfyCallback::build(
        integration_tests::callbacks::callback_config(),
        idenfy_callback::CallbackPorts {
            metrics,
            ..integration_tests::callbacks::callback_ports(store, callback_clock())
        },
    );
    let (status, _) = call(&handler, event("identity-final")).await;
    assert_eq!(status, 503);
    assert_eq!(recorded.names(), vec!["StoreErrors"]);
}

#[tokio::test]
async fn issuance_counts_pairs_and_idenfy_errors_by_identifier() {
    let stub = IdenfyStub::bare().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(401).set_body_json(
            serde_json::json!({"identifier": "UNAUTHORIZED", "message": "bad credentials"}),
        ))
        .up_to_n_times(1)
        .mount(&stub.server)
        .await;
    stub.mount_minting().await;
    let (recorded, metrics) = Recorded::start("issue-tokens");
    let config = integration_tests::issue_tokens_config(&stub.uri());
    let idenfy = Arc::new(stub.client());
    let ports = integration_tests::api_ports(
        Arc::new(MemoryStore::new()),
        Arc::new(pair_adapters::store::MemoryLedger::new()),
        pair_core::ports::idenfy::IdenfyPorts::of(idenfy),
        Arc::new(pair_core::clock::ManualClock::at(integration_tests::T0)),
    );
    let handler =
        issue_tokens::VerificationsApi::build(config, issue_tokens::ApiPorts { metrics, ..ports });
    let issue = || integration_tests::api::issue(&serde_json::json!({"clientId": "USER_METRICS"}));
    assert_eq!(handler.handle(issue()).await.status().as_u16(), 502);
    assert_eq!(handler.handle(issue()).await.status().as_u16(), 201);
    assert_eq!(
        recorded.names(),
        vec!["IdenfyErrors:Identifier=UNAUTHORIZED", "PairsIssued"]
    );
}

#[tokio::test]
async fn the_notifier_counts_deliveries_and_failures_by_sink() {
    use pair_adapters::secret::runtime::Secrets;
    use pair_app::notify::SiteWebhookConfig;
    use pair_app::notify::standard_webhooks::WebhookSecrets;
    let server = wiremock::MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(500))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(204))
        .mount(&server)
        .await;
    let (recorded, metrics) = Recorded::start("notify-decisions");
    let notifier = crate::notify::notifier(
        Some(SiteWebhookConfig {
            url: format!("{}/hooks", server.uri()),
            secrets: Secrets::fixed(
                WebhookSecrets::parse("whsec_aWRlbmZ5LXBhaXItdGVzdC1zaXRlLXNlY3JldC1uZXc=")
                    .expect("a secret"),
            ),
            timeout: std::time::Duration::from_secs(5),
        }),
        None,
        metrics,
    );
    let text = integration_tests::events::text("notify-decisions", "decided");
    let event: aws_lambda_events::event::dynamodb::Event =
        serde_json::from_str(&text).expect("a stream event");
    assert_eq!(
        notifier
            .handle(event.clone())
            .await
            .batch_item_failures
            .len(),
        1
    );
    assert!(notifier.handle(event).await.batch_item_failures.is_empty());
    assert_eq!(
        recorded.names(),
        vec!["NotificationFailures:Sink=site", "Notifications"]
    );
}

/// A final past the history's bound is not stored, and not dropped silently either: the pair
/// goes to review (`TOO_MANY_REVISIONS`) once, and each such final is counted.
#[tokio::test]
async fn a_final_past_the_bound_sends_the_pair_to_review_and_is_counted() {
    use integration_tests::callbacks::{
        DocFields, EVENTS_CLIENT_ID, EVENTS_DOCUMENT_SCAN_REF, EVENTS_IDENTITY_SCAN_REF, payload,
        sample_id_card, sample_permit, signed,
    };
    use pair_core::pair::machine::MAX_FINALS;
    let (recorded, metrics) = Recorded::start("idenfy-callback");
    let handler = seeded_callback_counting(callback_secrets(), metrics).await;
    let send = |fields: &DocFields, scan_ref: &str| {
        signed(
            &payload(EVENTS_CLIENT_ID, scan_ref, true, fields).to_string(),
            "IDENTIFICATION_MANUAL_FINISHED",
        )
    };
    call(&handler, send(&sample_permit(), EVENTS_DOCUMENT_SCAN_REF)).await;
    // The identity reviewed again and again: each a new final, until the pair holds its most.
    for n in 1..MAX_FINALS {
        let mut revised = sample_id_card();
        revised.doc_number = Some(format!("L01X{n:05}"));
        let (status, answer) = call(&handler, send(&revised, EVENTS_IDENTITY_SCAN_REF)).await;
        assert_eq!(
            (status, &answer["result"]),
            (200, &serde_json::json!("STORED"))
        );
    }
    let mut past = sample_id_card();
    past.doc_number = Some("L01X99999".into());
    let (_, answer) = call(&handler, send(&past, EVENTS_IDENTITY_SCAN_REF)).await;
    assert_eq!(
        answer,
        serde_json::json!({"result": "UNCHANGED", "role": "identity", "decided": true})
    );
    past.doc_number = Some("L01X99998".into());
    let (_, answer) = call(&handler, send(&past, EVENTS_IDENTITY_SCAN_REF)).await;
    assert_eq!(answer["decided"], false, "review asked for once");
    let names = recorded.names();
    assert_eq!(
        names.iter().filter(|n| *n == "RevisionsPastBound").count(),
        2,
        "{names:?}"
    );
    assert_eq!(names.last().map(String::as_str), Some("RevisionsPastBound"));
}
