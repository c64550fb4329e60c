//! The notify-decisions function's settings: the site's webhook and the event bus.

use super::{ConfigError, Env, invalid, runtime_secrets, service_url};
use crate::notify::SiteWebhookConfig;
use crate::notify::standard_webhooks::WebhookSecrets;
use pair_adapters::secret::runtime::NOTIFIER_KEYS;
use std::time::Duration;

/// How long one delivery to the site may take (`SITE_WEBHOOK_TIMEOUT_SECONDS`).
const DEFAULT_SITE_TIMEOUT_SECONDS: u64 = 5;

/// Everything the notify-decisions function needs: at least one sink.
#[derive(Debug, Clone)]
pub struct NotifyConfig {
    /// `SITE_WEBHOOK_URL` with `SITE_WEBHOOK_SECRETS` (`whsec_…`, newest first).
    pub site: Option<SiteWebhookConfig>,
    /// `EVENT_BUS_NAME`: the EventBridge bus decisions are put on.
    pub event_bus: Option<String>,
}

impl NotifyConfig {
    pub fn from_env<F: Fn(&str) -> Option<String>>(env: &Env<F>) -> Result<Self, ConfigError> {
        let site = match service_url(env, "SITE_WEBHOOK_URL", None)? {
            None => None,
            Some(url) => {
                let secrets = runtime_secrets(
                    env,
                    NOTIFIER_KEYS,
                    WebhookSecrets::read,
                    WebhookSecrets::read,
                )?;
                let timeout = env.number(
                    "SITE_WEBHOOK_TIMEOUT_SECONDS",
                    DEFAULT_SITE_TIMEOUT_SECONDS,
                    1..=30,
                )?;
                Some(SiteWebhookConfig {
                    url,
                    secrets,
                    timeout: Duration::from_secs(timeout),
                })
            }
        };
        let event_bus = env.optional("EVENT_BUS_NAME");
        if site.is_none() && event_bus.is_none() {
            return Err(invalid(
                "SITE_WEBHOOK_URL",
                "set it (with SITE_WEBHOOK_SECRETS), EVENT_BUS_NAME, or both: nothing to notify",
            ));
        }
        Ok(Self { site, event_bus })
    }
}
