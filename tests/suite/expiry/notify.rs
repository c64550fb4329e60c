//! The site told once per threshold and pair, on real stream records: a verified pair's daily
//! runs (each retried) and iDenfy's notice for a threshold already told leave one alert per
//! threshold; the notifier turns them into Standard Webhooks messages and EventBridge events
//! with ids stable per pair and threshold, so Lambda's redelivery of the same records repeats
//! ids the site drops.

use super::{decide, noon};
use aws_lambda_events::event::dynamodb::Event;
use integration_tests::api::answer;
use integration_tests::callbacks::{call, callback_clock, handler, signed};
use integration_tests::streams::{bus_into_queue, sqs_messages, stream_event};
use integration_tests::{IdenfyStub, events, issue_tokens_handler, moto_table};
use pair_core::clock::ManualClock;
use serde_json::{Value, json};
use std::sync::Arc;
use std::time::Duration;
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, ResponseTemplate};

const CLIENT: &str = "USER_TOLD";

#[tokio::test]
async fn the_site_is_told_once_per_threshold_under_retries() {
    let table = moto_table().await;
    let stream = table
        .store
        .ensure_stream()
        .await
        .expect("moto enables the stream");
    // The permit ends 2027-03-01.
    decide(&table.store, CLIENT, "2031-04-30", "2027-03-01").await;
    let idenfy = Arc::new(IdenfyStub::bare().await.client());
    let run_on = |day: &str| {
        let handler = issue_tokens_handler(
            Arc::new(table.store.clone()),
            idenfy.clone(),
            Arc::new(ManualClock::at(noon(day))),
        );
        async move {
            let event =
                lambda_http::request::from_str(&events::text("issue-tokens", "expiry-watch"))
                    .expect("the schedule's event");
            answer(&handler, event).await.1
        }
    };
    // 30 days left; the run retried.
    assert_eq!(run_on("2027-01-30").await["alerts"]["30"], 1);
    assert_eq!(run_on("2027-01-30").await["records"], 0);
    // iDenfy's own 30-day notice for the permit: recorded, nothing new to tell.
    let body = json!({
        "clientId": CLIENT, "scanRef": format!("{CLIENT}-document"),
        "expirationThreshold": "DOCUMENT_EXPIRES_WITHIN_30_DAYS", "documentExpiration": "2027-03-01"
    })
    .to_string();
    let clock = callback_clock();
    clock.advance(Duration::from_secs(65 * 86_400));
    let callbacks = handler(Arc::new(table.store.clone()), clock);
    let (_, noted) = call(&callbacks, signed(&body, "DOCUMENT_EXPIRATION")).await;
    assert_eq!(
        noted,
        json!({"result": "NOTED", "role": "document", "alerted": null})
    );
    // 7 days left, then the day after the end; each run retried.
    for (day, threshold) in [("2027-02-22", "7"), ("2027-03-02", "0")] {
        assert_eq!(run_on(day).await["alerts"][threshold], 1, "{day}");
        assert_eq!(run_on(day).await["records"], 0, "{day}");
    }

    let event: Event = serde_json::from_value(stream_event(&stream).await).expect("a Lambda event");
    let site = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(204))
        .mount(&site)
        .await;
    let bus = format!("expiries-{}", pair_core::pair::new_id());
    let (events_client, queue_url) = bus_into_queue(&bus).await;
    let notifier = crate::notify::notifier(
        Some(crate::notify::site(
            &site,
            crate::notify::NEW_SECRET,
            Duration::from_secs(5),
        )),
        Some((events_client, &bus)),
        pair_adapters::metrics::Metrics::off(),
    );
    assert!(
        notifier
            .handle(event.clone())
            .await
            .batch_item_failures
            .is_empty()
    );
    // Lambda delivers the same records again.
    assert!(notifier.handle(event).await.batch_item_failures.is_empty());

    let messages: Vec<(String, Value)> = site
        .received_requests()
        .await
        .unwrap_or_default()
        .iter()
        .map(|r| {
            let id = r
                .headers
                .get("webhook-id")
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default();
            (
                id.to_owned(),
                serde_json::from_slice(&r.body).unwrap_or(Value::Null),
            )
        })
        .collect();
    let pair = format!("pair-{CLIENT}");
    let expected = [
        format!("msg_{pair}_v1"),
        format!("msg_{pair}_expiring_30"),
        format!("msg_{pair}_expiring_7"),
        format!("msg_{pair}_expired"),
    ];
    let ids: Vec<&str> = messages.iter().map(|(id, _)| id.as_str()).collect();
    // Each delivery of the records: the decision and one message per threshold, in order.
    assert_eq!(ids.len(), 8, "{ids:?}");
    assert_eq!(
        ids[..4],
        expected.iter().map(String::as_str).collect::<Vec<_>>()[..]
    );
    assert_eq!(ids[4..], ids[..4]);
    let told = |n: usize| &messages[n].1;
    assert_eq!(told(0)["data"]["validUntil"], "2027-03-01");
    assert_eq!(
        (
            &told(1)["type"],
            &told(1)["data"]["daysLeft"],
            &told(1)["data"]["validUntil"]
        ),
        (
            &json!("verification.expiring"),
            &json!(30),
            &json!("2027-03-01")
        )
    );
    assert_eq!(
        (&told(2)["data"]["daysLeft"], &told(2)["data"]["threshold"]),
        (&json!(7), &json!(7))
    );
    assert_eq!(
        (
            &told(3)["type"],
            &told(3)["data"]["daysLeft"],
            &told(3)["data"]["status"]
        ),
        (
            &json!("verification.expired"),
            &json!(-1),
            &json!("VERIFIED")
        )
    );
    let kinds: Vec<String> = sqs_messages(&queue_url)
        .await
        .iter()
        .map(|e| {
            format!(
                "{} {}",
                e["detail-type"].as_str().unwrap_or_default(),
                e["detail"]["webhookId"].as_str().unwrap_or_default()
            )
        })
        .collect();
    assert_eq!(kinds.len(), 8, "{kinds:?}");
    assert_eq!(
        kinds[1],
        format!("verification.expiring msg_{pair}_expiring_30")
    );
    assert_eq!(kinds[3], format!("verification.expired msg_{pair}_expired"));
    table.store.delete_table().await.expect("dropped");
}
