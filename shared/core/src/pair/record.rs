//! What is stored for one `clientId`: the record, the minting claim, the live pair with its
//! sessions and results, and what is kept of the pairs a restart replaced.

use super::erasure::Erasure;
use super::queue::{ClaimEntry, Queue, ReviewClaim, Waiting};
use super::validity::{ExpiryState, ExpiryWatch, Threshold};
use super::{
    ClientId, FinalEntry, HalfResult, Mode, Outcome, OverallStatus, PairStatus, PermitPolicy,
    Reason, Role, Verdict,
};
use crate::clock::Timestamp;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

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
    /// Pairs a restart replaced, oldest first; bounded by [`super::machine::MAX_PREVIOUS_PAIRS`].
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub previous_pairs: Vec<PreviousPair>,
    /// The audit of an erasure: what was erased, by whom and when.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub erasure: Option<Erasure>,
    /// A watched pair's next expiry threshold and the day it is due ([`ExpiryWatch`]): the
    /// keys of the table's sparse expiry-watch index, set and cleared together.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expiry_watch: Option<Threshold>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expiry_due: Option<String>,
    /// The queue the pair waits in and since when ([`super::queue`]): the keys of the table's
    /// sparse review-queue index, set and cleared with `waiting` by the verdict.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub queue: Option<Queue>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub waiting_since: Option<Timestamp>,
    /// What the queue shows of the waiting pair (no personal data).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub waiting: Option<Waiting>,
    /// A reviewer's claim on the waiting pair; it leaves the queue with it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub review_claim: Option<ReviewClaim>,
}

impl PairRecord {
    /// Puts the record under `watch` in the expiry-watch index, or takes it out.
    pub fn set_watch(&mut self, watch: Option<ExpiryWatch>) {
        self.expiry_watch = watch.map(|w| w.threshold);
        self.expiry_due = watch.map(|w| w.due_key());
    }

    /// Puts the record in the review queue (since when, what it shows), or takes it out with
    /// any claim on it.
    pub fn set_waiting(&mut self, waiting: Option<(Timestamp, Waiting)>) {
        self.queue = waiting.as_ref().map(|_| Queue::RequiresReview);
        self.waiting_since = waiting.as_ref().map(|w| w.0);
        if waiting.is_none() {
            self.review_claim = None;
        }
        self.waiting = waiting.map(|w| w.1);
    }
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
    /// The scanRefs of document sessions the continuation replaced, oldest first. Still the
    /// pair's: a result of theirs is stored and counts ([`Pair::deciding_document`]).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub earlier_documents: Vec<String>,
    /// The permit policy the pair is decided by, fixed at issuance. Records from before it
    /// existed accept any country and no minimum validity, as configured then.
    #[serde(default)]
    pub permit_policy: PermitPolicy,
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
    /// a revision's predecessor stays here. Bounded by [`super::machine::MAX_FINALS`].
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
    /// A two-session pair whose identity session ends on the API's continuation: where it
    /// leads. Absent on additional-step pairs and on pairs chained straight to iDenfy before.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub document_link: Option<DocumentLink>,
    /// When the person first followed the continuation into the document session.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub continued_at: Option<Timestamp>,
    /// iDenfy's document-expiration notices and the expiry alerts told to the site.
    #[serde(default, skip_serializing_if = "ExpiryState::is_empty")]
    pub expiry: ExpiryState,
    /// The renewal of a verified pair's permit, once one was opened ([`super::renewal`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub renewal: Option<super::renewal::Renewal>,
    /// Reviewers' claims on the pair while it waited, oldest first (at most
    /// [`super::queue::MAX_CLAIMS_KEPT`]): the review's audit with its verdicts.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub review_claims: Vec<ClaimEntry>,
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
    /// Its iDenfy sessions, so that an erasure can ask iDenfy to delete them too. Empty for
    /// pairs replaced before they were kept.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub scan_refs: Vec<String>,
    /// Results of its sessions that arrived after it was replaced: kept, never used for the
    /// live pair, and never silently dropped (fraud signals included). Bounded by
    /// [`super::machine::MAX_LATE_RESULTS`].
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub late_results: Vec<LateResult>,
}

/// A result for a replaced pair's session, as its history entry keeps it: iDenfy's status and
/// codes, no names, dates or document numbers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LateResult {
    pub scan_ref: String,
    pub overall: OverallStatus,
    #[serde(rename = "final")]
    pub is_final: bool,
    /// iDenfy's fraud and mismatch tags (codes).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<String>,
    /// The result's digest: the same result delivered again is kept once.
    pub digest: String,
    pub received_at: Timestamp,
}

impl PreviousPair {
    /// What is kept of `pair` once a restart or an erasure replaced it at `replaced_at`.
    pub fn of(pair: &Pair, replaced_at: Timestamp) -> Self {
        let verdict = pair.verdict.as_ref();
        Self {
            pair_id: pair.pair_id.clone(),
            mode: pair.mode,
            outcome: verdict.map(|v| v.outcome),
            reasons: verdict.map_or_else(Vec::new, |v| v.reasons.clone()),
            created_at: pair.created_at,
            decided_at: verdict.map(|v| v.decided_at),
            replaced_at,
            scan_refs: pair.scan_refs().map(str::to_owned).collect(),
            late_results: vec![],
        }
    }
}

/// One iDenfy session of the pair, as issuance recorded it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Session {
    pub scan_ref: String,
    pub external_ref: String,
}

impl Pair {
    pub fn session(&self, role: Role) -> Option<&Session> {
        match role {
            Role::Identity => Some(&self.identity),
            Role::Document => self.document.as_ref(),
        }
    }

    /// Which session of this pair `scan_ref` is, if any: the role comes from what issuance
    /// stored, never from the callback's own claims. A document session the continuation
    /// replaced is still the pair's document session.
    pub fn role_of(&self, scan_ref: &str) -> Option<Role> {
        if self.identity.scan_ref == scan_ref {
            Some(Role::Identity)
        } else if self.document_scan_refs().any(|s| s == scan_ref) {
            Some(Role::Document)
        } else {
            None
        }
    }

    /// Every document session of the pair: the current one, then those it replaced.
    pub fn document_scan_refs(&self) -> impl Iterator<Item = &str> {
        self.document
            .iter()
            .map(|d| d.scan_ref.as_str())
            .chain(self.earlier_documents.iter().map(String::as_str))
    }

    /// Every session of the pair, by scanRef (the identity session, every document session).
    pub fn scan_refs(&self) -> impl Iterator<Item = &str> {
        std::iter::once(self.identity.scan_ref.as_str()).chain(self.document_scan_refs())
    }

    /// The document session whose result the pair is decided on: of those with a final result
    /// that is not an abandonment, the one accepted last (the first final decides; a later one
    /// from another session is a revision); otherwise the current session. So an abandoned
    /// session the continuation replaced never decides while the current one can deliver.
    pub fn deciding_document(&self) -> Option<&str> {
        let decisive = |scan_ref: &str| {
            self.results
                .get(scan_ref)
                .is_some_and(|h| h.is_final() && !super::verdict::abandoned(h))
        };
        let by_finals = self.finals.iter().rev().find(|entry| {
            self.document_scan_refs().any(|s| s == entry.scan_ref) && decisive(&entry.scan_ref)
        });
        if let Some(entry) = by_finals {
            return Some(entry.scan_ref.as_str());
        }
        // Results stored before their finals were listed: the newest session holding one.
        let current = self.document.as_ref().map(|d| d.scan_ref.as_str());
        current
            .into_iter()
            .chain(self.earlier_documents.iter().rev().map(String::as_str))
            .find(|s| decisive(s))
            .or(current)
    }

    /// The result the pair is decided on for `role`: the identity session's, or the deciding
    /// document session's.
    pub fn half(&self, role: Role) -> Option<&HalfResult> {
        match role {
            Role::Identity => self.results.get(&self.identity.scan_ref),
            Role::Document => self.results.get(self.deciding_document()?),
        }
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

    /// The deciding session of each role → the digest of its current final result, when each
    /// has one: what a verdict is decided on.
    pub fn final_basis(&self) -> Option<BTreeMap<String, String>> {
        let identity = Some(self.identity.scan_ref.as_str());
        let document = self.document.as_ref().map(|_| self.deciding_document());
        std::iter::once(identity)
            .chain(document)
            .map(|scan_ref| {
                let scan_ref = scan_ref?;
                let half = self.results.get(scan_ref).filter(|h| h.is_final())?;
                Some((scan_ref.to_owned(), half.digest.clone()))
            })
            .collect()
    }
}

/// The pages a session ends on: approved, failed, and unverified (e.g. sent to review). Each
/// absent one falls back to iDenfy's dashboard setting. Kept with a two-session pair, so a
/// document session minted again at the continuation ends where the first one would have.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FinishPages {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub success: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unverified: Option<String>,
}

impl FinishPages {
    /// All three outcomes to one URL (the chain: from the identity session on to the next).
    pub fn all(url: &str) -> Self {
        Self {
            success: Some(url.to_owned()),
            error: Some(url.to_owned()),
            unverified: Some(url.to_owned()),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.success.is_none() && self.error.is_none() && self.unverified.is_none()
    }
}

/// Where the person continues into the document session, until when, and what the minting of
/// a fresh one needs: the link iDenfy gave for the document token and the token's expiry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DocumentLink {
    pub url: String,
    pub expires_at: Timestamp,
    /// The site's final pages of the document session.
    #[serde(default, skip_serializing_if = "FinishPages::is_empty")]
    pub finish: FinishPages,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub locale: Option<String>,
    /// Held while one request mints a fresh document token, so two tabs get one token.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refreshing: Option<Claim>,
}
