//! The Secrets Manager adapter of [`SecretSource`]: `GetSecretValue` on the stack's secret.
//! The client is built on the first read, not at cold start: the secret is needed by the first
//! request, and a function's start stays short.

use super::runtime::{SecretDocument, SecretError, SecretKey, SecretSource};
use crate::outbound::OnFirstUse;
use async_trait::async_trait;
use aws_sdk_secretsmanager::Client;
use aws_sdk_secretsmanager::error::DisplayErrorContext;
use std::time::Duration;

/// The longest a read of the secret may take, retries included: it sits in the time budget of
/// every request that needs the secret (a webhook's answer to iDenfy among them).
pub const READ_TIMEOUT: Duration = Duration::from_millis(1500);

pub struct SecretsManager {
    secret_id: String,
    /// The keys this function's secret holds (its role's).
    own: &'static [SecretKey],
    client: OnFirstUse<Client>,
}

impl SecretsManager {
    /// The secret by name or ARN, holding the keys `own`; the client from the environment
    /// when first needed.
    pub fn new(secret_id: impl Into<String>, own: &'static [SecretKey]) -> Self {
        let client = OnFirstUse::new(|| async {
            let timeouts = aws_config::timeout::TimeoutConfig::builder()
                .connect_timeout(Duration::from_secs(1))
                .operation_timeout(READ_TIMEOUT)
                .build();
            let sdk = crate::outbound::aws_config()
                .timeout_config(timeouts)
                .load()
                .await;
            Client::new(&sdk)
        });
        Self {
            secret_id: secret_id.into(),
            own,
            client,
        }
    }

    /// With a client already built (tests point it at moto_server).
    pub fn with_client(
        secret_id: impl Into<String>,
        own: &'static [SecretKey],
        client: Client,
    ) -> Self {
        Self {
            secret_id: secret_id.into(),
            own,
            client: OnFirstUse::ready(client),
        }
    }

    async fn client(&self) -> &Client {
        self.client.get().await
    }
}

#[async_trait]
impl SecretSource for SecretsManager {
    async fn fetch(&self) -> Result<SecretDocument, SecretError> {
        let answer = self
            .client()
            .await
            .get_secret_value()
            .secret_id(&self.secret_id)
            .send()
            .await
            .map_err(|error| {
                // The SDK's words name the secret and the reason, never its value.
                tracing::error!(error = %DisplayErrorContext(&error), "GetSecretValue failed");
                SecretError::Unavailable("GetSecretValue failed".into())
            })?;
        let text = answer
            .secret_string()
            .ok_or_else(|| SecretError::Unusable("the secret holds no string".into()))?;
        SecretDocument::from_json(text, self.own)
    }
}
