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
mod tests {
    use super::super::fixtures::*;
    use super::super::{accept_half, accept_verdict, verdict_due};
    use super::*;
    use crate::pair::permit::VerdictPolicy;
    use crate::pair::{HalfResult, OverallStatus, PermitStep};

    /// An additional-step pair whose permit was uploaded: REQUIRES_REVIEW, version 1.
    fn awaiting_review() -> PairRecord {
        let r = record(Some(single_session_pair()), None, 86_400);
        let uploaded = PermitStep {
            listed: true,
            kind: None,
            status: None,
            in_file_urls: true,
            in_pdf_urls: false,
        };
        let r = accept_half(&r, "scan-identity", &final_half(Some(uploaded)), NOW).unwrap();
        let verdict =
            verdict_due(r.pair.as_ref().unwrap(), &VerdictPolicy::default(), NOW).expect("due");
        assert_eq!(verdict.outcome, Outcome::RequiresReview);
        accept_verdict(&r, "p1", &verdict).unwrap()
    }

    fn approve() -> ReviewRequest {
        ReviewRequest {
            pair_id: "p1".into(),
            decision: Outcome::Verified,
            reviewer: Principal::parse("reviewer-7").expect("a principal"),
            note: ReviewNote::parse("permit checked against the ID").ok(),
            verdict_version: 1,
        }
    }

    fn recorded(record: &PairRecord, request: &ReviewRequest, now: Timestamp) -> PairRecord {
        let ReviewDecision::Record(verdict) = decide_review(Some(record), request, now).unwrap()
        else {
            panic!("a verdict to record");
        };
        accept_verdict(record, &request.pair_id, &verdict).expect("the store accepts it")
    }

    #[test]
    fn a_review_becomes_the_next_verdict_with_the_old_one_kept() {
        let r = recorded(&awaiting_review(), &approve(), at(60));
        let pair = r.pair.as_ref().unwrap();
        let verdict = pair.verdict.as_ref().unwrap();
        assert_eq!(
            (verdict.outcome, verdict.reasons.as_slice(), verdict.version),
            (Outcome::Verified, &[Reason::ManualReview][..], 2)
        );
        assert_eq!(verdict.decided_at, at(60));
        assert_eq!(
            verdict.review,
            Some(ManualReview {
                reviewer: "reviewer-7".into(),
                note: Some("permit checked against the ID".into()),
            })
        );
        assert_eq!(pair.earlier_verdicts.len(), 1);
        assert_eq!(pair.earlier_verdicts[0].outcome, Outcome::RequiresReview);
        // Decided on the same finals: nothing is due until iDenfy revises one.
        assert_eq!(verdict_due(pair, &VerdictPolicy::default(), at(61)), None);
    }

    #[test]
    fn the_same_review_again_finds_its_verdict_and_another_is_refused() {
        let r = recorded(&awaiting_review(), &approve(), at(60));
        let again = decide_review(Some(&r), &approve(), at(90)).unwrap();
        let current = r.pair.as_ref().unwrap().verdict.clone().unwrap();
        assert_eq!(again, ReviewDecision::AlreadyRecorded(current));
        for other in [
            // The same words about another verdict are another review.
            ReviewRequest {
                verdict_version: 2,
                ..approve()
            },
            ReviewRequest {
                decision: Outcome::Rejected,
                ..approve()
            },
            ReviewRequest {
                reviewer: Principal::parse("reviewer-8").expect("a principal"),
                ..approve()
            },
            ReviewRequest {
                note: None,
                ..approve()
            },
        ] {
            assert_eq!(
                decide_review(Some(&r), &other, at(90)),
                Err(ReviewRefused::NotAwaitingReview {
                    status: PairStatus::Verified
                }),
                "{other:?}"
            );
        }
    }

    #[test]
    fn nobody_but_the_claimant_decides_a_claimed_pair_while_the_claim_holds() {
        let mut r = awaiting_review();
        let claim = ReviewClaim {
            by: "alice".into(),
            until: at(900),
        };
        r.review_claim = Some(claim.clone());
        let by = |name: &str| ReviewRequest {
            reviewer: Principal::parse(name).expect("a principal"),
            ..approve()
        };
        assert_eq!(
            decide_review(Some(&r), &by("bob"), at(60)),
            Err(ReviewRefused::Claimed {
                status: PairStatus::RequiresReview,
                claim
            })
        );
        for (name, now) in [("alice", at(60)), ("bob", at(900))] {
            let Ok(ReviewDecision::Record(verdict)) = decide_review(Some(&r), &by(name), now)
            else {
                panic!("{name} may decide at {now:?}");
            };
            assert!(accept_verdict(&r, "p1", &verdict).is_some(), "{name}");
        }
        // The store's own condition: bob's verdict, decided while alice held the pair (a claim
        // landing between his read and his write), is not written.
        let ReviewDecision::Record(mut verdict) =
            decide_review(Some(&r), &by("bob"), at(900)).unwrap()
        else {
            panic!("a verdict");
        };
        verdict.decided_at = at(60);
        assert_eq!(accept_verdict(&r, "p1", &verdict), None);
    }

    #[test]
    fn refused_without_a_pair_on_another_pair_before_a_verdict_and_after_a_revision() {
        let r = awaiting_review();
        assert_eq!(
            decide_review(None, &approve(), NOW),
            Err(ReviewRefused::NoPair)
        );
        let expired = record(Some(single_session_pair()), None, 1);
        assert_eq!(
            decide_review(Some(&expired), &approve(), at(3_600)),
            Err(ReviewRefused::NoPair)
        );
        let restarted = ReviewRequest {
            pair_id: "p0".into(),
            ..approve()
        };
        assert_eq!(
            decide_review(Some(&r), &restarted, NOW),
            Err(ReviewRefused::OtherPair {
                status: PairStatus::RequiresReview
            })
        );
        let pending = record(Some(single_session_pair()), None, 86_400);
        assert_eq!(
            decide_review(Some(&pending), &approve(), NOW),
            Err(ReviewRefused::NotAwaitingReview {
                status: PairStatus::Pending
            })
        );
        let seen_before = ReviewRequest {
            verdict_version: 2,
            ..approve()
        };
        assert_eq!(
            decide_review(Some(&r), &seen_before, NOW),
            Err(ReviewRefused::VerdictChanged {
                status: PairStatus::RequiresReview
            })
        );
    }

    #[test]
    fn a_review_is_not_recorded_over_a_verdict_that_changed_since_it_was_read() {
        let r = awaiting_review();
        let ReviewDecision::Record(approval) = decide_review(Some(&r), &approve(), at(60)).unwrap()
        else {
            panic!("a verdict to record");
        };
        let rejection = ReviewRequest {
            decision: Outcome::Rejected,
            reviewer: Principal::parse("reviewer-8").expect("a principal"),
            ..approve()
        };
        // The other reviewer's decision lands first: this one follows a verdict no longer current.
        let r = recorded(&r, &rejection, at(61));
        assert_eq!(accept_verdict(&r, "p1", &approval), None);
    }

    #[test]
    fn a_revision_after_a_manual_decision_is_decided_again_fail_safe() {
        let r = recorded(&awaiting_review(), &approve(), at(60));
        // iDenfy's own reviewer later marks the permit step INVALID: a different final.
        let invalid = PermitStep {
            listed: true,
            kind: None,
            status: Some("INVALID".into()),
            in_file_urls: true,
            in_pdf_urls: false,
        };
        let revised_half = HalfResult {
            digest: "d-revised".into(),
            ..final_half(Some(invalid))
        };
        let r = accept_half(&r, "scan-identity", &revised_half, at(120)).unwrap();
        let next = verdict_due(r.pair.as_ref().unwrap(), &VerdictPolicy::default(), at(120))
            .expect("a revision is decided again");
        assert_eq!(next.outcome, Outcome::RequiresReview);
        assert_eq!(next.version, 3);
        assert_eq!(next.review, None);
        // An APPROVED revision never relaxes a manual REJECTED by itself.
        let rejected = recorded(
            &awaiting_review(),
            &ReviewRequest {
                decision: Outcome::Rejected,
                ..approve()
            },
            at(60),
        );
        let denied_then_approved = HalfResult {
            digest: "d-approved".into(),
            overall: OverallStatus::Approved,
            ..final_half(None)
        };
        let r = accept_half(&rejected, "scan-identity", &denied_then_approved, at(120)).unwrap();
        let next =
            verdict_due(r.pair.as_ref().unwrap(), &VerdictPolicy::default(), at(120)).expect("due");
        // Without the permit this session alone is INCOMPLETE: more lenient than REJECTED.
        assert_eq!(next.outcome, Outcome::RequiresReview);
        assert!(next.reasons.contains(&Reason::ResultRevised), "{next:?}");
    }

    #[test]
    fn a_note_is_trimmed_and_bounded_and_blank_is_no_note() {
        assert_eq!(
            ReviewNote::parse("  checked  ").map(|n| n.0),
            Ok("checked".into())
        );
        assert_eq!(ReviewNote::parse(" \t "), Err(NoteProblem::Blank));
        let longest = "é".repeat(NOTE_MAX_CHARS);
        assert!(ReviewNote::parse(&longest).is_ok());
        assert_eq!(
            ReviewNote::parse(&format!("{longest}x")),
            Err(NoteProblem::TooLong)
        );
    }
}
