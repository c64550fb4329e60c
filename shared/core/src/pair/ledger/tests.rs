use super::*;
use crate::pair::machine::fixtures::{NOW, at, pair, record};
use crate::pair::{Mode, PreviousPair};

const DAY: Duration = Duration::from_secs(86_400);
const RETENTION: LedgerRetention = LedgerRetention {
    audit: Duration::from_secs(1825 * 86_400),
    delete_after: Some(Duration::from_secs(30 * 86_400)),
};

fn client() -> ClientId {
    ClientId::parse("client-1").expect("a clientId")
}

fn minted(scan_ref: &str, pair_id: &str, at_: Timestamp, renewal: bool) -> Entry {
    Entry::minted(
        Minted {
            client_id: client(),
            scan_ref: scan_ref.into(),
            role: Role::Identity,
            pair_id: pair_id.into(),
            renewal,
            usable_until: at_.plus(Duration::from_secs(3600)),
        },
        at_,
        RETENTION,
    )
}

#[test]
fn a_minted_session_waits_for_its_retention_check_and_lives_as_long_as_the_audit() {
    let entry = minted("scan-1", "p1", NOW, false);
    assert_eq!(entry.expires_at, NOW.plus(RETENTION.audit));
    assert_eq!(entry.due(), Some((Queue::Retention, NOW.plus(30 * DAY))));
    assert_eq!(
        (entry.queue, entry.due_at),
        (Some(Queue::Retention), Some(NOW.plus(30 * DAY)))
    );
    // Without deletion at retention end, nothing is due until an erasure.
    let kept = Entry::minted(
        Minted {
            client_id: client(),
            scan_ref: "scan-2".into(),
            role: Role::Document,
            pair_id: "p1".into(),
            renewal: false,
            usable_until: NOW,
        },
        NOW,
        LedgerRetention {
            delete_after: None,
            ..RETENTION
        },
    );
    assert_eq!((kept.due(), kept.queue, kept.due_at), (None, None, None));
}

#[test]
fn an_erasure_asks_at_once_and_other_causes_wait_for_the_token_to_lapse() {
    let entry = minted("scan-1", "p1", NOW, false);
    let erased = entry
        .ask_deletion(DeletionCause::Erasure, at(10))
        .expect("changed");
    assert_eq!(erased.due(), Some((Queue::Deletion, at(10))));
    assert!(erased.is_pending() && erased.deletion_due(at(10), false));
    assert_eq!(erased.version, entry.version + 1);
    // Asked again by another erasure: nothing to change.
    assert_eq!(erased.ask_deletion(DeletionCause::Erasure, at(20)), None);

    let unused = entry
        .ask_deletion(DeletionCause::NotUsed, at(10))
        .expect("changed");
    assert_eq!(unused.due(), Some((Queue::Deletion, entry.usable_until)));
    assert!(!unused.deletion_due(at(10), false));
    assert!(
        unused.deletion_due(at(10), true),
        "a person's erasure asks at once"
    );
    // An erasure takes over and asks at once; the first request's time stays.
    let taken = unused
        .ask_deletion(DeletionCause::Erasure, at(20))
        .expect("changed");
    let deletion = taken.deletion.as_ref().expect("a deletion");
    assert_eq!(
        (
            deletion.cause,
            deletion.requested_at,
            deletion.next_attempt_at
        ),
        (DeletionCause::Erasure, at(10), at(20))
    );
    // A retention end after an erasure changes nothing.
    assert_eq!(
        taken.ask_deletion(DeletionCause::RetentionEnd, at(30)),
        None
    );
}

#[test]
fn a_refused_deletion_goes_to_the_back_and_is_kept_while_pending() {
    let entry = minted("scan-1", "p1", NOW, false)
        .ask_deletion(DeletionCause::Erasure, NOW)
        .expect("changed");
    let refused = entry
        .answered(Err(DeletionRefusal::Unavailable), at(5), RETENTION.audit)
        .expect("pending");
    let deletion = refused.deletion.as_ref().expect("a deletion");
    assert_eq!(deletion.attempts, 1);
    assert_eq!(deletion.last_refusal.as_deref(), Some("IDENFY_UNAVAILABLE"));
    assert_eq!(
        refused.due(),
        Some((Queue::Deletion, at(5).plus(DELETION_RETRY_AFTER)))
    );
    assert_eq!(refused.expires_at, at(5).plus(RETENTION.audit));
    // A live token: not before it lapses.
    let live = entry
        .answered(
            Err(DeletionRefusal::TokenNotExpired),
            at(5),
            RETENTION.audit,
        )
        .expect("pending");
    assert_eq!(live.due(), Some((Queue::Deletion, entry.usable_until)));
    // Deleted: out of every queue, and answers no longer change it.
    let done = refused
        .answered(Ok(()), at(700), RETENTION.audit)
        .expect("pending");
    assert!(done.is_deleted() && !done.is_pending());
    assert_eq!((done.due(), done.queue, done.due_at), (None, None, None));
    assert_eq!(done.answered(Ok(()), at(800), RETENTION.audit), None);
    assert_eq!(done.ask_deletion(DeletionCause::Erasure, at(800)), None);
    assert!(!done.is_overdue(at(800).plus(DELETION_OVERDUE_AFTER)));
    assert!(!refused.is_overdue(NOW.plus(DELETION_OVERDUE_AFTER - Duration::from_secs(1))));
    assert!(refused.is_overdue(NOW.plus(DELETION_OVERDUE_AFTER)));
}

#[test]
fn retention_ends_when_no_live_record_names_the_session() {
    let entry = minted("scan-identity", "p1", NOW, false);
    let live = record(Some(pair(60, None)), None, 30 * 86_400);
    assert_eq!(
        entry.retention_check(Some(&live), NOW),
        RetentionCheck::KeepUntil(live.expires_at)
    );
    // Named by a pair a restart replaced: still kept.
    let mut replaced = live.clone();
    replaced.pair = None;
    replaced.previous_pairs = vec![PreviousPair {
        pair_id: "p1".into(),
        mode: Mode::TwoSessions,
        outcome: None,
        reasons: vec![],
        created_at: NOW,
        decided_at: None,
        replaced_at: NOW,
        scan_refs: vec!["scan-identity".into()],
        late_results: vec![],
    }];
    assert_eq!(
        entry.retention_check(Some(&replaced), NOW),
        RetentionCheck::KeepUntil(live.expires_at)
    );
    // Gone, expired (TTL not trusted), or not naming it (never installed, trimmed): ended.
    assert_eq!(entry.retention_check(None, NOW), RetentionCheck::Ended);
    assert_eq!(
        entry.retention_check(Some(&live), live.expires_at),
        RetentionCheck::Ended
    );
    let other = minted("scan-never-installed", "p9", NOW, false);
    assert_eq!(
        other.retention_check(Some(&live), NOW),
        RetentionCheck::Ended
    );
    let later = entry.check_again_at(live.expires_at, RETENTION.audit);
    assert_eq!(later.due(), Some((Queue::Retention, live.expires_at)));
    // A record kept longer than the ledger's own retention (a watched verified pair) keeps its
    // entries with it.
    let far = NOW.plus(Duration::from_secs(3650 * 86_400));
    let watched = entry.check_again_at(far, RETENTION.audit);
    assert_eq!(watched.expires_at, far.plus(RETENTION.audit));
}

#[test]
fn the_sessions_a_record_names_are_its_pairs_and_its_history() {
    let mut r = record(Some(pair(60, None)), None, 30 * 86_400);
    r.previous_pairs = vec![PreviousPair {
        pair_id: "p0".into(),
        mode: Mode::TwoSessions,
        outcome: None,
        reasons: vec![],
        created_at: at(-100),
        decided_at: None,
        replaced_at: at(-20),
        scan_refs: vec!["scan-old".into()],
        late_results: vec![],
    }];
    let named = sessions_named_by(&r);
    let refs: Vec<(&str, Option<Role>)> = named
        .iter()
        .map(|s| (s.scan_ref.as_str(), s.role))
        .collect();
    assert_eq!(
        refs,
        [
            ("scan-old", None),
            ("scan-identity", Some(Role::Identity)),
            ("scan-document", Some(Role::Document))
        ]
    );
    let entry = Entry::known_from_record(&client(), &named[0], NOW, RETENTION.audit);
    assert_eq!((entry.pair_id.as_str(), entry.minted_at), ("p0", at(-100)));
    assert_eq!(entry.due(), None, "deleted only when asked");
}

#[test]
fn the_cap_counts_issuances_that_reached_idenfy_not_renewals_nor_erasures() {
    let day = PAIRS_WINDOW.as_secs().cast_signed();
    assert_eq!(pair_allowed(&[], 1, NOW), Ok(()));
    // A pair is one issuance whether one token or both were minted.
    let both = [
        minted("a", "p1", at(-60), false),
        minted("b", "p1", at(-59), false),
    ];
    assert_eq!(pair_allowed(&both, 2, NOW), Ok(()));
    assert_eq!(pair_allowed(&both, 1, NOW), Err(at(-60 + day)));
    // A renewal of an older pair is no issuance; a pair older than the window does not count.
    let entries = [
        minted("a", "p1", at(-9000), false),
        minted("b", "p2", at(-600), false),
        minted("c", "p0", at(-60), true),
        minted("d", "p-1", at(-day - 1), false),
    ];
    assert_eq!(pair_allowed(&entries, 3, NOW), Ok(()));
    assert_eq!(pair_allowed(&entries, 2, NOW), Err(at(-9000 + day)));
    assert_eq!(pair_allowed(&entries, 2, at(-9000 + day + 1)), Ok(()));
    // An erased (deleted) session still counts: the token was spent.
    let erased: Vec<Entry> = entries
        .iter()
        .map(|e| {
            e.ask_deletion(DeletionCause::Erasure, NOW)
                .and_then(|e| e.answered(Ok(()), NOW, RETENTION.audit))
                .expect("deleted")
        })
        .collect();
    assert_eq!(pair_allowed(&erased, 2, NOW), Err(at(-9000 + day)));
}
