//! The handler over the embedded store and an iDenfy double: routes, refusals and the bodies
//! of failures, with no DynamoDB or network.

use async_trait::async_trait;
use issue_tokens::*;
use lambda_http::Context;
use lambda_http::{Body, Request, RequestExt};
use pair_adapters::env::Env;
use pair_adapters::http_api;
use pair_adapters::metrics::Metrics;
use pair_adapters::store::MemoryLedger;
use pair_adapters::store::MemoryStore;
use pair_app::config::VerificationsApiConfig;
use pair_core::clock::{ManualClock, Timestamp};
use pair_core::pair::ClientId;
use pair_core::pair::machine::{ClaimReview, ClaimWrite, Install};
use pair_core::pair::queue::{Queue, QueuePage, QueuePosition};
use pair_core::pair::validity::ExpiryUpdate;
use pair_core::pair::{PairRecord, Threshold};
use pair_core::ports::idenfy::IdenfyPorts;
use pair_core::ports::idenfy::{
    IdenfyError, OpenedSession, SessionEraser, SessionFiles, SessionIssuer, SessionOrder, Upstream,
};
use pair_core::ports::ledger::SessionLedger;
use pair_core::ports::store::VerificationsStore;
use pair_core::ports::store::{
    Decision, ErasureStore, ExpiryStore, ExpiryWatchStore, PairReader, ReplaceStore,
    ReviewQueueStore, ReviewStore, StoreError, VerdictStore, Written,
};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::Arc;
use std::sync::Mutex;
mod callers;
mod doubles;
use doubles::{Down, Sessions};

fn config() -> VerificationsApiConfig {
    VerificationsApiConfig::from_env(&Env::from_pairs([
        ("TABLE_NAME", "pairs"),
        ("LEDGER_TABLE_NAME", "sessions"),
        ("IDENFY_API_KEY", "key"),
        ("IDENFY_API_SECRET", "secret"),
        ("CONTINUATION_KEYS", "unit-test-continuation-key-0123456789"),
        ("ALLOWED_REDIRECT_ORIGINS", "https://shop.example.com"),
    ]))
    .expect("a valid configuration")
}

fn handler(store: Arc<dyn VerificationsStore>, sessions: Arc<Sessions>) -> VerificationsApi {
    handler_with(store, Arc::new(MemoryLedger::new()), sessions)
}

/// [`handler`] recording into `ledger` (handlers that share a clientId's sessions).
fn handler_with(
    store: Arc<dyn VerificationsStore>,
    ledger: Arc<MemoryLedger>,
    sessions: Arc<Sessions>,
) -> VerificationsApi {
    handler_counting(store, ledger, sessions, Metrics::off())
}

/// [`handler_with`] counting into `metrics`.
fn handler_counting(
    store: Arc<dyn VerificationsStore>,
    ledger: Arc<MemoryLedger>,
    sessions: Arc<Sessions>,
    metrics: Metrics,
) -> VerificationsApi {
    let clock = Arc::new(ManualClock::at(Timestamp::from_unix_seconds(1_800_000_000)));
    let ports = ApiPorts {
        metrics,
        ..integration_tests::api_ports(store, ledger, IdenfyPorts::of(sessions), clock)
    };
    VerificationsApi::build(config(), ports)
}

/// `request` as API Gateway delivers it on `route_key` for `caller`.
fn invoked(
    request: Request,
    route_key: &str,
    caller: http_api::Caller<'_>,
    parameters: &[(&str, &str)],
) -> Request {
    let mut context = Context::default();
    context.request_id = "req-42".into();
    let parameters: HashMap<String, String> = parameters
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    http_api::routed(request, route_key, caller)
        .with_path_parameters(parameters)
        .with_lambda_context(context)
}

fn post(body: &str) -> Request {
    let request = lambda_http::http::Request::builder()
        .method("POST")
        .uri("https://api.example.com/prod/verifications")
        .header("content-type", "application/json")
        .body(Body::from(body))
        .expect("a request");
    invoked(
        request,
        "POST /verifications",
        http_api::Caller::Anonymous,
        &[],
    )
}

fn on_client(method: &str, client_id: &str, route: &str, caller: http_api::Caller<'_>) -> Request {
    let suffix = route.trim_start_matches("/verifications/{clientId}");
    let mut builder = lambda_http::http::Request::builder()
        .method(method)
        .uri(format!(
            "https://api.example.com/verifications/{client_id}{suffix}"
        ));
    let body = if method == "POST" {
        builder = builder.header("content-type", "application/json");
        Body::from(r#"{"decision": "VERIFIED", "pairId": "p1", "verdictVersion": 1}"#)
    } else {
        Body::Empty
    };
    let request = builder.body(body).expect("a request");
    invoked(
        request,
        &format!("{method} {route}"),
        caller,
        &[("clientId", client_id)],
    )
}

fn get(client_id: &str) -> Request {
    on_client(
        "GET",
        client_id,
        "/verifications/{clientId}",
        http_api::Caller::Anonymous,
    )
}

async fn answer(handler: &VerificationsApi, request: Request) -> (u16, Value) {
    let response = handler.handle(request).await;
    let body = serde_json::from_slice(response.body().as_ref()).unwrap_or(Value::Null);
    (response.status().as_u16(), body)
}

#[tokio::test]
async fn issues_a_chain_then_shows_it_pending() {
    let sessions = Arc::new(Sessions::default());
    let handler = handler(Arc::new(MemoryStore::new()), sessions.clone());
    let (status, body) = answer(&handler, post(r#"{"clientId": "USER_1"}"#)).await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(body["status"], "PENDING");
    assert_eq!(body["documentScanRef"], "scan-1");
    assert_eq!(body["identityScanRef"], "scan-2");
    let orders = sessions.orders.lock().expect("not poisoned").clone();
    assert_eq!(orders.len(), 2);
    // The identity session ends on the API's continuation (on the domain the request came
    // to), whatever its outcome.
    let continuation = orders[1].finish.success.clone().expect("a continuation");
    assert!(
        continuation.starts_with("https://api.example.com/verifications/USER_1/continue?c="),
        "{continuation}"
    );
    assert_eq!(orders[1].finish.unverified, Some(continuation.clone()));
    assert_eq!(orders[1].finish.error, Some(continuation));

    let (status, body) = answer(&handler, get("USER_1")).await;
    assert_eq!((status, body["status"].as_str()), (200, Some("PENDING")));
    let (status, body) = answer(&handler, get("USER_2")).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (404, Some("UNKNOWN_CLIENT_ID"))
    );
}

#[tokio::test]
async fn refusals_name_the_problem_and_cost_no_session() {
    let sessions = Arc::new(Sessions::default());
    let handler = handler(Arc::new(MemoryStore::new()), sessions.clone());
    let cases = [
        (post("{"), 400, "MALFORMED_JSON"),
        (
            post(r#"{"clientId": "has space"}"#),
            400,
            "VALIDATION_FAILED",
        ),
        (
            post(r#"{"clientId": "U", "successUrl": "https://evil.example.net/"}"#),
            400,
            "VALIDATION_FAILED",
        ),
        (
            post(&"x".repeat(MAX_BODY_BYTES + 1)),
            413,
            "PAYLOAD_TOO_LARGE",
        ),
    ];
    for (request, status, code) in cases {
        let (got, body) = answer(&handler, request).await;
        assert_eq!((got, body["code"].as_str()), (status, Some(code)), "{body}");
    }
    let mut not_json = post(r#"{"clientId": "U"}"#);
    not_json.headers_mut().remove("content-type");
    assert_eq!(answer(&handler, not_json).await.0, 415);
    let put = on_client(
        "PUT",
        "U",
        "/verifications/{clientId}",
        http_api::Caller::Anonymous,
    );
    assert_eq!(answer(&handler, put).await.0, 405);
    assert!(sessions.orders.lock().expect("not poisoned").is_empty());
}

#[tokio::test]
async fn routes_are_api_gateways_route_keys_not_paths() {
    let handler = handler(Arc::new(MemoryStore::new()), Arc::new(Sessions::default()));
    // The right path without a matched route (no routeKey, or the $default route): no route.
    let bare = lambda_http::http::Request::builder()
        .method("GET")
        .uri("https://api.example.com/verifications/U")
        .body(Body::Empty)
        .expect("a request");
    let unrouted =
        bare.with_path_parameters(HashMap::from([("clientId".to_owned(), "U".to_owned())]));
    assert_eq!(answer(&handler, unrouted).await.0, 404);
    let default_route = on_client(
        "GET",
        "U",
        "/verifications/{clientId}",
        http_api::Caller::Anonymous,
    );
    let default_route = http_api::routed(default_route, "$default", http_api::Caller::Anonymous);
    assert_eq!(answer(&handler, default_route).await.0, 404);
    // The route key decides, whatever the path says.
    let status_by_key = invoked(
        lambda_http::http::Request::builder()
            .method("GET")
            .uri("https://api.example.com/anything/else/review")
            .body(Body::Empty)
            .expect("a request"),
        "GET /verifications/{clientId}",
        http_api::Caller::Anonymous,
        &[("clientId", "U")],
    );
    let (status, body) = answer(&handler, status_by_key).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (404, Some("UNKNOWN_CLIENT_ID"))
    );
}

#[tokio::test]
async fn a_store_outage_is_an_opaque_503_with_the_request_id() {
    let handler = handler(Arc::new(Down), Arc::new(Sessions::default()));
    for request in [post(r#"{"clientId": "USER_1"}"#), get("USER_1")] {
        let response = handler.handle(request).await;
        assert_eq!(response.status().as_u16(), 503);
        assert!(response.headers().contains_key("retry-after"));
        let body: Value = serde_json::from_slice(response.body().as_ref()).expect("JSON");
        assert_eq!(body["code"], "STORE_UNAVAILABLE");
        assert_eq!(body["requestId"], "req-42");
        assert!(!body.to_string().contains("connection refused"), "{body}");
    }
}

#[tokio::test]
async fn an_idenfy_refusal_is_a_502_without_idenfys_words() {
    let refusal = pair_adapters::idenfy::classify(
        Upstream {
            status: 402,
            identifier: Some("PAYMENT_REQUIRED".into()),
            message: "Lack of funds for USER_1".into(),
        },
        None,
    );
    let sessions = Arc::new(Sessions {
        refusal: Some(refusal),
        ..Sessions::default()
    });
    let handler = handler(Arc::new(MemoryStore::new()), sessions);
    let (status, body) = answer(&handler, post(r#"{"clientId": "USER_1"}"#)).await;
    assert_eq!(status, 502, "{body}");
    assert_eq!(
        body,
        json!({
            "code": "IDENFY_REFUSED",
            "message": "iDenfy refused the request",
            "requestId": "req-42",
            "idenfy": {"kind": "PAYMENT_REQUIRED", "status": 402, "identifier": "PAYMENT_REQUIRED"},
        })
    );
}
