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
use issue_tokens::VerificationsApi;
use lambda_http::Body;
use pair_adapters::metrics::Metrics;
use pair_adapters::store::MemoryStore;
use pair_app::review::{ReviewError, ReviewService};
use pair_core::pair::machine::ReviewRequest;
use pair_core::pair::{ClientId, Outcome, PairRecord, Reason, Role};
use pair_core::ports::idenfy::{FileLinks, IdenfyError, SessionFiles};
use pair_core::ports::store::{
    Decision, Expected, PairReader, ReviewStore, SeedStore, StoreError, VerdictStore,
};
use serde_json::{Value, json};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};
use tokio::sync::Barrier;
use tracing::Level;
use wiremock::matchers::{method, path};
use wiremock::{Mock, ResponseTemplate};

use crate::Requests;
mod claims;
mod decisions;
mod evidence;
mod queue;

const REVIEWER: &str = api::REVIEWER_SUBJECT;
const NOTE: &str = "permit matches the ID card";

fn callback_event(name: &str) -> lambda_http::Request {
    lambda_http::request::from_str(&integration_tests::events::text("idenfy-callback", name))
        .unwrap_or_else(|e| panic!("{name}: not an HTTP API event: {e}"))
}

/// The sample additional-step pair after its permit-upload final: REQUIRES_REVIEW
/// `PERMIT_NEEDS_MANUAL_REVIEW`, verdict 1. Returns the issue-tokens handler over `store`.
async fn awaiting_review(store: Arc<dyn AnyStore>, stub: &IdenfyStub) -> VerificationsApi {
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

async fn get(handler: &VerificationsApi, suffix: &str) -> (u16, Value) {
    api::answer(handler, api::get(STEP_EVENTS_CLIENT_ID, suffix)).await
}

async fn review(handler: &VerificationsApi, body: &Value) -> (u16, Value) {
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
    ) -> pair_core::ports::store::Written {
        self.inner.record_verdict(client_id, decision).await
    }
}

impl ReviewStore for Interfered {}

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

    /// Its pairs carry no duplicates: never asked.
    async fn client_id_of(&self, _: &str, _: Instant) -> Result<Option<String>, IdenfyError> {
        Err(IdenfyError::InvalidResponse("not expected here".into()))
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
    let response = crate::notify::notifier(Some(site), None, Metrics::off())
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
