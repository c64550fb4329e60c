//! The handler over the sample stream events and sinks that record or refuse: which records
//! are decisions, what is delivered, and which record a failure reports.

use async_trait::async_trait;
use aws_lambda_events::event::dynamodb::Event;
use notify_decisions::*;
use pair_adapters::metrics::Metrics;
use pair_app::notify::DeliveryError;
use pair_app::notify::{DecisionSink, Notification};
use std::sync::Arc;
use std::sync::Mutex;

/// Records what it is given; refuses from the `refuse_from`-th delivery on.
#[derive(Default)]
struct Recording {
    delivered: Mutex<Vec<Notification>>,
    refuse_from: Option<usize>,
}

#[async_trait]
impl DecisionSink for Recording {
    fn name(&self) -> &'static str {
        "recording"
    }

    async fn deliver(&self, notification: &Notification) -> Result<(), DeliveryError> {
        let mut delivered = self.delivered.lock().expect("not poisoned");
        if self.refuse_from.is_some_and(|n| delivered.len() >= n) {
            return Err(DeliveryError::Refused(500));
        }
        delivered.push(notification.clone());
        Ok(())
    }
}

fn sample(name: &str) -> Event {
    let path = format!(
        "{}/../events/notify-decisions/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    let text = std::fs::read_to_string(&path).expect("the sample event");
    serde_json::from_str(&text).expect("a DynamoDB stream event")
}

/// The three samples' records, in one batch.
fn batch() -> Event {
    let mut event = sample("decided.json");
    for name in ["not-a-decision.json", "revised.json"] {
        event.records.extend(sample(name).records);
    }
    event
}

#[tokio::test]
async fn each_decision_is_delivered_once_and_other_changes_are_skipped() {
    let sink = Arc::new(Recording::default());
    let handler = NotifyDecisions::delivering_to(vec![sink.clone()], Metrics::off());
    let response = handler.handle(batch()).await;
    assert!(response.batch_item_failures.is_empty());
    let delivered = sink.delivered.lock().expect("not poisoned").clone();
    let ids: Vec<(&str, &str)> = delivered
        .iter()
        .map(|n| (n.id.as_str(), n.kind()))
        .collect();
    assert_eq!(
        ids,
        vec![
            ("msg_5f0c2b9e4a7d13c8e6b1f2a0_v1", "verification.decided"),
            ("msg_5f0c2b9e4a7d13c8e6b1f2a0_v2", "verification.revised"),
        ]
    );
    // The same records again (Lambda's retry): the same ids, for the receiver to drop.
    handler.handle(batch()).await;
    let again = sink.delivered.lock().expect("not poisoned");
    assert_eq!(again[2].id, again[0].id);
    assert_eq!(again[3].id, again[1].id);
}

#[tokio::test]
async fn a_failed_delivery_reports_its_record_and_leaves_the_rest_for_the_retry() {
    let sink = Arc::new(Recording {
        refuse_from: Some(1),
        ..Recording::default()
    });
    let response = NotifyDecisions::delivering_to(vec![sink.clone()], Metrics::off())
        .handle(batch())
        .await;
    let failed: Vec<Option<&str>> = response
        .batch_item_failures
        .iter()
        .map(|f| f.item_identifier.as_deref())
        .collect();
    // The revision's record: the decision went through, the skipped record needed nothing.
    assert_eq!(failed, vec![Some("111000000000000000002")]);
    assert_eq!(sink.delivered.lock().expect("not poisoned").len(), 1);
}

#[tokio::test]
async fn an_unreadable_image_is_a_failure_not_a_silent_skip() {
    let mut event = sample("decided.json");
    event.records[0].change.new_image.insert(
        "version".into(),
        serde_dynamo::AttributeValue::S("x".into()),
    );
    let sink = Arc::new(Recording::default());
    let response = NotifyDecisions::delivering_to(vec![sink.clone()], Metrics::off())
        .handle(event)
        .await;
    assert_eq!(response.batch_item_failures.len(), 1);
    assert!(sink.delivered.lock().expect("not poisoned").is_empty());
}
