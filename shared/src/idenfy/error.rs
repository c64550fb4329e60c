//! How iDenfy refuses a token request, classified by its `identifier` first and its HTTP status
//! second, with what may be retried.

use crate::pair::erasure::DeletionRefusal;
use std::time::Duration;

/// iDenfy's own words about a refusal: its `identifier` (absent on some 401s) and `message`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Upstream {
    pub status: u16,
    pub identifier: Option<String>,
    pub message: String,
}

impl std::fmt::Display for Upstream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.identifier {
            Some(identifier) => write!(f, "{} {}: {}", self.status, identifier, self.message),
            None => write!(f, "{}: {}", self.status, self.message),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdenfyError {
    #[error("token request not sent, it breaks iDenfy's limits: {}", .0.join("; "))]
    InvalidRequest(Vec<String>),
    #[error("iDenfy refused the request as invalid ({0})")]
    BadRequest(Upstream),
    #[error("iDenfy refused the API credentials ({0})")]
    Unauthorized(Upstream),
    #[error("iDenfy reports no funds or an exceeded limit ({0})")]
    PaymentRequired(Upstream),
    #[error("iDenfy refused the account or environment ({0})")]
    Forbidden(Upstream),
    #[error("iDenfy reports a conflicting session ({0})")]
    Conflict(Upstream),
    #[error("iDenfy rate limit reached ({upstream})")]
    RateLimited {
        upstream: Upstream,
        retry_after: Option<Duration>,
    },
    #[error("iDenfy failed ({0})")]
    ServerError(Upstream),
    #[error("iDenfy answered with an unexpected status ({0})")]
    UnexpectedStatus(Upstream),
    #[error("iDenfy did not answer in time")]
    Timeout,
    #[error("could not reach iDenfy: {0}")]
    Connection(String),
    #[error("iDenfy's answer could not be read: {0}")]
    InvalidResponse(String),
    /// Our API key and secret could not be read (Secrets Manager): nothing was sent.
    #[error("the iDenfy API credentials could not be read: {0}")]
    Credentials(String),
}

impl IdenfyError {
    /// Worth another attempt: the cause may pass (never a refusal of this very request).
    pub fn is_transient(&self) -> bool {
        matches!(
            self,
            IdenfyError::RateLimited { .. }
                | IdenfyError::ServerError(_)
                | IdenfyError::Timeout
                | IdenfyError::Connection(_)
        )
    }

    pub fn upstream(&self) -> Option<&Upstream> {
        match self {
            IdenfyError::BadRequest(u)
            | IdenfyError::Unauthorized(u)
            | IdenfyError::PaymentRequired(u)
            | IdenfyError::Forbidden(u)
            | IdenfyError::Conflict(u)
            | IdenfyError::ServerError(u)
            | IdenfyError::UnexpectedStatus(u)
            | IdenfyError::RateLimited { upstream: u, .. } => Some(u),
            IdenfyError::InvalidRequest(_)
            | IdenfyError::Timeout
            | IdenfyError::Connection(_)
            | IdenfyError::InvalidResponse(_)
            | IdenfyError::Credentials(_) => None,
        }
    }

    /// A stable, data-free name for logs and API error bodies.
    pub fn kind(&self) -> &'static str {
        match self {
            IdenfyError::InvalidRequest(_) => "INVALID_REQUEST",
            IdenfyError::BadRequest(_) => "BAD_REQUEST",
            IdenfyError::Unauthorized(_) => "UNAUTHORIZED",
            IdenfyError::PaymentRequired(_) => "PAYMENT_REQUIRED",
            IdenfyError::Forbidden(_) => "FORBIDDEN",
            IdenfyError::Conflict(_) => "CONFLICT",
            IdenfyError::RateLimited { .. } => "RATE_LIMITED",
            IdenfyError::ServerError(_) => "SERVER_ERROR",
            IdenfyError::UnexpectedStatus(_) => "UNEXPECTED_STATUS",
            IdenfyError::Timeout => "TIMEOUT",
            IdenfyError::Connection(_) => "CONNECTION",
            IdenfyError::InvalidResponse(_) => "INVALID_RESPONSE",
            IdenfyError::Credentials(_) => "CREDENTIALS_UNAVAILABLE",
        }
    }

    /// A refused deletion in the domain's words. iDenfy documents one refusal, "Token has not
    /// expired yet." (a live session); anything else is kept as what it is.
    pub fn deletion_refusal(&self) -> DeletionRefusal {
        let token_live = self
            .upstream()
            .is_some_and(|u| u.message.to_ascii_lowercase().contains("not expired"));
        match self {
            _ if token_live => DeletionRefusal::TokenNotExpired,
            IdenfyError::Unauthorized(_) | IdenfyError::Credentials(_) => {
                DeletionRefusal::Credentials
            }
            IdenfyError::RateLimited { .. }
            | IdenfyError::ServerError(_)
            | IdenfyError::Timeout
            | IdenfyError::Connection(_)
            | IdenfyError::InvalidResponse(_) => DeletionRefusal::Unavailable,
            _ => DeletionRefusal::Refused,
        }
    }

    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            IdenfyError::RateLimited { retry_after, .. } => *retry_after,
            _ => None,
        }
    }

    /// Classifies a non-2xx answer: by iDenfy's `identifier` first (its docs say standard
    /// errors may all come as HTTP 400 + identifier), by the status when the identifier is
    /// absent or unknown.
    pub fn from_status(upstream: Upstream, retry_after: Option<Duration>) -> Self {
        match upstream.identifier.as_deref() {
            Some("UNAUTHORIZED") => return IdenfyError::Unauthorized(upstream),
            // "Partner reached token limit" is out of credits; other permission refusals are
            // about the account or environment.
            Some("PERMISSIONS_ERROR")
                if upstream.message.to_ascii_lowercase().contains("limit") =>
            {
                return IdenfyError::PaymentRequired(upstream);
            }
            Some("PERMISSIONS_ERROR" | "FORBIDDEN") => return IdenfyError::Forbidden(upstream),
            Some("TOO_MANY_REQUESTS") => {
                return IdenfyError::RateLimited {
                    upstream,
                    retry_after,
                };
            }
            Some("BAD_VALUE" | "MISSING_VALUE" | "VALIDATION_ERROR" | "JSON_ERROR") => {
                return IdenfyError::BadRequest(upstream);
            }
            _ => {}
        }
        match upstream.status {
            400 => IdenfyError::BadRequest(upstream),
            401 => IdenfyError::Unauthorized(upstream),
            402 => IdenfyError::PaymentRequired(upstream),
            403 => IdenfyError::Forbidden(upstream),
            409 => IdenfyError::Conflict(upstream),
            429 => IdenfyError::RateLimited {
                upstream,
                retry_after,
            },
            500..=599 => IdenfyError::ServerError(upstream),
            _ => IdenfyError::UnexpectedStatus(upstream),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_map_to_distinct_errors() {
        let up = |status| Upstream {
            status,
            identifier: None,
            message: "m".into(),
        };
        assert!(matches!(
            IdenfyError::from_status(up(400), None),
            IdenfyError::BadRequest(_)
        ));
        assert!(matches!(
            IdenfyError::from_status(up(502), None),
            IdenfyError::ServerError(_)
        ));
        assert!(matches!(
            IdenfyError::from_status(up(418), None),
            IdenfyError::UnexpectedStatus(_)
        ));
        assert!(IdenfyError::from_status(up(429), None).is_transient());
        assert!(!IdenfyError::from_status(up(402), None).is_transient());
    }

    #[test]
    fn identifiers_classify_before_statuses() {
        let up = |status, identifier: &str, message: &str| Upstream {
            status,
            identifier: Some(identifier.to_owned()),
            message: message.to_owned(),
        };
        let kind = |status, identifier, message| {
            IdenfyError::from_status(up(status, identifier, message), None).kind()
        };
        assert_eq!(
            kind(400, "UNAUTHORIZED", "Invalid authorization credentials"),
            "UNAUTHORIZED"
        );
        assert_eq!(
            kind(400, "PERMISSIONS_ERROR", "Partner reached token limit"),
            "PAYMENT_REQUIRED"
        );
        assert_eq!(
            kind(
                400,
                "PERMISSIONS_ERROR",
                "You are not allowed to use a custom callback url"
            ),
            "FORBIDDEN"
        );
        assert_eq!(kind(400, "TOO_MANY_REQUESTS", "slow down"), "RATE_LIMITED");
        assert!(IdenfyError::from_status(up(400, "TOO_MANY_REQUESTS", "x"), None).is_transient());
        assert_eq!(kind(403, "BAD_VALUE", "x"), "BAD_REQUEST");
        // Unknown identifiers fall back to the status.
        assert_eq!(kind(401, "SOMETHING_NEW", "x"), "UNAUTHORIZED");
        assert_eq!(kind(503, "SOMETHING_NEW", "x"), "SERVER_ERROR");
    }
}
