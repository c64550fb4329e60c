//! The issue-tokens function: `POST /verifications` and `GET /verifications/{clientId}`.
//! Parse the event, call one issuance operation, map the result; every error becomes a
//! response in one place, [`ApiError::into_response`].

use lambda_http::http::{Method, StatusCode};
use lambda_http::{Body, Request, RequestExt, Response};
use serde::Serialize;
use serde_json::json;
use shared::http_api::{self, error_response, json_response, with_allow, with_retry_after};
use shared::idenfy::IdenfyError;
use shared::issuance::{
    FieldError, IssuanceService, IssueError, IssueRequest, Issued, PairView, StatusError,
};
use shared::pair::{ClientId, PairStatus, Reason};
use shared::store::StoreError;
use std::time::Duration;

/// Larger issuance bodies are refused unread (a valid one is well under 8 KiB).
pub const MAX_BODY_BYTES: usize = 16 * 1024;

#[derive(Clone)]
pub struct IssueTokens {
    service: IssuanceService,
}

enum Route {
    Issue,
    Status(String),
}

impl IssueTokens {
    pub fn new(service: IssuanceService) -> Self {
        Self { service }
    }

    pub async fn handle(&self, request: Request) -> Response<Body> {
        match self.dispatch(&request).await {
            Ok(response) => response,
            Err(error) => {
                // iDenfy failures are logged where they happen, with their kind; the caller's
                // own mistakes are not worth a log line.
                if let ApiError::Store(store) | ApiError::Issue(IssueError::Store(store)) = &error {
                    tracing::error!(error = %store, "store call failed");
                }
                error.into_response()
            }
        }
    }

    async fn dispatch(&self, request: &Request) -> Result<Response<Body>, ApiError> {
        match (route(request)?, request.method()) {
            (Route::Issue, &Method::POST) => self.issue(request).await,
            (Route::Issue, _) => Err(ApiError::MethodNotAllowed("POST")),
            (Route::Status(client_id), &Method::GET) => self.status(&client_id).await,
            (Route::Status(_), _) => Err(ApiError::MethodNotAllowed("GET")),
        }
    }

    async fn issue(&self, request: &Request) -> Result<Response<Body>, ApiError> {
        let body = json_body(request)?;
        let issue_request = IssueRequest::from_json(&body, &self.service.policy().allowed_origins)
            .map_err(ApiError::Validation)?;
        let issued = self.service.issue(&issue_request).await?;
        let status = if issued.created {
            StatusCode::CREATED
        } else {
            StatusCode::OK
        };
        Ok(json_response(status, &IssuedBody::from(&issued)))
    }

    async fn status(&self, raw_client_id: &str) -> Result<Response<Body>, ApiError> {
        // An id that could never have been issued is simply unknown.
        let client_id = ClientId::parse(raw_client_id).map_err(|_| ApiError::UnknownClientId)?;
        let status = self.service.status(&client_id).await?;
        Ok(json_response(
            StatusCode::OK,
            &StatusBody::new(&client_id, &status),
        ))
    }
}

/// Routes by the path's last segments, so a stage prefix (`/prod/verifications`) is fine.
fn route(request: &Request) -> Result<Route, ApiError> {
    let segments: Vec<&str> = request
        .uri()
        .path()
        .split('/')
        .filter(|s| !s.is_empty())
        .collect();
    match segments.as_slice() {
        [.., "verifications"] => Ok(Route::Issue),
        [.., "verifications", raw] => {
            let client_id = request
                .path_parameters_ref()
                .and_then(|p| p.first("clientId"))
                .map(str::to_owned)
                .unwrap_or_else(|| {
                    percent_encoding::percent_decode_str(raw)
                        .decode_utf8_lossy()
                        .into_owned()
                });
            Ok(Route::Status(client_id))
        }
        _ => Err(ApiError::RouteNotFound),
    }
}

/// Content type, then size, then JSON syntax: each refused with its own status.
fn json_body(request: &Request) -> Result<serde_json::Value, ApiError> {
    if !http_api::is_json(request.headers()) {
        return Err(ApiError::UnsupportedMediaType);
    }
    let bytes = request.body().as_ref();
    if bytes.len() > MAX_BODY_BYTES {
        return Err(ApiError::PayloadTooLarge);
    }
    serde_json::from_slice(bytes).map_err(|e| ApiError::MalformedJson(e.to_string()))
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct IssuedBody<'a> {
    client_id: &'a str,
    status: PairStatus,
    mode: &'static str,
    verification_url: &'a str,
    identity_scan_ref: &'a str,
    /// Null in additional-step mode: there is no document session.
    document_scan_ref: Option<&'a str>,
    expires_at: String,
    created_at: String,
}

impl<'a> From<&'a Issued> for IssuedBody<'a> {
    fn from(issued: &'a Issued) -> Self {
        let pair = &issued.pair;
        Self {
            client_id: issued.client_id.as_str(),
            status: pair.status(),
            mode: pair.mode.as_str(),
            verification_url: &pair.verification_url,
            identity_scan_ref: &pair.identity.scan_ref,
            document_scan_ref: pair.document.as_ref().map(|d| d.scan_ref.as_str()),
            expires_at: pair.url_expires_at.to_rfc3339(),
            created_at: pair.created_at.to_rfc3339(),
        }
    }
}

/// What the site may know: the state and why, and how it came to be — never document data.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct StatusBody<'a> {
    client_id: &'a str,
    status: PairStatus,
    mode: &'static str,
    reasons: &'a [Reason],
    created_at: String,
    updated_at: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    decided_at: Option<String>,
    /// 1 for the first verdict; one more for each verdict a revised result brought.
    #[serde(skip_serializing_if = "Option::is_none")]
    verdict_version: Option<u32>,
    /// The verdicts this one replaced, oldest first.
    earlier_verdicts: Vec<VerdictBody<'a>>,
    /// Every final result iDenfy sent for the pair's sessions, revisions included.
    session_results: Vec<SessionResultBody<'a>>,
    /// Pairs a restart replaced, oldest first.
    previous_pairs: Vec<PreviousPairBody<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct VerdictBody<'a> {
    status: PairStatus,
    reasons: &'a [Reason],
    version: u32,
    decided_at: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SessionResultBody<'a> {
    role: Option<&'static str>,
    status: &'a str,
    received_at: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PreviousPairBody<'a> {
    pair_id: &'a str,
    mode: &'static str,
    status: PairStatus,
    reasons: &'a [Reason],
    created_at: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    decided_at: Option<String>,
    replaced_at: String,
}

impl<'a> StatusBody<'a> {
    fn new(client_id: &'a ClientId, status: &'a PairView) -> Self {
        let pair = &status.pair;
        Self {
            client_id: client_id.as_str(),
            status: pair.status(),
            mode: pair.mode.as_str(),
            reasons: pair.verdict.as_ref().map_or(&[], |v| v.reasons.as_slice()),
            created_at: pair.created_at.to_rfc3339(),
            updated_at: pair.updated_at.to_rfc3339(),
            decided_at: pair.verdict.as_ref().map(|v| v.decided_at.to_rfc3339()),
            verdict_version: pair.verdict.as_ref().map(|v| v.version),
            earlier_verdicts: pair
                .earlier_verdicts
                .iter()
                .map(|v| VerdictBody {
                    status: v.outcome.into(),
                    reasons: &v.reasons,
                    version: v.version,
                    decided_at: v.decided_at.to_rfc3339(),
                })
                .collect(),
            session_results: pair
                .finals
                .iter()
                .map(|f| SessionResultBody {
                    role: pair.role_of(&f.scan_ref).map(|r| r.as_str()),
                    status: f.overall.as_str(),
                    received_at: f.received_at.to_rfc3339(),
                })
                .collect(),
            previous_pairs: status
                .previous_pairs
                .iter()
                .map(|p| PreviousPairBody {
                    pair_id: &p.pair_id,
                    mode: p.mode.as_str(),
                    status: p.outcome.map_or(PairStatus::Pending, PairStatus::from),
                    reasons: &p.reasons,
                    created_at: p.created_at.to_rfc3339(),
                    decided_at: p.decided_at.map(|t| t.to_rfc3339()),
                    replaced_at: p.replaced_at.to_rfc3339(),
                })
                .collect(),
        }
    }
}

/// Every way a request can fail at this boundary.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("no such route")]
    RouteNotFound,
    #[error("method not allowed; use {0}")]
    MethodNotAllowed(&'static str),
    #[error("the body must be JSON (Content-Type: application/json)")]
    UnsupportedMediaType,
    #[error("the body is larger than {MAX_BODY_BYTES} bytes")]
    PayloadTooLarge,
    #[error("the body is not valid JSON: {0}")]
    MalformedJson(String),
    #[error("the request has invalid fields")]
    Validation(Vec<FieldError>),
    #[error("no verification for this clientId")]
    UnknownClientId,
    #[error(transparent)]
    Issue(#[from] IssueError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<StatusError> for ApiError {
    fn from(error: StatusError) -> Self {
        match error {
            StatusError::NotFound => ApiError::UnknownClientId,
            StatusError::Store(store) => ApiError::Store(store),
        }
    }
}

/// How long a caller should wait after a store hiccup.
const STORE_RETRY_AFTER: Duration = Duration::from_secs(1);
/// How long a caller should wait after an iDenfy outage that gave no Retry-After.
const IDENFY_RETRY_AFTER: Duration = Duration::from_secs(5);

impl ApiError {
    /// The one place where errors become HTTP statuses and bodies.
    pub fn into_response(self) -> Response<Body> {
        let message = self.to_string();
        let (status, code, retry_after, extra) = match self {
            ApiError::RouteNotFound => (StatusCode::NOT_FOUND, "ROUTE_NOT_FOUND", None, json!({})),
            ApiError::MethodNotAllowed(allow) => {
                let response = error_response(
                    StatusCode::METHOD_NOT_ALLOWED,
                    "METHOD_NOT_ALLOWED",
                    &message,
                    json!({}),
                );
                return with_allow(response, allow);
            }
            ApiError::UnsupportedMediaType => (
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "UNSUPPORTED_MEDIA_TYPE",
                None,
                json!({}),
            ),
            ApiError::PayloadTooLarge => (
                StatusCode::PAYLOAD_TOO_LARGE,
                "PAYLOAD_TOO_LARGE",
                None,
                json!({}),
            ),
            ApiError::MalformedJson(_) => {
                (StatusCode::BAD_REQUEST, "MALFORMED_JSON", None, json!({}))
            }
            ApiError::Validation(fields) => (
                StatusCode::BAD_REQUEST,
                "VALIDATION_FAILED",
                None,
                json!({ "fieldErrors": fields }),
            ),
            ApiError::UnknownClientId => {
                (StatusCode::NOT_FOUND, "UNKNOWN_CLIENT_ID", None, json!({}))
            }
            ApiError::Issue(IssueError::AlreadyDecided(outcome)) => (
                StatusCode::CONFLICT,
                "ALREADY_DECIDED",
                None,
                json!({ "status": PairStatus::from(outcome) }),
            ),
            ApiError::Issue(IssueError::OtherMode(mode)) => (
                StatusCode::CONFLICT,
                "PENDING_IN_OTHER_MODE",
                None,
                json!({ "mode": mode.as_str() }),
            ),
            ApiError::Issue(IssueError::InProgress { retry_after }) => (
                StatusCode::CONFLICT,
                "ISSUANCE_IN_PROGRESS",
                Some(retry_after),
                json!({}),
            ),
            ApiError::Issue(IssueError::Upstream(error)) => return idenfy_error_response(&error),
            ApiError::Issue(IssueError::Store(error)) | ApiError::Store(error) => match error {
                StoreError::Corrupt(_) => (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "STORE_RECORD_UNREADABLE",
                    None,
                    json!({}),
                ),
                StoreError::Conflict | StoreError::Unavailable(_) => (
                    StatusCode::SERVICE_UNAVAILABLE,
                    "STORE_UNAVAILABLE",
                    Some(STORE_RETRY_AFTER),
                    json!({}),
                ),
            },
        };
        let response = error_response(status, code, &message, extra);
        match retry_after {
            Some(wait) => with_retry_after(response, wait),
            None => response,
        }
    }
}

/// iDenfy failures: 503 with Retry-After when trying again later may help, 502 when iDenfy
/// refused this request or this account (retrying will not); iDenfy's words passed on.
fn idenfy_error_response(error: &IdenfyError) -> Response<Body> {
    let upstream = error.upstream();
    let details = json!({
        "idenfy": {
            "kind": error.kind(),
            "status": upstream.map(|u| u.status),
            "identifier": upstream.and_then(|u| u.identifier.as_deref()),
            "message": upstream.map(|u| u.message.as_str()),
        }
    });
    let message = error.to_string();
    if error.is_transient() {
        let response = error_response(
            StatusCode::SERVICE_UNAVAILABLE,
            "IDENFY_UNAVAILABLE",
            &message,
            details,
        );
        with_retry_after(response, error.retry_after().unwrap_or(IDENFY_RETRY_AFTER))
    } else if let IdenfyError::InvalidRequest(_) = error {
        error_response(
            StatusCode::INTERNAL_SERVER_ERROR,
            "TOKEN_REQUEST_INVALID",
            &message,
            details,
        )
    } else {
        error_response(StatusCode::BAD_GATEWAY, "IDENFY_REFUSED", &message, details)
    }
}
