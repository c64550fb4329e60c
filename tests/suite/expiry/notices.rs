//! iDenfy's DOCUMENT_EXPIRATION webhook, signed like every webhook: recorded once per session
//! and threshold however often it is delivered (at once, too), its word stricter than our
//! date, a session not ours ignored, an unsigned one refused — and never a result.

use super::{decide, load, status_at};
use integration_tests::callbacks::{call, callback_clock, handler, request, signed};
use integration_tests::moto_table;
use pair_core::clock::Clock;
use pair_core::pair::Threshold;
use serde_json::{Value, json};
use std::sync::Arc;

const CLIENT: &str = "USER_NOTICED";

fn notice(client_id: &str, scan_ref: &str, threshold: &str, date: Option<&str>) -> String {
    let mut body = json!({
        "clientId": client_id,
        "scanRef": scan_ref,
        "expirationThreshold": threshold,
    });
    if let Some(date) = date {
        body["documentExpiration"] = json!(date);
    }
    body.to_string()
}

#[tokio::test]
async fn a_notice_is_recorded_once_and_idenfys_word_is_stricter_than_our_date() {
    let table = moto_table().await;
    let store = &table.store;
    // Both documents far from their end by their own dates.
    decide(store, CLIENT, "2031-04-30", "2030-06-30").await;
    let now = callback_clock().now();
    let before = status_at(store, CLIENT, now).await;
    assert_eq!(
        (&before["validUntil"], &before["validity"]),
        (&json!("2030-06-30"), &json!("VALID"))
    );

    // iDenfy reads the permit as ending 2026-12-20, within 30 days: delivered four times at
    // once (its retries), recorded once, the site told once.
    let permit = format!("{CLIENT}-document");
    let within_30 = notice(
        CLIENT,
        &permit,
        "DOCUMENT_EXPIRES_WITHIN_30_DAYS",
        Some("2026-12-20"),
    );
    let callbacks = Arc::new(handler(Arc::new(store.clone()), callback_clock()));
    let deliveries = (0..4).map(|_| {
        let callbacks = callbacks.clone();
        let body = within_30.clone();
        tokio::spawn(async move { call(&callbacks, signed(&body, "DOCUMENT_EXPIRATION")).await })
    });
    let mut answers: Vec<Value> = Vec::new();
    for delivery in deliveries {
        let (status, answer) = delivery.await.expect("a delivery");
        assert_eq!(status, 200, "{answer}");
        answers.push(answer);
    }
    let noted: Vec<&Value> = answers.iter().filter(|a| a["result"] == "NOTED").collect();
    assert_eq!(noted.len(), 1, "{answers:?}");
    assert_eq!(noted[0]["alerted"], 30);
    assert!(
        answers.iter().all(|a| a["role"] == "document"),
        "{answers:?}"
    );
    let (status, again) = call(&callbacks, signed(&within_30, "DOCUMENT_EXPIRATION")).await;
    assert_eq!((status, &again["result"]), (200, &json!("UNCHANGED")));
    let record = load(store, CLIENT).await;
    let pair = record.pair.as_ref().expect("a pair");
    assert_eq!(pair.expiry.notices.len(), 1);
    assert_eq!(pair.expiry.alerts.len(), 1);
    assert_eq!(
        pair.results.len(),
        2,
        "a notice is never stored as a result"
    );
    let status = status_at(store, CLIENT, now).await;
    assert_eq!(
        (&status["validUntil"], &status["validity"]),
        (&json!("2026-12-20"), &json!("EXPIRING"))
    );
    assert_eq!(status["status"], "VERIFIED", "a notice is no verdict");
    assert_eq!(
        status["expiryAlerts"],
        json!([{"threshold": 30, "daysLeft": 24, "validUntil": "2026-12-20", "source": "IDENFY",
                "at": now.to_rfc3339()}]),
        "{status}"
    );

    // iDenfy says expired, with no date: EXPIRED, whatever our dates say; the watch is done.
    let expired = notice(
        CLIENT,
        &format!("{CLIENT}-identity"),
        "DOCUMENT_EXPIRED",
        None,
    );
    let (_, answer) = call(&callbacks, signed(&expired, "DOCUMENT_EXPIRATION")).await;
    assert_eq!(
        answer,
        json!({"result": "NOTED", "role": "identity", "alerted": 0})
    );
    let status = status_at(store, CLIENT, now).await;
    assert_eq!(
        (&status["validUntil"], &status["validity"]),
        (&json!("2026-12-20"), &json!("EXPIRED"))
    );
    let record = load(store, CLIENT).await;
    assert_eq!(
        (record.expiry_watch, record.expiry_due.as_deref()),
        (None, None)
    );
    let thresholds: Vec<Threshold> = record
        .pair
        .map(|p| p.expiry.alerts.iter().map(|a| a.threshold).collect())
        .unwrap_or_default();
    assert_eq!(thresholds, [Threshold::Days30, Threshold::Expired]);
    table.store.delete_table().await.expect("dropped");
}

#[tokio::test]
async fn a_notice_not_ours_is_ignored_and_an_unsigned_one_refused() {
    let table = moto_table().await;
    let store = &table.store;
    decide(store, CLIENT, "2031-04-30", "2030-06-30").await;
    let version = load(store, CLIENT).await.version;
    let callbacks = handler(Arc::new(store.clone()), callback_clock());
    let permit = format!("{CLIENT}-document");
    let cases = [
        (
            notice(CLIENT, "another-session", "DOCUMENT_EXPIRED", None),
            "SCAN_REF_NOT_IN_PAIR",
        ),
        (
            notice("USER_NEVER_ISSUED", &permit, "DOCUMENT_EXPIRED", None),
            "UNKNOWN_CLIENT_ID",
        ),
        (
            notice(CLIENT, &permit, "DOCUMENT_EXPIRES_WITHIN_90_DAYS", None),
            "UNKNOWN_EXPIRATION_THRESHOLD",
        ),
    ];
    for (body, reason) in cases {
        let (status, answer) = call(&callbacks, signed(&body, "DOCUMENT_EXPIRATION")).await;
        assert_eq!(
            (status, answer),
            (200, json!({"result": "IGNORED", "reason": reason})),
            "{body}"
        );
    }
    let ours = notice(CLIENT, &permit, "DOCUMENT_EXPIRED", None);
    for unsigned in [
        request(&ours, None, "DOCUMENT_EXPIRATION"),
        request(&ours, Some(&"0".repeat(64)), "DOCUMENT_EXPIRATION"),
    ] {
        let (status, answer) = call(&callbacks, unsigned).await;
        assert_eq!((status, &answer["code"]), (401, &json!("BAD_SIGNATURE")));
    }
    assert_eq!(
        load(store, CLIENT).await.version,
        version,
        "nothing changed"
    );
    table.store.delete_table().await.expect("dropped");
}
