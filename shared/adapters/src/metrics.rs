//! Counters for CloudWatch in its embedded metric format (EMF): one JSON line per count on
//! stdout, which Lambda's log stream carries and CloudWatch turns into metrics — no SDK, no
//! network call. Dimensions are codes (outcomes, reasons, error kinds), never request data.

use serde_json::{Map, Value, json};
use std::io::Write;
use std::sync::Arc;

/// The CloudWatch namespace of every metric.
pub const NAMESPACE: &str = "idenfy-pair";

/// A verdict recorded (dimension `Outcome`).
pub const VERDICTS: &str = "Verdicts";
/// A verdict that replaced an earlier one after iDenfy revised a result.
pub const REVISIONS: &str = "Revisions";
/// A new final result refused because its pair holds its most finals (the pair goes to
/// review, `TOO_MANY_REVISIONS`).
pub const REVISIONS_PAST_BOUND: &str = "RevisionsPastBound";
/// A verdict that names `IDENFY_VALUE_UNKNOWN`: iDenfy sent a value its schema did not list
/// (it added one); give it a meaning in `pair::judgement`.
pub const UNKNOWN_IDENFY_VALUES: &str = "UnknownIdenfyValues";
/// A webhook whose signature no key accepts.
pub const REFUSED_SIGNATURES: &str = "RefusedSignatures";
/// A signed webhook knowingly ignored (dimension `Reason`).
pub const IGNORED_WEBHOOKS: &str = "IgnoredWebhooks";
/// A store call that failed.
pub const STORE_ERRORS: &str = "StoreErrors";
/// The stack's secret could not be read.
pub const SECRET_ERRORS: &str = "SecretErrors";
/// A token request iDenfy refused or failed (dimension `Identifier`: iDenfy's, else the kind).
pub const IDENFY_ERRORS: &str = "IdenfyErrors";
/// A session iDenfy did not delete when asked (asked again later).
pub const IDENFY_DELETIONS_REFUSED: &str = "IdenfyDeletionsRefused";
/// Sessions still with iDenfy a day after their deletion was asked for, as each scheduled
/// run finds them (a gauge, alarmed).
pub const IDENFY_DELETIONS_OVERDUE: &str = "IdenfyDeletionsOverdue";
/// Sessions waiting for iDenfy's deletion, as each scheduled run finds them (a gauge).
pub const IDENFY_DELETIONS_PENDING: &str = "IdenfyDeletionsPending";
/// How long the oldest of them has waited, in seconds (a gauge; 0 when none waits).
pub const IDENFY_DELETIONS_OLDEST_AGE: &str = "IdenfyDeletionsOldestAge";
/// Pairs waiting for review, as each scheduled queue run finds them (a gauge).
pub const REVIEWS_WAITING: &str = "ReviewsWaiting";
/// How long the oldest of them has waited, in seconds (a gauge; 0 when none waits).
pub const REVIEW_OLDEST_WAIT: &str = "ReviewOldestWait";
/// Pairs that have waited longer than `REVIEW_SLA_HOURS` (a gauge, alarmed).
pub const REVIEWS_OVERDUE: &str = "ReviewsOverdue";
/// A person's first arrival at the continuation between the two sessions (compare with
/// `PairsIssued`: who drops out after the first session).
pub const CONTINUATIONS: &str = "Continuations";
/// A continuation not followed (dimension `Reason`: FORGED, EXPIRED, PAIR_REPLACED, …).
pub const CONTINUATIONS_REFUSED: &str = "ContinuationsRefused";
/// A document token minted again at the continuation because the first had expired.
pub const DOCUMENT_LINKS_RENEWED: &str = "DocumentLinksRenewed";
/// iDenfy's document-expiration notice recorded on a pair (dimension `Threshold`: days).
pub const EXPIRATION_NOTICES: &str = "ExpirationNotices";
/// An expiry alert recorded for the site (dimension `Threshold`: 30, 7, 1 or 0 days).
pub const EXPIRY_ALERTS: &str = "ExpiryAlerts";
/// A daily expiry run that stopped before the index's due records were all handled.
pub const EXPIRY_RUNS_UNFINISHED: &str = "ExpiryRunsUnfinished";
/// A new pair issued.
pub const PAIRS_ISSUED: &str = "PairsIssued";
/// A decision delivered to every sink.
pub const NOTIFICATIONS: &str = "Notifications";
/// A stream record left for Lambda's retry (dimension `Sink`).
pub const NOTIFICATION_FAILURES: &str = "NotificationFailures";

/// Where counts go: EMF on stdout in the functions, a list in tests.
pub trait MetricSink: Send + Sync {
    fn count(&self, function: &'static str, name: &'static str, dimension: Option<(&str, &str)>);
    /// A value as found now (`unit`: a CloudWatch unit, e.g. `Count`, `Seconds`).
    fn gauge(&self, function: &'static str, name: &'static str, value: u64, unit: &'static str);
}

/// A function's counters. Handlers start with [`Metrics::off`]; each function's `main` (the
/// composition root) sends them to stdout as EMF, the local stack to stderr, tests to a list.
#[derive(Clone)]
pub struct Metrics {
    function: &'static str,
    sink: Arc<dyn MetricSink>,
}

impl Metrics {
    /// Counting nothing.
    pub fn off() -> Self {
        Self::with_sink("", Arc::new(Off))
    }

    /// EMF lines on stdout, each with the dimension `Function`.
    pub fn emf(function: &'static str) -> Self {
        Self::with_sink(function, Arc::new(Emf { stderr: false }))
    }

    /// The same lines on stderr (the local stack keeps stdout for its URL line).
    pub fn emf_on_stderr(function: &'static str) -> Self {
        Self::with_sink(function, Arc::new(Emf { stderr: true }))
    }

    pub fn with_sink(function: &'static str, sink: Arc<dyn MetricSink>) -> Self {
        Self { function, sink }
    }

    pub fn count(&self, name: &'static str) {
        self.sink.count(self.function, name, None);
    }

    pub fn count_by(&self, name: &'static str, dimension: &str, value: &str) {
        self.sink
            .count(self.function, name, Some((dimension, value)));
    }

    pub fn gauge(&self, name: &'static str, value: u64, unit: &'static str) {
        self.sink.gauge(self.function, name, value, unit);
    }
}

struct Off;

impl MetricSink for Off {
    fn count(&self, _: &'static str, _: &'static str, _: Option<(&str, &str)>) {}
    fn gauge(&self, _: &'static str, _: &'static str, _: u64, _: &'static str) {}
}

struct Emf {
    stderr: bool,
}

impl Emf {
    fn write(&self, line: &Value) {
        // One write per line: Lambda takes each stdout line as one log event.
        let _ = if self.stderr {
            writeln!(std::io::stderr().lock(), "{line}")
        } else {
            writeln!(std::io::stdout().lock(), "{line}")
        };
    }
}

fn now_ms() -> u128 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|since| since.as_millis())
        .unwrap_or_default()
}

impl MetricSink for Emf {
    fn count(&self, function: &'static str, name: &'static str, dimension: Option<(&str, &str)>) {
        self.write(&emf_line(function, name, dimension, now_ms()));
    }

    fn gauge(&self, function: &'static str, name: &'static str, value: u64, unit: &'static str) {
        self.write(&emf_value(function, name, None, (value, unit), now_ms()));
    }
}

/// One count as an EMF document.
pub fn emf_line(
    function: &str,
    name: &str,
    dimension: Option<(&str, &str)>,
    timestamp_ms: u128,
) -> Value {
    emf_value(function, name, dimension, (1, "Count"), timestamp_ms)
}

/// One value (and its unit) as an EMF document.
pub fn emf_value(
    function: &str,
    name: &str,
    dimension: Option<(&str, &str)>,
    (value, unit): (u64, &str),
    timestamp_ms: u128,
) -> Value {
    let mut dimensions = vec!["Function"];
    let mut document = Map::new();
    document.insert("Function".into(), json!(function));
    if let Some((key, value)) = dimension {
        dimensions.push(key);
        document.insert(key.into(), json!(value));
    }
    document.insert(name.into(), json!(value));
    document.insert(
        "_aws".into(),
        json!({
            "Timestamp": u64::try_from(timestamp_ms).unwrap_or(u64::MAX),
            "CloudWatchMetrics": [{
                "Namespace": NAMESPACE,
                "Dimensions": [dimensions],
                "Metrics": [{"Name": name, "Unit": unit}],
            }],
        }),
    );
    Value::Object(document)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_count_is_an_emf_document_cloudwatch_can_read() {
        let line = emf_line(
            "idenfy-callback",
            VERDICTS,
            Some(("Outcome", "VERIFIED")),
            1_795_704_197_000,
        );
        let directive = &line["_aws"]["CloudWatchMetrics"][0];
        assert_eq!(line["_aws"]["Timestamp"], 1_795_704_197_000u64);
        assert_eq!(directive["Namespace"], NAMESPACE);
        assert_eq!(directive["Dimensions"], json!([["Function", "Outcome"]]));
        assert_eq!(
            directive["Metrics"],
            json!([{"Name": "Verdicts", "Unit": "Count"}])
        );
        // Every dimension and metric named in the directive is a member of the document.
        assert_eq!(line["Function"], "idenfy-callback");
        assert_eq!(line["Outcome"], "VERIFIED");
        assert_eq!(line["Verdicts"], 1);
        for outcome in [
            pair_core::pair::Outcome::Verified,
            pair_core::pair::Outcome::RequiresReview,
            pair_core::pair::Outcome::Rejected,
            pair_core::pair::Outcome::Incomplete,
        ] {
            assert_eq!(json!(outcome), json!(outcome.as_str()));
        }
        let gauge = emf_value(
            "issue-tokens",
            IDENFY_DELETIONS_OLDEST_AGE,
            None,
            (90, "Seconds"),
            0,
        );
        assert_eq!(gauge[IDENFY_DELETIONS_OLDEST_AGE], 90);
        assert_eq!(
            gauge["_aws"]["CloudWatchMetrics"][0]["Metrics"],
            json!([{"Name": IDENFY_DELETIONS_OLDEST_AGE, "Unit": "Seconds"}])
        );
        let plain = emf_line("issue-tokens", PAIRS_ISSUED, None, 0);
        assert_eq!(
            plain["_aws"]["CloudWatchMetrics"][0]["Dimensions"],
            json!([["Function"]])
        );
    }
}
