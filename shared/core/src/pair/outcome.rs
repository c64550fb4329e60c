//! What a pair comes to: the [`Verdict`] with its [`Outcome`] and [`Reason`]s, and the
//! [`PairStatus`] the site sees.

use crate::clock::Timestamp;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

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
    /// Set when a reviewer decided this verdict (reason `MANUAL_REVIEW`) rather than the policy.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub review: Option<ManualReview>,
}

/// Who decided a verdict by hand, and their note; the time is the verdict's `decided_at`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ManualReview {
    pub reviewer: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
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

impl Outcome {
    /// The wire name (as serialized).
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Verified => "VERIFIED",
            Outcome::RequiresReview => "REQUIRES_REVIEW",
            Outcome::Rejected => "REJECTED",
            Outcome::Incomplete => "INCOMPLETE",
        }
    }
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
    /// The names hold the same words, split differently between first and last name or
    /// swapped: likely the same person, but a person should look.
    NameOrderDiffers,
    /// Both documents print the names in the same original script, and those differ.
    OriginalNameMismatch,
    /// The permit's `docExpiry` is before the decision day.
    PermitExpired,
    /// The permit expires within the pair's `minValidDays` of the decision day.
    PermitExpiresTooSoon,
    /// The permit's expiry is unreadable, or absent while `minValidDays` asks for one.
    PermitExpiryMissing,
    /// The permit's `docIssuingCountry` is not among the pair's accepted countries (or absent
    /// while a list is set).
    PermitCountryNotAccepted,
    /// The permit was issued by the holder's own nationality: a citizen needs no permit.
    PermitFromOwnNationality,
    /// The identity document's `docExpiry` is before the decision day.
    IdentityDocumentExpired,
    /// One document says MALE, the other FEMALE.
    SexMismatch,
    /// The two documents name different nationalities.
    NationalityMismatch,
    /// iDenfy's `status.mismatchTags` is not empty on a session, even an APPROVED one.
    IdenfyMismatch,
    /// iDenfy's document check (`manualDocument`, else `autoDocument`) is not `DOC_VALIDATED`
    /// on a session, even an APPROVED one.
    IdenfyDocumentCheck,
    /// iDenfy's face check (`manualFace`, else `autoFace`) is not `FACE_MATCH` on the identity
    /// session, or judged a face other than a match on the permit's session.
    IdenfyFaceCheck,
    /// iDenfy's `fraudTags` (or an older payload's `suspicionReasons`) name a fraud signal.
    IdenfyFraudTag,
    /// iDenfy found this face, document face or data in a session of another clientId of the
    /// site (`DUPLICATE_*` tags, `duplicateFaces`, `duplicateDocFaces`): one person, two accounts.
    DuplicateOfAnotherClient,
    /// A document's issue date is after the decision day, or its expiry before its issue date.
    DocumentDatesInconsistent,
    /// The identity session's docType is not one of `IDENTITY_DOCUMENT_TYPES`.
    IdentityNotAnIdDocument,
    /// iDenfy sent a value its schema does not list (it adds values over time): nobody has
    /// decided what it means yet.
    IdenfyValueUnknown,
    /// Additional-step mode: the permit was uploaded; iDenfy does not extract or check it.
    PermitNeedsManualReview,
    /// Additional-step mode: the session ended without the permit's upload step.
    PermitMissing,
    /// Additional-step mode: iDenfy marked the upload step INVALID.
    PermitInvalid,
    /// iDenfy revised a final result, and the new verdict would be more lenient than the one
    /// it replaces: a person decides.
    ResultRevised,
    /// iDenfy sent yet another final result past the history's bound: it is not stored, so
    /// no verdict can follow it — a person decides.
    TooManyRevisions,
    /// A reviewer decided a pair that required review.
    ManualReview,
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
