//! The pair: one person's identity and residence permit, verified with iDenfy and recorded per
//! `clientId` — as two chained sessions, or as one session with the permit uploaded as an
//! additional step (see [`Mode`]).
//!
//! Types live here; every rule about how a pair record may change lives in [`machine`]; the
//! verdict policy in [`verdict`], with name comparison in [`names`].

mod half;
pub mod machine;
pub mod names;
pub mod verdict;

pub use half::{FinalEntry, HalfResult, OverallStatus, PermitStep, Rank};

use crate::clock::Timestamp;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
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

/// How a pair is verified: the request's `mode`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Mode {
    /// Two chained sessions (iDenfy's recommended method): selfie + ID, then the permit as a
    /// DOCUMENT session. Both documents are extracted and compared, so a pair can be VERIFIED.
    #[default]
    TwoSessions,
    /// One IDENTIFICATION session with the permit uploaded as an additional UPLOAD step. iDenfy
    /// stores the file without extracting it, so a person must review it: never VERIFIED.
    AdditionalStep,
}

impl Mode {
    pub fn as_str(self) -> &'static str {
        match self {
            Mode::TwoSessions => "twoSessions",
            Mode::AdditionalStep => "additionalStep",
        }
    }
}

/// Which of the pair's sessions a callback belongs to.
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

/// Everything stored for one `clientId`. `version` increases with every write (a plain
/// issuance request claims under it; a restart and the install of a new pair are conditioned
/// on the pair and the claim instead, which callbacks do not touch); `expires_at` is the
/// table's TTL attribute.
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
    /// Pairs a restart replaced, oldest first; bounded by [`machine::MAX_PREVIOUS_PAIRS`].
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub previous_pairs: Vec<PreviousPair>,
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
    /// Records written before the additional-step mode existed are two-session pairs.
    #[serde(default)]
    pub mode: Mode,
    pub identity: Session,
    /// The permit's DOCUMENT session; none in [`Mode::AdditionalStep`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub document: Option<Session>,
    /// Where the user starts: the identity session's redirect URL.
    pub verification_url: String,
    /// The identity token must be started before this.
    pub url_expires_at: Timestamp,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    /// Before this, a pending pair is not replaced by a plain issuance request: the person
    /// may be in a session opened at the link's last moment, and its results still to come.
    /// Records from before this field existed fall back to `url_expires_at`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub results_due_by: Option<Timestamp>,
    /// Each session's current result, keyed by its scanRef (so a callback is stored without
    /// knowing its role first; the role is whichever session owns the scanRef).
    #[serde(default)]
    pub results: BTreeMap<String, HalfResult>,
    /// Every final result accepted for the pair, in order of arrival, without personal data:
    /// a revision's predecessor stays here. Bounded by [`machine::MAX_FINALS`].
    #[serde(default)]
    pub finals: Vec<FinalEntry>,
    /// The digests of `finals`, flat so that a store condition can test membership: a final
    /// whose digest is here was seen before and changes nothing.
    #[serde(default)]
    pub final_digests: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verdict: Option<Verdict>,
    /// The verdicts this one replaced, oldest first (one per revision at most).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub earlier_verdicts: Vec<Verdict>,
}

/// What is kept of a pair that a restart replaced: its outcome, never its data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PreviousPair {
    pub pair_id: String,
    pub mode: Mode,
    /// `None` when it was replaced while still pending.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outcome: Option<Outcome>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub reasons: Vec<Reason>,
    pub created_at: Timestamp,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decided_at: Option<Timestamp>,
    pub replaced_at: Timestamp,
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
    /// 1 for the first verdict of a pair, one more for each verdict a revision brought.
    #[serde(default = "first_verdict_version")]
    pub version: u32,
    /// The results it was decided on: each session's scanRef → the digest of its final. A
    /// pair is decided again only when its current finals differ from these. Empty on
    /// verdicts recorded before revisions were tracked: decided again once a final with a
    /// digest arrives.
    #[serde(default)]
    pub basis: BTreeMap<String, String>,
}

fn first_verdict_version() -> u32 {
    1
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
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Reason {
    IdentityDenied,
    DocumentDenied,
    IdentityAbandoned,
    DocumentAbandoned,
    IdentitySuspected,
    DocumentSuspected,
    IdentityNotApproved,
    DocumentNotApproved,
    NameMismatch,
    NamePartialMatch,
    DobMismatch,
    FieldMissing,
    DocumentNotAPermit,
    SameDocumentTwice,
    /// Additional-step mode: the permit was uploaded; iDenfy does not extract or check it.
    PermitNeedsManualReview,
    /// Additional-step mode: the session ended without the permit's upload step.
    PermitMissing,
    /// Additional-step mode: iDenfy marked the upload step INVALID.
    PermitInvalid,
    /// iDenfy revised a final result, and the new verdict would be more lenient than the one
    /// it replaces: a person decides.
    ResultRevised,
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
    pub fn session(&self, role: Role) -> Option<&Session> {
        match role {
            Role::Identity => Some(&self.identity),
            Role::Document => self.document.as_ref(),
        }
    }

    /// Which session of this pair `scan_ref` is, if any: the role comes from what issuance
    /// stored, never from the callback's own claims.
    pub fn role_of(&self, scan_ref: &str) -> Option<Role> {
        [Role::Identity, Role::Document]
            .into_iter()
            .find(|role| self.session(*role).is_some_and(|s| s.scan_ref == scan_ref))
    }

    /// The latest stored result of a session.
    pub fn half(&self, role: Role) -> Option<&HalfResult> {
        self.results.get(&self.session(role)?.scan_ref)
    }

    pub fn status(&self) -> PairStatus {
        self.verdict
            .as_ref()
            .map_or(PairStatus::Pending, |v| v.outcome.into())
    }

    /// The pair's sessions: the identity session, and the document session of a two-session
    /// pair.
    pub fn sessions(&self) -> impl Iterator<Item = &Session> {
        std::iter::once(&self.identity).chain(self.document.as_ref())
    }

    /// Each session's scanRef → the digest of its current final result, when every session
    /// has one: what a verdict is decided on.
    pub fn final_basis(&self) -> Option<BTreeMap<String, String>> {
        self.sessions()
            .map(|session| {
                let half = self
                    .results
                    .get(&session.scan_ref)
                    .filter(|h| h.is_final())?;
                Some((session.scan_ref.clone(), half.digest.clone()))
            })
            .collect()
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
