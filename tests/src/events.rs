//! What each sample event in `events/` answers — one table per function, used by the suite
//! (handlers in process) and by the `sam local` test (the built functions in containers).

use serde_json::{Value, json};
use std::path::PathBuf;

/// `events/<function>/`.
pub fn dir(function: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../events")
        .join(function)
}

/// The sample events of `function`, by file name without `.json`, sorted.
pub fn names(function: &str) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir(function))
        .unwrap_or_else(|e| panic!("events/{function}: {e}"))
        .filter_map(|entry| {
            let path = entry.ok()?.path();
            (path.extension()? == "json")
                .then(|| path.file_stem()?.to_str().map(str::to_owned))
                .flatten()
        })
        .collect();
    names.sort();
    names
}

/// An event's text.
pub fn text(function: &str, name: &str) -> String {
    std::fs::read_to_string(dir(function).join(format!("{name}.json")))
        .unwrap_or_else(|e| panic!("events/{function}/{name}.json: {e}"))
}

/// Expected status and, for errors, the error code and the fields named.
pub fn issue_tokens(name: &str) -> (u16, Option<&'static str>, &'static [&'static str]) {
    match name {
        "issue-valid" | "issue-base64-body" | "issue-restart" | "issue-additional-step" => {
            (201, None, &[])
        }
        "issue-invalid-mode" => (400, Some("VALIDATION_FAILED"), &["mode"]),
        "issue-missing-client-id" => (400, Some("VALIDATION_FAILED"), &["clientId"]),
        "issue-invalid-client-id" | "issue-client-id-not-path-safe" => {
            (400, Some("VALIDATION_FAILED"), &["clientId"])
        }
        "issue-invalid-first-name" => (400, Some("VALIDATION_FAILED"), &["firstName"]),
        "issue-invalid-date-of-birth" => (400, Some("VALIDATION_FAILED"), &["dateOfBirth"]),
        "issue-invalid-locale" => (400, Some("VALIDATION_FAILED"), &["locale"]),
        "issue-invalid-restart" => (400, Some("VALIDATION_FAILED"), &["restart"]),
        "issue-unknown-field" => (400, Some("VALIDATION_FAILED"), &["tokenType"]),
        "issue-url-not-https" => (400, Some("VALIDATION_FAILED"), &["successUrl"]),
        "issue-url-outside-allowed-origins" => (400, Some("VALIDATION_FAILED"), &["errorUrl"]),
        "issue-malformed-json" => (400, Some("MALFORMED_JSON"), &[]),
        "issue-not-json" => (415, Some("UNSUPPORTED_MEDIA_TYPE"), &[]),
        "status-found" | "status-evidence" => (200, None, &[]),
        "review-invalid" => (400, Some("VALIDATION_FAILED"), &["decision"]),
        // The reviewer is the JWT's subject: a body may not name one.
        "review-reviewer-in-body" => (400, Some("VALIDATION_FAILED"), &["reviewer"]),
        // No authorizer's caller: nobody to record as the reviewer.
        "review-anonymous" => (401, Some("UNAUTHENTICATED"), &[]),
        // USER_30001's pair is another than the one the review names.
        "review-other-pair" => (409, Some("PAIR_REPLACED"), &[]),
        "review-unknown-client" => (404, Some("UNKNOWN_CLIENT_ID"), &[]),
        "status-not-found" => (404, Some("UNKNOWN_CLIENT_ID"), &[]),
        // USER_30001's pair is not decided: nothing to renew, and no iDenfy call.
        "renew-undecided" => (409, Some("RENEWAL_NOT_POSSIBLE"), &[]),
        "renew-unknown-client" => (404, Some("UNKNOWN_CLIENT_ID"), &[]),
        // An eraser's token, for a clientId never issued.
        "erase-unknown-client" => (404, Some("UNKNOWN_CLIENT_ID"), &[]),
        // A continuation whose signature is not ours: to the site's error page, never iDenfy.
        "continue-forged" => (302, None, &[]),
        // The reviewers' queue: the sample pair is pending, so nothing waits; a cursor we did
        // not seal and a status that is no queue are the caller's mistakes.
        "queue-list" => (200, None, &[]),
        "queue-forged-cursor" => (400, Some("INVALID_CURSOR"), &[]),
        "queue-unknown-status" => (400, Some("VALIDATION_FAILED"), &["status"]),
        // USER_30001's pair is pending: nothing to claim.
        "claim-undecided" => (409, Some("NOT_AWAITING_REVIEW"), &[]),
        // What the template's schedules send: nothing waits for iDenfy or a reviewer, nothing
        // is due.
        "erasure-retries" | "expiry-watch" | "review-queue" => (200, None, &[]),
        other => {
            panic!("events/issue-tokens/{other}.json has no expectation in tests/src/events.rs")
        }
    }
}

pub fn idenfy_callback(name: &str) -> (u16, Value) {
    match name {
        "identity-final" | "identity-revised-denied" => (
            200,
            json!({"result": "STORED", "role": "identity", "decided": false}),
        ),
        "identity-preliminary" => (
            200,
            json!({"result": "STORED", "role": "identity", "decided": false}),
        ),
        "document-final"
        | "document-final-base64"
        | "document-expired-with-result"
        | "document-permit-expired"
        | "document-permit-wrong-country"
        | "document-portrait-substituted" => (
            200,
            json!({"result": "STORED", "role": "document", "decided": false}),
        ),
        "unknown-scan-ref" => (
            200,
            json!({"result": "IGNORED", "reason": "SCAN_REF_NOT_IN_PAIR"}),
        ),
        // iDenfy's document-expiration notice for the pending sample pair's permit: recorded,
        // nothing to tell the site before a verdict.
        "document-expiration" => (
            200,
            json!({"result": "NOTED", "role": "document", "alerted": null}),
        ),
        "bad-signature" => (401, json!("BAD_SIGNATURE")),
        "not-a-result" => (200, json!({"result": "IGNORED", "reason": "NO_CLIENT_ID"})),
        "additional-step-preliminary" => (
            200,
            json!({"result": "STORED", "role": "identity", "decided": false}),
        ),
        "additional-step-image"
        | "additional-step-pdf"
        | "additional-step-missing"
        | "additional-step-denied" => (
            200,
            json!({"result": "STORED", "role": "identity", "decided": true}),
        ),
        other => {
            panic!("events/idenfy-callback/{other}.json has no expectation in tests/src/events.rs")
        }
    }
}

/// The Standard Webhooks message type a notifier event sends, or `None` when it is no decision.
pub fn notify_decisions(name: &str) -> Option<&'static str> {
    match name {
        "decided" => Some("verification.decided"),
        "revised" => Some("verification.revised"),
        "not-a-decision" => None,
        other => {
            panic!("events/notify-decisions/{other}.json has no expectation in tests/src/events.rs")
        }
    }
}
