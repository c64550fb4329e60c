//! Every fact of iDenfy's wire format, in one layer, translated to and from the domain's types:
//!
//! - [`token`]: the token request and its limits, the answer we read, the `externalRef` we set,
//!   the permit's upload step — and [`TokenRequest::for_session`], from a `SessionOrder`.
//! - [`error`]: how iDenfy refuses a request (identifiers, statuses), what may be retried.
//! - [`files`]: the files endpoint's answer: fresh links to a session's files; and the status
//!   endpoint's `clientId`, whose session a duplicate is.
//! - [`client`]: the reqwest adapter of `pair_core`'s `SessionIssuer`, `SessionFiles` and
//!   `SessionEraser` ports.
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

pub use client::{IdenfyClient, IdenfyClientConfig, IdenfyCredentials, RetryPolicy};
pub use error::{classify, deletion_refusal};
pub use signature::{SignatureError, SigningKeys};
pub use token::{IssuedToken, TokenRequest, TokenType, is_iso_date, is_locale, limits};
