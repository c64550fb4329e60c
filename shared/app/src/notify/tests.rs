use super::*;
use pair_core::pair::machine::fixtures::{NOW, at, pair, record};
use pair_core::pair::validity::{AlertSource, ExpiryAlert};
use pair_core::pair::{HalfResult, Outcome, OverallStatus, Rank, Threshold};
use serde_json::{Value, json};

fn with_pair(pair: pair_core::pair::Pair) -> PairRecord {
    record(Some(pair), None, 86_400)
}

fn revised(outcome: Outcome) -> pair_core::pair::Pair {
    let mut revised = pair(60, Some(Outcome::Verified));
    let first = revised.verdict.clone().expect("a verdict");
    revised.verdict = Some(Verdict {
        outcome,
        reasons: vec![Reason::IdentityDenied],
        decided_at: at(30),
        version: 2,
        basis: Default::default(),
        review: None,
    });
    revised.earlier_verdicts = vec![first];
    revised
}

#[test]
fn a_first_verdict_is_a_decision_and_nothing_else_is() {
    let pending = with_pair(pair(60, None));
    let decided = with_pair(pair(60, Some(Outcome::Verified)));
    let notification = decision_change(Some(&pending), Some(&decided)).expect("a decision");
    assert_eq!(notification.id, "msg_p1_v1");
    assert_eq!(notification.kind(), "verification.decided");
    assert_eq!(notification.previous, None);
    // A record inserted decided (no old image) is one too.
    assert_eq!(decision_change(None, Some(&decided)), Some(notification));

    // The same verdict again (a half stored after it, a claim, a redelivered record): nothing.
    let mut later = decided.clone();
    later.version += 1;
    assert_eq!(decision_change(Some(&decided), Some(&later)), None);
    // No verdict, no pair, a deleted record: nothing.
    assert_eq!(decision_change(None, Some(&pending)), None);
    assert_eq!(
        decision_change(Some(&decided), Some(&record(None, Some(60), 60))),
        None
    );
    assert_eq!(decision_change(Some(&decided), None), None);
    // A restart's new pair, pending: nothing yet.
    let mut restarted = pair(60, None);
    restarted.pair_id = "p2".into();
    assert_eq!(
        decision_change(Some(&decided), Some(&with_pair(restarted))),
        None
    );
}

#[test]
fn a_revision_is_announced_with_the_verdict_it_replaced() {
    let decided = with_pair(pair(60, Some(Outcome::Verified)));
    let now_rejected = with_pair(revised(Outcome::Rejected));
    let notification = decision_change(Some(&decided), Some(&now_rejected)).expect("a decision");
    assert_eq!(notification.id, "msg_p1_v2");
    assert_eq!(notification.kind(), "verification.revised");
    let body: Value = serde_json::from_str(&notification.body()).expect("JSON");
    assert_eq!(
        body,
        json!({
            "type": "verification.revised",
            "timestamp": at(30).to_rfc3339(),
            "data": {
                "clientId": "c1",
                "status": "REJECTED",
                "reasons": ["IDENTITY_DENIED"],
                "mode": "twoSessions",
                "decidedAt": at(30).to_rfc3339(),
                "version": 2,
                "validUntil": null,
                "previous": {
                    "status": "VERIFIED",
                    "reasons": ["NAME_MISMATCH"],
                    "decidedAt": at(-1).to_rfc3339(),
                    "version": 1,
                },
            },
        })
    );
}

#[test]
fn no_personal_data_reaches_a_notification() {
    let mut decided = pair(60, Some(Outcome::Verified));
    decided.results.insert(
        "scan-identity".into(),
        HalfResult {
            rank: Rank::Final,
            overall: OverallStatus::Approved,
            event_type: None,
            first_name: Some("JOHANNA".into()),
            last_name: Some("MUSTERFRAU".into()),
            date_of_birth: Some("1987-03-14".into()),
            doc_type: Some("ID_CARD".into()),
            doc_number_hash: Some("5e1f0c".into()),
            doc_number_earlier_hashes: vec![],
            tags: vec![],
            mismatch_tags: vec![],
            checks: pair_core::pair::CheckStatuses::passed(),
            duplicates: Default::default(),
            facts: Default::default(),
            permit_step: None,
            digest: "d".into(),
            earlier_digests: vec![],
            received_at: NOW,
        },
    );
    let notification = decision_change(None, Some(&with_pair(decided))).expect("a decision");
    let text = format!("{} {}", notification.body(), notification.event_detail());
    for personal in ["JOHANNA", "MUSTERFRAU", "1987-03-14", "5e1f0c"] {
        assert!(!text.contains(personal), "{personal} in {text}");
    }
    assert!(text.contains("\"webhookId\":\"msg_p1_v1\""), "{text}");
}

fn alert(threshold: Threshold, days_left: i64) -> ExpiryAlert {
    ExpiryAlert {
        threshold,
        days_left,
        ends_on: "2027-02-10".into(),
        source: AlertSource::Schedule,
        at: at(100),
    }
}

#[test]
fn each_expiry_alert_is_told_once_with_a_stable_id() {
    let verified = with_pair(pair(60, Some(Outcome::Verified)));
    let mut thirty = verified.clone();
    if let Some(p) = thirty.pair.as_mut() {
        p.expiry.alerts.push(alert(Threshold::Days30, 26));
    }
    let told = changes(Some(&verified), Some(&thirty));
    assert_eq!(told.len(), 1);
    let expiring = &told[0];
    assert_eq!(expiring.id, "msg_p1_expiring_30");
    assert_eq!(expiring.kind(), "verification.expiring");
    let body: Value = serde_json::from_str(&expiring.body()).expect("JSON");
    assert_eq!(
        body,
        json!({
            "type": "verification.expiring",
            "timestamp": at(100).to_rfc3339(),
            "data": {
                "clientId": "c1",
                "status": "VERIFIED",
                "mode": "twoSessions",
                "validUntil": "2027-02-10",
                "daysLeft": 26,
                "threshold": 30,
                "source": "SCHEDULE",
            },
        })
    );
    // The same record again (a redelivery), or another write after it: nothing new.
    assert_eq!(changes(Some(&thirty), Some(&thirty)), vec![]);
    let mut expired = thirty.clone();
    if let Some(p) = expired.pair.as_mut() {
        p.expiry.alerts.push(alert(Threshold::Expired, -1));
    }
    let told = changes(Some(&thirty), Some(&expired));
    assert_eq!(
        told.iter()
            .map(|n| (n.id.as_str(), n.kind()))
            .collect::<Vec<_>>(),
        [("msg_p1_expired", "verification.expired")]
    );
    // A stream record with no old image (e.g. replayed from the start) tells each again, with
    // the same ids: the receiver de-duplicates.
    let ids: Vec<String> = expiry_changes(None, Some(&expired))
        .into_iter()
        .map(|n| n.id)
        .collect();
    assert_eq!(ids, ["msg_p1_expiring_30", "msg_p1_expired"]);
}
