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
        let answer = match self {
            ApiError::Issue(error) => issuance(error),
            ApiError::Renewal(error) => renewal(error),
            ApiError::Follow(error) => follow(error),
            ApiError::Review(error) => review(error),
            ApiError::Claim(error) => claim(error),
            ApiError::Queue(error) => queue(error),
            ApiError::Evidence(error) => evidence(error),
            ApiError::Erasure(ErasureError::NotFound) => unknown_client(),
            ApiError::Erasure(ErasureError::Store(error)) | ApiError::Store(error) => {
                Answer::Store(error)
            }
            ApiError::UnknownClientId => unknown_client(),
            ApiError::RouteNotFound => refused(StatusCode::NOT_FOUND, "ROUTE_NOT_FOUND", json!({})),
            ApiError::Unauthenticated => {
                refused(StatusCode::UNAUTHORIZED, "UNAUTHENTICATED", json!({}))
            }
            ApiError::Forbidden(duty) => refused(
                StatusCode::FORBIDDEN,
                "FORBIDDEN",
                json!({ "duty": duty.as_str() }),
            ),
            ApiError::MethodNotAllowed(allow) => Answer::MethodNotAllowed(allow),
            ApiError::UnsupportedMediaType => refused(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "UNSUPPORTED_MEDIA_TYPE",
                json!({}),
            ),
            ApiError::PayloadTooLarge => refused(
                StatusCode::PAYLOAD_TOO_LARGE,
                "PAYLOAD_TOO_LARGE",
                json!({}),
            ),
            ApiError::MalformedJson(_) => {
                refused(StatusCode::BAD_REQUEST, "MALFORMED_JSON", json!({}))
            }
            ApiError::Validation(fields) => refused(
                StatusCode::BAD_REQUEST,
                "VALIDATION_FAILED",
                json!({ "fieldErrors": fields }),
            ),
            ApiError::Erased(at) => refused(
                StatusCode::GONE,
                "ERASED",
                json!({ "erasedAt": at.to_rfc3339() }),
            ),
        };
        answer.into_response(&message, request_id)
    }
}

/// What an error is answered with.
enum Answer {
    /// A 4xx (or a 503 the caller retries) with its stable code and what it adds to the body.
    Refused {
        status: StatusCode,
        code: &'static str,
        retry_after: Option<Duration>,
        extra: serde_json::Value,
    },
    MethodNotAllowed(String),
    Store(StoreError),
    Idenfy(IdenfyError),
    Secrets(String),
    PublicApiUrlNeeded,
}

impl Answer {
    fn into_response(self, message: &str, request_id: &str) -> Response<Body> {
        match self {
            Answer::Refused {
                status,
                code,
                retry_after,
                extra,
            } => {
                let response = error_response(status, code, message, extra);
                match retry_after {
                    Some(wait) => with_retry_after(response, wait),
                    None => response,
                }
            }
            Answer::MethodNotAllowed(allow) => with_allow(
                error_response(
                    StatusCode::METHOD_NOT_ALLOWED,
                    "METHOD_NOT_ALLOWED",
                    message,
                    json!({}),
                ),
                &allow,
            ),
            Answer::Store(error) => store_failure(&error, request_id),
            Answer::Idenfy(error) => idenfy_failure(&error, request_id),
            Answer::Secrets(reason) => secrets_failure(&reason, request_id),
            Answer::PublicApiUrlNeeded => {
                tracing::error!(
                    request_id,
                    "PUBLIC_API_URL is needed: the request names no domain"
                );
                server_error(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "PUBLIC_API_URL_NEEDED",
                    "the API's public URL is unknown; set PUBLIC_API_URL",
                    request_id,
                    json!({}),
                )
            }
        }
    }
}

fn refused(status: StatusCode, code: &'static str, extra: serde_json::Value) -> Answer {
    Answer::Refused {
        status,
        code,
        retry_after: None,
        extra,
    }
}

fn retry_later(status: StatusCode, code: &'static str, retry_after: Duration) -> Answer {
    Answer::Refused {
        status,
        code,
        retry_after: Some(retry_after),
        extra: json!({}),
    }
}

fn unknown_client() -> Answer {
    refused(StatusCode::NOT_FOUND, "UNKNOWN_CLIENT_ID", json!({}))
}

fn issuance(error: IssueError) -> Answer {
    match error {
        IssueError::AlreadyDecided(outcome) => refused(
            StatusCode::CONFLICT,
            "ALREADY_DECIDED",
            json!({ "status": PairStatus::from(outcome) }),
        ),
        IssueError::OtherMode(mode) => refused(
            StatusCode::CONFLICT,
            "PENDING_IN_OTHER_MODE",
            json!({ "mode": mode.as_str() }),
        ),
        IssueError::InProgress { retry_after } => {
            retry_later(StatusCode::CONFLICT, "ISSUANCE_IN_PROGRESS", retry_after)
        }
        IssueError::TooManyPairs { retry_after } => {
            retry_later(StatusCode::TOO_MANY_REQUESTS, "TOO_MANY_PAIRS", retry_after)
        }
        IssueError::Upstream(error) => Answer::Idenfy(error),
        IssueError::ContinuationKeys(reason) => Answer::Secrets(reason),
        IssueError::NoPublicApiUrl => Answer::PublicApiUrlNeeded,
        IssueError::Store(error) => Answer::Store(error),
    }
}

fn renewal(error: RenewalError) -> Answer {
    match error {
        RenewalError::NotFound => unknown_client(),
        RenewalError::Refused(refused_now) => refused(
            StatusCode::CONFLICT,
            refused_now.code(),
            match refused_now {
                RenewalRefused::NotPossible(why) => json!({ "why": why }),
                RenewalRefused::IdentityDocumentExpiring => json!({}),
            },
        ),
        RenewalError::InProgress { retry_after } => {
            retry_later(StatusCode::CONFLICT, "ISSUANCE_IN_PROGRESS", retry_after)
        }
        RenewalError::TooManyPairs { retry_after } => {
            retry_later(StatusCode::TOO_MANY_REQUESTS, "TOO_MANY_PAIRS", retry_after)
        }
        RenewalError::Upstream(error) => Answer::Idenfy(error),
        RenewalError::Store(error) => Answer::Store(error),
    }
}

fn follow(error: FollowError) -> Answer {
    match error {
        FollowError::Upstream(error) => Answer::Idenfy(error),
        FollowError::ContinuationKeys(reason) => Answer::Secrets(reason),
        FollowError::Busy => retry_later(
            StatusCode::SERVICE_UNAVAILABLE,
            "DOCUMENT_SESSION_RENEWING",
            Duration::from_secs(1),
        ),
        // Answered by the handler as a redirect; kept here so no case is unmapped.
        FollowError::Refused { .. } => refused(StatusCode::GONE, "CONTINUATION_REFUSED", json!({})),
        FollowError::Store(error) => Answer::Store(error),
    }
}

fn review(error: ReviewError) -> Answer {
    let refused_now = match error {
        ReviewError::Store(error) => return Answer::Store(error),
        ReviewError::Refused(ReviewRefused::NoPair) => return unknown_client(),
        ReviewError::Refused(refused_now) => refused_now,
    };
    let code = match &refused_now {
        ReviewRefused::OtherPair { .. } => "PAIR_REPLACED",
        ReviewRefused::NotAwaitingReview { .. } => "NOT_AWAITING_REVIEW",
        ReviewRefused::VerdictChanged { .. } | ReviewRefused::NoPair => "VERDICT_CHANGED",
        ReviewRefused::Claimed { status, claim } => {
            return refused(
                StatusCode::CONFLICT,
                "CLAIMED",
                claimed(Some(*status), claim),
            );
        }
    };
    refused(
        StatusCode::CONFLICT,
        code,
        json!({ "status": refused_now.status() }),
    )
}

fn claim(error: ClaimError) -> Answer {
    match error {
        ClaimError::Refused(ClaimRefused::Claimed { claim }) => refused(
            StatusCode::CONFLICT,
            "CLAIMED",
            claimed(Some(PairStatus::RequiresReview), &claim),
        ),
        ClaimError::Refused(ClaimRefused::NotWaiting { status }) => refused(
            StatusCode::CONFLICT,
            "NOT_AWAITING_REVIEW",
            json!({ "status": status }),
        ),
        ClaimError::Refused(ClaimRefused::NoPair) => unknown_client(),
        ClaimError::Store(error) => Answer::Store(error),
    }
}

fn queue(error: QueueError) -> Answer {
    match error {
        QueueError::Cursor => refused(StatusCode::BAD_REQUEST, "INVALID_CURSOR", json!({})),
        QueueError::Keys(reason) => Answer::Secrets(reason),
        QueueError::Store(error) => Answer::Store(error),
    }
}

fn evidence(error: EvidenceError) -> Answer {
    match error {
        EvidenceError::NotFound => unknown_client(),
        EvidenceError::Upstream(error) => Answer::Idenfy(error),
        EvidenceError::Store(error) => Answer::Store(error),
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
