//! One session's result as the pair keeps it: its rank, iDenfy's status, the compared
//! fields, the permit's upload step, and the digest that tells a new result from one seen
//! before — and the history entry a final leaves behind.

use crate::clock::Timestamp;
use serde::{Deserialize, Serialize};

/// A preliminary result (`final: false`) may be replaced by the final one; nothing replaces a
/// final one. Stored as a number so the store's condition can compare ranks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(into = "u8", try_from = "u8")]
pub enum Rank {
    Preliminary = 1,
    Final = 2,
}

impl From<Rank> for u8 {
    fn from(rank: Rank) -> Self {
        rank as u8
    }
}

impl TryFrom<u8> for Rank {
    type Error = String;
    fn try_from(value: u8) -> Result<Self, Self::Error> {
        match value {
            1 => Ok(Rank::Preliminary),
            2 => Ok(Rank::Final),
            other => Err(format!("unknown rank {other}")),
        }
    }
}

/// iDenfy's `status.overall`; values it adds later are kept as they came.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(from = "String", into = "String")]
pub enum OverallStatus {
    Approved,
    Denied,
    Suspected,
    Reviewing,
    Expired,
    /// Seen in the wild beside EXPIRED: the session expired and its data was deleted.
    ExpiredDeleted,
    Active,
    Deleted,
    Archived,
    /// The body carried no `status.overall`: no result at all.
    Missing,
    Other(String),
}

impl From<String> for OverallStatus {
    fn from(value: String) -> Self {
        match value.as_str() {
            "APPROVED" => Self::Approved,
            "DENIED" => Self::Denied,
            "SUSPECTED" => Self::Suspected,
            "REVIEWING" => Self::Reviewing,
            "EXPIRED" => Self::Expired,
            "EXPIRED-DELETED" => Self::ExpiredDeleted,
            "MISSING" => Self::Missing,
            "ACTIVE" => Self::Active,
            "DELETED" => Self::Deleted,
            "ARCHIVED" => Self::Archived,
            _ => Self::Other(value),
        }
    }
}

impl From<OverallStatus> for String {
    fn from(status: OverallStatus) -> Self {
        status.as_str().to_owned()
    }
}

impl OverallStatus {
    pub fn as_str(&self) -> &str {
        match self {
            Self::Approved => "APPROVED",
            Self::Denied => "DENIED",
            Self::Suspected => "SUSPECTED",
            Self::Reviewing => "REVIEWING",
            Self::Expired => "EXPIRED",
            Self::ExpiredDeleted => "EXPIRED-DELETED",
            Self::Missing => "MISSING",
            Self::Active => "ACTIVE",
            Self::Deleted => "DELETED",
            Self::Archived => "ARCHIVED",
            Self::Other(value) => value,
        }
    }
}

/// What is kept of one session's callback: only what the decision needs. No images, no file
/// URLs, no raw payload; the document number only as a keyed hash.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HalfResult {
    pub rank: Rank,
    pub overall: OverallStatus,
    /// The `Idenfy-Event-Type` header, e.g. `IDENTIFICATION_CANCELLED`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event_type: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date_of_birth: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub doc_type: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub doc_number_hash: Option<String>,
    /// The number's hashes under the earlier document-hash keys while one is rotated: the
    /// same document is caught whichever key hashed the other half.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub doc_number_earlier_hashes: Vec<String>,
    /// iDenfy's fraud and suspicion tags (codes, no personal data).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<String>,
    /// `status.mismatchTags`: what iDenfy found different from the data declared on the token
    /// (codes such as `NAME`, `DATE_OF_BIRTH`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub mismatch_tags: Vec<String>,
    /// iDenfy's per-check statuses (`status.autoFace`, `manualFace`, `autoDocument`,
    /// `manualDocument`), as sent.
    #[serde(default, skip_serializing_if = "CheckStatuses::is_empty")]
    pub checks: CheckStatuses,
    /// Sessions of other clientIds with this face (`data.duplicateFaces`) or document face
    /// (`data.duplicateDocFaces`): scanRefs, no personal data.
    #[serde(default, skip_serializing_if = "Duplicates::is_empty")]
    pub duplicates: Duplicates,
    /// The document's facts the cross-document rules read ([`DocumentFacts`]).
    #[serde(default, skip_serializing_if = "DocumentFacts::is_empty")]
    pub facts: DocumentFacts,
    /// What the callback said of the permit's upload step, when it said anything.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub permit_step: Option<PermitStep>,
    /// A keyed digest of the session's scanRef and everything above that the verdict reads
    /// (not the rank, the event type or the time): two bodies with the same digest are the
    /// same result. Empty on results stored before revisions were tracked.
    #[serde(default)]
    pub digest: String,
    /// The digest under each earlier key (never stored): a body seen before a key rotation is
    /// still known after it.
    #[serde(skip)]
    pub earlier_digests: Vec<String>,
    pub received_at: Timestamp,
}

/// What a document says beyond names, date of birth and type, as iDenfy extracted it (each
/// may be absent): read by the permit's and the cross-document rules.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DocumentFacts {
    /// `docExpiry` as sent (iDenfy types it as a free string): parsed when judged.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expiry: Option<String>,
    /// `docIssuingCountry`, alpha-2.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub issuing_country: Option<String>,
    /// `docNationality`, alpha-2.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nationality: Option<String>,
    /// `docSex`: `MALE`, `FEMALE` or `UNDEFINED`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sex: Option<String>,
    /// `docDateOfIssue` as sent (a free string, like `docExpiry`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub issued: Option<String>,
    /// `orgFirstName`, `orgLastName`: the names as printed in the document's own script.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub original_first_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub original_last_name: Option<String>,
}

impl DocumentFacts {
    pub fn is_empty(&self) -> bool {
        self == &Self::default()
    }
}

/// iDenfy's own per-check statuses of a session. A manual status (a person at iDenfy looked)
/// decides over the automatic one ([`CheckStatuses::face`], [`CheckStatuses::document`]).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CheckStatuses {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auto_face: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub manual_face: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auto_document: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub manual_document: Option<String>,
}

/// A per-check status as it stands: the manual one when present, else the automatic one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CheckStatus<'a> {
    pub value: &'a str,
    pub manual: bool,
}

impl std::fmt::Display for CheckStatus<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let by = if self.manual { "manual" } else { "auto" };
        write!(f, "{} ({by})", self.value)
    }
}

impl CheckStatuses {
    /// A session that passed both checks: `FACE_MATCH`, `DOC_VALIDATED`, automatically.
    pub fn passed() -> Self {
        Self {
            auto_face: Some("FACE_MATCH".into()),
            auto_document: Some("DOC_VALIDATED".into()),
            ..Self::default()
        }
    }

    pub fn is_empty(&self) -> bool {
        self == &Self::default()
    }

    fn standing<'a>(
        manual: &'a Option<String>,
        auto: &'a Option<String>,
    ) -> Option<CheckStatus<'a>> {
        let status = |value: &'a Option<String>, manual| {
            value
                .as_deref()
                .map(str::trim)
                .filter(|v| !v.is_empty())
                .map(|value| CheckStatus { value, manual })
        };
        status(manual, true).or_else(|| status(auto, false))
    }

    /// The face check as it stands; `None` when iDenfy sent neither status.
    pub fn face(&self) -> Option<CheckStatus<'_>> {
        Self::standing(&self.manual_face, &self.auto_face)
    }

    /// The document check as it stands; `None` when iDenfy sent neither status.
    pub fn document(&self) -> Option<CheckStatus<'_>> {
        Self::standing(&self.manual_document, &self.auto_document)
    }

    /// Every status sent, for the check of values iDenfy's schema lists.
    pub fn all(&self) -> impl Iterator<Item = (&'static str, &str)> {
        [
            ("autoFace", &self.auto_face),
            ("manualFace", &self.manual_face),
            ("autoDocument", &self.auto_document),
            ("manualDocument", &self.manual_document),
        ]
        .into_iter()
        .filter_map(|(name, value)| Some((name, value.as_deref()?)))
    }
}

/// iDenfy's duplicate check: other sessions (of other clientIds: iDenfy never compares a
/// clientId's sessions with each other) whose selfie or document face matched this one.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Duplicates {
    /// `data.duplicateFaces`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub faces: Vec<String>,
    /// `data.duplicateDocFaces`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub doc_faces: Vec<String>,
}

impl Duplicates {
    pub fn is_empty(&self) -> bool {
        self.faces.is_empty() && self.doc_faces.is_empty()
    }

    /// Every duplicate scanRef, each once.
    pub fn scan_refs(&self) -> Vec<&str> {
        let mut all: Vec<&str> = self
            .faces
            .iter()
            .chain(&self.doc_faces)
            .map(String::as_str)
            .collect();
        all.sort_unstable();
        all.dedup();
        all
    }
}

/// The permit's additional UPLOAD step as a callback reports it: where it appeared, never the
/// file's (expiring) URL.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PermitStep {
    /// Named in the payload's `additionalSteps`.
    pub listed: bool,
    /// The step's type there (`UPLOAD`…), when the payload gives one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// `status.additionalSteps`: VALID, INVALID, NOT_FOUND (kept as sent), when present.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    /// A file under the step's name in `fileUrls`.
    pub in_file_urls: bool,
    /// A file under the step's name in `additionalStepPdfUrls`.
    pub in_pdf_urls: bool,
}

impl PermitStep {
    pub fn is_invalid(&self) -> bool {
        self.status.as_deref() == Some("INVALID")
    }

    /// A file is there, or iDenfy says the step is VALID.
    pub fn is_uploaded(&self) -> bool {
        !self.is_invalid()
            && (self.in_file_urls || self.in_pdf_urls || self.status.as_deref() == Some("VALID"))
    }
}

impl HalfResult {
    pub fn is_final(&self) -> bool {
        self.rank == Rank::Final
    }

    /// This result was seen before: one of its digests (under any key) is among `digests`.
    pub fn seen_in(&self, digests: &[String]) -> bool {
        std::iter::once(&self.digest)
            .chain(&self.earlier_digests)
            .any(|digest| digests.contains(digest))
    }

    /// The document number's hashes under every key (none without a number).
    pub fn doc_number_hashes(&self) -> impl Iterator<Item = &String> {
        self.doc_number_hash
            .iter()
            .chain(&self.doc_number_earlier_hashes)
    }
}

/// One final result as the pair's history keeps it: no names, dates or document numbers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FinalEntry {
    pub scan_ref: String,
    pub overall: OverallStatus,
    pub received_at: Timestamp,
}
