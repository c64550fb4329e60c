//! Separation of duties on moto_server, with API Gateway v2 events as the deployed API sends
//! them — `requestContext.authorizer` with JWT claims or an IAM caller, parsed by
//! `lambda_http` — through the issue-tokens handler: the reviewer recorded is the token's
//! subject (or the IAM caller's ARN), a body naming a reviewer is refused, a review replayed
//! after iDenfy revised the result gets 409, and each evidence read leaves a log line naming
//! who read what (ids only). Which token reaches which route is API Gateway's (the template
//! tests hold the routes' scopes apart) and, in JWT mode, the function's too.

use integration_tests::callbacks::{
    STEP_EVENTS_CLIENT_ID, STEP_EVENTS_PAIR_ID, call, callback_clock, handler as callback_handler,
    step_events_record,
};
use integration_tests::logs::Capture;
use integration_tests::{IdenfyStub, events, issue_tokens_handler, moto_table};
use pair_core::ports::store::{Expected, PairReader, SeedStore};
use serde_json::{Value, json};
use std::sync::Arc;
use tracing::Level;

const REVIEWER_SUB: &str = "7f3c2a10-reviewer-sub";
const IAM_REVIEWER: &str = "arn:aws:sts::123456789012:assumed-role/Reviewers/ana";

fn jwt(subject: &str, scope: &str) -> Value {
    json!({"jwt": {
        "claims": {"iss": "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_EXAMPLE",
                   "sub": subject, "token_use": "access", "scope": scope},
        "scopes": [scope],
    }})
}

fn iam(user_arn: &str) -> Value {
    json!({"iam": {"accessKey": "ASIAEXAMPLE", "accountId": "123456789012",
                   "callerId": "AROAEXAMPLE:ana", "principalOrgId": null,
                   "userArn": user_arn, "userId": "AROAEXAMPLE:ana"}})
}

/// A sample event of issue-tokens re-aimed at the step pair, as API Gateway would deliver it.
fn event(
    sample: &str,
    suffix: &str,
    authorizer: Value,
    body: Option<Value>,
) -> lambda_http::Request {
    let mut event: Value =
        serde_json::from_str(&events::text("issue-tokens", sample)).expect("a JSON event");
    let path = format!("/verifications/{STEP_EVENTS_CLIENT_ID}{suffix}");
    event["rawPath"] = json!(path);
    event["requestContext"]["http"]["path"] = json!(path);
    event["pathParameters"]["clientId"] = json!(STEP_EVENTS_CLIENT_ID);
    event["requestContext"]["authorizer"] = authorizer;
    if let Some(body) = body {
        let text = body.to_string();
        event["headers"]["content-length"] = json!(text.len().to_string());
        event["body"] = json!(text);
    }
    lambda_http::request::from_str(&event.to_string()).expect("an HTTP API event")
}

fn review_body(decision: &str, version: u32) -> Value {
    json!({"decision": decision, "pairId": STEP_EVENTS_PAIR_ID, "verdictVersion": version,
           "note": "permit checked"})
}

async fn answer(
    handler: &issue_tokens::VerificationsApi,
    request: lambda_http::Request,
) -> (u16, Value) {
    integration_tests::api::answer(handler, request).await
}

#[tokio::test]
async fn the_reviewer_is_the_authenticated_caller_and_a_stale_review_is_refused() {
    let table = moto_table().await;
    let store = Arc::new(table.store.clone());
    store
        .save(&step_events_record(), Expected::Absent)
        .await
        .expect("seeded");
    let callbacks = callback_handler(store.clone(), callback_clock());
    let deliver = async |name: &str| {
        let request =
            lambda_http::request::from_str(&events::text("idenfy-callback", name)).expect("event");
        let (status, answer) = call(&callbacks, request).await;
        assert_eq!(status, 200, "{name}: {answer}");
    };
    deliver("additional-step-image").await;
    let stub = IdenfyStub::bare().await;
    stub.mount_files().await;
    let issuing = issue_tokens_handler(store.clone(), Arc::new(stub.client()), callback_clock());
    let status = async || {
        answer(&issuing, event("status-found", "", iam(IAM_REVIEWER), None))
            .await
            .1
    };
    // Who reviewed, and the note, are the reviewer duty's to read: the evidence.
    let evidence = async || {
        answer(
            &issuing,
            event("status-evidence", "/evidence", iam(IAM_REVIEWER), None),
        )
        .await
        .1
    };
    assert_eq!(status().await["verdictVersion"], 1);

    // A body naming a reviewer: refused, whoever it names; nothing recorded.
    let mut naming = review_body("VERIFIED", 1);
    naming["reviewer"] = json!("someone-else");
    let (code, refused) = answer(
        &issuing,
        event(
            "review-other-pair",
            "/review",
            jwt(REVIEWER_SUB, "idenfy-pair/review"),
            Some(naming),
        ),
    )
    .await;
    assert_eq!(code, 400, "{refused}");
    assert_eq!(refused["fieldErrors"][0]["field"], "reviewer");
    assert_eq!(refused["fieldErrors"][0]["code"], "NOT_ALLOWED");
    // No authorizer's caller: refused too.
    let (code, _) = answer(
        &issuing,
        event(
            "review-other-pair",
            "/review",
            Value::Null,
            Some(review_body("REJECTED", 1)),
        ),
    )
    .await;
    assert_eq!(code, 401);
    assert_eq!(status().await["verdictVersion"], 1);

    // A JWT's subject is the reviewer recorded.
    let jwt_review = || {
        event(
            "review-other-pair",
            "/review",
            jwt(REVIEWER_SUB, "idenfy-pair/review"),
            Some(review_body("REJECTED", 1)),
        )
    };
    let (code, reviewed) = answer(&issuing, jwt_review()).await;
    assert_eq!(code, 200, "{reviewed}");
    let shown = status().await;
    assert_eq!(shown["status"], "REJECTED");
    assert_eq!(
        shown.get("review"),
        None,
        "the issuer's status names no reviewer: {shown}"
    );
    assert_eq!(evidence().await["review"]["reviewer"], REVIEWER_SUB);

    // iDenfy revises the result (more lenient than the rejection: back to a person); the same
    // review replayed is about a verdict that is gone.
    deliver("additional-step-missing").await;
    let shown = status().await;
    assert_eq!(
        (&shown["status"], &shown["verdictVersion"]),
        (&json!("REQUIRES_REVIEW"), &json!(3)),
        "{shown}"
    );
    let (code, stale) = answer(&issuing, jwt_review()).await;
    assert_eq!(
        (code, stale["code"].as_str()),
        (409, Some("VERDICT_CHANGED")),
        "{stale}"
    );
    assert_eq!(status().await["verdictVersion"], 3);

    // In IAM mode the caller's ARN is the reviewer; the evidence read is logged with it.
    let capture = Capture::start(Level::INFO);
    let (code, read_once) = answer(
        &issuing,
        event("status-evidence", "/evidence", iam(IAM_REVIEWER), None),
    )
    .await;
    let logs = capture.text();
    drop(capture);
    assert_eq!(code, 200, "{read_once}");
    let read = logs
        .lines()
        .find(|line| line.contains("evidence read"))
        .unwrap_or_else(|| panic!("no evidence-read line in {logs}"));
    for id in [IAM_REVIEWER, STEP_EVENTS_CLIENT_ID, STEP_EVENTS_PAIR_ID] {
        assert!(read.contains(id), "{id} in {read}");
    }
    let (code, reviewed) = answer(
        &issuing,
        event(
            "review-other-pair",
            "/review",
            iam(IAM_REVIEWER),
            Some(review_body("VERIFIED", 3)),
        ),
    )
    .await;
    assert_eq!(code, 200, "{reviewed}");
    assert_eq!(evidence().await["review"]["reviewer"], IAM_REVIEWER);
    table
        .store
        .delete_table()
        .await
        .expect("dropping the test table");
}

/// In JWT mode the function checks each route's duty itself, as deployed events reach it: a
/// token holding another duty's scope is refused (403 naming the duty) and changes nothing in
/// the table; one without a JWT at all (a misrouted or directly invoked event) is 401; the
/// duty's own scope passes.
#[tokio::test]
async fn in_jwt_mode_the_function_refuses_a_token_of_another_duty_on_every_route() {
    let table = moto_table().await;
    let store = Arc::new(table.store.clone());
    store
        .save(&step_events_record(), Expected::Absent)
        .await
        .expect("seeded");
    let callbacks = callback_handler(store.clone(), callback_clock());
    let request =
        lambda_http::request::from_str(&events::text("idenfy-callback", "additional-step-image"))
            .expect("event");
    assert_eq!(call(&callbacks, request).await.0, 200);
    let stub = IdenfyStub::bare().await;
    stub.mount_files().await;
    let config = integration_tests::issue_tokens_config_with(
        &stub.uri(),
        &[
            ("API_AUTHORIZATION", "JWT"),
            ("ISSUER_SCOPES", "idenfy-pair/verifications"),
            ("REVIEWER_SCOPES", "idenfy-pair/review"),
            ("ERASURE_SCOPES", "idenfy-pair/erase"),
        ],
    );
    let issuing = issue_tokens::VerificationsApi::build(
        config,
        integration_tests::api_ports(
            store.clone(),
            Arc::new(pair_adapters::store::MemoryLedger::new()),
            pair_core::ports::idenfy::IdenfyPorts::of(Arc::new(stub.client())),
            callback_clock(),
        ),
    );
    let issuer = || jwt("site-backend", "idenfy-pair/verifications");
    let reviewer = || jwt(REVIEWER_SUB, "idenfy-pair/review");
    let eraser = || jwt("dpo-1", "idenfy-pair/erase");
    let erase = |authorizer: Value| {
        let mut event: Value =
            serde_json::from_str(&events::text("issue-tokens", "erase-unknown-client"))
                .expect("a JSON event");
        let path = format!("/verifications/{STEP_EVENTS_CLIENT_ID}");
        event["rawPath"] = json!(path);
        event["requestContext"]["http"]["path"] = json!(path);
        event["pathParameters"]["clientId"] = json!(STEP_EVENTS_CLIENT_ID);
        event["requestContext"]["authorizer"] = authorizer;
        lambda_http::request::from_str(&event.to_string()).expect("an HTTP API event")
    };
    let record = async || {
        store
            .load(&pair_core::pair::ClientId::parse(STEP_EVENTS_CLIENT_ID).expect("an id"))
            .await
            .expect("readable")
            .expect("a record")
    };
    let before = record().await;
    let refused = [
        (
            "review",
            event(
                "review-other-pair",
                "/review",
                issuer(),
                Some(review_body("VERIFIED", 1)),
            ),
            "reviewer",
        ),
        (
            "evidence",
            event("status-evidence", "/evidence", eraser(), None),
            "reviewer",
        ),
        ("erase", erase(reviewer()), "eraser"),
        (
            "status",
            event("status-found", "", reviewer(), None),
            "issuer",
        ),
    ];
    for (route, request, duty) in refused {
        let (code, body) = answer(&issuing, request).await;
        assert_eq!(
            (code, body["code"].as_str(), body["duty"].as_str()),
            (403, Some("FORBIDDEN"), Some(duty)),
            "{route}: {body}"
        );
    }
    assert_eq!(record().await, before, "nothing written by a refused duty");
    // No JWT at all: an IAM caller, or none, reaching a JWT deployment's function.
    for authorizer in [iam(IAM_REVIEWER), Value::Null] {
        let (code, _) = answer(
            &issuing,
            event(
                "review-other-pair",
                "/review",
                authorizer,
                Some(review_body("VERIFIED", 1)),
            ),
        )
        .await;
        assert_eq!(code, 401);
    }
    assert_eq!(record().await, before);
    // Each duty's own scope passes.
    let (code, body) = answer(&issuing, event("status-found", "", issuer(), None)).await;
    assert_eq!(code, 200, "{body}");
    let (code, body) = answer(
        &issuing,
        event(
            "review-other-pair",
            "/review",
            reviewer(),
            Some(review_body("VERIFIED", 1)),
        ),
    )
    .await;
    assert_eq!(code, 200, "{body}");
    let (code, body) = answer(&issuing, erase(eraser())).await;
    assert!(code == 200 || code == 202, "{code} {body}");
    table.store.delete_table().await.expect("dropped");
}
