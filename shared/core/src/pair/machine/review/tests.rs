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
    let ReviewDecision::Record(verdict) = decide_review(Some(record), request, now).unwrap() else {
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
        let Ok(ReviewDecision::Record(verdict)) = decide_review(Some(&r), &by(name), now) else {
            panic!("{name} may decide at {now:?}");
        };
        assert!(accept_verdict(&r, "p1", &verdict).is_some(), "{name}");
    }
    // The store's own condition: bob's verdict, decided while alice held the pair (a claim
    // landing between his read and his write), is not written.
    let ReviewDecision::Record(mut verdict) = decide_review(Some(&r), &by("bob"), at(900)).unwrap()
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
