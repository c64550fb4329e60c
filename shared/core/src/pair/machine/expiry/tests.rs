use super::*;
use crate::pair::machine::fixtures::{NOW, at, final_half, pair, record};
use crate::pair::validity::ExpirationNotice;
use crate::pair::{DocumentFacts, HalfResult, Outcome, Threshold};

const DAY: i64 = 86_400;

/// A verified pair's record; its permit ends 2027-03-01 (NOW is 2027-01-15).
fn verified() -> PairRecord {
    let mut pair = pair(60, Some(Outcome::Verified));
    for (scan_ref, expiry) in [
        ("scan-identity", None),
        ("scan-document", Some("2027-03-01")),
    ] {
        pair.results.insert(
            scan_ref.into(),
            HalfResult {
                facts: DocumentFacts {
                    expiry: expiry.map(str::to_owned),
                    ..Default::default()
                },
                ..final_half(None)
            },
        );
    }
    let mut record = record(Some(pair), None, 400 * DAY);
    let watch = record.pair.as_ref().and_then(Pair::expiry_watch);
    record.set_watch(watch);
    record
}

fn applied(record: &PairRecord, update: &ExpiryUpdate) -> PairRecord {
    with_expiry(record, update).expect("the record as read")
}

#[test]
fn the_watch_tells_each_threshold_once_and_then_leaves_the_index() {
    let mut record = verified();
    assert_eq!(record.expiry_watch, Some(Threshold::Days30));
    assert_eq!(record.expiry_due.as_deref(), Some("2027-01-30"));
    // Listed too early (a stale read): nothing to do.
    assert_eq!(watch_step(&record, NOW), None);
    let mut told = vec![];
    // Day by day to past the end, each day's run twice (a retried run).
    for days in 0..60 {
        let now = at(days * DAY);
        if let Some(update) = watch_step(&record, now) {
            if let Some(alert) = &update.alert {
                told.push((alert.threshold, alert.days_left));
            }
            record = applied(&record, &update);
        }
        assert_eq!(watch_step(&record, now), None, "day {days}, run again");
    }
    assert_eq!(
        told,
        [
            (Threshold::Days30, 30),
            (Threshold::Days7, 7),
            (Threshold::Days1, 1),
            (Threshold::Expired, -1),
        ]
    );
    assert_eq!((record.expiry_watch, record.expiry_due), (None, None));
    let sources: Vec<AlertSource> = record
        .pair
        .as_ref()
        .map(|p| p.expiry.alerts.iter().map(|a| a.source).collect())
        .unwrap_or_default();
    assert_eq!(sources, [AlertSource::Schedule; 4]);
}

#[test]
fn a_pair_no_longer_watched_leaves_the_index() {
    let mut record = verified();
    if let Some(verdict) = record.pair.as_mut().and_then(|p| p.verdict.as_mut()) {
        verdict.outcome = Outcome::RequiresReview;
    }
    let update = watch_step(&record, NOW).expect("an update");
    assert_eq!((update.alert.as_ref(), update.watch), (None, None));
    let after = applied(&record, &update);
    assert_eq!((after.expiry_watch, after.expiry_due), (None, None));
    // An expired record (its retention over) leaves it too.
    let expired = PairRecord {
        expires_at: at(-1),
        ..verified()
    };
    let update = watch_step(&expired, NOW).expect("an update");
    assert_eq!(update.watch, None);
    assert_eq!(applied(&expired, &update).expiry_watch, None);
}

fn notice(threshold: Threshold, date: Option<&str>) -> ExpirationNotice {
    ExpirationNotice {
        threshold,
        document_expiration: date.map(str::to_owned),
        received_at: NOW,
    }
}

#[test]
fn idenfys_notice_is_recorded_once_per_session_and_threshold() {
    let record = verified();
    // iDenfy reads the permit as ending 2027-02-10 (ours: 2027-03-01): stricter, so the
    // 30-day threshold is crossed now, not on the schedule's 2027-01-30.
    let within_30 = notice(Threshold::Days30, Some("2027-02-10"));
    let (role, update) =
        note_expiration(&record, "scan-document", &within_30, NOW).expect("recorded");
    assert_eq!(role, crate::pair::Role::Document);
    let alert = update.alert.clone().expect("an alert");
    assert_eq!(
        (alert.threshold, alert.days_left, alert.source),
        (Threshold::Days30, 26, AlertSource::Idenfy)
    );
    let watch = update.watch.expect("watched");
    assert_eq!(
        (watch.threshold, watch.due_key()),
        (Threshold::Days7, "2027-02-03".to_owned())
    );
    let noted = applied(&record, &update);
    // The same notice again, or a laxer one: nothing changes.
    assert_eq!(
        note_expiration(&noted, "scan-document", &within_30, NOW),
        Err(NoticeUnchanged::AlreadyNoted(crate::pair::Role::Document))
    );
    // Another session's notice, or a stricter one, is news.
    assert!(note_expiration(&noted, "scan-identity", &within_30, NOW).is_ok());
    let expired = notice(Threshold::Expired, None);
    let (_, stricter) = note_expiration(&noted, "scan-document", &expired, NOW).expect("news");
    // iDenfy says expired: the site is told at once, and the watch is done.
    let alert = stricter.alert.clone().expect("an alert");
    assert_eq!(
        (alert.threshold, alert.source, alert.ends_on.as_str()),
        (Threshold::Expired, AlertSource::Idenfy, "2027-01-14")
    );
    assert_eq!(stricter.watch, None);
    let done = applied(&noted, &stricter);
    assert_eq!(
        note_expiration(&done, "scan-document", &within_30, NOW),
        Err(NoticeUnchanged::AlreadyNoted(crate::pair::Role::Document))
    );
    // A session that is not the live pair's; no live pair.
    assert_eq!(
        note_expiration(&record, "scan-other", &within_30, NOW),
        Err(NoticeUnchanged::NotOurs)
    );
    assert_eq!(
        note_expiration(&record, "scan-document", &within_30, at(500 * DAY)),
        Err(NoticeUnchanged::NotOurs)
    );
}

#[test]
fn a_notice_with_an_earlier_date_moves_the_watch_and_may_alert_at_once() {
    let record = verified();
    // iDenfy reads the permit as ending in 5 days.
    let sooner = notice(Threshold::Days7, Some("2027-01-20"));
    let (_, update) = note_expiration(&record, "scan-document", &sooner, NOW).expect("news");
    let alert = update.alert.clone().expect("an alert");
    assert_eq!((alert.threshold, alert.days_left), (Threshold::Days7, 5));
    let watch = update.watch.expect("still watched");
    assert_eq!(
        (watch.threshold, watch.due_key()),
        (Threshold::Days1, "2027-01-19".to_owned())
    );
}

#[test]
fn a_write_is_taken_only_over_the_record_as_read() {
    let record = verified();
    let update = watch_step(&record, at(20 * DAY)).expect("due");
    let mut changed = record.clone();
    changed.version += 1;
    assert_eq!(with_expiry(&changed, &update), None);
    let mut replaced = record.clone();
    if let Some(pair) = replaced.pair.as_mut() {
        pair.pair_id = "p2".into();
    }
    assert_eq!(with_expiry(&replaced, &update), None);
    let written = applied(&record, &update);
    assert_eq!(written.version, record.version + 1);
}
