//! iDenfy's token API as the domain uses it: the request and response shapes (IDENFY.md), the
//! limits iDenfy enforces, the error kinds it answers with, and the port the issuance service
//! calls. [`client`] is the reqwest adapter.

pub mod client;

use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use std::time::Duration;

pub use client::{IdenfyClient, IdenfyClientConfig, RetryPolicy};

/// The token port.
#[async_trait]
pub trait TokenIssuer: Send + Sync {
    async fn create_token(&self, request: &TokenRequest) -> Result<IssuedToken, IdenfyError>;

    /// The URL a person opens to run the session of `auth_token`.
    fn redirect_url(&self, auth_token: &str) -> String;
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum TokenType {
    /// Selfie + identity document.
    Identification,
    /// Document only (the residence permit).
    Document,
}

/// Body of `POST /api/v2/token`: flat camelCase, absent fields left out.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TokenRequest {
    pub client_id: String,
    pub token_type: TokenType,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub date_of_birth: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub success_url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error_url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unverified_url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub callback_url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expiry_time: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub session_length: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub locale: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub documents: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub external_ref: Option<String>,
    /// Steps added to the session, e.g. the permit's UPLOAD step (IDENFY.md).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub additional_steps: Option<serde_json::Value>,
}

/// iDenfy's documented limits on a token request.
pub mod limits {
    pub const CLIENT_ID_MAX: usize = 100;
    pub const NAME_MAX: usize = 100;
    pub const URL_MIN: usize = 5;
    pub const URL_MAX: usize = 2048;
    pub const EXPIRY_TIME_MAX: u32 = 2_592_000;
    pub const SESSION_LENGTH_MIN: u32 = 60;
    pub const SESSION_LENGTH_MAX: u32 = 3600;
    /// `locale` is a two-letter language code (en, de, lt…).
    pub const LOCALE_LEN: usize = 2;
    pub const EXTERNAL_REF_MAX: usize = 40;
}

impl TokenRequest {
    pub fn new(client_id: impl Into<String>, token_type: TokenType) -> Self {
        Self {
            client_id: client_id.into(),
            token_type,
            first_name: None,
            last_name: None,
            date_of_birth: None,
            success_url: None,
            error_url: None,
            unverified_url: None,
            callback_url: None,
            expiry_time: None,
            session_length: None,
            locale: None,
            documents: None,
            external_ref: None,
            additional_steps: None,
        }
    }

    /// Checks the request against iDenfy's limits, so that a request iDenfy would refuse is
    /// never sent. Returns every violation, one line each.
    pub fn check_limits(&self) -> Result<(), Vec<String>> {
        use limits::*;
        let mut problems = Vec::new();
        let mut check = |ok: bool, problem: &str| {
            if !ok {
                problems.push(problem.to_owned());
            }
        };
        let id = &self.client_id;
        check(
            !id.is_empty() && id.len() <= CLIENT_ID_MAX && id.is_ascii(),
            "clientId must be 1-100 ASCII characters",
        );
        for (name, value) in [
            ("firstName", &self.first_name),
            ("lastName", &self.last_name),
        ] {
            if let Some(value) = value {
                check(
                    !value.is_empty() && value.chars().count() <= NAME_MAX,
                    &format!("{name} must be 1-100 characters"),
                );
            }
        }
        if let Some(dob) = &self.date_of_birth {
            check(is_iso_date(dob), "dateOfBirth must be YYYY-MM-DD");
        }
        for (name, value) in [
            ("successUrl", &self.success_url),
            ("errorUrl", &self.error_url),
            ("unverifiedUrl", &self.unverified_url),
            ("callbackUrl", &self.callback_url),
        ] {
            if let Some(value) = value {
                check(
                    (URL_MIN..=URL_MAX).contains(&value.len()),
                    &format!("{name} must be 5-2048 characters"),
                );
            }
        }
        if let Some(expiry) = self.expiry_time {
            check(
                expiry <= EXPIRY_TIME_MAX,
                "expiryTime must be at most 2592000 seconds",
            );
        }
        if let Some(length) = self.session_length {
            check(
                (SESSION_LENGTH_MIN..=SESSION_LENGTH_MAX).contains(&length),
                "sessionLength must be 60-3600 seconds",
            );
        }
        if let Some(locale) = &self.locale {
            check(is_locale(locale), "locale must be a two-letter code");
        }
        if let Some(external_ref) = &self.external_ref {
            check(
                external_ref.len() <= EXTERNAL_REF_MAX,
                "externalRef must be at most 40 characters",
            );
        }
        if problems.is_empty() {
            Ok(())
        } else {
            Err(problems)
        }
    }
}

/// A two-letter language code, lower case, as iDenfy lists them.
pub fn is_locale(value: &str) -> bool {
    value.len() == limits::LOCALE_LEN && value.bytes().all(|b| b.is_ascii_lowercase())
}

/// `YYYY-MM-DD` naming a real calendar date.
pub fn is_iso_date(value: &str) -> bool {
    let format = time::macros::format_description!("[year]-[month]-[day]");
    value.len() == 10 && time::Date::parse(value, &format).is_ok()
}

/// The part of iDenfy's token response we use; the rest of the echo is ignored.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct IssuedToken {
    pub auth_token: String,
    pub scan_ref: String,
}

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
            | IdenfyError::InvalidResponse(_) => None,
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
    fn serialises_flat_camel_case_without_absent_fields() {
        let mut request = TokenRequest::new("USER_1", TokenType::Document);
        request.documents = Some(vec!["RESIDENCE_PERMIT".into()]);
        request.expiry_time = Some(4800);
        let json = serde_json::to_value(&request).unwrap();
        assert_eq!(
            json,
            serde_json::json!({
                "clientId": "USER_1",
                "tokenType": "DOCUMENT",
                "documents": ["RESIDENCE_PERMIT"],
                "expiryTime": 4800
            })
        );
    }

    #[test]
    fn limits_are_checked_and_every_violation_reported() {
        let mut request = TokenRequest::new("", TokenType::Identification);
        request.session_length = Some(30);
        request.external_ref = Some("x".repeat(41));
        request.success_url = Some("http".into());
        request.date_of_birth = Some("1990-02-30".into());
        request.locale = Some("en-GB-xyz".into());
        let problems = request.check_limits().unwrap_err();
        assert_eq!(problems.len(), 6, "{problems:?}");

        let mut ok = TokenRequest::new("USER_1", TokenType::Identification);
        ok.session_length = Some(600);
        ok.expiry_time = Some(2_592_000);
        ok.date_of_birth = Some("1990-05-15".into());
        assert_eq!(ok.check_limits(), Ok(()));
    }

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
