//! The notify-decisions function: fed by the pairs table's DynamoDB stream (old and new images),
//! it tells the site about every decision — a first verdict or a revision's — and every
//! expiry alert of a verified pair, through each configured sink, at least once.
//!
//! Records are handled in order. The first one that cannot be delivered is reported as the
//! batch's item failure (Lambda then retries from it, so a revision never overtakes the
//! decision it revises) and the records after it are left for that retry. A record that is not
//! a decision is skipped: the event source mapping's filter keeps most of them away, and this
//! check decides.

pub mod event_bus;
pub mod site;

use aws_lambda_events::event::dynamodb::{Event, EventRecord};
use aws_lambda_events::event::streams::{DynamoDbBatchItemFailure, DynamoDbEventResponse};
use event_bus::EventBus;
use pair_adapters::metrics::{self, Metrics};
use pair_adapters::outbound::{LazyHttp, OnFirstUse, http_on_first_use};
use pair_app::config::NotifyConfig;
use pair_app::notify::{DecisionSink, Notification, changes};
use pair_core::clock::Clock;
use pair_core::pair::PairRecord;
use site::SiteWebhook;
use std::sync::Arc;

/// The `Function` dimension of this function's metrics.
pub const FUNCTION: &str = "notify-decisions";

#[derive(Clone)]
pub struct NotifyDecisions {
    sinks: Vec<Arc<dyn DecisionSink>>,
    metrics: Metrics,
}

/// Why a record was not done with.
#[derive(Debug, thiserror::Error)]
pub enum RecordError {
    /// serde's words are not kept: they may quote a value of the image (personal data).
    #[error("an image of the record cannot be read as a pair record")]
    Unreadable,
    #[error("{sink} did not take the notification: {error}")]
    Undelivered {
        sink: &'static str,
        error: pair_app::notify::DeliveryError,
    },
}

/// What the notifier reaches outside itself: `main` builds each once (each client at its
/// first use); the local stack and the tests pass their own.
pub struct NotifyPorts {
    /// The site's webhook client.
    pub http: LazyHttp,
    /// The event bus's client.
    pub event_bridge: OnFirstUse<aws_sdk_eventbridge::Client>,
    pub clock: Arc<dyn Clock>,
    pub metrics: Metrics,
}

impl NotifyPorts {
    /// The clients from the environment, each built at its first delivery.
    pub fn from_env(clock: Arc<dyn Clock>, metrics: Metrics) -> Self {
        Self {
            http: http_on_first_use(|builder| builder),
            event_bridge: event_bus::client_from_env(),
            clock,
            metrics,
        }
    }
}

impl NotifyDecisions {
    /// The function: a sink for each one `config` names, over `ports`.
    pub fn build(config: NotifyConfig, ports: NotifyPorts) -> Self {
        let mut sinks: Vec<Arc<dyn DecisionSink>> = Vec::new();
        if let Some(site) = config.site {
            sinks.push(Arc::new(SiteWebhook::new(site, ports.http, ports.clock)));
        }
        if let Some(bus) = config.event_bus {
            sinks.push(Arc::new(EventBus::new(ports.event_bridge, bus)));
        }
        Self::delivering_to(sinks, ports.metrics)
    }

    /// The handler over any sinks: [`build`](Self::build)'s, or a test's that records.
    pub fn delivering_to(sinks: Vec<Arc<dyn DecisionSink>>, metrics: Metrics) -> Self {
        Self { sinks, metrics }
    }

    pub async fn handle(&self, event: Event) -> DynamoDbEventResponse {
        let mut response = DynamoDbEventResponse::default();
        for record in &event.records {
            let sequence = record.change.sequence_number.clone();
            if let Err(error) = self.notify(record).await {
                tracing::warn!(event_id = record.event_id, %error, "record not done: retried from here");
                let sink = match &error {
                    RecordError::Undelivered { sink, .. } => sink,
                    RecordError::Unreadable => "image",
                };
                self.metrics
                    .count_by(metrics::NOTIFICATION_FAILURES, "Sink", sink);
                let mut failure = DynamoDbBatchItemFailure::default();
                failure.item_identifier = sequence;
                response.batch_item_failures.push(failure);
                break;
            }
        }
        response
    }

    async fn notify(&self, record: &EventRecord) -> Result<(), RecordError> {
        let notifications = notifications(record)?;
        if notifications.is_empty() {
            tracing::debug!(event_id = record.event_id, "not a decision nor an expiry");
        }
        for notification in &notifications {
            self.deliver(notification).await?;
        }
        Ok(())
    }

    /// `notification` through every sink, in order; the first refusal stops it (a retry
    /// delivers it again to every sink: receivers de-duplicate by its id).
    pub async fn deliver(&self, notification: &Notification) -> Result<(), RecordError> {
        for sink in &self.sinks {
            sink.deliver(notification)
                .await
                .map_err(|error| RecordError::Undelivered {
                    sink: sink.name(),
                    error,
                })?;
        }
        self.metrics.count(metrics::NOTIFICATIONS);
        tracing::info!(
            client_id = %notification.client_id,
            webhook_id = notification.id,
            kind = notification.kind(),
            outcome = ?notification.verdict.outcome,
            "notified"
        );
        Ok(())
    }
}

/// What the record's change calls for: its decision, its expiry alerts.
fn notifications(record: &EventRecord) -> Result<Vec<Notification>, RecordError> {
    let image = |item: &serde_dynamo::Item| -> Result<Option<PairRecord>, RecordError> {
        if item.is_empty() {
            return Ok(None);
        }
        serde_dynamo::from_item(item.clone())
            .map(Some)
            .map_err(|_| RecordError::Unreadable)
    };
    let old = image(&record.change.old_image)?;
    let new = image(&record.change.new_image)?;
    Ok(changes(old.as_ref(), new.as_ref()))
}
