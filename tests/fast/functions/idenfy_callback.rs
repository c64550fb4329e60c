//! The handler over the embedded store: the refusals before the signature, the signature,
//! what a signed body becomes, and the body of a store failure — no DynamoDB or network.

use async_trait::async_trait;
use idenfy_callback::*;
use lambda_http::http::Method;
use lambda_http::{Body, Request};
use lambda_http::{Context, RequestExt};
use pair_adapters::env::Env;
use pair_adapters::idenfy::signature::sign;
use pair_adapters::idenfy::webhook::{EVENT_TYPE_HEADER, SIGNATURE_HEADER};
use pair_adapters::store::MemoryStore;
use pair_app::config::CallbackConfig;
use pair_core::clock::{ManualClock, Timestamp};
use pair_core::pair::validity::ExpiryUpdate;
use pair_core::pair::{ClientId, PairRecord};
use pair_core::ports::store::{
    Arrival, Decision, ExpiryStore, HalfWritten, PairReader, VerdictStore, Written,
};
use pair_core::ports::store::{HistoryStore, ResultStore, StoreError};
use serde_json::Value;
use std::sync::Arc;

const KEY: &str = "unit-test-signing-key-0123456789ab";
const NOW: Timestamp = Timestamp::from_unix_seconds(1_800_000_000);

fn handler(store: Arc<dyn ResultStore>) -> IdenfyCallback {
    let config = CallbackConfig::from_env(&Env::from_pairs([
        ("TABLE_NAME", "pairs"),
        ("IDENFY_SIGNING_KEYS", KEY),
        ("DOCUMENT_HASH_KEY", "unit-test-document-hash-key"),
    ]))
    .expect("a valid configuration");
    IdenfyCallback::build(
        config,
        integration_tests::callbacks::callback_ports(store, Arc::new(ManualClock::at(NOW))),
    )
}

fn webhook(body: &str, signature: Option<&str>) -> Request {
    let mut builder = lambda_http::http::Request::builder()
        .method("POST")
        .uri("https://api.example.com/webhooks/idenfy")
        .header("content-type", "application/json")
        .header(EVENT_TYPE_HEADER, "IDENTIFICATION_MANUAL_FINISHED");
    if let Some(signature) = signature {
        builder = builder.header(SIGNATURE_HEADER, signature);
    }
    let mut context = Context::default();
    context.request_id = "req-7".into();
    builder
        .body(Body::from(body))
        .expect("a request")
        .with_lambda_context(context)
}

fn signed(body: &str) -> Request {
    webhook(body, Some(&sign(KEY, body.as_bytes())))
}

async fn answer(handler: &IdenfyCallback, request: Request) -> (u16, Value) {
    let response = handler.handle(request).await;
    let body = serde_json::from_slice(response.body().as_ref()).unwrap_or(Value::Null);
    (response.status().as_u16(), body)
}

const RESULT: &str = r#"{"clientId": "USER_1", "scanRef": "scan-1", "final": true,
    "status": {"overall": "APPROVED"}, "data": {"docFirstName": "JOHN"}}"#;

#[tokio::test]
async fn unsigned_forged_and_malformed_requests_are_refused_before_the_store() {
    let handler = handler(Arc::new(Down));
    let forged = webhook(RESULT, Some(&sign("another-key", RESULT.as_bytes())));
    let cases = [
        (webhook(RESULT, None), 401, "BAD_SIGNATURE"),
        (forged, 401, "BAD_SIGNATURE"),
        (webhook(RESULT, Some("not hex")), 401, "BAD_SIGNATURE"),
        (signed(&"x".repeat(600 * 1024)), 413, "PAYLOAD_TOO_LARGE"),
    ];
    for (request, status, code) in cases {
        let (got, body) = answer(&handler, request).await;
        assert_eq!((got, body["code"].as_str()), (status, Some(code)), "{body}");
    }
    let mut get = signed(RESULT);
    *get.method_mut() = Method::GET;
    assert_eq!(answer(&handler, get).await.0, 405);
    let mut text = signed(RESULT);
    text.headers_mut()
        .insert("content-type", "text/plain".parse().expect("a header"));
    assert_eq!(answer(&handler, text).await.0, 415);
}

#[tokio::test]
async fn signed_bodies_we_cannot_place_are_acknowledged_and_ignored() {
    let handler = handler(Arc::new(MemoryStore::new()));
    for (body, reason) in [
        ("not json", "NOT_JSON"),
        (r#"{"scanRef": "s"}"#, "NO_CLIENT_ID"),
        (r#"{"clientId": "U", "scanRef": ""}"#, "NO_SCAN_REF"),
        (RESULT, "UNKNOWN_CLIENT_ID"),
    ] {
        let (status, answer) = answer(&handler, signed(body)).await;
        assert_eq!(
            (status, answer["result"].as_str(), answer["reason"].as_str()),
            (200, Some("IGNORED"), Some(reason)),
            "{body}"
        );
    }
}

/// A store whose every call fails as an outage would, with the SDK's words.
struct Down;

const SDK_WORDS: &str = "dispatch failure: timeout: error trying to connect";

#[async_trait]
impl ResultStore for Down {
    async fn record_half(&self, _: &ClientId, _: Arrival<'_>) -> HalfWritten {
        Err(StoreError::Unavailable(SDK_WORDS.into()))
    }
}

#[async_trait]
impl VerdictStore for Down {
    async fn record_verdict(&self, _: &ClientId, _: Decision<'_>) -> Written {
        Err(StoreError::Unavailable(SDK_WORDS.into()))
    }
}

#[async_trait]
impl PairReader for Down {
    async fn load(&self, _: &ClientId) -> Result<Option<PairRecord>, StoreError> {
        Err(StoreError::Unavailable(SDK_WORDS.into()))
    }
}

#[async_trait]
impl ExpiryStore for Down {
    async fn record_expiry(&self, _: &ClientId, _: &ExpiryUpdate) -> Result<(), StoreError> {
        Err(StoreError::Unavailable(SDK_WORDS.into()))
    }
}

#[async_trait]
impl HistoryStore for Down {
    async fn record_late(
        &self,
        _: &ClientId,
        _: u64,
        _: &[pair_core::pair::PreviousPair],
    ) -> Result<(), StoreError> {
        Err(StoreError::Unavailable(SDK_WORDS.into()))
    }
}

const NOTICE: &str = r#"{"clientId": "USER_1", "scanRef": "scan-1",
    "expirationThreshold": "DOCUMENT_EXPIRES_WITHIN_7_DAYS", "documentExpiration": "2027-01-18"}"#;

#[tokio::test]
async fn an_expiration_notice_is_signed_like_a_result_and_never_stored_as_one() {
    let handler = handler(Arc::new(Down));
    // Unsigned or forged: refused before the store, as any webhook.
    assert_eq!(answer(&handler, webhook(NOTICE, None)).await.0, 401);
    let forged = webhook(NOTICE, Some(&sign("another-key", NOTICE.as_bytes())));
    assert_eq!(answer(&handler, forged).await.0, 401);
    // Signed, with the store down: iDenfy retries.
    assert_eq!(answer(&handler, signed(NOTICE)).await.0, 503);

    let handler = self::handler(Arc::new(MemoryStore::new()));
    let unknown_threshold = r#"{"clientId": "USER_1", "scanRef": "scan-1",
        "expirationThreshold": "DOCUMENT_EXPIRES_WITHIN_90_DAYS"}"#;
    // The header alone makes a body a notice: it is never read as a result without a status.
    let header_only = r#"{"clientId": "USER_1", "scanRef": "scan-1"}"#;
    let mut by_header = signed(header_only);
    by_header.headers_mut().insert(
        EVENT_TYPE_HEADER,
        "DOCUMENT_EXPIRATION".parse().expect("a header"),
    );
    for (request, reason) in [
        (signed(NOTICE), "UNKNOWN_CLIENT_ID"),
        (signed(unknown_threshold), "UNKNOWN_EXPIRATION_THRESHOLD"),
        (by_header, "UNKNOWN_EXPIRATION_THRESHOLD"),
    ] {
        let (status, body) = answer(&handler, request).await;
        assert_eq!(
            (status, body["result"].as_str(), body["reason"].as_str()),
            (200, Some("IGNORED"), Some(reason)),
            "{body}"
        );
    }
}

#[tokio::test]
async fn a_store_outage_asks_idenfy_to_retry_with_an_opaque_body() {
    let response = handler(Arc::new(Down)).handle(signed(RESULT)).await;
    assert_eq!(response.status().as_u16(), 503);
    assert!(response.headers().contains_key("retry-after"));
    let body: Value = serde_json::from_slice(response.body().as_ref()).expect("JSON");
    assert_eq!(body["code"], "STORE_UNAVAILABLE");
    assert_eq!(body["requestId"], "req-7");
    assert!(!body.to_string().contains("trying to connect"), "{body}");
}

/// The time budget adds up: the worst webhook fits the function's timeout, which fits the 10 s
/// iDenfy waits (the template tests check the template says the same timeout).
#[test]
fn the_worst_webhook_fits_the_timeout_inside_idenfys_ten_seconds() {
    assert!(
        idenfy_callback::WORST_CASE < idenfy_callback::FUNCTION_TIMEOUT,
        "{:?}",
        idenfy_callback::WORST_CASE
    );
    assert!(idenfy_callback::FUNCTION_TIMEOUT < std::time::Duration::from_secs(10));
    // The store's own retries end inside its operation bound.
    assert!(
        idenfy_callback::STORE_TIMEOUTS.attempt * 2 <= idenfy_callback::STORE_TIMEOUTS.operation
    );
}
