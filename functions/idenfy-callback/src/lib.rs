//! The idenfy-callback function: `POST /webhooks/idenfy`, iDenfy's signed result webhook.
//!
//! Cheap refusals first (method, content type, size), then the signature over the raw bytes,
//! then one domain operation. 200 once the half is durably stored or knowingly ignored (a
//! signed body we cannot use included: no retry would change it); 5xx only when iDenfy should
//! retry.

use lambda_http::http::{Method, StatusCode};
use lambda_http::{Body, Request, Response};
use serde_json::json;
use shared::callback::{CallbackService, Receipt, SignatureError, SigningKeys};
use shared::http_api::{self, error_response, json_response, with_allow, with_retry_after};
use shared::store::StoreError;
use std::time::Duration;

pub const SIGNATURE_HEADER: &str = "idenfy-signature";
pub const EVENT_TYPE_HEADER: &str = "idenfy-event-type";

#[derive(Clone)]
pub struct IdenfyCallback {
    service: CallbackService,
    /// `None` only in development, when unsigned callbacks were explicitly allowed.
    signing_keys: Option<SigningKeys>,
    max_body_bytes: usize,
}

impl IdenfyCallback {
    pub fn new(
        service: CallbackService,
        signing_keys: Option<SigningKeys>,
        max_body_bytes: usize,
    ) -> Self {
        Self {
            service,
            signing_keys,
            max_body_bytes,
        }
    }

    pub async fn handle(&self, request: Request) -> Response<Body> {
        match self.receive(&request).await {
            Ok(receipt) => json_response(StatusCode::OK, &receipt_body(&receipt)),
            Err(error) => {
                error.log();
                error.into_response()
            }
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
        if let Some(keys) = &self.signing_keys {
            keys.verify(body, header(SIGNATURE_HEADER)?)?;
        }
        // Unsigned: context for the logs, never a reason to refuse or decide.
        let event_type = header(EVENT_TYPE_HEADER).ok().flatten();
        Ok(self.service.handle(body, event_type).await?)
    }
}

fn receipt_body(receipt: &Receipt) -> serde_json::Value {
    match receipt {
        Receipt::Stored { role, decided } | Receipt::Unchanged { role, decided } => json!({
            "result": if matches!(receipt, Receipt::Stored { .. }) { "STORED" } else { "UNCHANGED" },
            "role": role.as_str(),
            "decided": decided.is_some(),
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
}

/// How soon iDenfy may retry after a store hiccup (it keeps its own schedule regardless).
const STORE_RETRY_AFTER: Duration = Duration::from_secs(1);

impl CallbackError {
    /// Messages here carry no payload data, so they are safe to log.
    fn log(&self) {
        match self {
            CallbackError::Store(_) => {
                tracing::error!(error = %self, "callback not stored; iDenfy will retry")
            }
            CallbackError::Signature(_) => {
                tracing::warn!(error = %self, "callback refused")
            }
            _ => tracing::info!(error = %self, "callback refused"),
        }
    }

    /// The one place where errors become HTTP statuses.
    pub fn into_response(self) -> Response<Body> {
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
            CallbackError::Store(StoreError::Corrupt(_)) => {
                (StatusCode::INTERNAL_SERVER_ERROR, "STORE_RECORD_UNREADABLE")
            }
            CallbackError::Store(StoreError::Unavailable(_) | StoreError::Conflict) => {
                return with_retry_after(
                    error_response(
                        StatusCode::SERVICE_UNAVAILABLE,
                        "STORE_UNAVAILABLE",
                        &message,
                        json!({}),
                    ),
                    STORE_RETRY_AFTER,
                );
            }
        };
        error_response(status, code, &message, json!({}))
    }
}
