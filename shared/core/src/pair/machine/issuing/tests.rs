use super::super::fixtures::*;
use super::*;
use crate::pair::HalfResult;
#[test]
fn nothing_stored_mints_under_absent() {
    assert_eq!(
        decide_issuance(None, Mode::TwoSessions, false, NOW),
        IssuanceDecision::Mint(ClaimCondition::Absent)
    );
}

#[test]
fn live_pending_pair_is_returned_unless_restart() {
    let r = record(Some(pair(60, None)), None, 86_400);
    assert_eq!(
        decide_issuance(Some(&r), Mode::TwoSessions, false, NOW),
        IssuanceDecision::ReturnExisting(Box::new(pair(60, None)))
    );
    assert_eq!(
        decide_issuance(Some(&r), Mode::TwoSessions, true, NOW),
        IssuanceDecision::Mint(ClaimCondition::SamePair(Some("p1".into())))
    );
}

#[test]
fn pending_pair_is_replaced_only_once_its_results_are_no_longer_due() {
    let mut opened_late = pair(0, None);
    opened_late.results_due_by = Some(at(1800));
    let r = record(Some(opened_late.clone()), None, 86_400);
    assert_eq!(
        decide_issuance(Some(&r), Mode::TwoSessions, false, NOW),
        IssuanceDecision::ReturnExisting(Box::new(opened_late.clone())),
        "the link is dead, but a session opened at its last moment may still be running"
    );
    assert_eq!(
        decide_issuance(Some(&r), Mode::TwoSessions, false, at(1800)),
        IssuanceDecision::Mint(ClaimCondition::Version(7))
    );
    // A record from before `results_due_by` existed: the link's expiry stands in.
    let legacy = record(Some(pair(0, None)), None, 86_400);
    assert_eq!(
        decide_issuance(Some(&legacy), Mode::TwoSessions, false, NOW),
        IssuanceDecision::Mint(ClaimCondition::Version(7))
    );
}

#[test]
fn pending_pair_with_results_arriving_is_kept_after_its_link_expired() {
    let mut under_way = pair(0, None);
    under_way.results.insert(
        "scan-identity".into(),
        HalfResult {
            received_at: at(-5),
            ..final_half(None)
        },
    );
    let r = record(Some(under_way.clone()), None, 86_400);
    assert_eq!(
        decide_issuance(Some(&r), Mode::TwoSessions, false, NOW),
        IssuanceDecision::ReturnExisting(Box::new(under_way))
    );
}

#[test]
fn incomplete_pair_is_issued_again_without_restart() {
    let r = record(Some(pair(60, Some(Outcome::Incomplete))), None, 86_400);
    assert_eq!(
        decide_issuance(Some(&r), Mode::TwoSessions, false, NOW),
        IssuanceDecision::Mint(ClaimCondition::Version(7))
    );
}

#[test]
fn decided_pair_is_refused_unless_restart() {
    let r = record(Some(pair(60, Some(Outcome::Rejected))), None, 86_400);
    assert_eq!(
        decide_issuance(Some(&r), Mode::TwoSessions, false, NOW),
        IssuanceDecision::AlreadyDecided(Outcome::Rejected)
    );
    assert_eq!(
        decide_issuance(Some(&r), Mode::TwoSessions, true, NOW),
        IssuanceDecision::Mint(ClaimCondition::SamePair(Some("p1".into())))
    );
}

#[test]
fn live_claim_blocks_even_a_restart_and_a_lapsed_one_does_not() {
    let r = record(None, Some(5), 86_400);
    assert_eq!(
        decide_issuance(Some(&r), Mode::TwoSessions, true, NOW),
        IssuanceDecision::InProgress { claim_until: at(5) }
    );
    let lapsed = record(None, Some(0), 86_400);
    assert_eq!(
        decide_issuance(Some(&lapsed), Mode::TwoSessions, false, NOW),
        IssuanceDecision::Mint(ClaimCondition::Version(7))
    );
}

#[test]
fn expired_record_counts_as_absent_even_if_readable() {
    let r = record(Some(pair(60, Some(Outcome::Verified))), None, 0);
    assert!(r.live_pair(NOW).is_none());
    assert_eq!(
        decide_issuance(Some(&r), Mode::TwoSessions, false, NOW),
        IssuanceDecision::Mint(ClaimCondition::Version(7))
    );
}

fn claim(until: i64) -> Claim {
    Claim {
        id: "mine".into(),
        until: at(until),
    }
}

#[test]
fn claim_keeps_the_old_pair_and_release_restores_it() {
    let old = record(Some(pair(60, Some(Outcome::Verified))), None, 86_400);
    let write = claim_write(Some(&old), claim(60), ClaimCondition::Version(7), NOW);
    let c = claimed(Some(&old), &old.client_id, &write).unwrap();
    assert_eq!((c.version, c.expires_at), (8, at(86_400)));
    assert_eq!(c.pair, old.pair);
    assert_eq!(
        claimed(Some(&c), &old.client_id, &write),
        None,
        "the version moved on"
    );
    assert_eq!(released(Some(&c), "not-mine"), None);
    let r = released(Some(&c), "mine").unwrap();
    assert_eq!((r.version, r.claim.clone()), (9, None));
    assert_eq!(r.pair, old.pair);
}

#[test]
fn install_replaces_the_pair_under_the_claim_and_keeps_the_old_outcome() {
    let mut old = record(Some(pair(60, Some(Outcome::Verified))), None, 86_400);
    old.previous_pairs = (0..MAX_PREVIOUS_PAIRS)
        .map(|n| crate::pair::PreviousPair {
            pair_id: format!("older-{n}"),
            mode: Mode::TwoSessions,
            outcome: None,
            reasons: vec![],
            created_at: at(-100),
            decided_at: None,
            replaced_at: at(-50),
            scan_refs: vec![],
            late_results: vec![],
        })
        .collect();
    let write = claim_write(
        Some(&old),
        claim(60),
        ClaimCondition::SamePair(Some("p1".into())),
        NOW,
    );
    let c = claimed(Some(&old), &old.client_id, &write).unwrap();
    let fresh = Pair {
        pair_id: "p2".into(),
        ..pair(3600, None)
    };
    // Built from a copy read before the claim: the record moved on, so it does not hold.
    let stale = install(&old, "mine", fresh.clone(), at(1000), NOW);
    assert_eq!(
        installed(Some(&c), &stale),
        None,
        "built from an older record"
    );
    let install = install(&c, "mine", fresh.clone(), at(1000), NOW);
    assert_eq!(install.previous_pairs.len(), MAX_PREVIOUS_PAIRS);
    assert_eq!(
        install.previous_pairs[0].pair_id, "older-1",
        "the oldest went"
    );
    let kept = install.previous_pairs.last().unwrap();
    assert_eq!(
        (
            kept.pair_id.as_str(),
            kept.outcome,
            kept.reasons.clone(),
            kept.decided_at,
            kept.replaced_at
        ),
        (
            "p1",
            Some(Outcome::Verified),
            vec![crate::pair::Reason::NameMismatch],
            Some(at(-1)),
            NOW
        )
    );
    let n = installed(Some(&c), &install).unwrap();
    assert_eq!(
        (n.version, n.claim.clone(), n.expires_at),
        (c.version + 1, None, at(1000))
    );
    assert_eq!(n.pair, Some(fresh.clone()));
    assert_eq!(installed(Some(&n), &install), None, "the claim is spent");
    // A callback for the old pair landing while the tokens are minted moves the record on:
    // the install built before it no longer holds, and one built after it keeps its verdict.
    let mut landed = c.clone();
    landed.version += 1;
    assert_eq!(installed(Some(&landed), &install), None);
    let again = super::install(&landed, "mine", fresh, at(1000), NOW);
    assert!(installed(Some(&landed), &again).is_some());
}

#[test]
fn a_restart_claims_whatever_the_old_pair_received_but_not_over_a_live_claim() {
    let old = record(Some(pair(60, None)), None, 86_400);
    let condition = ClaimCondition::SamePair(Some("p1".into()));
    let mut moved_on = old.clone();
    moved_on.version += 3;
    assert!(condition.holds(Some(&moved_on), NOW));
    let mut replaced = old.clone();
    replaced.pair = Some(Pair {
        pair_id: "p9".into(),
        ..pair(60, None)
    });
    assert!(!condition.holds(Some(&replaced), NOW));
    let mut claimed_by_another = old.clone();
    claimed_by_another.claim = Some(Claim {
        id: "theirs".into(),
        until: at(5),
    });
    assert!(!condition.holds(Some(&claimed_by_another), NOW));
    assert!(
        condition.holds(Some(&claimed_by_another), at(5)),
        "a lapsed claim"
    );
    assert!(!condition.holds(None, NOW));
}

#[test]
fn claiming_over_an_expired_pair_drops_it_for_good() {
    let mut expired = record(Some(pair(60, None)), None, 0);
    expired.previous_pairs = install(
        &record(Some(pair(60, None)), None, 86_400),
        "x",
        pair(60, None),
        at(1),
        NOW,
    )
    .previous_pairs;
    let write = claim_write(Some(&expired), claim(60), ClaimCondition::Version(7), NOW);
    assert!(write.drop_expired_pair);
    let c = claimed(Some(&expired), &expired.client_id, &write).unwrap();
    assert_eq!((c.pair.clone(), c.previous_pairs.clone()), (None, vec![]));
    assert_eq!(c.expires_at, at(60));
    assert_eq!(released(Some(&c), "mine").unwrap().live_pair(NOW), None);
}

#[test]
fn pending_pair_of_the_other_mode_is_not_handed_out_unless_restart() {
    let r = record(Some(pair(60, None)), None, 86_400);
    assert_eq!(
        decide_issuance(Some(&r), Mode::AdditionalStep, false, NOW),
        IssuanceDecision::OtherMode(Mode::TwoSessions)
    );
    assert_eq!(
        decide_issuance(Some(&r), Mode::AdditionalStep, true, NOW),
        IssuanceDecision::Mint(ClaimCondition::SamePair(Some("p1".into())))
    );
}

/// A record whose current pair and previous pairs were created `ages` seconds before NOW.
fn created(ages: &[i64], outcome: Option<Outcome>) -> PairRecord {
    let (current, previous) = ages.split_first().expect("a current pair");
    let mut r = record(Some(pair(60, outcome)), None, 86_400);
    if let Some(pair) = r.pair.as_mut() {
        pair.created_at = at(-current);
    }
    r.previous_pairs = previous
        .iter()
        .enumerate()
        .map(|(n, age)| PreviousPair {
            pair_id: format!("p-{n}"),
            mode: Mode::TwoSessions,
            outcome,
            reasons: vec![],
            created_at: at(-age),
            decided_at: None,
            replaced_at: at(-age + 60),
            scan_refs: vec![],
            late_results: vec![],
        })
        .collect();
    r
}

#[test]
fn a_rejected_pair_never_drops_out_of_the_history() {
    let mut r = created(&[10; MAX_PREVIOUS_PAIRS + 1], None);
    r.previous_pairs[0].outcome = Some(Outcome::Rejected);
    r.previous_pairs[0].pair_id = "rejected".into();
    let replaced = install(&r, "claim", pair(60, None), at(86_400), NOW);
    assert_eq!(replaced.previous_pairs.len(), MAX_PREVIOUS_PAIRS);
    assert_eq!(replaced.previous_pairs[0].pair_id, "rejected");
    // Without a rejection the oldest goes, as before.
    let plain = created(&[10; MAX_PREVIOUS_PAIRS + 1], None);
    let replaced = install(&plain, "claim", pair(60, None), at(86_400), NOW);
    assert_eq!(replaced.previous_pairs.len(), MAX_PREVIOUS_PAIRS);
    assert_eq!(replaced.previous_pairs[0].pair_id, "p-1");
    assert_eq!(
        replaced.previous_pairs[MAX_PREVIOUS_PAIRS - 1].pair_id,
        "p1"
    );
}
