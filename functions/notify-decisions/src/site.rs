//! The site's webhook: each notification POSTed as JSON, signed the Standard Webhooks way.
//! A 2xx answer is a delivery; anything else — another status, a timeout, no connection — is
//! not, and the record is retried.

use async_trait::async_trait;
use pair_adapters::outbound::LazyHttp;
use pair_app::notify::standard_webhooks::{ID_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER};
use pair_app::notify::{DecisionSink, DeliveryError, Notification, SiteWebhookConfig};
use pair_core::clock::Clock;
use std::sync::Arc;

#[derive(Clone)]
pub struct SiteWebhook {
    http: LazyHttp,
    config: SiteWebhookConfig,
    clock: Arc<dyn Clock>,
}

impl SiteWebhook {
    /// Deliveries to `config`'s site through `http`, each within the site's timeout.
    pub fn new(config: SiteWebhookConfig, http: LazyHttp, clock: Arc<dyn Clock>) -> Self {
        Self {
            http,
            config,
            clock,
        }
    }
}

#[async_trait]
impl DecisionSink for SiteWebhook {
    fn name(&self) -> &'static str {
        "site"
    }

    async fn deliver(&self, notification: &Notification) -> Result<(), DeliveryError> {
        let body = notification.body();
        let timestamp = self.clock.now().unix_seconds();
        let secrets = self
            .config
            .secrets
            .current()
            .await
            .map_err(|e| DeliveryError::Secrets(e.to_string()))?;
        let signature = secrets.sign(&notification.id, timestamp, &body);
        let http = self.http.get().await.as_ref().map_err(|error| {
            DeliveryError::Unreachable(format!("the HTTP client could not be built: {error}"))
        })?;
        let response = http
            .post(&self.config.url)
            .timeout(self.config.timeout)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .header(ID_HEADER, &notification.id)
            .header(TIMESTAMP_HEADER, timestamp.to_string())
            .header(SIGNATURE_HEADER, signature)
            .body(body)
            .send()
            .await
            .map_err(|error| {
                if error.is_timeout() {
                    DeliveryError::Timeout
                } else {
                    // Without the URL: it may carry a token in its query.
                    DeliveryError::Unreachable(error.without_url().to_string())
                }
            })?;
        let status = response.status();
        if status.is_success() {
            Ok(())
        } else {
            Err(DeliveryError::Refused(status.as_u16()))
        }
    }
}
