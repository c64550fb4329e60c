use super::*;
use crate::pair::machine::fixtures::{NOW, at, final_half, pair, record};
use crate::pair::{Mode, Outcome, Reason, machine};

const DAY: Duration = Duration::from_secs(86_400);

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
    }];
    r
}

#[test]
fn an_erased_record_keeps_no_result_and_lists_every_session_of_every_pair() {
    let erased = erase(&decided_with_history(), &eraser(), NOW, 400 * DAY);
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
    let sessions: Vec<&str> = erasure
        .sessions
        .iter()
        .map(|s| s.scan_ref.as_str())
        .collect();
    assert_eq!(
        sessions,
        [
            "scan-old-identity",
            "scan-old-document",
            "scan-identity",
            "scan-document"
        ]
    );
    assert_eq!(
        erasure.requests,
        [ErasureRequest {
            by: eraser().as_str().into(),
            at: NOW
        }]
    );
    assert_eq!(erased.erasure_pending, Some(ErasurePending::Pending));
    // Kept long enough for the audit and the retries.
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
fn deletions_are_recorded_and_the_pending_mark_goes_with_the_last() {
    let erased = erase(&decided_with_history(), &eraser(), NOW, DAY);
    let due = due_for_deletion(&erased, NOW, true);
    assert_eq!(due.len(), 4);
    let answers: Vec<(String, Result<(), DeletionRefusal>)> = due
        .iter()
        .map(|scan| {
            let answer = if scan == "scan-identity" {
                Err(DeletionRefusal::TokenNotExpired)
            } else {
                Ok(())
            };
            (scan.clone(), answer)
        })
        .collect();
    let once = record_deletions(&erased, &answers, at(5)).expect("changed");
    assert_eq!(once.version, erased.version + 1);
    assert_eq!(once.erasure_pending, Some(ErasurePending::Pending));
    let sessions = &once.erasure.as_ref().expect("audit").sessions;
    let refused = sessions
        .iter()
        .find(|s| s.scan_ref == "scan-identity")
        .expect("listed");
    assert_eq!(
        (
            refused.attempts,
            refused.last_refusal.as_deref(),
            refused.deleted_at
        ),
        (1, Some("TOKEN_NOT_EXPIRED"), None)
    );
    // Retried only after the pause, unless a person asks again.
    assert!(due_for_deletion(&once, at(60), false).is_empty());
    assert_eq!(due_for_deletion(&once, at(60), true), ["scan-identity"]);
    let later = at(5).plus(DELETION_RETRY_AFTER);
    assert_eq!(due_for_deletion(&once, later, false), ["scan-identity"]);
    let done =
        record_deletions(&once, &[("scan-identity".into(), Ok(()))], later).expect("changed");
    assert_eq!(done.erasure_pending, None);
    assert!(due_for_deletion(&done, later, true).is_empty());
    // A deleted session is not counted again; nothing to record is no write.
    assert_eq!(
        record_deletions(&done, &[("scan-identity".into(), Ok(()))], later),
        None
    );
}

#[test]
fn overdue_is_a_day_without_deletion() {
    let erased = erase(&decided_with_history(), &eraser(), NOW, DAY);
    let session = &erased.erasure.as_ref().expect("audit").sessions[0];
    assert!(!session.is_overdue(NOW.plus(DELETION_OVERDUE_AFTER - Duration::from_secs(1))));
    assert!(session.is_overdue(NOW.plus(DELETION_OVERDUE_AFTER)));
}

#[test]
fn erasing_again_adds_a_new_pair_and_keeps_what_was_deleted() {
    let erased = erase(&decided_with_history(), &eraser(), NOW, DAY);
    let all: Vec<(String, Result<(), DeletionRefusal>)> = due_for_deletion(&erased, NOW, true)
        .into_iter()
        .map(|s| (s, Ok(())))
        .collect();
    let mut deleted = record_deletions(&erased, &all, NOW).expect("changed");
    // The person came back: a new pair, then a second erasure.
    let mut next = pair(60, None);
    next.pair_id = "p2".into();
    next.identity.scan_ref = "scan-new".into();
    next.document = None;
    deleted.pair = Some(next);
    let again = erase(&deleted, &eraser(), at(100), DAY);
    let erasure = again.erasure.as_ref().expect("audit");
    assert_eq!(erasure.requests.len(), 2);
    assert_eq!(erasure.pairs.len(), 3);
    assert_eq!(due_for_deletion(&again, at(100), true), ["scan-new"]);
    assert_eq!(
        erasure.sessions.iter().filter(|s| s.is_deleted()).count(),
        4,
        "deleted stays deleted"
    );
}
