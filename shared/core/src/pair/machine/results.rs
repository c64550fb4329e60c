//! Callbacks: a half is stored only into the live pair that owns its scanRef, over a result
//! of lower rank or, for a final, over a different final never seen (a revision)
//! ([`accept_half`]); the verdict is due once every session of the pair is final and no
//! verdict was decided on those very finals ([`verdict_due`]), and is recorded only while
//! they are still current and the verdict it follows is still the current one
//! ([`accept_verdict`]).

use super::super::permit::VerdictPolicy;
use super::super::rules::Context;
use super::super::verdict;
use super::super::{
    FinalEntry, HalfResult, Mode, Outcome, Pair, PairRecord, Reason, Role, Verdict,
};
use crate::clock::Timestamp;

/// Final results a pair accepts beyond its first ones (revisions) while it holds fewer than
/// this many: bounds its history, and with it the verdicts it can have.
pub const MAX_FINALS: usize = 16;

/// The record with `half` stored as the current result of session `scan_ref`, or `None` when
/// the rules say the callback changes nothing: no live pair, a scanRef the pair does not own,
/// a preliminary over a stored result, or a final the pair has seen before (a duplicate, a
/// retry of an older final). A final over a different final is a revision (a re-review):
/// it becomes current, and the one it replaces stays in `finals`.
pub fn accept_half(
    record: &PairRecord,
    scan_ref: &str,
    half: &HalfResult,
    now: Timestamp,
) -> Option<PairRecord> {
    let pair = record.live_pair(now)?;
    pair.role_of(scan_ref)?;
    let accepted = match pair.results.get(scan_ref) {
        None => true,
        Some(stored) if stored.rank < half.rank => true,
        Some(stored) => stored.is_final() && half.is_final() && is_revision(pair, half),
    };
    if !accepted {
        return None;
    }
    let mut next = record.clone();
    next.version += 1;
    if let Some(pair) = next.pair.as_mut() {
        pair.results.insert(scan_ref.to_owned(), half.clone());
        if half.is_final() {
            pair.finals.push(FinalEntry {
                scan_ref: scan_ref.to_owned(),
                overall: half.overall.clone(),
                received_at: half.received_at,
            });
            pair.final_digests.push(half.digest.clone());
        }
        pair.updated_at = now;
    }
    Some(next)
}

/// A final never seen for this pair, while the pair still takes revisions.
fn is_revision(pair: &Pair, half: &HalfResult) -> bool {
    !half.seen_in(&pair.final_digests) && pair.final_digests.len() < MAX_FINALS
}

/// A new final for a session that has one, refused only because the pair holds
/// [`MAX_FINALS`] already: worth an operator's attention, since the verdict cannot follow it.
pub fn revision_past_bound(pair: &Pair, scan_ref: &str, half: &HalfResult) -> bool {
    half.is_final()
        && pair.results.get(scan_ref).is_some_and(HalfResult::is_final)
        && !half.seen_in(&pair.final_digests)
        && pair.final_digests.len() >= MAX_FINALS
}

/// The verdict a final refused by [`revision_past_bound`] brings: REQUIRES_REVIEW
/// `TOO_MANY_REVISIONS` on the pair's current finals, once (a pair that says so already, or
/// whose sessions are not all final yet, gets none). Never dropped silently: a person decides.
pub fn verdict_past_bound(
    pair: &Pair,
    scan_ref: &str,
    half: &HalfResult,
    now: Timestamp,
) -> Option<Verdict> {
    if !revision_past_bound(pair, scan_ref, half) {
        return None;
    }
    let basis = pair.final_basis()?;
    let previous = pair.verdict.as_ref();
    if previous.is_some_and(|v| v.reasons.contains(&Reason::TooManyRevisions)) {
        return None;
    }
    Some(Verdict {
        outcome: Outcome::RequiresReview,
        reasons: vec![Reason::TooManyRevisions],
        decided_at: now,
        version: previous.map_or(1, |v| v.version + 1),
        basis,
        review: None,
    })
}

/// The verdict to record when every session of the pair is final (both halves; the one
/// session of an additional-step pair) and no verdict was recorded on these very finals: the
/// first verdict, or the next one after a revision — never more lenient than the verdict it
/// replaces ([`verdict::fail_safe`]).
pub fn verdict_due(pair: &Pair, policy: &VerdictPolicy, now: Timestamp) -> Option<Verdict> {
    let basis = pair.final_basis()?;
    let previous = pair.verdict.as_ref();
    if previous.is_some_and(|v| v.basis == basis || decided_before_digests(v, &basis)) {
        return None;
    }
    let identity = pair.half(Role::Identity)?;
    let context = Context::new(policy, &pair.permit_policy, now);
    let (outcome, reasons) = match pair.mode {
        Mode::TwoSessions => verdict::decide(identity, pair.half(Role::Document)?, &context),
        Mode::AdditionalStep => verdict::decide_additional_step(identity, &context),
    };
    let (outcome, reasons) = match previous {
        Some(previous) => verdict::fail_safe(previous.outcome, outcome, reasons),
        None => (outcome, reasons),
    };
    // A renewal's permit never rejects a person whose identity stands proven.
    let outcome = if pair.decided_on_renewal() {
        crate::pair::renewal::cap_renewal_outcome(outcome)
    } else {
        outcome
    };
    Some(Verdict {
        outcome,
        reasons,
        decided_at: now,
        version: previous.map_or(1, |v| v.version + 1),
        basis,
        review: None,
    })
}

/// A verdict recorded before results had digests (its basis empty) stands while every current
/// final is from that time too (no digest); a final stored since — a re-review, or a retry
/// that cannot be told from one — has it decided again, fail-safe.
fn decided_before_digests(
    verdict: &Verdict,
    basis: &std::collections::BTreeMap<String, String>,
) -> bool {
    verdict.basis.is_empty() && basis.values().all(String::is_empty)
}

/// The record with `verdict` in place, the one it replaces moved to `earlier_verdicts`; or
/// `None` when the pair was replaced, the verdict it follows is no longer the current one,
/// or the pair's current finals are no longer those it was decided on.
pub fn accept_verdict(record: &PairRecord, pair_id: &str, verdict: &Verdict) -> Option<PairRecord> {
    let pair = record.pair.as_ref()?;
    let follows = (verdict.version > 1).then(|| verdict.version - 1);
    // A reviewer's verdict also needs the pair free of anyone else's claim.
    let held_by_other = verdict.review.as_ref().is_some_and(|review| {
        super::held_by_other(record, &review.reviewer, verdict.decided_at).is_err()
    });
    if pair.pair_id != pair_id
        || pair.verdict.as_ref().map(|v| v.version) != follows
        || pair.final_basis().as_ref() != Some(&verdict.basis)
        || held_by_other
    {
        return None;
    }
    let mut next = record.clone();
    next.version += 1;
    if let Some(pair) = next.pair.as_mut() {
        with_verdict(pair, verdict.clone());
    }
    Some(next)
}

/// `pair` with `verdict` as its current verdict, the one it replaces moved to the history.
pub fn with_verdict(pair: &mut Pair, verdict: Verdict) {
    pair.earlier_verdicts.extend(pair.verdict.take());
    pair.updated_at = verdict.decided_at;
    pair.verdict = Some(verdict);
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::*;
    use super::*;

    #[test]
    fn additional_step_pair_is_decided_from_its_one_session() {
        let r = record(Some(single_session_pair()), None, 86_400);
        let policy = VerdictPolicy::default();
        let uploaded = crate::pair::PermitStep {
            listed: true,
            kind: None,
            status: Some("VALID".into()),
            in_file_urls: true,
            in_pdf_urls: false,
        };
        // There is no document session: a scanRef that would be one is foreign here.
        assert_eq!(
            accept_half(&r, "scan-document", &final_half(None), NOW),
            None
        );
        let preliminary = HalfResult {
            rank: crate::pair::Rank::Preliminary,
            digest: "d-preliminary".into(),
            ..final_half(Some(uploaded.clone()))
        };
        let after_preliminary = accept_half(&r, "scan-identity", &preliminary, NOW).unwrap();
        assert_eq!(
            verdict_due(after_preliminary.pair.as_ref().unwrap(), &policy, NOW),
            None
        );
        let decided = accept_half(
            &after_preliminary,
            "scan-identity",
            &final_half(Some(uploaded)),
            NOW,
        )
        .unwrap();
        let verdict = verdict_due(decided.pair.as_ref().unwrap(), &policy, NOW).unwrap();
        assert_eq!(verdict.outcome, Outcome::RequiresReview);
        assert_eq!(verdict.reasons, vec![Reason::PermitNeedsManualReview]);
        let recorded = accept_verdict(&decided, "p1", &verdict).unwrap();
        assert_eq!(
            verdict_due(recorded.pair.as_ref().unwrap(), &policy, NOW),
            None
        );
        assert_eq!(accept_verdict(&recorded, "p1", &verdict), None);
    }

    fn with_result(overall: crate::pair::OverallStatus, digest: &str) -> HalfResult {
        HalfResult {
            overall,
            digest: digest.into(),
            first_name: Some("JOHN".into()),
            last_name: Some("SMITH".into()),
            date_of_birth: Some("1990-05-15".into()),
            facts: german_with_lithuanian_permit(),
            ..final_half(None)
        }
    }

    /// A two-session pair whose halves are both final (ID card, and a permit-typed document
    /// with the same data: VERIFIED), its verdict recorded.
    fn decided() -> PairRecord {
        let policy = VerdictPolicy::default();
        let mut r = record(Some(pair(60, None)), None, 86_400);
        let identity = with_result(crate::pair::OverallStatus::Approved, "i1");
        let document = HalfResult {
            doc_type: Some("RESIDENCE_PERMIT".into()),
            ..with_result(crate::pair::OverallStatus::Approved, "d1")
        };
        r = accept_half(&r, "scan-identity", &identity, NOW).unwrap();
        r = accept_half(&r, "scan-document", &document, NOW).unwrap();
        let verdict = verdict_due(r.pair.as_ref().unwrap(), &policy, NOW).unwrap();
        accept_verdict(&r, "p1", &verdict).unwrap()
    }

    #[test]
    fn a_different_final_is_a_revision_and_a_seen_one_changes_nothing() {
        let r = decided();
        let first = r
            .pair
            .as_ref()
            .unwrap()
            .half(Role::Identity)
            .unwrap()
            .clone();
        let denied = with_result(crate::pair::OverallStatus::Denied, "i2");
        let revised = accept_half(&r, "scan-identity", &denied, at(5)).unwrap();
        let pair = revised.pair.as_ref().unwrap();
        assert_eq!(pair.half(Role::Identity), Some(&denied));
        assert_eq!(pair.final_digests, vec!["i1", "d1", "i2"]);
        let history: Vec<_> = pair
            .finals
            .iter()
            .map(|f| (f.scan_ref.as_str(), f.overall.as_str()))
            .collect();
        assert_eq!(
            history,
            vec![
                ("scan-identity", "APPROVED"),
                ("scan-document", "APPROVED"),
                ("scan-identity", "DENIED")
            ]
        );
        // A retry of the older final, a duplicate of the revision, a late preliminary.
        assert_eq!(accept_half(&revised, "scan-identity", &first, at(6)), None);
        assert_eq!(accept_half(&revised, "scan-identity", &denied, at(6)), None);
        let preliminary = HalfResult {
            rank: crate::pair::Rank::Preliminary,
            ..with_result(crate::pair::OverallStatus::Approved, "i3")
        };
        assert_eq!(
            accept_half(&revised, "scan-identity", &preliminary, at(6)),
            None
        );
    }

    #[test]
    fn a_revision_is_decided_once_fail_safe_and_the_old_verdict_kept() {
        let policy = VerdictPolicy::default();
        let r = decided();
        let first = r.pair.as_ref().unwrap().verdict.clone().unwrap();
        assert_eq!((first.outcome, first.version), (Outcome::Verified, 1));
        assert_eq!(verdict_due(r.pair.as_ref().unwrap(), &policy, NOW), None);

        // VERIFIED -> REJECTED: stricter, stands by itself.
        let denied = with_result(crate::pair::OverallStatus::Denied, "i2");
        let r = accept_half(&r, "scan-identity", &denied, at(5)).unwrap();
        let rejected = verdict_due(r.pair.as_ref().unwrap(), &policy, at(5)).unwrap();
        assert_eq!(
            (rejected.outcome, rejected.reasons.clone(), rejected.version),
            (Outcome::Rejected, vec![Reason::IdentityDenied], 2)
        );
        // A verdict decided on results that are no longer current, or following a verdict
        // that is no longer current, is refused.
        let stale = Verdict {
            version: 2,
            ..first.clone()
        };
        assert_eq!(accept_verdict(&r, "p1", &stale), None);
        let skipping = Verdict {
            version: 3,
            ..rejected.clone()
        };
        assert_eq!(accept_verdict(&r, "p1", &skipping), None);
        let r = accept_verdict(&r, "p1", &rejected).unwrap();
        assert_eq!(accept_verdict(&r, "p1", &rejected), None, "recorded once");
        let pair = r.pair.as_ref().unwrap();
        assert_eq!(pair.earlier_verdicts, vec![first]);
        assert_eq!(verdict_due(pair, &policy, at(6)), None);

        // REJECTED -> APPROVED again (a new body): more lenient, so a person decides.
        let approved = with_result(crate::pair::OverallStatus::Approved, "i3");
        let r = accept_half(&r, "scan-identity", &approved, at(7)).unwrap();
        let revised = verdict_due(r.pair.as_ref().unwrap(), &policy, at(7)).unwrap();
        assert_eq!(
            (revised.outcome, revised.reasons.clone(), revised.version),
            (Outcome::RequiresReview, vec![Reason::ResultRevised], 3)
        );
    }

    #[test]
    fn revisions_stop_at_the_bound_and_first_finals_never_do() {
        let mut r = record(Some(pair(60, None)), None, 86_400);
        for n in 0..MAX_FINALS {
            let half = with_result(crate::pair::OverallStatus::Approved, &format!("i{n}"));
            r = accept_half(&r, "scan-identity", &half, NOW).unwrap();
        }
        let one_more = with_result(crate::pair::OverallStatus::Denied, "i-more");
        assert_eq!(accept_half(&r, "scan-identity", &one_more, NOW), None);
        let pair = r.pair.as_ref().unwrap();
        assert!(revision_past_bound(pair, "scan-identity", &one_more));
        let seen = with_result(crate::pair::OverallStatus::Approved, "i0");
        assert!(
            !revision_past_bound(pair, "scan-identity", &seen),
            "a retry is no revision"
        );
        let document = with_result(crate::pair::OverallStatus::Approved, "d1");
        let r = accept_half(&r, "scan-document", &document, NOW).unwrap();
        assert_eq!(r.pair.as_ref().unwrap().finals.len(), MAX_FINALS + 1);

        // Decided on its current finals, then one more revision past the bound: a person
        // decides, once.
        let policy = VerdictPolicy::default();
        let due = verdict_due(r.pair.as_ref().unwrap(), &policy, NOW).unwrap();
        let r = accept_verdict(&r, "p1", &due).unwrap();
        let pair = r.pair.as_ref().unwrap();
        assert_eq!(
            verdict_past_bound(pair, "scan-identity", &seen, at(9)),
            None
        );
        let past = verdict_past_bound(pair, "scan-identity", &one_more, at(9)).unwrap();
        assert_eq!(
            (past.outcome, past.reasons.clone(), past.version),
            (Outcome::RequiresReview, vec![Reason::TooManyRevisions], 2)
        );
        let r = accept_verdict(&r, "p1", &past).unwrap();
        let another = with_result(crate::pair::OverallStatus::Suspected, "i-another");
        assert_eq!(
            verdict_past_bound(r.pair.as_ref().unwrap(), "scan-identity", &another, at(10)),
            None,
            "said once"
        );
    }
}
