//! The decision as an EventBridge event (source `idenfy-pair`, detail-type the notification's
//! type, detail its JSON body plus the `webhookId`), so AWS users route it anywhere without code.

use async_trait::async_trait;
use aws_sdk_eventbridge::Client;
use aws_sdk_eventbridge::error::DisplayErrorContext;
use aws_sdk_eventbridge::types::PutEventsRequestEntry;
use pair_adapters::outbound::OnFirstUse;
use pair_app::notify::{DecisionSink, DeliveryError, Notification};

pub const EVENT_SOURCE: &str = "idenfy-pair";

#[derive(Debug, Clone)]
pub struct EventBus {
    client: OnFirstUse<Client>,
    bus: String,
}

/// An EventBridge client from the environment, built at its first event.
pub fn client_from_env() -> OnFirstUse<Client> {
    OnFirstUse::new(|| async { Client::new(&pair_adapters::outbound::aws_config().load().await) })
}

impl EventBus {
    pub fn new(client: OnFirstUse<Client>, bus: impl Into<String>) -> Self {
        Self {
            client,
            bus: bus.into(),
        }
    }
}

#[async_trait]
impl DecisionSink for EventBus {
    fn name(&self) -> &'static str {
        "event-bus"
    }

    async fn deliver(&self, notification: &Notification) -> Result<(), DeliveryError> {
        let entry = PutEventsRequestEntry::builder()
            .event_bus_name(&self.bus)
            .source(EVENT_SOURCE)
            .detail_type(notification.kind())
            .detail(notification.event_detail())
            .build();
        let output = self
            .client
            .get()
            .await
            .put_events()
            .entries(entry)
            .send()
            .await
            .map_err(|error| DeliveryError::EventBus(DisplayErrorContext(error).to_string()))?;
        if output.failed_entry_count() > 0 {
            let code = output
                .entries()
                .iter()
                .find_map(|entry| entry.error_code())
                .unwrap_or("unknown");
            return Err(DeliveryError::EventBus(format!("entry refused: {code}")));
        }
        Ok(())
    }
}
