//! The verdict through the real functions: a pair is decided by the permit policy it was
//! issued with, whatever the configuration says later, and a sample of the labelled corpus
//! (shared/app/corpus/verdicts.json) ends as labelled — issued, called back and read through
//! the issue-tokens and idenfy-callback handlers, on both stores.

use integration_tests::api::{answer, get, issue, review};
use integration_tests::callbacks::{call, handler, payload, sample_id_card, sample_permit, signed};
use integration_tests::stores::AnyStore;
use integration_tests::{IdenfyStub, T0, issue_tokens_config_with};
use issue_tokens::VerificationsApi;
use pair_app::corpus::Corpus;
use pair_core::clock::{Clock, ManualClock, Timestamp};
use serde_json::{Value, json};
use std::sync::Arc;
use std::time::Duration;
use wiremock::matchers::{body_partial_json, method, path};
use wiremock::{Mock, ResponseTemplate};

on_both_stores!(
    a_pair_is_decided_by_the_policy_it_was_issued_with,
    a_sample_of_the_corpus_ends_as_labelled,
    a_duplicate_of_another_client_goes_to_review_and_names_that_client,
);

/// The issue-tokens handler with these permit-policy variables, over `store` and the stub.
fn issuing(
    store: &Arc<dyn AnyStore>,
    stub: &IdenfyStub,
    clock: &Arc<ManualClock>,
    permit: &[(&'static str, &str)],
) -> VerificationsApi {
    VerificationsApi::build(
        issue_tokens_config_with(&stub.uri(), permit),
        integration_tests::api_ports(
            store.clone(),
            Arc::new(pair_adapters::store::MemoryLedger::new()),
            pair_core::ports::idenfy::IdenfyPorts::of(Arc::new(stub.client())),
            clock.clone(),
        ),
    )
}

/// Issues a pair through the handler: its identity and document scanRefs.
async fn issued(handler: &VerificationsApi, body: Value) -> (String, String) {
    let (status, answer) = answer(handler, issue(&body)).await;
    assert_eq!(status, 201, "{answer}");
    let scan_ref = |field: &str| answer[field].as_str().expect(field).to_owned();
    (scan_ref("identityScanRef"), scan_ref("documentScanRef"))
}

/// Both sessions' final results through the callback handler, signed.
async fn called_back(store: &Arc<dyn AnyStore>, clock: &Arc<ManualClock>, bodies: [Value; 2]) {
    let callbacks = handler(store.clone(), clock.clone());
    for body in bodies {
        let (status, answer) = call(&callbacks, signed(&body.to_string(), "IDENTIFICATION")).await;
        assert_eq!(
            (status, &answer["result"]),
            (200, &json!("STORED")),
            "{answer}"
        );
    }
}

async fn a_pair_is_decided_by_the_policy_it_was_issued_with(
    store: Arc<dyn AnyStore>,
    _: crate::Requests,
) {
    let stub = IdenfyStub::minting().await;
    let clock = Arc::new(ManualClock::at(T0));
    // Issued while the site accepts Austrian permits valid 30 days more.
    let before = issuing(
        &store,
        &stub,
        &clock,
        &[
            ("PERMIT_ISSUING_COUNTRIES", "AT"),
            ("PERMIT_MIN_VALID_DAYS", "30"),
        ],
    );
    let first = issued(&before, json!({"clientId": "USER_POLICY_1"})).await;
    // The configuration changes: German permits only.
    let after = issuing(&store, &stub, &clock, &[("PERMIT_ISSUING_COUNTRIES", "DE")]);
    let second = issued(&after, json!({"clientId": "USER_POLICY_2"})).await;
    // Additional-step mode extracts nothing from the permit: the policy is kept for the reviewer.
    let (status, step) = answer(
        &after,
        issue(&json!({
            "clientId": "USER_POLICY_3", "mode": "additionalStep",
            "permit": {"issuingCountries": ["FR", "BE"]}
        })),
    )
    .await;
    assert_eq!(status, 201, "{step}");
    let (_, step) = answer(&after, get("USER_POLICY_3", "")).await;
    assert_eq!(
        step["permitPolicy"],
        json!({"issuingCountries": ["FR", "BE"], "minValidDays": 0})
    );
    // The document token preselects the one accepted country; an identity token none.
    // (Both tokens of a pair are asked for at once: compared by type, pairs in order.)
    let tokens = stub.token_requests().await;
    let countries = |kind: &str| -> Vec<&Value> {
        tokens
            .iter()
            .filter(|t| t["tokenType"] == kind)
            .map(|t| &t["country"])
            .collect()
    };
    assert_eq!(countries("DOCUMENT"), vec![&json!("AT"), &json!("DE")]);
    assert_eq!(
        countries("IDENTIFICATION"),
        vec![&Value::Null, &Value::Null, &Value::Null]
    );

    // Both people hold an Austrian permit.
    clock.advance(Duration::from_secs(3600));
    for (client_id, (identity, document)) in [("USER_POLICY_1", &first), ("USER_POLICY_2", &second)]
    {
        let mut permit = payload(client_id, document, true, &sample_permit());
        permit["data"]["docIssuingCountry"] = json!("AT");
        let id_card = payload(client_id, identity, true, &sample_id_card());
        called_back(&store, &clock, [id_card, permit]).await;
    }

    let (status, first) = answer(&after, get("USER_POLICY_1", "")).await;
    assert_eq!(status, 200);
    assert_eq!(
        (&first["status"], &first["reasons"], &first["permitPolicy"]),
        (
            &json!("VERIFIED"),
            &json!([]),
            &json!({"issuingCountries": ["AT"], "minValidDays": 30})
        ),
        "the first pair keeps the policy it was issued with: {first}"
    );
    let (_, second) = answer(&after, get("USER_POLICY_2", "")).await;
    assert_eq!(
        (
            &second["status"],
            &second["reasons"],
            &second["permitPolicy"]
        ),
        (
            &json!("REQUIRES_REVIEW"),
            &json!(["PERMIT_COUNTRY_NOT_ACCEPTED"]),
            &json!({"issuingCountries": ["DE"], "minValidDays": 0})
        ),
        "{second}"
    );
}

async fn a_sample_of_the_corpus_ends_as_labelled(store: Arc<dyn AnyStore>, _: crate::Requests) {
    let corpus = Corpus::load().expect("the corpus loads");
    let decided_at = corpus.decision_time().expect("a decision day");
    let stub = IdenfyStub::minting().await;
    // Issued an hour before the decision day's noon, called back at it.
    let clock = Arc::new(ManualClock::at(Timestamp::from_unix_seconds(
        decided_at.unix_seconds() - 3600,
    )));
    let handler = issuing(&store, &stub, &clock, &[]);
    // Every seventh case: each kind of case is in it (the corpus is ordered by kind).
    let sample: Vec<_> = corpus.cases.iter().step_by(7).collect();
    assert!(sample.len() >= 20);
    let mut pairs = Vec::new();
    for (n, case) in sample.iter().enumerate() {
        let client_id = format!("CORPUS_{n:03}");
        let mut request = json!({"clientId": client_id});
        if let Some(policy) = &case.policy {
            request["permit"] = json!({
                "issuingCountries": policy.issuing_countries,
                "minValidDays": policy.min_valid_days,
            });
            // An empty list is the default's "any", which a request cannot name.
            if policy.issuing_countries.is_empty() {
                request["permit"]
                    .as_object_mut()
                    .map(|p| p.remove("issuingCountries"));
            }
        }
        pairs.push((client_id.clone(), issued(&handler, request).await));
    }
    clock.advance(Duration::from_secs(3600));
    assert_eq!(clock.now(), decided_at);
    let mut wrong = Vec::new();
    for (case, (client_id, (identity, document))) in sample.iter().zip(&pairs) {
        let (id_body, permit_body) = case.bodies(&corpus, client_id, identity, document);
        called_back(&store, &clock, [id_body, permit_body]).await;
        let (status, answer) = answer(&handler, get(client_id, "")).await;
        assert_eq!(status, 200, "{answer}");
        let expected = json!({"status": case.expect.status, "reasons": case.expect.reasons});
        let got = json!({"status": answer["status"], "reasons": answer["reasons"]});
        if got != expected {
            wrong.push(format!("{}: expected {expected}, got {got}", case.id));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

/// The evidence shows the rules as the verdict applied them: judged on the day the rules
/// decided, not on the day a reviewer decided later (by then the permit may have expired).
#[tokio::test]
async fn the_evidence_shows_the_rules_as_they_were_judged() {
    let store: Arc<dyn AnyStore> = Arc::new(pair_adapters::store::MemoryStore::new());
    let stub = IdenfyStub::minting().await;
    stub.mount_files().await;
    let clock = Arc::new(ManualClock::at(T0));
    let handler = issuing(&store, &stub, &clock, &[]);
    let (identity, document) = issued(&handler, json!({"clientId": "USER_JUDGED"})).await;
    clock.advance(Duration::from_secs(3600));
    // The permit expires ten days after the decision; its first name differs: review.
    let mut permit = payload("USER_JUDGED", &document, true, &sample_permit());
    permit["data"]["docFirstName"] = json!("JON");
    permit["data"]["docExpiry"] = json!("2026-12-06");
    let id_card = payload("USER_JUDGED", &identity, true, &sample_id_card());
    called_back(&store, &clock, [id_card, permit]).await;
    let (_, before) = answer(&handler, get("USER_JUDGED", "/evidence")).await;
    assert_eq!(before["status"], "REQUIRES_REVIEW", "{before}");
    assert_eq!(before["judgedOn"], "2026-11-26");
    let permit_expiry = |evidence: &Value| {
        evidence["checks"]
            .as_array()
            .and_then(|checks| {
                checks
                    .iter()
                    .find(|c| c["rule"] == "PERMIT_EXPIRY")
                    .cloned()
            })
            .unwrap_or(Value::Null)
    };
    assert_eq!(
        permit_expiry(&before),
        json!({"rule": "PERMIT_EXPIRY", "identity": null, "permit": "2026-12-06", "finding": "PASS"})
    );
    // A reviewer approves three weeks later, when the permit has expired.
    clock.advance(Duration::from_secs(21 * 86_400));
    let approval = json!({"decision": "VERIFIED", "pairId": before["pairId"],
                          "verdictVersion": 1});
    let (status, reviewed) = answer(&handler, review("USER_JUDGED", &approval)).await;
    assert_eq!(status, 200, "{reviewed}");
    let (_, after) = answer(&handler, get("USER_JUDGED", "/evidence")).await;
    assert_eq!(after["status"], "VERIFIED");
    assert_eq!(
        after["judgedOn"], "2026-11-26",
        "the rules' day, not the reviewer's"
    );
    assert_eq!(permit_expiry(&after), permit_expiry(&before));
}

/// iDenfy's status endpoint answering that `scan_ref` belongs to `client_id`.
async fn mount_owner(stub: &IdenfyStub, scan_ref: &str, client_id: &str) {
    Mock::given(method("POST"))
        .and(path("/api/v2/status"))
        .and(body_partial_json(json!({"scanRef": scan_ref})))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "status": "APPROVED", "scanRef": scan_ref, "clientId": client_id,
            "autoDocument": "DOC_VALIDATED", "autoFace": "FACE_MATCH"
        })))
        .mount(&stub.server)
        .await;
}

/// One person, two accounts: the second account's APPROVED selfie carries DUPLICATE_FACE,
/// naming the first account's identity session (and one iDenfy holds for a clientId this
/// deployment never saw). Never VERIFIED; the reviewer's evidence names the first account,
/// and only it.
async fn a_duplicate_of_another_client_goes_to_review_and_names_that_client(
    store: Arc<dyn AnyStore>,
    _: crate::Requests,
) {
    let stub = IdenfyStub::minting().await;
    stub.mount_files().await;
    let clock = Arc::new(ManualClock::at(T0));
    let handler = issuing(&store, &stub, &clock, &[]);
    let (first_identity, first_document) =
        issued(&handler, json!({"clientId": "ACCOUNT_ONE"})).await;
    let (second_identity, second_document) =
        issued(&handler, json!({"clientId": "ACCOUNT_TWO"})).await;
    mount_owner(&stub, &first_identity, "ACCOUNT_ONE").await;
    mount_owner(&stub, "scan-of-another-integration", "NOT_OURS").await;

    clock.advance(Duration::from_secs(3600));
    called_back(
        &store,
        &clock,
        [
            payload("ACCOUNT_ONE", &first_identity, true, &sample_id_card()),
            payload("ACCOUNT_ONE", &first_document, true, &sample_permit()),
        ],
    )
    .await;
    let mut duplicate = payload("ACCOUNT_TWO", &second_identity, true, &sample_id_card());
    duplicate["status"]["fraudTags"] = json!(["DUPLICATE_FACE"]);
    duplicate["data"]["duplicateFaces"] = json!([first_identity, "scan-of-another-integration"]);
    called_back(
        &store,
        &clock,
        [
            duplicate,
            payload("ACCOUNT_TWO", &second_document, true, &sample_permit()),
        ],
    )
    .await;

    let (_, first) = answer(&handler, get("ACCOUNT_ONE", "")).await;
    assert_eq!(first["status"], "VERIFIED", "{first}");
    let (_, second) = answer(&handler, get("ACCOUNT_TWO", "")).await;
    assert_eq!(
        (&second["status"], &second["reasons"]),
        (
            &json!("REQUIRES_REVIEW"),
            &json!(["DUPLICATE_OF_ANOTHER_CLIENT"])
        ),
        "APPROVED, and still not verified: {second}"
    );
    let (status, evidence) = answer(&handler, get("ACCOUNT_TWO", "/evidence")).await;
    assert_eq!(status, 200, "{evidence}");
    assert_eq!(
        evidence["duplicates"],
        json!([
            {"scanRef": first_identity, "flaggedBy": "identity", "clientId": "ACCOUNT_ONE"},
            {"scanRef": "scan-of-another-integration", "flaggedBy": "identity", "clientId": null},
        ]),
        "{evidence}"
    );
    let rule = evidence["checks"]
        .as_array()
        .and_then(|checks| checks.iter().find(|c| c["rule"] == "DUPLICATES"))
        .cloned()
        .unwrap_or(Value::Null);
    assert_eq!(
        (&rule["finding"], &rule["reason"], &rule["identity"]),
        (
            &json!("FAIL"),
            &json!("DUPLICATE_OF_ANOTHER_CLIENT"),
            &json!(format!(
                "DUPLICATE_FACE,{first_identity},scan-of-another-integration"
            ))
        ),
        "{rule}"
    );
}
