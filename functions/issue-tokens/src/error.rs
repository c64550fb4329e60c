//! Every way an issuance request can fail, and the one place each becomes a response.

use crate::MAX_BODY_BYTES;
use crate::request::FieldError;
use lambda_http::http::StatusCode;
use lambda_http::{Body, Response};
use pair_adapters::http_api::{
    Duty, error_response, secrets_failure, server_error, store_failure, with_allow,
    with_retry_after,
};
use pair_app::erasure::ErasureError;
use pair_app::issuance::{FollowError, IssueError, RenewalError, StatusError};
use pair_app::review::{ClaimError, EvidenceError, QueueError, ReviewError};
use pair_core::pair::PairStatus;
use pair_core::pair::machine::{ClaimRefused, ReviewRefused};
use pair_core::pair::renewal::RenewalRefused;
use pair_core::ports::idenfy::IdenfyError;
use pair_core::ports::store::StoreError;
use serde_json::json;
use std::time::Duration;

/// Every way a request can fail at this boundary.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("no such route")]
    RouteNotFound,
    #[error("this route needs an authenticated caller (the API's authorizer)")]
    Unauthenticated,
    #[error("this route belongs to the {} duty: the token holds none of its scopes", .0.as_str())]
    Forbidden(Duty),
    #[error("method not allowed; use {0}")]
    MethodNotAllowed(String),
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
    #[error("this clientId's verification data was erased")]
    Erased(pair_core::clock::Timestamp),
    #[error(transparent)]
    Issue(#[from] IssueError),
    #[error(transparent)]
    Review(#[from] ReviewError),
    #[error(transparent)]
    Evidence(#[from] EvidenceError),
    #[error(transparent)]
    Queue(#[from] QueueError),
    #[error(transparent)]
    Claim(#[from] ClaimError),
    #[error(transparent)]
    Erasure(#[from] ErasureError),
    #[error(transparent)]
    Renewal(#[from] RenewalError),
    #[error(transparent)]
    Follow(FollowError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<StatusError> for ApiError {
    fn from(error: StatusError) -> Self {
        match error {
            StatusError::NotFound => ApiError::UnknownClientId,
            StatusError::Erased(at) => ApiError::Erased(at),
            StatusError::Store(store) => ApiError::Store(store),
        }
    }
}

/// How long a caller should wait after an iDenfy outage that gave no Retry-After.
const IDENFY_RETRY_AFTER: Duration = Duration::from_secs(5);

impl ApiError {
    /// The one place where errors become HTTP statuses and bodies. 4xx bodies explain the
    /// caller's mistake; 5xx bodies carry a stable code and `request_id`, nothing more.
    pub fn into_response(self, request_id: &str) -> Response<Body> {
        let message = self.to_string();
        let (status, code, retry_after, extra) = match self {
            ApiError::RouteNotFound => (StatusCode::NOT_FOUND, "ROUTE_NOT_FOUND", None, json!({})),
            ApiError::Unauthenticated => {
                (StatusCode::UNAUTHORIZED, "UNAUTHENTICATED", None, json!({}))
            }
            ApiError::Forbidden(duty) => (
                StatusCode::FORBIDDEN,
                "FORBIDDEN",
                None,
                json!({ "duty": duty.as_str() }),
            ),
            ApiError::MethodNotAllowed(allow) => {
                let response = error_response(
                    StatusCode::METHOD_NOT_ALLOWED,
                    "METHOD_NOT_ALLOWED",
                    &message,
                    json!({}),
                );
                return with_allow(response, &allow);
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
            ApiError::UnknownClientId | ApiError::Erasure(ErasureError::NotFound) => {
                (StatusCode::NOT_FOUND, "UNKNOWN_CLIENT_ID", None, json!({}))
            }
            ApiError::Erased(at) => (
                StatusCode::GONE,
                "ERASED",
                None,
                json!({ "erasedAt": at.to_rfc3339() }),
            ),
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
            ApiError::Issue(IssueError::InProgress { retry_after })
            | ApiError::Renewal(RenewalError::InProgress { retry_after }) => (
                StatusCode::CONFLICT,
                "ISSUANCE_IN_PROGRESS",
                Some(retry_after),
                json!({}),
            ),
            ApiError::Issue(IssueError::TooManyPairs { retry_after })
            | ApiError::Renewal(RenewalError::TooManyPairs { retry_after }) => (
                StatusCode::TOO_MANY_REQUESTS,
                "TOO_MANY_PAIRS",
                Some(retry_after),
                json!({}),
            ),
            ApiError::Renewal(RenewalError::Refused(refused)) => (
                StatusCode::CONFLICT,
                refused.code(),
                None,
                match refused {
                    RenewalRefused::NotPossible(why) => json!({ "why": why }),
                    RenewalRefused::IdentityDocumentExpiring => json!({}),
                },
            ),
            ApiError::Review(ReviewError::Refused(ReviewRefused::Claimed { status, claim })) => (
                StatusCode::CONFLICT,
                "CLAIMED",
                None,
                claimed(Some(status), &claim),
            ),
            ApiError::Claim(ClaimError::Refused(ClaimRefused::Claimed { claim })) => (
                StatusCode::CONFLICT,
                "CLAIMED",
                None,
                claimed(Some(PairStatus::RequiresReview), &claim),
            ),
            ApiError::Claim(ClaimError::Refused(ClaimRefused::NotWaiting { status })) => (
                StatusCode::CONFLICT,
                "NOT_AWAITING_REVIEW",
                None,
                json!({ "status": status }),
            ),
            ApiError::Queue(QueueError::Cursor) => {
                (StatusCode::BAD_REQUEST, "INVALID_CURSOR", None, json!({}))
            }
            ApiError::Queue(QueueError::Keys(reason)) => {
                return secrets_failure(&reason, request_id);
            }
            ApiError::Review(ReviewError::Refused(ReviewRefused::NoPair))
            | ApiError::Claim(ClaimError::Refused(ClaimRefused::NoPair))
            | ApiError::Renewal(RenewalError::NotFound)
            | ApiError::Evidence(EvidenceError::NotFound) => {
                (StatusCode::NOT_FOUND, "UNKNOWN_CLIENT_ID", None, json!({}))
            }
            ApiError::Review(ReviewError::Refused(refused)) => {
                let code = match refused {
                    ReviewRefused::OtherPair { .. } => "PAIR_REPLACED",
                    ReviewRefused::NotAwaitingReview { .. } => "NOT_AWAITING_REVIEW",
                    ReviewRefused::VerdictChanged { .. } | ReviewRefused::NoPair => {
                        "VERDICT_CHANGED"
                    }
                    ReviewRefused::Claimed { .. } => "CLAIMED",
                };
                (
                    StatusCode::CONFLICT,
                    code,
                    None,
                    json!({ "status": refused.status() }),
                )
            }
            ApiError::Issue(IssueError::Upstream(error))
            | ApiError::Renewal(RenewalError::Upstream(error))
            | ApiError::Evidence(EvidenceError::Upstream(error))
            | ApiError::Follow(FollowError::Upstream(error)) => {
                return idenfy_failure(&error, request_id);
            }
            ApiError::Issue(IssueError::ContinuationKeys(reason))
            | ApiError::Follow(FollowError::ContinuationKeys(reason)) => {
                return secrets_failure(&reason, request_id);
            }
            ApiError::Issue(IssueError::NoPublicApiUrl) => {
                tracing::error!(
                    request_id,
                    "PUBLIC_API_URL is needed: the request names no domain"
                );
                return server_error(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "PUBLIC_API_URL_NEEDED",
                    "the API's public URL is unknown; set PUBLIC_API_URL",
                    request_id,
                    json!({}),
                );
            }
            ApiError::Follow(FollowError::Busy) => (
                StatusCode::SERVICE_UNAVAILABLE,
                "DOCUMENT_SESSION_RENEWING",
                Some(Duration::from_secs(1)),
                json!({}),
            ),
            // Answered by the handler as a redirect; kept here so no case is unmapped.
            ApiError::Follow(FollowError::Refused { .. }) => {
                (StatusCode::GONE, "CONTINUATION_REFUSED", None, json!({}))
            }
            ApiError::Issue(IssueError::Store(error))
            | ApiError::Renewal(RenewalError::Store(error))
            | ApiError::Review(ReviewError::Store(error))
            | ApiError::Evidence(EvidenceError::Store(error))
            | ApiError::Queue(QueueError::Store(error))
            | ApiError::Claim(ClaimError::Store(error))
            | ApiError::Erasure(ErasureError::Store(error))
            | ApiError::Follow(FollowError::Store(error))
            | ApiError::Store(error) => {
                return store_failure(&error, request_id);
            }
        };
        let response = error_response(status, code, &message, extra);
        match retry_after {
            Some(wait) => with_retry_after(response, wait),
            None => response,
        }
    }
}

/// The claim that holds a pair, for the reviewer refused by it.
fn claimed(
    status: Option<PairStatus>,
    claim: &pair_core::pair::queue::ReviewClaim,
) -> serde_json::Value {
    json!({
        "status": status,
        "claimedBy": claim.by,
        "claimedUntil": claim.until.to_rfc3339(),
    })
}

/// iDenfy failures: 503 with Retry-After when trying again later may help, 502 when iDenfy
/// refused this request or this account (retrying will not). The body names iDenfy's status
/// and identifier; its message stays in the log (issuance logged it with the error's kind).
fn idenfy_failure(error: &IdenfyError, request_id: &str) -> Response<Body> {
    if let IdenfyError::Credentials(reason) = error {
        // Nothing was sent: our own secret was unreadable (Secrets Manager).
        return secrets_failure(reason, request_id);
    }
    let upstream = error.upstream();
    tracing::warn!(request_id, upstream = %error, "iDenfy failure answered");
    let details = json!({
        "idenfy": {
            "kind": error.kind(),
            "status": upstream.map(|u| u.status),
            "identifier": upstream.and_then(|u| u.identifier.as_deref()),
        }
    });
    if error.is_transient() {
        let response = server_error(
            StatusCode::SERVICE_UNAVAILABLE,
            "IDENFY_UNAVAILABLE",
            "iDenfy is unavailable; try again shortly",
            request_id,
            details,
        );
        with_retry_after(response, error.retry_after().unwrap_or(IDENFY_RETRY_AFTER))
    } else if let IdenfyError::InvalidRequest(_) = error {
        server_error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "TOKEN_REQUEST_INVALID",
            "the token request would break iDenfy's limits",
            request_id,
            details,
        )
    } else {
        server_error(
            StatusCode::BAD_GATEWAY,
            "IDENFY_REFUSED",
            "iDenfy refused the request",
            request_id,
            details,
        )
    }
}
