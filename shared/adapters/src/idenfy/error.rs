//! How iDenfy refuses a token request, classified by its `identifier` first and its HTTP status
//! second, with what may be retried.

use pair_core::pair::erasure::DeletionRefusal;
use pair_core::ports::idenfy::{IdenfyError, Upstream};
use std::time::Duration;

/// Classifies a non-2xx answer: by iDenfy's `identifier` first (its docs say standard
/// errors may all come as HTTP 400 + identifier), by the status when the identifier is
/// absent or unknown.
pub fn classify(upstream: Upstream, retry_after: Option<Duration>) -> IdenfyError {
    match upstream.identifier.as_deref() {
        Some("UNAUTHORIZED") => return IdenfyError::Unauthorized(upstream),
        // "Partner reached token limit" is out of credits; other permission refusals are
        // about the account or environment.
        Some("PERMISSIONS_ERROR") if upstream.message.to_ascii_lowercase().contains("limit") => {
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

/// A refused deletion in the domain's words. iDenfy documents one refusal, "Token has not
/// expired yet." (a live session); anything else is kept as what it is.
pub fn deletion_refusal(error: &IdenfyError) -> DeletionRefusal {
    let token_live = error
        .upstream()
        .is_some_and(|u| u.message.to_ascii_lowercase().contains("not expired"));
    match error {
        _ if token_live => DeletionRefusal::TokenNotExpired,
        IdenfyError::Unauthorized(_) | IdenfyError::Credentials(_) => DeletionRefusal::Credentials,
        IdenfyError::RateLimited { .. }
        | IdenfyError::ServerError(_)
        | IdenfyError::Timeout
        | IdenfyError::Connection(_)
        | IdenfyError::InvalidResponse(_) => DeletionRefusal::Unavailable,
        _ => DeletionRefusal::Refused,
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
            classify(up(400), None),
            IdenfyError::BadRequest(_)
        ));
        assert!(matches!(
            classify(up(502), None),
            IdenfyError::ServerError(_)
        ));
        assert!(matches!(
            classify(up(418), None),
            IdenfyError::UnexpectedStatus(_)
        ));
        assert!(classify(up(429), None).is_transient());
        assert!(!classify(up(402), None).is_transient());
    }

    #[test]
    fn identifiers_classify_before_statuses() {
        let up = |status, identifier: &str, message: &str| Upstream {
            status,
            identifier: Some(identifier.to_owned()),
            message: message.to_owned(),
        };
        let kind =
            |status, identifier, message| classify(up(status, identifier, message), None).kind();
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
        assert!(classify(up(400, "TOO_MANY_REQUESTS", "x"), None).is_transient());
        assert_eq!(kind(403, "BAD_VALUE", "x"), "BAD_REQUEST");
        // Unknown identifiers fall back to the status.
        assert_eq!(kind(401, "SOMETHING_NEW", "x"), "UNAUTHORIZED");
        assert_eq!(kind(503, "SOMETHING_NEW", "x"), "SERVER_ERROR");
    }
}
