//! iDenfy's document-expiration webhook (`Idenfy-Event-Type: DOCUMENT_EXPIRATION`), sent to
//! the same URL as results and signed the same way: `{scanRef, clientId,
//! expirationThreshold, documentExpiration}`, with the thresholds
//! `DOCUMENT_EXPIRES_WITHIN_30_DAYS`, `_7_DAYS`, `_1_DAY` and `DOCUMENT_EXPIRED`.
//!
//! A body is a notice when it carries `expirationThreshold`, or when the (unsigned) header
//! says so: either way it is never read as a session's result — a notice taken for a result
//! would replace the session's final with one that has no status.

use pair_core::clock::Timestamp;
use pair_core::pair::Threshold;
use pair_core::pair::validity::ExpirationNotice;
use serde_json::{Map, Value};

/// The event type iDenfy sends the notice under.
pub const EXPIRATION_EVENT: &str = "DOCUMENT_EXPIRATION";
const THRESHOLD_FIELD: &str = "expirationThreshold";
const DATE_FIELD: &str = "documentExpiration";

/// Whether the body (or, failing that, the header) says this is an expiration notice.
pub fn is_notice(root: &Map<String, Value>, event_type: Option<&str>) -> bool {
    root.contains_key(THRESHOLD_FIELD)
        || event_type.is_some_and(|e| e.trim().eq_ignore_ascii_case(EXPIRATION_EVENT))
}

/// iDenfy's threshold names, in the order they come.
pub const THRESHOLDS: [(&str, Threshold); 4] = [
    ("DOCUMENT_EXPIRES_WITHIN_30_DAYS", Threshold::Days30),
    ("DOCUMENT_EXPIRES_WITHIN_7_DAYS", Threshold::Days7),
    ("DOCUMENT_EXPIRES_WITHIN_1_DAY", Threshold::Days1),
    ("DOCUMENT_EXPIRED", Threshold::Expired),
];

/// iDenfy's threshold name, read; `None` for one it has not documented.
pub fn threshold(name: &str) -> Option<Threshold> {
    let name = name.trim().to_ascii_uppercase();
    // Documented as `_1_DAY`; the plural is the other thresholds' pattern.
    let name = name
        .strip_suffix("_1_DAYS")
        .map_or(name.clone(), |head| format!("{head}_1_DAY"));
    THRESHOLDS
        .iter()
        .find(|(known, _)| *known == name)
        .map(|(_, threshold)| *threshold)
}

/// The notice in the body, received at `now`; `None` when its threshold is missing or not
/// one iDenfy documents (a notice we cannot place on the calendar changes nothing).
pub fn notice(root: &Map<String, Value>, now: Timestamp) -> Option<ExpirationNotice> {
    let threshold = threshold(root.get(THRESHOLD_FIELD)?.as_str()?)?;
    let document_expiration = root
        .get(DATE_FIELD)
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|date| !date.is_empty())
        // A date field: anything longer is not one (and is not kept).
        .filter(|date| date.len() <= 32)
        .map(str::to_owned);
    Some(ExpirationNotice {
        threshold,
        document_expiration,
        received_at: now,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn root(value: Value) -> Map<String, Value> {
        value.as_object().cloned().unwrap()
    }

    #[test]
    fn reads_every_documented_threshold() {
        let now = Timestamp::from_unix_seconds(1_800_000_000);
        for (name, expected) in [
            ("DOCUMENT_EXPIRES_WITHIN_30_DAYS", Threshold::Days30),
            ("DOCUMENT_EXPIRES_WITHIN_7_DAYS", Threshold::Days7),
            ("DOCUMENT_EXPIRES_WITHIN_1_DAY", Threshold::Days1),
            ("DOCUMENT_EXPIRES_WITHIN_1_DAYS", Threshold::Days1),
            ("document_expired", Threshold::Expired),
        ] {
            let body =
                root(json!({"expirationThreshold": name, "documentExpiration": "2031-04-30"}));
            let notice = notice(&body, now).unwrap();
            assert_eq!(notice.threshold, expected, "{name}");
            assert_eq!(notice.document_expiration.as_deref(), Some("2031-04-30"));
        }
        for unusable in [
            json!({"expirationThreshold": "DOCUMENT_EXPIRES_WITHIN_60_DAYS"}),
            json!({"expirationThreshold": null}),
            json!({"expirationThreshold": 30}),
            json!({"documentExpiration": "2031-04-30"}),
        ] {
            assert_eq!(notice(&root(unusable.clone()), now), None, "{unusable}");
        }
    }

    #[test]
    fn the_body_or_the_header_makes_a_notice() {
        let with_field = root(json!({"expirationThreshold": "DOCUMENT_EXPIRED"}));
        assert!(is_notice(&with_field, Some("IDENTIFICATION")));
        assert!(is_notice(&with_field, None));
        let result = root(json!({"status": {"overall": "APPROVED"}}));
        assert!(is_notice(&result, Some("DOCUMENT_EXPIRATION")));
        assert!(!is_notice(&result, Some("IDENTIFICATION_MANUAL_FINISHED")));
        assert!(!is_notice(&result, None));
    }
}
