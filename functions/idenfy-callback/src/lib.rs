//! The idenfy-callback function: `POST /webhooks/idenfy`, iDenfy's signed webhook: session
//! results, and document-expiration notices.
//!
//! Cheap refusals first (method, content type, size), then the signature over the raw bytes,
//! then one domain operation. 200 once the half is durably stored or knowingly ignored (a
//! signed body we cannot use included: no retry would change it); 5xx only when iDenfy should
//! retry.

use lambda_http::http::{Method, StatusCode};
use lambda_http::{Body, Request, Response};
use pair_adapters::http_api::{
    self, error_response, json_response, secrets_failure, store_failure, with_allow,
};
use pair_adapters::idenfy::SignatureError;
use pair_adapters::idenfy::webhook::{EVENT_TYPE_HEADER, SIGNATURE_HEADER};
use pair_adapters::metrics::{self, Metrics};
use pair_adapters::secret::runtime::{SecretError, Secrets};
use pair_adapters::secret::secrets_manager::READ_TIMEOUT;
use pair_adapters::store::dynamo::DynamoTimeouts;
use pair_app::callback::{CallbackSecrets, CallbackService, Receipt};
use pair_app::config::CallbackConfig;
use pair_core::clock::Clock;
use pair_core::pair::Reason;
use pair_core::ports::store::{ResultStore, StoreError};
use serde_json::json;
use std::sync::Arc;
use std::time::Duration;

/// The `Function` dimension of this function's metrics.
pub const FUNCTION: &str = "idenfy-callback";

/// The one route this function serves (the template's `RouteKey`; the local stack serves it).
pub const ROUTE: &str = "POST /webhooks/idenfy";

/// The store calls' bounds: a webhook makes at most two.
pub const STORE_TIMEOUTS: DynamoTimeouts = DynamoTimeouts {
    connect: Duration::from_secs(1),
    attempt: Duration::from_millis(1200),
    operation: Duration::from_millis(2500),
    max_attempts: 3,
};

/// The function's timeout, as the template sets it: below the 10 s iDenfy waits.
pub const FUNCTION_TIMEOUT: Duration = Duration::from_secs(9);

/// The most one webhook can take: two reads of the secret (the kept one expired, then the early
/// re-read after a signature the kept keys refuse) and two store calls. Must fit
/// [`FUNCTION_TIMEOUT`].
pub const WORST_CASE: Duration = READ_TIMEOUT
    .saturating_mul(2)
    .saturating_add(STORE_TIMEOUTS.operation.saturating_mul(2));

#[derive(Clone)]
pub struct IdenfyCallback {
    service: CallbackService,
    /// The signing keys and the document-hash key, as of now.
    secrets: Secrets<CallbackSecrets>,
    max_body_bytes: usize,
    metrics: Metrics,
}

/// What the callback reaches outside itself: `main` builds each once (the store's client at
/// its first request); the local stack and the tests pass their own.
pub struct CallbackPorts {
    pub store: Arc<dyn ResultStore>,
    pub clock: Arc<dyn Clock>,
    pub metrics: Metrics,
}

impl IdenfyCallback {
    /// The function: `config`'s keys and policy over `ports`.
    pub fn build(config: CallbackConfig, ports: CallbackPorts) -> Self {
        Self {
            service: CallbackService::new(ports.store, ports.clock, config.verdict_policy),
            secrets: config.secrets,
            max_body_bytes: config.max_body_bytes,
            metrics: ports.metrics,
        }
    }

    pub async fn handle(&self, request: Request) -> Response<Body> {
        match self.receive(&request).await {
            Ok(receipt) => {
                self.count(&receipt);
                json_response(StatusCode::OK, &receipt_body(&receipt))
            }
            Err(error) => {
                error.log();
                match &error {
                    CallbackError::Signature(_) => self.metrics.count(metrics::REFUSED_SIGNATURES),
                    CallbackError::Store(_) => self.metrics.count(metrics::STORE_ERRORS),
                    CallbackError::Secrets(_) => self.metrics.count(metrics::SECRET_ERRORS),
                    _ => {}
                }
                error.into_response(&http_api::request_id(&request))
            }
        }
    }

    fn count(&self, receipt: &Receipt) {
        match receipt {
            Receipt::Stored {
                decided: Some(verdict),
                ..
            }
            | Receipt::Unchanged {
                decided: Some(verdict),
                ..
            } => {
                self.metrics
                    .count_by(metrics::VERDICTS, "Outcome", verdict.outcome.as_str());
                if verdict.version > 1 {
                    self.metrics.count(metrics::REVISIONS);
                }
                if verdict.reasons.contains(&Reason::IdenfyValueUnknown) {
                    self.metrics.count(metrics::UNKNOWN_IDENFY_VALUES);
                }
            }
            Receipt::Ignored(because) => {
                self.metrics
                    .count_by(metrics::IGNORED_WEBHOOKS, "Reason", because.code());
            }
            Receipt::Noted {
                recorded: true,
                alerted,
                ..
            } => {
                self.metrics.count(metrics::EXPIRATION_NOTICES);
                if let Some(threshold) = alerted {
                    self.metrics.count_by(
                        metrics::EXPIRY_ALERTS,
                        "Threshold",
                        &threshold.days().to_string(),
                    );
                }
            }
            _ => {}
        }
        if let Receipt::Unchanged {
            past_bound: true, ..
        } = receipt
        {
            self.metrics.count(metrics::REVISIONS_PAST_BOUND);
        }
    }

    async fn receive(&self, request: &Request) -> Result<Receipt, CallbackError> {
        if request.method() != Method::POST {
            return Err(CallbackError::MethodNotAllowed);
        }
        if !http_api::is_json(request.headers()) {
            return Err(CallbackError::UnsupportedMediaType);
        }
        // lambda_http has already undone API Gateway's base64: these are iDenfy's bytes.
        let body = request.body().as_ref();
        if body.len() > self.max_body_bytes {
            return Err(CallbackError::PayloadTooLarge(self.max_body_bytes));
        }
        let header = |name: &str| {
            request
                .headers()
                .get(name)
                .map(|v| v.to_str().map_err(|_| SignatureError::Malformed))
                .transpose()
        };
        let mut secrets = self.secrets.current().await?;
        if let Some(keys) = &secrets.signing_keys {
            let signature = header(SIGNATURE_HEADER)?;
            if let Err(refused) = keys.verify(body, signature) {
                // Perhaps signed with a key added since the secret was read: one early re-read
                // (rate-limited), then the verdict on the signature stands.
                let renewed = self.secrets.refresh().await.ok_or(refused)?;
                match &renewed.signing_keys {
                    Some(keys) => keys.verify(body, signature)?,
                    None => return Err(refused.into()),
                }
                secrets = renewed;
            }
        }
        // Unsigned: context for the logs, never a reason to refuse or decide.
        let event_type = header(EVENT_TYPE_HEADER).ok().flatten();
        Ok(self
            .service
            .handle(body, event_type, &secrets.document_hasher)
            .await?)
    }
}

fn receipt_body(receipt: &Receipt) -> serde_json::Value {
    match receipt {
        Receipt::Stored { role, decided } | Receipt::Unchanged { role, decided, .. } => json!({
            "result": if matches!(receipt, Receipt::Stored { .. }) { "STORED" } else { "UNCHANGED" },
            "role": role.as_str(),
            "decided": decided.is_some(),
        }),
        Receipt::Noted {
            role,
            recorded,
            alerted,
        } => json!({
            "result": if *recorded { "NOTED" } else { "UNCHANGED" },
            "role": role.as_str(),
            "alerted": alerted.map(|t| t.days()),
        }),
        Receipt::KeptInHistory { recorded } => json!({
            "result": if *recorded { "NOTED" } else { "UNCHANGED" },
            "reason": "REPLACED_PAIR",
        }),
        Receipt::Ignored(because) => json!({
            "result": "IGNORED",
            "reason": because.code(),
        }),
    }
}

#[derive(Debug, thiserror::Error)]
pub enum CallbackError {
    #[error("method not allowed; use POST")]
    MethodNotAllowed,
    #[error("the body must be JSON (Content-Type: application/json)")]
    UnsupportedMediaType,
    #[error("the body is larger than {0} bytes")]
    PayloadTooLarge(usize),
    #[error(transparent)]
    Signature(#[from] SignatureError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Secrets(#[from] SecretError),
}

impl CallbackError {
    /// Messages here carry no payload data, so they are safe to log. (A store failure is
    /// logged where it becomes a response.)
    fn log(&self) {
        match self {
            CallbackError::Store(_) | CallbackError::Secrets(_) => {}
            CallbackError::Signature(_) => {
                tracing::warn!(error = %self, "callback refused")
            }
            _ => tracing::info!(error = %self, "callback refused"),
        }
    }

    /// The one place where errors become HTTP statuses. A store failure is a 5xx, so iDenfy
    /// retries; nothing else is worth a retry.
    pub fn into_response(self, request_id: &str) -> Response<Body> {
        let message = self.to_string();
        let (status, code) = match &self {
            CallbackError::MethodNotAllowed => {
                return with_allow(
                    error_response(
                        StatusCode::METHOD_NOT_ALLOWED,
                        "METHOD_NOT_ALLOWED",
                        &message,
                        json!({}),
                    ),
                    "POST",
                );
            }
            CallbackError::UnsupportedMediaType => {
                (StatusCode::UNSUPPORTED_MEDIA_TYPE, "UNSUPPORTED_MEDIA_TYPE")
            }
            CallbackError::PayloadTooLarge(_) => {
                (StatusCode::PAYLOAD_TOO_LARGE, "PAYLOAD_TOO_LARGE")
            }
            CallbackError::Signature(_) => (StatusCode::UNAUTHORIZED, "BAD_SIGNATURE"),
            CallbackError::Store(error) => return store_failure(error, request_id),
            CallbackError::Secrets(error) => return secrets_failure(error, request_id),
        };
        error_response(status, code, &message, json!({}))
    }
}
