//! A reviewer's decision: allowed only on the live pair named, while its current verdict is
//! REQUIRES_REVIEW and is the very one the reviewer saw; it becomes the
//! pair's next verdict, `MANUAL_REVIEW`, decided on the same finals — so a later revision is
//! decided again, fail-safe against it ([`super::verdict_due`]). The same request again,
//! once recorded, finds its own verdict and changes nothing.
//!
//! The store writes it as any verdict ([`super::accept_verdict`]): under the condition that
//! the verdict it follows and the finals are still current, so of two concurrent reviews one
//! is recorded.

use super::super::queue::ReviewClaim;
use super::super::{ManualReview, Outcome, PairRecord, PairStatus, Principal, Reason, Verdict};
use crate::clock::Timestamp;

/// The longest note kept (in characters).
pub const NOTE_MAX_CHARS: usize = 500;

/// A reviewer's note: trimmed, 1–[`NOTE_MAX_CHARS`] characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReviewNote(String);

impl ReviewNote {
    /// The note, or `Blank` for nothing but spaces (no note at all), or `TooLong`.
    pub fn parse(text: &str) -> Result<Self, NoteProblem> {
        let text = text.trim();
        if text.is_empty() {
            return Err(NoteProblem::Blank);
        }
        if text.chars().count() > NOTE_MAX_CHARS {
            return Err(NoteProblem::TooLong);
        }
        Ok(Self(text.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum NoteProblem {
    #[error("is blank")]
    Blank,
    #[error("must be at most {NOTE_MAX_CHARS} characters")]
    TooLong,
}

/// What a reviewer decided about a pair.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReviewRequest {
    /// The pair reviewed: a restart since gives a refusal, not a decision on the new pair.
    pub pair_id: String,
    /// VERIFIED or REJECTED.
    pub decision: Outcome,
    /// The authenticated caller: never a field the caller wrote.
    pub reviewer: Principal,
    pub note: Option<ReviewNote>,
    /// The verdict version the reviewer saw: a revision since gives a refusal, so a review
    /// replayed after iDenfy revised a result cannot close the reopened pair.
    pub verdict_version: u32,
}

/// What the rules make of a review.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReviewDecision {
    /// Record this verdict (it follows the pair's current one).
    Record(Verdict),
    /// This very review is the pair's current verdict already.
    AlreadyRecorded(Verdict),
}

/// Why a review was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReviewRefused {
    #[error("no live verification for this clientId")]
    NoPair,
    #[error("the pair reviewed is no longer the clientId's pair (restarted)")]
    OtherPair { status: PairStatus },
    #[error("the pair does not require review")]
    NotAwaitingReview { status: PairStatus },
    #[error("the pair's verdict changed since it was reviewed")]
    VerdictChanged { status: PairStatus },
    #[error("another reviewer holds the pair")]
    Claimed {
        status: PairStatus,
        claim: ReviewClaim,
    },
}

impl ReviewRefused {
    /// The pair's status as it stands, for the caller.
    pub fn status(&self) -> Option<PairStatus> {
        match self {
            ReviewRefused::NoPair => None,
            ReviewRefused::OtherPair { status }
            | ReviewRefused::NotAwaitingReview { status }
            | ReviewRefused::VerdictChanged { status }
            | ReviewRefused::Claimed { status, .. } => Some(*status),
        }
    }
}

/// The verdict a review brings to `record` at `now`, or why it brings none.
pub fn decide_review(
    record: Option<&PairRecord>,
    request: &ReviewRequest,
    now: Timestamp,
) -> Result<ReviewDecision, ReviewRefused> {
    let record = record.ok_or(ReviewRefused::NoPair)?;
    let pair = record.live_pair(now).ok_or(ReviewRefused::NoPair)?;
    let status = pair.status();
    if pair.pair_id != request.pair_id {
        return Err(ReviewRefused::OtherPair { status });
    }
    let current = pair
        .verdict
        .as_ref()
        .ok_or(ReviewRefused::NotAwaitingReview { status })?;
    if is_this_review(current, request) {
        return Ok(ReviewDecision::AlreadyRecorded(current.clone()));
    }
    if current.outcome != Outcome::RequiresReview {
        return Err(ReviewRefused::NotAwaitingReview { status });
    }
    // A final that arrived since the verdict (a revision not yet decided) counts as a change.
    let decided_on_current_finals = pair.final_basis().as_ref() == Some(&current.basis);
    if !decided_on_current_finals || request.verdict_version != current.version {
        return Err(ReviewRefused::VerdictChanged { status });
    }
    if let Err(claim) = super::held_by_other(record, request.reviewer.as_str(), now) {
        return Err(ReviewRefused::Claimed {
            status,
            claim: claim.clone(),
        });
    }
    Ok(ReviewDecision::Record(Verdict {
        outcome: request.decision,
        reasons: vec![Reason::ManualReview],
        decided_at: now,
        version: current.version + 1,
        basis: current.basis.clone(),
        review: Some(ManualReview {
            reviewer: request.reviewer.as_str().to_owned(),
            note: request.note.as_ref().map(|note| note.as_str().to_owned()),
        }),
    }))
}

/// `verdict` is the one `request` recorded: same decision, reviewer and note, following the
/// version the reviewer saw.
fn is_this_review(verdict: &Verdict, request: &ReviewRequest) -> bool {
    let Some(review) = &verdict.review else {
        return false;
    };
    verdict.outcome == request.decision
        && review.reviewer == request.reviewer.as_str()
        && review.note.as_deref() == request.note.as_ref().map(ReviewNote::as_str)
        && request.verdict_version.checked_add(1) == Some(verdict.version)
}

#[cfg(test)]
mod tests;
