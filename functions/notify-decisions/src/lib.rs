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
use pair_app::config::NotifyConfig;
use pair_app::notify::{DecisionSink, Notification, changes};
use pair_core::clock::{Clock, SystemClock};
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

impl NotifyDecisions {
    pub fn new(sinks: Vec<Arc<dyn DecisionSink>>) -> Self {
        Self {
            sinks,
            metrics: Metrics::off(),
        }
    }

    /// The same handler counting into `metrics` (EMF in `main`).
    pub fn with_metrics(mut self, metrics: Metrics) -> Self {
        self.metrics = metrics;
        self
    }

    /// The handler as every composition builds it (the function's `main`, the local stack,
    /// the tests): a sink for each one configured.
    /// The function as it runs (its `main`, the local stack): its settings, on the system
    /// clock, counting into `metrics`.
    pub async fn build(config: NotifyConfig, metrics: Metrics) -> Result<Self, reqwest::Error> {
        Ok(Self::compose(config, Arc::new(SystemClock))
            .await?
            .with_metrics(metrics))
    }

    /// The sinks the settings name, each on `clock`.
    pub async fn compose(
        config: NotifyConfig,
        clock: Arc<dyn Clock>,
    ) -> Result<Self, reqwest::Error> {
        let mut sinks: Vec<Arc<dyn DecisionSink>> = Vec::new();
        if let Some(site) = config.site {
            sinks.push(Arc::new(SiteWebhook::new(site, clock)?));
        }
        if let Some(bus) = config.event_bus {
            let sdk = pair_adapters::outbound::aws_config().load().await;
            sinks.push(Arc::new(EventBus::new(
                aws_sdk_eventbridge::Client::new(&sdk),
                bus,
            )));
        }
        Ok(Self::new(sinks))
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
