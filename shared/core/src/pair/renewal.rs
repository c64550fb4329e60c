//! Renewing a verified pair's permit without starting over: one DOCUMENT session opened for the
//! same clientId, its result judged with every rule of the pair against the identity half
//! already proven ([`renewal_refused`] says when a renewal may open; [`Pair::renewal_status`]
//! where it stands).
//!
//! The renewal's session becomes the pair's document session and the old permit's an earlier
//! one (`earlier_documents`): until the renewal's final result arrives the old permit still
//! decides (the verdict and `validUntil` stand); then the renewal's decides, as a new verdict
//! version — VERIFIED with the new end, or REQUIRES_REVIEW with its reasons (a renewal is
//! never REJECTED by itself: the person's identity was proven; [`cap_renewal_outcome`]). An
//! abandoned renewal decides nothing.

use super::{Outcome, Pair, Validity};
use crate::clock::Timestamp;
use serde::{Deserialize, Serialize};
use time::Date;

/// The renewal of a verified pair's permit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Renewal {
    /// Its DOCUMENT session (also the pair's current document session).
    pub scan_ref: String,
    /// Where the person goes: handed out again while the renewal is open.
    pub verification_url: String,
    pub opened_at: Timestamp,
    /// After this, no result can come any more (the token started at its last moment, run to
    /// its full length, delivered late): an open renewal has expired.
    pub results_due_by: Timestamp,
}

/// Where a renewal stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum RenewalStatus {
    /// Waiting for the person, or for iDenfy's result.
    Open,
    /// Its final result decided the pair (a new verdict version).
    Decided,
    /// Abandoned: its session expired unused, or ended without a verification.
    Expired,
}

impl RenewalStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            RenewalStatus::Open => "OPEN",
            RenewalStatus::Decided => "DECIDED",
            RenewalStatus::Expired => "EXPIRED",
        }
    }
}

/// Why a renewal may not open: each a 409, with no iDenfy call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RenewalRefused {
    /// The pair's standing verdict is not VERIFIED (undecided, REJECTED, waiting for review,
    /// INCOMPLETE): `why` names which.
    NotPossible(&'static str),
    /// The identity document itself has expired, ends within the warning window, or its end is
    /// unknown: a full verification is needed.
    IdentityDocumentExpiring,
}

impl RenewalRefused {
    pub fn code(self) -> &'static str {
        match self {
            RenewalRefused::NotPossible(_) => "RENEWAL_NOT_POSSIBLE",
            RenewalRefused::IdentityDocumentExpiring => "IDENTITY_DOCUMENT_EXPIRING",
        }
    }
}

/// Whether `pair` may open a renewal of its permit on `today`: its standing verdict VERIFIED
/// (whatever the permit's validity: valid, expiring or expired), and its identity document
/// valid beyond the warning window.
pub fn renewal_refused(pair: &Pair, today: Date, warning_days: u32) -> Option<RenewalRefused> {
    let why = match pair.verdict.as_ref().map(|v| v.outcome) {
        None => Some("NOT_DECIDED"),
        Some(Outcome::Verified) => None,
        Some(Outcome::Rejected) => Some("REJECTED"),
        Some(Outcome::RequiresReview) => Some("REQUIRES_REVIEW"),
        Some(Outcome::Incomplete) => Some("INCOMPLETE"),
    };
    if let Some(why) = why {
        return Some(RenewalRefused::NotPossible(why));
    }
    let identity = pair
        .identity_document_end()
        .map(|end| Validity::of_end(end, today, warning_days));
    if identity != Some(Validity::Valid) {
        return Some(RenewalRefused::IdentityDocumentExpiring);
    }
    None
}

/// A verdict decided on a renewal's result: never REJECTED by the renewal itself — the
/// identity stays proven, a person looks at the new permit.
pub fn cap_renewal_outcome(outcome: Outcome) -> Outcome {
    match outcome {
        Outcome::Rejected | Outcome::Incomplete => Outcome::RequiresReview,
        other => other,
    }
}

impl Pair {
    /// Where the pair's renewal stands at `now`, if it has one.
    pub fn renewal_status(&self, now: Timestamp) -> Option<RenewalStatus> {
        let renewal = self.renewal.as_ref()?;
        let result = self.results.get(&renewal.scan_ref).filter(|h| h.is_final());
        Some(match result {
            Some(half) if super::verdict::abandoned(half) => RenewalStatus::Expired,
            Some(_) => RenewalStatus::Decided,
            None if now >= renewal.results_due_by => RenewalStatus::Expired,
            None => RenewalStatus::Open,
        })
    }

    /// Whether the deciding document session is the renewal's.
    pub fn decided_on_renewal(&self) -> bool {
        self.renewal
            .as_ref()
            .is_some_and(|r| self.deciding_document() == Some(r.scan_ref.as_str()))
    }
}

#[cfg(test)]
mod tests;
