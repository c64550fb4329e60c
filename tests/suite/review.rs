//! A reviewer's decision and the evidence it rests on, through the issue-tokens handler, on both
//! stores: an additional-step pair that ends REQUIRES_REVIEW (the sample permit-upload event)
//! is approved or rejected once, refused on any other state or a stale pair, decided again
//! fail-safe when iDenfy revises a result afterwards; two reviewers at once record one
//! decision; the evidence comes from iDenfy at request time and never reaches a log; the
//! site is told of the decision like any other.

use async_trait::async_trait;
use integration_tests::callbacks::{
    EVENTS_CLIENT_ID, EVENTS_DOCUMENT_SCAN_REF, EVENTS_IDENTITY_SCAN_REF, STEP_EVENTS_CLIENT_ID,
    STEP_EVENTS_PAIR_ID, STEP_EVENTS_SCAN_REF, call, callback_clock, events_record, handler,
    step_events_record,
};
use integration_tests::logs::Capture;
use integration_tests::stores::AnyStore;
use integration_tests::{IdenfyStub, api, issue_tokens_handler, stub_file_link};
use issue_tokens::IssueTokens;
use lambda_http::Body;
use serde_json::{Value, json};
use shared::idenfy::{FileLinks, IdenfyError, SessionFiles};
use shared::pair::machine::ReviewRequest;
use shared::pair::{ClientId, Outcome, PairRecord, Reason, Role};
use shared::review::{ReviewError, ReviewService};
use shared::store::{
    Decision, Expected, MemoryStore, PairReader, ReviewStore, SeedStore, StoreError, VerdictStore,
};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};
use tokio::sync::Barrier;
use tracing::Level;
use wiremock::matchers::{method, path};
use wiremock::{Mock, ResponseTemplate};

use crate::Requests;

on_both_stores!(
    a_reviewer_decides_once_and_the_history_keeps_it,
    reviews_are_refused_on_other_states_and_stale_pairs,
    two_reviewers_at_once_record_one_decision,
    a_revision_landing_during_a_review_is_not_what_it_decides,
    a_stricter_revision_after_a_manual_approval_stands,
    a_lenient_revision_after_a_manual_rejection_goes_back_to_a_person,
);

const REVIEWER: &str = api::REVIEWER_SUBJECT;
const NOTE: &str = "permit matches the ID card";

fn callback_event(name: &str) -> lambda_http::Request {
    lambda_http::request::from_str(&integration_tests::events::text("idenfy-callback", name))
        .unwrap_or_else(|e| panic!("{name}: not an HTTP API event: {e}"))
}

/// The sample additional-step pair after its permit-upload final: REQUIRES_REVIEW
/// `PERMIT_NEEDS_MANUAL_REVIEW`, verdict 1. Returns the issue-tokens handler over `store`.
async fn awaiting_review(store: Arc<dyn AnyStore>, stub: &IdenfyStub) -> IssueTokens {
    store
        .save(&step_events_record(), Expected::Absent)
        .await
        .expect("seeded");
    deliver(store.clone(), "additional-step-image").await;
    let handler = issue_tokens_handler(store, Arc::new(stub.client()), callback_clock());
    let (status, shown) = get(&handler, "").await;
    assert_eq!(status, 200, "{shown}");
    assert_eq!(
        (
            &shown["status"],
            &shown["reasons"],
            &shown["verdictVersion"]
        ),
        (
            &json!("REQUIRES_REVIEW"),
            &json!(["PERMIT_NEEDS_MANUAL_REVIEW"]),
            &json!(1)
        )
    );
    assert_eq!(shown["pairId"], STEP_EVENTS_PAIR_ID);
    handler
}

/// One sample callback event through the callback handler: stored and decided.
async fn deliver(store: Arc<dyn AnyStore>, name: &str) -> Value {
    let callbacks = handler(store, callback_clock());
    let (status, answer) = call(&callbacks, callback_event(name)).await;
    assert_eq!(status, 200, "{name}: {answer}");
    answer
}

async fn get(handler: &IssueTokens, suffix: &str) -> (u16, Value) {
    api::answer(handler, api::get(STEP_EVENTS_CLIENT_ID, suffix)).await
}

async fn review(handler: &IssueTokens, body: &Value) -> (u16, Value) {
    api::answer(handler, api::review(STEP_EVENTS_CLIENT_ID, body)).await
}

fn approval() -> Value {
    json!({
        "decision": "VERIFIED",
        "note": NOTE,
        "pairId": STEP_EVENTS_PAIR_ID,
        "verdictVersion": 1,
    })
}

async fn stored(store: &dyn AnyStore) -> PairRecord {
    store
        .load(&ClientId::parse(STEP_EVENTS_CLIENT_ID).expect("an id"))
        .await
        .expect("readable")
        .expect("a record")
}

async fn a_reviewer_decides_once_and_the_history_keeps_it(store: Arc<dyn AnyStore>, _: Requests) {
    let stub = IdenfyStub::bare().await;
    let handler = awaiting_review(store.clone(), &stub).await;

    let (status, decided) = review(&handler, &approval()).await;
    assert_eq!(status, 200, "{decided}");
    assert_eq!(decided["clientId"], STEP_EVENTS_CLIENT_ID);
    assert_eq!(decided["pairId"], STEP_EVENTS_PAIR_ID);
    assert_eq!(decided["status"], "VERIFIED");
    assert_eq!(decided["reasons"], json!(["MANUAL_REVIEW"]));
    assert_eq!(decided["version"], 2);
    assert_eq!(
        decided["review"],
        json!({"reviewer": REVIEWER, "note": NOTE})
    );

    // A retry of the same request: the same answer, nothing written.
    let before = stored(store.as_ref()).await.version;
    let (status, again) = review(&handler, &approval()).await;
    assert_eq!((status, &again), (200, &decided));
    assert_eq!(stored(store.as_ref()).await.version, before);

    // The audit trail: the decision with who and when, the verdict it replaced kept.
    let (_, shown) = get(&handler, "").await;
    assert_eq!(shown["status"], "VERIFIED");
    assert_eq!(shown["verdictVersion"], 2);
    assert_eq!(shown["review"], json!({"reviewer": REVIEWER, "note": NOTE}));
    assert_eq!(shown["decidedAt"], decided["decidedAt"]);
    let earlier = &shown["earlierVerdicts"];
    assert_eq!(earlier.as_array().map(Vec::len), Some(1), "{shown}");
    assert_eq!(earlier[0]["status"], "REQUIRES_REVIEW");
    assert_eq!(earlier[0]["reasons"], json!(["PERMIT_NEEDS_MANUAL_REVIEW"]));
    assert_eq!(earlier[0].get("review"), None);
    let record = stored(store.as_ref()).await;
    let verdict = record
        .pair
        .as_ref()
        .and_then(|p| p.verdict.clone())
        .expect("decided");
    assert_eq!(
        verdict.review.map(|r| (r.reviewer, r.note)),
        Some((REVIEWER.to_owned(), Some(NOTE.to_owned())))
    );

    // Another decision on the decided pair: refused, with the status as it stands.
    let mut rejection = approval();
    rejection["decision"] = json!("REJECTED");
    let (status, refused) = review(&handler, &rejection).await;
    assert_eq!(status, 409, "{refused}");
    assert_eq!(
        (&refused["code"], &refused["status"]),
        (&json!("NOT_AWAITING_REVIEW"), &json!("VERIFIED"))
    );
}

async fn reviews_are_refused_on_other_states_and_stale_pairs(
    store: Arc<dyn AnyStore>,
    _: Requests,
) {
    let stub = IdenfyStub::bare().await;
    // Before any result: pending, nothing to review.
    store
        .save(&step_events_record(), Expected::Absent)
        .await
        .expect("seeded");
    let pending = issue_tokens_handler(store.clone(), Arc::new(stub.client()), callback_clock());
    let (status, refused) = review(&pending, &approval()).await;
    assert_eq!(
        (status, &refused["code"], &refused["status"]),
        (409, &json!("NOT_AWAITING_REVIEW"), &json!("PENDING"))
    );

    deliver(store.clone(), "additional-step-image").await;
    let handler = pending;
    let before = stored(store.as_ref()).await;
    let mut other_pair = approval();
    other_pair["pairId"] = json!("a-pair-a-restart-replaced");
    let mut stale = approval();
    stale["verdictVersion"] = json!(2);
    let mut undecided = approval();
    undecided["decision"] = json!("REQUIRES_REVIEW");
    for (body, expected_status, code) in [
        (other_pair, 409, "PAIR_REPLACED"),
        (stale, 409, "VERDICT_CHANGED"),
        (undecided, 400, "VALIDATION_FAILED"),
    ] {
        let (status, refused) = review(&handler, &body).await;
        assert_eq!(
            (status, refused["code"].as_str()),
            (expected_status, Some(code)),
            "{refused}"
        );
        if status == 409 {
            assert_eq!(refused["status"], "REQUIRES_REVIEW");
        }
    }
    // Refusals change nothing.
    assert_eq!(stored(store.as_ref()).await, before);

    // An unknown clientId, and the wrong method on the route.
    let (status, body) = api::answer(&handler, api::review("USER_NOBODY", &approval())).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (404, Some("UNKNOWN_CLIENT_ID"))
    );
    let (status, body) = get(&handler, "/review").await;
    assert_eq!(
        (status, body["code"].as_str()),
        (405, Some("METHOD_NOT_ALLOWED"))
    );
}

/// What happens at the store while reviews read it.
enum Interference {
    /// The first two reads are held until both have happened: two reviews read the same
    /// REQUIRES_REVIEW verdict, then both write.
    BothReadFirst(Barrier),
    /// iDenfy's revision (the permit missing this time) lands right after the first read.
    RevisionAfterFirstRead,
}

/// The store, interfered with as `interference` says.
struct Interfered {
    inner: Arc<dyn AnyStore>,
    interference: Interference,
    reads: AtomicUsize,
}

impl Interfered {
    fn new(inner: Arc<dyn AnyStore>, interference: Interference) -> Arc<Self> {
        Arc::new(Self {
            inner,
            interference,
            reads: AtomicUsize::new(0),
        })
    }
}

#[async_trait]
impl PairReader for Interfered {
    async fn load(&self, client_id: &ClientId) -> Result<Option<PairRecord>, StoreError> {
        let record = self.inner.load(client_id).await;
        let read = self.reads.fetch_add(1, Ordering::SeqCst);
        match &self.interference {
            Interference::BothReadFirst(barrier) if read < 2 => {
                barrier.wait().await;
            }
            Interference::RevisionAfterFirstRead if read == 0 => {
                deliver(self.inner.clone(), "additional-step-missing").await;
            }
            _ => {}
        }
        record
    }
}

#[async_trait]
impl VerdictStore for Interfered {
    async fn record_verdict(
        &self,
        client_id: &ClientId,
        decision: Decision<'_>,
    ) -> shared::store::Written {
        self.inner.record_verdict(client_id, decision).await
    }
}

impl ReviewStore for Interfered {}

async fn two_reviewers_at_once_record_one_decision(store: Arc<dyn AnyStore>, _: Requests) {
    let stub = IdenfyStub::bare().await;
    awaiting_review(store.clone(), &stub).await;
    let racing = Interfered::new(store.clone(), Interference::BothReadFirst(Barrier::new(2)));
    let service = ReviewService::new(
        racing,
        Arc::new(stub.client()),
        callback_clock(),
        shared::pair::permit::VerdictPolicy::default(),
    );
    let client_id = ClientId::parse(STEP_EVENTS_CLIENT_ID).expect("an id");
    let request = |decision, reviewer: &str| ReviewRequest {
        pair_id: STEP_EVENTS_PAIR_ID.into(),
        decision,
        reviewer: shared::pair::Principal::parse(reviewer).expect("a principal"),
        note: None,
        verdict_version: 1,
    };
    let (approve, reject) = (
        request(Outcome::Verified, "reviewer-1"),
        request(Outcome::Rejected, "reviewer-2"),
    );
    let (first, second) = tokio::join!(
        service.review(&client_id, &approve),
        service.review(&client_id, &reject)
    );
    let (won, lost) = match (first, second) {
        (Ok(won), Err(lost)) | (Err(lost), Ok(won)) => (won, lost),
        other => panic!("one review must win and one be refused: {other:?}"),
    };
    assert!(won.recorded_now);
    assert!(
        matches!(lost, ReviewError::Refused(_)),
        "the other is a refusal (409), not an outage: {lost:?}"
    );
    let pair = stored(store.as_ref()).await.pair.expect("a pair");
    let verdict = pair.verdict.expect("decided");
    assert_eq!(verdict, won.verdict);
    assert_eq!(verdict.version, 2);
    assert_eq!(
        pair.earlier_verdicts.len(),
        1,
        "exactly one decision recorded"
    );
}

async fn a_revision_landing_during_a_review_is_not_what_it_decides(
    store: Arc<dyn AnyStore>,
    _: Requests,
) {
    let stub = IdenfyStub::bare().await;
    awaiting_review(store.clone(), &stub).await;
    let racing = Interfered::new(store.clone(), Interference::RevisionAfterFirstRead);
    let service = ReviewService::new(
        racing,
        Arc::new(stub.client()),
        callback_clock(),
        shared::pair::permit::VerdictPolicy::default(),
    );
    // The review names the verdict it saw; the revision landing meanwhile is another one.
    let review = ReviewRequest {
        pair_id: STEP_EVENTS_PAIR_ID.into(),
        decision: Outcome::Verified,
        reviewer: shared::pair::Principal::parse(REVIEWER).expect("a principal"),
        note: None,
        verdict_version: 1,
    };
    let client_id = ClientId::parse(STEP_EVENTS_CLIENT_ID).expect("an id");
    let refused = service.review(&client_id, &review).await;
    assert!(
        matches!(
            refused,
            Err(ReviewError::Refused(
                shared::pair::machine::ReviewRefused::VerdictChanged { .. }
            ))
        ),
        "{refused:?}"
    );
    let verdict = stored(store.as_ref())
        .await
        .pair
        .and_then(|p| p.verdict)
        .expect("decided");
    assert_eq!(
        (verdict.outcome, verdict.version, verdict.review),
        (Outcome::RequiresReview, 2, None),
        "iDenfy's revision stands, undecided by the reviewer"
    );
}

async fn a_stricter_revision_after_a_manual_approval_stands(store: Arc<dyn AnyStore>, _: Requests) {
    let stub = IdenfyStub::bare().await;
    let handler = awaiting_review(store.clone(), &stub).await;
    let (status, decided) = review(&handler, &approval()).await;
    assert_eq!(status, 200, "{decided}");
    // iDenfy then denies the session (a re-review): stricter, it stands by itself.
    let answer = deliver(store.clone(), "additional-step-denied").await;
    assert_eq!(answer["decided"], true, "{answer}");
    let (_, shown) = get(&handler, "").await;
    assert_eq!(
        (&shown["status"], &shown["verdictVersion"]),
        (&json!("REJECTED"), &json!(3))
    );
    assert_eq!(
        shown.get("review"),
        None,
        "iDenfy's verdict, not a reviewer's"
    );
    let history: Vec<&Value> = shown["earlierVerdicts"]
        .as_array()
        .expect("a history")
        .iter()
        .map(|v| &v["status"])
        .collect();
    assert_eq!(history, [&json!("REQUIRES_REVIEW"), &json!("VERIFIED")]);
    assert_eq!(
        shown["earlierVerdicts"][1]["reasons"],
        json!(["MANUAL_REVIEW"])
    );
}

async fn a_lenient_revision_after_a_manual_rejection_goes_back_to_a_person(
    store: Arc<dyn AnyStore>,
    _: Requests,
) {
    let stub = IdenfyStub::bare().await;
    let handler = awaiting_review(store.clone(), &stub).await;
    let mut rejection = approval();
    rejection["decision"] = json!("REJECTED");
    let (status, rejected) = review(&handler, &rejection).await;
    assert_eq!(status, 200, "{rejected}");
    // iDenfy's revision ends without the permit: INCOMPLETE alone, more lenient than REJECTED.
    let answer = deliver(store.clone(), "additional-step-missing").await;
    assert_eq!(answer["decided"], true, "{answer}");
    let (_, shown) = get(&handler, "").await;
    assert_eq!(
        (&shown["status"], &shown["verdictVersion"]),
        (&json!("REQUIRES_REVIEW"), &json!(3)),
        "{shown}"
    );
    let reasons = shown["reasons"].as_array().expect("reasons");
    assert!(reasons.contains(&json!(Reason::ResultRevised)), "{shown}");
    // And it can be reviewed again.
    let mut again = approval();
    again["verdictVersion"] = json!(3);
    let (status, decided) = review(&handler, &again).await;
    assert_eq!((status, &decided["version"]), (200, &json!(4)), "{decided}");
}

/// `GET /verifications/{clientId}/evidence`, answered.
async fn evidence_response(handler: &IssueTokens) -> lambda_http::Response<Body> {
    handler
        .handle(api::get(STEP_EVENTS_CLIENT_ID, "/evidence"))
        .await
}

fn header(response: &lambda_http::Response<Body>, name: &str) -> Option<String> {
    response
        .headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

/// The evidence route's status, Cache-Control and body.
async fn evidence(handler: &IssueTokens) -> (u16, Option<String>, Value) {
    let response = evidence_response(handler).await;
    let body = serde_json::from_slice(response.body().as_ref()).unwrap_or(Value::Null);
    (
        response.status().as_u16(),
        header(&response, "cache-control"),
        body,
    )
}

#[tokio::test]
async fn the_evidence_is_fresh_from_idenfy_and_never_stored_or_logged() {
    let stub = IdenfyStub::bare().await;
    stub.mount_files().await;
    let store = Arc::new(MemoryStore::new());
    let handler = awaiting_review(store.clone(), &stub).await;

    let capture = Capture::start(Level::TRACE);
    let (status, cache, first) = evidence(&handler).await;
    let (_, _, second) = evidence(&handler).await;
    let logs = capture.text();
    drop(capture);
    assert_eq!(status, 200, "{first}");
    assert_eq!(cache.as_deref(), Some("no-store"));
    assert_eq!(first["pairId"], STEP_EVENTS_PAIR_ID);
    assert_eq!(first["mode"], "additionalStep");
    assert_eq!(first["status"], "REQUIRES_REVIEW");
    assert_eq!(first["reasons"], json!(["PERMIT_NEEDS_MANUAL_REVIEW"]));
    assert_eq!(first["verdictVersion"], 1);
    let sessions = first["sessions"].as_array().expect("sessions");
    assert_eq!(
        sessions.len(),
        1,
        "one session in additional-step mode: {first}"
    );
    let session = &sessions[0];
    assert_eq!(
        (
            &session["role"],
            &session["scanRef"],
            &session["status"],
            &session["final"]
        ),
        (
            &json!("identity"),
            &json!(STEP_EVENTS_SCAN_REF),
            &json!("APPROVED"),
            &json!(true)
        )
    );
    let files = session["files"].as_object().expect("files");
    assert_eq!(
        files.keys().collect::<Vec<_>>(),
        ["FACE", "FRONT", "RESIDENCE_PERMIT"]
    );
    // Fetched at request time: each call brings links of its own.
    assert_ne!(
        first["sessions"][0]["files"],
        second["sessions"][0]["files"]
    );
    let permit = files["RESIDENCE_PERMIT"].as_str().expect("a link");
    assert!(
        (0..1000)
            .any(|call| permit == stub_file_link(STEP_EVENTS_SCAN_REF, "RESIDENCE_PERMIT", call)),
        "{permit}"
    );
    let requests = stub.server.received_requests().await.unwrap_or_default();
    let asked: Vec<Value> = requests
        .iter()
        .filter(|r| r.url.path() == "/api/v2/files")
        .map(|r| serde_json::from_slice(&r.body).unwrap_or(Value::Null))
        .collect();
    assert_eq!(asked, vec![json!({"scanRef": STEP_EVENTS_SCAN_REF}); 2]);
    // Neither the log nor the record holds a link.
    assert!(
        !logs.contains("s3.example.com"),
        "a link in the logs: {logs}"
    );
    let record = serde_json::to_string(&stored(store.as_ref()).await).expect("json");
    assert!(
        !record.contains("s3.example.com"),
        "a link stored: {record}"
    );
}

/// Answers only once both sessions' files were asked for: fetched one after the other, the
/// first never returns.
struct BothSessionsAtOnce(Barrier);

#[async_trait]
impl SessionFiles for BothSessionsAtOnce {
    async fn file_links(
        &self,
        scan_ref: &str,
        _answer_by: Instant,
    ) -> Result<FileLinks, IdenfyError> {
        self.0.wait().await;
        Ok(FileLinks::from([(
            "FRONT".into(),
            format!("https://files.test/{scan_ref}"),
        )]))
    }
}

#[tokio::test]
async fn a_two_session_pair_s_files_are_fetched_at_once() {
    let store = Arc::new(MemoryStore::new());
    store
        .save(&events_record(), Expected::Absent)
        .await
        .expect("seeded");
    let service = ReviewService::new(
        store,
        Arc::new(BothSessionsAtOnce(Barrier::new(2))),
        callback_clock(),
        shared::pair::permit::VerdictPolicy::default(),
    );
    let client_id = ClientId::parse(EVENTS_CLIENT_ID).expect("an id");
    let answer_by = Instant::now() + Duration::from_secs(5);
    let evidence = tokio::time::timeout(
        Duration::from_secs(10),
        service.evidence(&client_id, answer_by),
    )
    .await
    .expect("the two sessions' files were asked for one after the other")
    .expect("evidence");
    let shown: Vec<_> = evidence
        .sessions
        .iter()
        .map(|s| (s.role, s.scan_ref.as_str(), s.files["FRONT"].as_str()))
        .collect();
    assert_eq!(
        shown,
        [
            (
                Role::Identity,
                EVENTS_IDENTITY_SCAN_REF,
                format!("https://files.test/{EVENTS_IDENTITY_SCAN_REF}").as_str()
            ),
            (
                Role::Document,
                EVENTS_DOCUMENT_SCAN_REF,
                format!("https://files.test/{EVENTS_DOCUMENT_SCAN_REF}").as_str()
            ),
        ]
    );
}

#[tokio::test]
async fn idenfy_refusing_the_files_is_answered_as_for_tokens() {
    for (answer, expected_status, code, retry_after) in [
        (
            ResponseTemplate::new(402).set_body_json(
                json!({"identifier": "PAYMENT_REQUIRED", "message": "Lack of funds."}),
            ),
            502,
            "IDENFY_REFUSED",
            None,
        ),
        (
            ResponseTemplate::new(429)
                .insert_header("Retry-After", "30")
                .set_body_json(json!({"identifier": "TOO_MANY_REQUESTS", "message": "Slow down."})),
            503,
            "IDENFY_UNAVAILABLE",
            Some("30"),
        ),
    ] {
        let stub = IdenfyStub::bare().await;
        Mock::given(method("POST"))
            .and(path("/api/v2/files"))
            .respond_with(answer)
            .mount(&stub.server)
            .await;
        let handler = awaiting_review(Arc::new(MemoryStore::new()), &stub).await;
        let response = evidence_response(&handler).await;
        let status = response.status().as_u16();
        let retry = header(&response, "retry-after");
        let text = String::from_utf8_lossy(response.body().as_ref()).into_owned();
        let body: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
        assert_eq!(
            (status, body["code"].as_str()),
            (expected_status, Some(code)),
            "{text}"
        );
        assert_eq!(retry.as_deref(), retry_after);
        assert!(body["requestId"].is_string(), "{text}");
        // iDenfy's identifier is named; its words stay in the log.
        assert!(body["idenfy"]["identifier"].is_string(), "{text}");
        assert!(
            !text.contains("Lack of funds") && !text.contains("Slow down"),
            "{text}"
        );
    }
}

#[tokio::test]
async fn a_manual_decision_reaches_the_site_as_a_revision() {
    let table = integration_tests::moto_table().await;
    let stream = table
        .store
        .ensure_stream()
        .await
        .expect("moto enables the stream");
    let stub = IdenfyStub::bare().await;
    let handler = awaiting_review(Arc::new(table.store.clone()), &stub).await;
    let (status, decided) = review(&handler, &approval()).await;
    assert_eq!(status, 200, "{decided}");

    let event: aws_lambda_events::event::dynamodb::Event =
        serde_json::from_value(integration_tests::streams::stream_event(&stream).await)
            .expect("a Lambda event");
    let server = wiremock::MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(204))
        .mount(&server)
        .await;
    let site = crate::notify::site(
        &server,
        crate::notify::NEW_SECRET,
        std::time::Duration::from_secs(5),
    );
    let response = notify_decisions::NotifyDecisions::new(vec![site])
        .handle(event)
        .await;
    assert!(response.batch_item_failures.is_empty());
    let payloads: Vec<Value> = server
        .received_requests()
        .await
        .unwrap_or_default()
        .iter()
        .map(|r| serde_json::from_slice(&r.body).unwrap_or(Value::Null))
        .collect();
    assert_eq!(
        payloads.len(),
        2,
        "the first verdict and the review: {payloads:?}"
    );
    let revised = &payloads[1];
    assert_eq!(revised["type"], "verification.revised");
    assert_eq!(revised["data"]["status"], "VERIFIED");
    assert_eq!(revised["data"]["reasons"], json!(["MANUAL_REVIEW"]));
    assert_eq!(revised["data"]["version"], 2);
    assert_eq!(revised["data"]["previous"]["status"], "REQUIRES_REVIEW");
    // The reviewer's note is for the audit trail, not the site's webhook.
    assert!(!revised.to_string().contains(NOTE), "{revised}");
    table.store.delete_table().await.expect("dropped");
}
