//! The pair: one person's two chained iDenfy sessions, recorded per `clientId`.
//!
//! Types live here; every rule about how a pair record may change lives in [`machine`].

pub mod machine;

use crate::clock::Timestamp;
use serde::{Deserialize, Serialize};
use std::fmt;

/// iDenfy's `clientId`: 1–100 printable ASCII characters (no spaces, so it is safe in a path).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct ClientId(String);

pub const CLIENT_ID_MAX_LEN: usize = 100;

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum ClientIdError {
    #[error("must not be empty")]
    Empty,
    #[error("must be at most {CLIENT_ID_MAX_LEN} characters")]
    TooLong,
    #[error("must be printable ASCII without spaces")]
    NotPrintableAscii,
}

impl ClientId {
    pub fn parse(value: &str) -> Result<Self, ClientIdError> {
        if value.is_empty() {
            return Err(ClientIdError::Empty);
        }
        if value.len() > CLIENT_ID_MAX_LEN {
            return Err(ClientIdError::TooLong);
        }
        if !value.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(ClientIdError::NotPrintableAscii);
        }
        Ok(Self(value.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for ClientId {
    type Error = ClientIdError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<ClientId> for String {
    fn from(id: ClientId) -> Self {
        id.0
    }
}

impl fmt::Display for ClientId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Which of the two sessions a callback belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Role {
    /// Selfie + identity document (iDenfy token type IDENTIFICATION), the first session.
    Identity,
    /// The residence permit (iDenfy token type DOCUMENT), the second session.
    Document,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Identity => "identity",
            Role::Document => "document",
        }
    }
}

/// Everything stored for one `clientId`. `version` increases with every write and is what
/// conditional writes compare; `expires_at` is the table's TTL attribute.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PairRecord {
    pub client_id: ClientId,
    pub version: u64,
    pub expires_at: Timestamp,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub claim: Option<Claim>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pair: Option<Pair>,
}

/// Held by the request that is minting tokens for a clientId, so that concurrent requests
/// mint at most one pair. It lapses at `until`, so a crashed request cannot block the clientId.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Claim {
    pub id: String,
    pub until: Timestamp,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Pair {
    pub pair_id: String,
    pub identity: Session,
    pub document: Session,
    /// Where the user starts: the identity session's redirect URL.
    pub verification_url: String,
    /// The identity token must be started before this.
    pub url_expires_at: Timestamp,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verdict: Option<Verdict>,
}

/// One iDenfy session of the pair, as issuance recorded it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Session {
    pub scan_ref: String,
    pub external_ref: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Verdict {
    pub outcome: Outcome,
    pub reasons: Vec<Reason>,
    pub decided_at: Timestamp,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Outcome {
    Verified,
    RequiresReview,
    Rejected,
    Incomplete,
}

/// Why a pair was not simply verified; machine-readable for the site.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Reason {
    IdentitySuspected,
    DocumentSuspected,
    NameMismatch,
    DobMismatch,
    FieldMissing,
    DocumentNotAPermit,
    SameDocumentTwice,
}

/// What the status route shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum PairStatus {
    Pending,
    Verified,
    RequiresReview,
    Rejected,
    Incomplete,
}

impl From<Outcome> for PairStatus {
    fn from(outcome: Outcome) -> Self {
        match outcome {
            Outcome::Verified => PairStatus::Verified,
            Outcome::RequiresReview => PairStatus::RequiresReview,
            Outcome::Rejected => PairStatus::Rejected,
            Outcome::Incomplete => PairStatus::Incomplete,
        }
    }
}

impl Pair {
    pub fn status(&self) -> PairStatus {
        self.verdict
            .as_ref()
            .map_or(PairStatus::Pending, |v| v.outcome.into())
    }
}

/// The `externalRef` set on a session's token; iDenfy returns it as-is in the webhooks, so a
/// callback's role can be read back from it. At most 37 characters (iDenfy allows 40).
pub fn external_ref(pair_id: &str, role: Role) -> String {
    format!("idp-{pair_id}-{}", role.as_str())
}

/// A fresh random identifier (96 bits, hex): pair ids and claim ids. Not a secret.
pub fn new_id() -> String {
    format!("{:016x}{:08x}", fastrand::u64(..), fastrand::u32(..))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn client_id_limits() {
        assert!(ClientId::parse("USER_12345").is_ok());
        assert_eq!(ClientId::parse(""), Err(ClientIdError::Empty));
        assert_eq!(
            ClientId::parse(&"a".repeat(101)),
            Err(ClientIdError::TooLong)
        );
        assert!(ClientId::parse(&"a".repeat(100)).is_ok());
        assert_eq!(
            ClientId::parse("a b"),
            Err(ClientIdError::NotPrintableAscii)
        );
        assert_eq!(
            ClientId::parse("MÜLLER"),
            Err(ClientIdError::NotPrintableAscii)
        );
    }

    #[test]
    fn ids_are_distinct_and_short_enough_for_external_refs() {
        let a = new_id();
        assert_eq!(a.len(), 24);
        assert_ne!(a, new_id());
        assert!(external_ref(&a, Role::Identity).len() <= crate::idenfy::limits::EXTERNAL_REF_MAX);
        assert!(external_ref(&a, Role::Document).len() <= crate::idenfy::limits::EXTERNAL_REF_MAX);
    }
}
