//! Every fact of iDenfy's wire format, in one layer, translated to and from the domain's types:
//!
//! - [`token`]: the token request and its limits, the answer we read, the `externalRef` we set,
//!   the permit's upload step — and [`TokenRequest::for_session`], from a [`SessionOrder`].
//! - [`error`]: how iDenfy refuses a request (identifiers, statuses), what may be retried.
//! - [`files`]: the files endpoint's answer: fresh links to a session's files.
//! - [`client`]: the reqwest adapter of the [`SessionIssuer`], [`SessionFiles`] and
//!   [`SessionEraser`] ports.
//! - [`webhook`]: the result webhook's body, read tolerantly into a [`webhook::Callback`], and
//!   its headers; [`expiration`]: the document-expiration webhook at the same URL.
//! - [`signature`]: the webhook's `Idenfy-Signature`.
//!
//! `docs/idenfy.md` lists the facts and where each one comes from.

pub mod client;
pub mod error;
pub mod expiration;
pub mod files;
pub mod signature;
pub mod token;
pub mod webhook;

use crate::pair::{ClientId, Role};
use async_trait::async_trait;
use std::time::{Duration, Instant};

pub use client::{IdenfyClient, IdenfyClientConfig, IdenfyCredentials, RetryPolicy};
pub use error::{IdenfyError, Upstream};
pub use files::FileLinks;
pub use signature::{SignatureError, SigningKeys};
pub use token::{IssuedToken, TokenRequest, TokenType, is_iso_date, is_locale, limits};

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
}

/// The port the evidence route reads a session's files through: fresh links, fetched at
/// request time (those in webhooks expire after an hour and are never stored).
#[async_trait]
pub trait SessionFiles: Send + Sync {
    async fn file_links(
        &self,
        scan_ref: &str,
        answer_by: Instant,
    ) -> Result<FileLinks, IdenfyError>;
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

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Person {
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    /// `YYYY-MM-DD`.
    pub date_of_birth: Option<String>,
}

pub use crate::pair::FinishPages;

/// A session iDenfy opened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenedSession {
    pub scan_ref: String,
    /// What the session carries back in its webhooks.
    pub external_ref: String,
    /// Where the person starts it.
    pub url: String,
}
