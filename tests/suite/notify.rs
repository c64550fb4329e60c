//! The notifier on real stream records: callbacks decide a pair on a moto_server table whose
//! stream is on, the stream's records are read through moto's DynamoDB Streams API and handed
//! to the handler as Lambda would, and the site (wiremock) gets Standard Webhooks messages that
//! the `standardwebhooks` package from PyPI verifies; the same decisions on moto's EventBridge.

use aws_lambda_events::event::dynamodb::Event;
use integration_tests::callbacks::{
    EVENTS_CLIENT_ID, EVENTS_DOCUMENT_SCAN_REF, EVENTS_IDENTITY_SCAN_REF, call, callback_clock,
    events_record, handler, payload, sample_id_card, sample_permit, signed,
};
use integration_tests::logs::Capture;
use integration_tests::streams::{
    StandardWebhooksReceiver, bus_into_queue, sqs_messages, stream_event,
};
use integration_tests::{MotoTable, moto_table};
use notify_decisions::{NotifyDecisions, NotifyPorts};
use pair_adapters::metrics::Metrics;
use pair_adapters::outbound::OnFirstUse;
use pair_adapters::secret::runtime::Secrets;
use pair_app::config::NotifyConfig;
use pair_app::notify::SiteWebhookConfig;
use pair_app::notify::standard_webhooks::WebhookSecrets;
use pair_core::clock::SystemClock;
use pair_core::ports::store::{Expected, SeedStore};
use serde_json::Value;
use std::sync::Arc;
use std::time::Duration;
use tracing::Level;
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, ResponseTemplate};

use integration_tests::callbacks::SAMPLE_PERSONAL_DATA as PERSONAL;

pub(crate) const NEW_SECRET: &str = "whsec_aWRlbmZ5LXBhaXItdGVzdC1zaXRlLXNlY3JldC1uZXc=";
const OLD_SECRET: &str = "whsec_aWRlbmZ5LXBhaXItdGVzdC1zaXRlLXNlY3JldC1vbGQ=";

/// A pair decided VERIFIED, then revised to REJECTED, on a table whose stream is on: the
/// stream's records so far.
async fn decided_then_revised() -> (MotoTable, Event) {
    let table = moto_table().await;
    let stream = table
        .store
        .ensure_stream()
        .await
        .expect("moto enables the stream");
    table
        .store
        .save(&events_record(), Expected::Absent)
        .await
        .expect("seeded");
    let callbacks = handler(Arc::new(table.store.clone()), callback_clock());
    let mut identity = sample_id_card();
    for (scan_ref, fields) in [
        (EVENTS_IDENTITY_SCAN_REF, &identity),
        (EVENTS_DOCUMENT_SCAN_REF, &sample_permit()),
    ] {
        let body = payload(EVENTS_CLIENT_ID, scan_ref, true, fields).to_string();
        let (status, answer) =
            call(&callbacks, signed(&body, "IDENTIFICATION_MANUAL_FINISHED")).await;
        assert_eq!(status, 200, "{answer}");
    }
    identity.overall = "DENIED";
    let body = payload(EVENTS_CLIENT_ID, EVENTS_IDENTITY_SCAN_REF, true, &identity).to_string();
    let (_, answer) = call(&callbacks, signed(&body, "IDENTIFICATION_MANUAL_FINISHED")).await;
    assert_eq!(
        answer["decided"], true,
        "the revision decided again: {answer}"
    );
    let event = serde_json::from_value(stream_event(&stream).await).expect("a Lambda event");
    (table, event)
}

/// The site's webhook at `server`, signing with `secrets`.
pub(crate) fn site(server: &MockServer, secrets: &str, timeout: Duration) -> SiteWebhookConfig {
    SiteWebhookConfig {
        url: format!("{}/hooks/idenfy-pair", server.uri()),
        secrets: Secrets::fixed(WebhookSecrets::parse(secrets).expect("valid secrets")),
        timeout,
    }
}

/// The notifier as its `main` builds it, to `site` and onto `bus` (its name and a client on
/// moto_server), counting into `metrics`.
pub(crate) fn notifier(
    site: Option<SiteWebhookConfig>,
    bus: Option<(aws_sdk_eventbridge::Client, &str)>,
    metrics: Metrics,
) -> NotifyDecisions {
    let mut ports = NotifyPorts::from_env(Arc::new(SystemClock), metrics);
    let event_bus = bus.map(|(client, name)| {
        ports.event_bridge = OnFirstUse::ready(client);
        name.to_owned()
    });
    NotifyDecisions::build(NotifyConfig { site, event_bus }, ports)
}

struct Received {
    id: String,
    timestamp: String,
    signature: String,
    body: String,
}

async fn received(server: &MockServer) -> Vec<Received> {
    server
        .received_requests()
        .await
        .unwrap_or_default()
        .iter()
        .map(|request| {
            let header = |name: &str| {
                request
                    .headers
                    .get(name)
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or_default()
                    .to_owned()
            };
            Received {
                id: header("webhook-id"),
                timestamp: header("webhook-timestamp"),
                signature: header("webhook-signature"),
                body: String::from_utf8_lossy(&request.body).into_owned(),
            }
        })
        .collect()
}

#[tokio::test]
async fn stream_records_become_signed_webhooks_once_per_decision() {
    let (table, event) = decided_then_revised().await;
    assert!(
        event.records.len() >= 5,
        "seed, two halves, a verdict, a revision and its verdict: {} records",
        event.records.len()
    );
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(204))
        .mount(&server)
        .await;
    // During a rotation: signed with the new secret and the old one.
    let secrets = format!("{NEW_SECRET},{OLD_SECRET}");
    let notifier = notifier(
        Some(site(&server, &secrets, Duration::from_secs(5))),
        None,
        Metrics::off(),
    );
    let capture = Capture::start(Level::TRACE);
    let response = notifier.handle(event.clone()).await;
    let logs = capture.text();
    drop(capture);
    assert!(response.batch_item_failures.is_empty());
    // The stream's images hold names and dates of birth; the logs never do.
    assert!(logs.contains("notified"), "{logs}");
    for personal in PERSONAL {
        assert!(!logs.contains(personal), "{personal} in the logs: {logs}");
    }

    let messages = received(&server).await;
    let ids: Vec<&str> = messages.iter().map(|m| m.id.as_str()).collect();
    let pair_id = events_record().pair.expect("a pair").pair_id;
    assert_eq!(
        ids,
        vec![format!("msg_{pair_id}_v1"), format!("msg_{pair_id}_v2")]
    );
    let mut receiver = StandardWebhooksReceiver::start();
    let mut payloads = Vec::new();
    for message in &messages {
        let headers = [
            ("webhook-id", message.id.as_str()),
            ("webhook-timestamp", message.timestamp.as_str()),
            ("webhook-signature", message.signature.as_str()),
        ];
        // A site holding either secret accepts the message; one holding neither does not.
        for secret in [NEW_SECRET, OLD_SECRET] {
            let payload = receiver.verify(secret, &headers, &message.body);
            assert!(payload.is_ok(), "{secret}: {payload:?}");
            payloads.push(payload.unwrap_or_default());
        }
        let stranger = receiver.verify(
            "whsec_c29tZSBvdGhlciBzaXRlJ3Mgc2VjcmV0LCAzMiBiISE=",
            &headers,
            &message.body,
        );
        assert!(stranger.is_err());
        let tampered = format!("{} ", message.body);
        assert!(receiver.verify(NEW_SECRET, &headers, &tampered).is_err());
        for personal in PERSONAL {
            assert!(
                !message.body.contains(personal),
                "{personal} in {}",
                message.body
            );
        }
    }
    assert_eq!(payloads[0]["type"], "verification.decided");
    assert_eq!(payloads[0]["data"]["clientId"], EVENTS_CLIENT_ID);
    assert_eq!(payloads[0]["data"]["status"], "VERIFIED");
    assert_eq!(payloads[0]["data"]["version"], 1);
    assert_eq!(payloads[2]["type"], "verification.revised");
    assert_eq!(payloads[2]["data"]["status"], "REJECTED");
    assert_eq!(payloads[2]["data"]["previous"]["status"], "VERIFIED");

    // Lambda delivers the same records again: the same ids, for the site to drop.
    notifier.handle(event).await;
    let again = received(&server).await;
    assert_eq!(again.len(), 4);
    assert_eq!(
        (again[2].id.as_str(), again[3].id.as_str()),
        (ids[0], ids[1])
    );
    table.store.delete_table().await.expect("dropped");
}

#[tokio::test]
async fn a_site_that_fails_or_hangs_fails_only_its_record() {
    let (table, event) = decided_then_revised().await;
    let sequence_of_version = |version: u32| -> Option<String> {
        event.records.iter().find_map(|record| {
            let new = &record.change.new_image;
            let item: Option<pair_core::pair::PairRecord> =
                serde_dynamo::from_item(new.clone()).ok();
            let verdict = item?.pair?.verdict?;
            (verdict.version == version).then(|| record.change.sequence_number.clone())?
        })
    };
    for answer in [
        ResponseTemplate::new(500),
        ResponseTemplate::new(200).set_delay(Duration::from_secs(3)),
    ] {
        let server = MockServer::start().await;
        // The first decision is taken; the site fails or hangs on the revision.
        Mock::given(method("POST"))
            .respond_with(ResponseTemplate::new(200))
            .up_to_n_times(1)
            .mount(&server)
            .await;
        Mock::given(method("POST"))
            .respond_with(answer)
            .mount(&server)
            .await;
        let notifier = notifier(
            Some(site(&server, NEW_SECRET, Duration::from_secs(1))),
            None,
            Metrics::off(),
        );
        let response = notifier.handle(event.clone()).await;
        let failed: Vec<Option<String>> = response
            .batch_item_failures
            .iter()
            .map(|f| f.item_identifier.clone())
            .collect();
        assert_eq!(failed, vec![sequence_of_version(2)]);
        assert!(sequence_of_version(2).is_some());
    }
    table.store.delete_table().await.expect("dropped");
}

#[tokio::test]
async fn a_site_answering_a_redirect_is_a_failed_delivery_and_nothing_follows_it() {
    let (table, event) = decided_then_revised().await;
    let elsewhere = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200))
        .mount(&elsewhere)
        .await;
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(
            ResponseTemplate::new(307)
                .insert_header("location", format!("{}/collect", elsewhere.uri()).as_str()),
        )
        .mount(&server)
        .await;
    let notifier = notifier(
        Some(site(&server, NEW_SECRET, Duration::from_secs(2))),
        None,
        Metrics::off(),
    );
    let response = notifier.handle(event.clone()).await;
    // The first decision is the batch's first failure: it and everything after is retried.
    assert_eq!(
        response.batch_item_failures.len(),
        1,
        "{:?}",
        response.batch_item_failures
    );
    assert!(!received(&server).await.is_empty(), "the site was asked");
    assert!(
        received(&elsewhere).await.is_empty(),
        "the signed decision reached the redirect's target"
    );
    table.store.delete_table().await.expect("dropped");
}

#[tokio::test]
async fn decisions_reach_an_event_bus() {
    let (table, event) = decided_then_revised().await;
    let bus = format!("decisions-{}", pair_core::pair::new_id());
    let (events, queue_url) = bus_into_queue(&bus).await;
    let notifier = notifier(None, Some((events, &bus)), Metrics::off());
    assert!(notifier.handle(event).await.batch_item_failures.is_empty());
    let seen: Vec<Value> = sqs_messages(&queue_url).await;
    let kinds: Vec<(&str, &str, i64)> = seen
        .iter()
        .map(|e| {
            (
                e["source"].as_str().unwrap_or_default(),
                e["detail-type"].as_str().unwrap_or_default(),
                e["detail"]["data"]["version"].as_i64().unwrap_or_default(),
            )
        })
        .collect();
    assert_eq!(
        kinds,
        vec![
            ("idenfy-pair", "verification.decided", 1),
            ("idenfy-pair", "verification.revised", 2),
        ]
    );
    assert!(
        seen[0]["detail"]["webhookId"]
            .as_str()
            .is_some_and(|id| id.ends_with("_v1"))
    );
    table.store.delete_table().await.expect("dropped");
}
