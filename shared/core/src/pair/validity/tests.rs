use super::*;
use crate::pair::machine::fixtures::{NOW, at, final_half, pair, single_session_pair};
use crate::pair::{DocumentFacts, HalfResult, Outcome};

/// NOW is 2027-01-15 (UTC).
const TODAY: &str = "2027-01-15";

fn day(text: &str) -> Date {
    dates::parse(text).expect("a day")
}

/// A decided two-session pair whose documents expire as given.
fn decided(outcome: Outcome, identity: Option<&str>, permit: Option<&str>) -> Pair {
    let mut pair = pair(60, Some(outcome));
    for (scan_ref, expiry) in [("scan-identity", identity), ("scan-document", permit)] {
        let half = HalfResult {
            facts: DocumentFacts {
                expiry: expiry.map(str::to_owned),
                ..Default::default()
            },
            ..final_half(None)
        };
        pair.results.insert(scan_ref.into(), half);
    }
    pair
}

fn verified(identity: Option<&str>, permit: Option<&str>) -> Pair {
    decided(Outcome::Verified, identity, permit)
}

fn notice(threshold: Threshold, date: Option<&str>, received: Timestamp) -> ExpirationNotice {
    ExpirationNotice {
        threshold,
        document_expiration: date.map(str::to_owned),
        received_at: received,
    }
}

#[test]
fn valid_until_is_the_earlier_of_the_two_documents() {
    assert_eq!(dates::day_of(NOW), day(TODAY));
    let cases = [
        (Some("2029-01-15"), Some("2031-04-30"), Some("2029-01-15")),
        (Some("2031-04-30"), Some("2028-02-29"), Some("2028-02-29")),
        // An identity document without an expiry does not bound it (the rule accepts it).
        (None, Some("2031-04-30"), Some("2031-04-30")),
        // Unknown: the permit states none, or a date is unreadable.
        (Some("2029-01-15"), None, None),
        (Some("2029-01-15"), Some("30.04.2031"), None),
        (Some("UNLIMITED"), Some("2031-04-30"), None),
    ];
    for (identity, permit, expected) in cases {
        assert_eq!(
            verified(identity, permit).valid_until(),
            expected.map(day),
            "{identity:?} {permit:?}"
        );
    }
    // The permit is an unread upload in additional-step mode.
    let mut single = single_session_pair();
    single.results.insert(
        "scan-identity".into(),
        HalfResult {
            facts: DocumentFacts {
                expiry: Some("2031-04-30".into()),
                ..Default::default()
            },
            ..final_half(None)
        },
    );
    assert_eq!(single.valid_until(), None);
}

#[test]
fn a_date_idenfy_states_later_counts_when_it_is_earlier() {
    let mut pair = verified(Some("2031-04-30"), Some("2030-06-30"));
    pair.expiry.notices.insert(
        "scan-document".into(),
        notice(Threshold::Days30, Some("2027-02-10"), NOW),
    );
    assert_eq!(pair.valid_until(), Some(day("2027-02-10")));
    // A later date changes nothing; an unreadable permit date is filled in by iDenfy's.
    let mut later = verified(Some("2031-04-30"), Some("2030-06-30"));
    later.expiry.notices.insert(
        "scan-document".into(),
        notice(Threshold::Days30, Some("2032-01-01"), NOW),
    );
    assert_eq!(later.valid_until(), Some(day("2030-06-30")));
    let mut unreadable = verified(Some("2031-04-30"), Some("soon"));
    assert_eq!(unreadable.valid_until(), None);
    unreadable.expiry.notices.insert(
        "scan-document".into(),
        notice(Threshold::Days30, Some("2027-02-10"), NOW),
    );
    assert_eq!(unreadable.valid_until(), Some(day("2027-02-10")));
}

#[test]
fn each_validity_state_at_its_edges() {
    let validity = |end: &str, warning| verified(None, Some(end)).validity(day(TODAY), warning);
    // 31 days left with a 30-day warning: valid; 30: expiring; the last day: expiring;
    // the day after: expired.
    assert_eq!(validity("2027-02-15", 30), Some(Validity::Valid));
    assert_eq!(validity("2027-02-14", 30), Some(Validity::Expiring));
    assert_eq!(validity(TODAY, 30), Some(Validity::Expiring));
    assert_eq!(validity("2027-01-14", 30), Some(Validity::Expired));
    // The window is the configured one.
    assert_eq!(validity("2027-01-23", 7), Some(Validity::Valid));
    assert_eq!(validity("2027-01-22", 7), Some(Validity::Expiring));
    assert_eq!(validity(TODAY, 0), Some(Validity::Expiring));
    assert_eq!(validity("2027-01-16", 0), Some(Validity::Valid));
    // Unknown end; undecided pair.
    assert_eq!(
        verified(None, None).validity(day(TODAY), 30),
        Some(Validity::Unknown)
    );
    assert_eq!(pair(60, None).validity(day(TODAY), 30), None);
    // Any decided pair has one, not only a verified one.
    assert_eq!(
        decided(Outcome::RequiresReview, None, Some("2027-01-01")).validity(day(TODAY), 30),
        Some(Validity::Expired)
    );
}

#[test]
fn idenfys_word_is_stricter_than_our_date_when_it_says_more() {
    let far = || verified(Some("2031-04-30"), Some("2030-06-30"));
    // iDenfy says expired: expired, whatever the documents' dates.
    let mut expired = far();
    expired.expiry.notices.insert(
        "scan-identity".into(),
        notice(Threshold::Expired, None, at(-86_400)),
    );
    assert_eq!(expired.validity(day(TODAY), 30), Some(Validity::Expired));
    assert_eq!(expired.valid_until(), Some(day("2030-06-30")));
    assert_eq!(expired.watched_end(), Some(day("2027-01-13")));
    // "Within 7 days", received today, without a date: expiring by the 30-day window...
    let mut within = far();
    within
        .expiry
        .notices
        .insert("scan-document".into(), notice(Threshold::Days7, None, NOW));
    assert_eq!(within.validity(day(TODAY), 30), Some(Validity::Expiring));
    // ...not yet by a 3-day one, and expired once its 7 days are over.
    assert_eq!(within.validity(day(TODAY), 3), Some(Validity::Valid));
    assert_eq!(
        within.validity(day("2027-01-23"), 3),
        Some(Validity::Expired)
    );
    // Our date stricter than iDenfy's: ours stands.
    let mut ours = verified(None, Some("2027-01-10"));
    ours.expiry.notices.insert(
        "scan-document".into(),
        notice(Threshold::Days30, Some("2027-02-10"), at(-40 * 86_400)),
    );
    assert_eq!(ours.validity(day(TODAY), 30), Some(Validity::Expired));
    // A notice makes an unknown end no better than it is, only stricter.
    let mut unknown = verified(None, None);
    unknown
        .expiry
        .notices
        .insert("scan-document".into(), notice(Threshold::Days30, None, NOW));
    assert_eq!(unknown.validity(day(TODAY), 7), Some(Validity::Unknown));
    assert_eq!(unknown.validity(day(TODAY), 30), Some(Validity::Expiring));
}

#[test]
fn thresholds_are_crossed_at_30_7_1_days_left_and_the_day_after_the_end() {
    let cases = [
        (31, None),
        (30, Some(Threshold::Days30)),
        (8, Some(Threshold::Days30)),
        (7, Some(Threshold::Days7)),
        (2, Some(Threshold::Days7)),
        (1, Some(Threshold::Days1)),
        (0, Some(Threshold::Days1)),
        (-1, Some(Threshold::Expired)),
        (-400, Some(Threshold::Expired)),
    ];
    for (left, expected) in cases {
        assert_eq!(Threshold::crossed(left), expected, "{left}");
    }
    let end = day("2027-03-01");
    let due: Vec<String> = Threshold::ALL
        .iter()
        .map(|t| dates::format(t.due_day(end)))
        .collect();
    assert_eq!(
        due,
        ["2027-01-30", "2027-02-22", "2027-02-28", "2027-03-02"]
    );
    assert_eq!(Threshold::Days1.next(), Some(Threshold::Expired));
    assert_eq!(Threshold::Expired.next(), None);
    for threshold in Threshold::ALL {
        assert_eq!(Threshold::try_from(threshold.days()), Ok(threshold));
    }
    assert!(Threshold::try_from(14).is_err());
}

fn alert(threshold: Threshold) -> ExpiryAlert {
    ExpiryAlert {
        threshold,
        days_left: 0,
        ends_on: "2027-03-01".into(),
        source: AlertSource::Schedule,
        at: NOW,
    }
}

#[test]
fn only_a_verified_pair_with_a_known_end_is_watched_until_its_expiry_is_told() {
    let mut pair = verified(None, Some("2027-03-01"));
    let watch = |pair: &Pair| pair.expiry_watch().map(|w| (w.threshold, w.due_key()));
    assert_eq!(watch(&pair), Some((Threshold::Days30, "2027-01-30".into())));
    pair.expiry.alerts.push(alert(Threshold::Days30));
    assert_eq!(watch(&pair), Some((Threshold::Days7, "2027-02-22".into())));
    pair.expiry.alerts.push(alert(Threshold::Days1));
    assert_eq!(
        watch(&pair),
        Some((Threshold::Expired, "2027-03-02".into()))
    );
    pair.expiry.alerts.push(alert(Threshold::Expired));
    assert_eq!(watch(&pair), None);

    for outcome in [
        Outcome::RequiresReview,
        Outcome::Rejected,
        Outcome::Incomplete,
    ] {
        assert_eq!(watch(&decided(outcome, None, Some("2027-03-01"))), None);
    }
    assert_eq!(watch(&verified(None, None)), None);
    let mut pending = verified(None, Some("2027-03-01"));
    pending.verdict = None;
    assert_eq!(watch(&pending), None);
}

#[test]
fn the_alert_due_is_the_last_threshold_crossed_and_not_told() {
    // The end is 2027-01-20: 5 days left today.
    let mut pair = verified(None, Some("2027-01-20"));
    let due = pair
        .expiry_alert_due(NOW, AlertSource::Schedule)
        .expect("an alert");
    assert_eq!(
        (due.threshold, due.days_left, due.ends_on.as_str()),
        (Threshold::Days7, 5, "2027-01-20")
    );
    pair.expiry.alerts.push(due);
    assert_eq!(pair.expiry_alert_due(NOW, AlertSource::Schedule), None);
    assert_eq!(
        pair.expiry_alert_due(at(4 * 86_400), AlertSource::Schedule)
            .map(|a| (a.threshold, a.days_left)),
        Some((Threshold::Days1, 1))
    );
    assert_eq!(
        pair.expiry_alert_due(at(6 * 86_400), AlertSource::Schedule)
            .map(|a| (a.threshold, a.days_left)),
        Some((Threshold::Expired, -1))
    );
    // Far from its end: nothing due.
    let far = verified(None, Some("2028-01-01"));
    assert_eq!(far.expiry_alert_due(NOW, AlertSource::Schedule), None);
}

#[test]
fn a_watched_record_is_kept_past_its_end_and_no_longer_than_ten_years() {
    let pair = verified(None, Some("2027-03-01"));
    assert_eq!(
        pair.kept_for_watch_until(NOW),
        Some(dates::start_of(day("2027-03-09")))
    );
    let far = verified(None, Some("2099-12-31"));
    assert_eq!(
        far.kept_for_watch_until(NOW),
        Some(NOW.plus(std::time::Duration::from_secs(3650 * 86_400)))
    );
    assert_eq!(verified(None, None).kept_for_watch_until(NOW), None);
    let rejected = decided(Outcome::Rejected, None, Some("2027-03-01"));
    assert_eq!(rejected.kept_for_watch_until(NOW), None);
}
