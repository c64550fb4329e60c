use super::*;
use crate::pair::machine::fixtures::{NOW, at, final_half, pair, record};
use crate::pair::{Mode, Outcome, Reason, machine};

const DAY: Duration = Duration::from_secs(86_400);

fn client() -> ClientId {
    ClientId::parse("c1").expect("a clientId")
}

fn eraser() -> Principal {
    Principal::parse("arn:aws:iam::123456789012:user/dpo").expect("a principal")
}

/// A decided pair with a result holding personal data, and one replaced pair before it.
fn decided_with_history() -> PairRecord {
    let mut pair = pair(60, Some(Outcome::Rejected));
    let mut half = final_half(None);
    half.first_name = Some("JOHN".into());
    half.date_of_birth = Some("1990-05-15".into());
    half.doc_number_hash = Some("a1b2".into());
    half.tags = vec!["DOCUMENT_FRAUD".into()];
    pair.final_digests.push(half.digest.clone());
    pair.results.insert("scan-identity".into(), half);
    let mut r = record(Some(pair), None, 30 * 86_400);
    r.previous_pairs = vec![PreviousPair {
        pair_id: "p0".into(),
        mode: Mode::TwoSessions,
        outcome: Some(Outcome::RequiresReview),
        reasons: vec![Reason::SexMismatch],
        created_at: at(-100),
        decided_at: None,
        replaced_at: at(-20),
        scan_refs: vec!["scan-old-identity".into(), "scan-old-document".into()],
        late_results: vec![],
    }];
    r
}

#[test]
fn an_erased_record_keeps_no_result_and_lists_every_session_of_every_pair() {
    let erased = erase(
        &client(),
        Some(&decided_with_history()),
        &eraser(),
        NOW,
        400 * DAY,
    );
    assert_eq!((erased.pair.as_ref(), erased.claim.as_ref()), (None, None));
    assert!(erased.previous_pairs.is_empty());
    assert_eq!(erased.version, 8);
    let text = format!("{erased:?}");
    for personal in ["JOHN", "1990-05-15", "a1b2", "DOCUMENT_FRAUD", "d-final"] {
        assert!(!text.contains(personal), "{personal} in {text}");
    }
    let erasure = erased.erasure.as_ref().expect("the audit");
    let pairs: Vec<(&str, Option<Outcome>)> = erasure
        .pairs
        .iter()
        .map(|p| (p.pair_id.as_str(), p.outcome))
        .collect();
    assert_eq!(
        pairs,
        [
            ("p0", Some(Outcome::RequiresReview)),
            ("p1", Some(Outcome::Rejected))
        ]
    );
    // An outcome is enough for the record: a reason tied to a clientId is personal data.
    assert!(
        erasure.pairs.iter().all(|p| p.reasons.is_empty()),
        "{:?}",
        erasure.pairs
    );
    assert!(
        erasure.pairs.iter().all(|p| p.scan_refs.is_empty()),
        "the sessions are the ledger's"
    );
    assert_eq!(
        erasure.requests,
        [ErasureRequest {
            by: eraser().as_str().into(),
            at: NOW
        }]
    );
    // Kept as long as the audit.
    assert_eq!(erased.expires_at, NOW.plus(400 * DAY));
    // An erased record has no live pair: a late webhook finds nothing to store into.
    let mut late = final_half(None);
    late.first_name = Some("JOHN".into());
    assert_eq!(
        machine::accept_half(&erased, "scan-identity", &late, NOW),
        None
    );
}

#[test]
fn erasing_again_adds_a_new_pair_and_keeps_the_audit() {
    let erased = erase(
        &client(),
        Some(&decided_with_history()),
        &eraser(),
        NOW,
        DAY,
    );
    let mut back = erased.clone();
    // The person came back: a new pair, then a second erasure.
    let mut next = pair(60, None);
    next.pair_id = "p2".into();
    back.pair = Some(next);
    let again = erase(&client(), Some(&back), &eraser(), at(100), DAY);
    let erasure = again.erasure.as_ref().expect("audit");
    assert_eq!(erasure.requests.len(), 2);
    assert_eq!(erasure.pairs.len(), 3);
    assert_eq!(again.version, erased.version + 1);
}

#[test]
fn a_clientid_whose_record_retention_removed_gets_an_audit_of_its_own() {
    let erased = erase(&client(), None, &eraser(), NOW, DAY);
    assert_eq!((erased.version, erased.expires_at), (1, NOW.plus(DAY)));
    let erasure = erased.erasure.as_ref().expect("audit");
    assert!(erasure.pairs.is_empty());
    assert_eq!(erasure.requests.len(), 1);
}
