//! The iDenfy ports, in the domain's words: opening a session, reading its files, deleting
//! it, and how a call through them fails. Their adapter (`pair_adapters::idenfy`) holds every
//! fact of iDenfy's wire format.

use crate::pair::{ClientId, FinishPages, Person, Role};
use async_trait::async_trait;
use std::collections::BTreeMap;
use std::time::{Duration, Instant};

/// File name (FRONT, FACE, RESIDENCE_PERMIT, …) → a link that works for about an hour.
pub type FileLinks = BTreeMap<String, String>;

/// The iDenfy ports the issue-tokens function uses, each from the same client (or double).
#[derive(Clone)]
pub struct IdenfyPorts {
    pub sessions: std::sync::Arc<dyn SessionIssuer>,
    pub files: std::sync::Arc<dyn SessionFiles>,
    pub eraser: std::sync::Arc<dyn SessionEraser>,
}

impl IdenfyPorts {
    pub fn of<T: SessionIssuer + SessionFiles + SessionEraser + 'static>(
        api: std::sync::Arc<T>,
    ) -> Self {
        Self {
            sessions: api.clone(),
            files: api.clone(),
            eraser: api,
        }
    }
}

/// The port an erasure deletes iDenfy's copy of a session through (`POST /api/v2/delete`).
#[async_trait]
pub trait SessionEraser: Send + Sync {
    async fn delete_session(&self, scan_ref: &str, answer_by: Instant) -> Result<(), IdenfyError>;
}

/// The port issuance opens sessions through, in the domain's words.
#[async_trait]
pub trait SessionIssuer: Send + Sync {
    async fn open_session(&self, order: &SessionOrder) -> Result<OpenedSession, IdenfyError>;

    /// What iDenfy says session `scan_ref` is doing now (`POST /api/v2/status`): asked once
    /// where a session would be replaced, never polled (iDenfy asks not to).
    async fn session_use(
        &self,
        scan_ref: &str,
        answer_by: Instant,
    ) -> Result<SessionUse, IdenfyError>;
}

/// A session's state as iDenfy reports it, in the words a replacement decision needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionUse {
    /// Its token expired and no verification took place (EXPIRED): safe to replace.
    Unused,
    /// Its token is live (ACTIVE): the person may be in it right now.
    Open,
    /// A result is there or on its way (APPROVED, DENIED, SUSPECTED, REVIEWING).
    Used,
    /// A state iDenfy's docs do not name: kept, as when in doubt.
    Unknown,
}

/// The port the evidence route reads sessions at iDenfy through: a session's files as fresh
/// links, fetched at request time (those in webhooks expire after an hour and are never
/// stored), and whose session a scanRef is (a duplicate iDenfy found under another clientId).
#[async_trait]
pub trait SessionFiles: Send + Sync {
    async fn file_links(
        &self,
        scan_ref: &str,
        answer_by: Instant,
    ) -> Result<FileLinks, IdenfyError>;

    /// The clientId iDenfy holds the session `scan_ref` under (`None` when its answer names
    /// none). One call per duplicate a reviewer looks at: never a poll.
    async fn client_id_of(
        &self,
        scan_ref: &str,
        answer_by: Instant,
    ) -> Result<Option<String>, IdenfyError>;
}

/// One session to open for a person.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionOrder {
    pub client_id: ClientId,
    pub pair_id: String,
    pub role: Role,
    /// What the site already knows of the person (iDenfy compares it with the document).
    pub person: Person,
    pub locale: Option<String>,
    /// Where the person lands when the session ends.
    pub finish: FinishPages,
    /// Where iDenfy sends the session's results.
    pub callback_url: Option<String>,
    /// How long the link works before it is opened.
    pub start_within: Duration,
    /// How long the session may take once opened.
    pub session_length: Duration,
    /// The document types the session accepts (none: iDenfy's default).
    pub documents: Option<Vec<String>>,
    /// The issuing country the session preselects (alpha-2), when the pair accepts only one.
    pub country: Option<String>,
    /// The name of an upload step the session ends with (the permit, in additional-step mode).
    pub permit_upload_step: Option<String>,
    /// No attempt to open it runs past this instant: the request's budget, less the final
    /// write.
    pub answer_by: Instant,
}

/// A session iDenfy opened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenedSession {
    pub scan_ref: String,
    /// What the session carries back in its webhooks.
    pub external_ref: String,
    /// Where the person starts it.
    pub url: String,
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

/// How a call through an iDenfy port failed. The adapter classifies iDenfy's answers into
/// these (`pair_adapters::idenfy::classify`); the use cases decide on them.
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

    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            IdenfyError::RateLimited { retry_after, .. } => *retry_after,
            _ => None,
        }
    }
}
