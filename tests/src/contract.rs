//! The responses the suite receives, recorded for the HTTP contract's check: with
//! `API_RESPONSES` set (`make test` sets it), each response of an API route is appended as one
//! JSON line — route key, status, content type, body — which `tests/openapi/check.py`
//! validates against `docs/openapi.yaml` after the suite. Unset (a bare `cargo test`),
//! nothing is recorded and nothing is checked.

use lambda_http::{Body, Request, Response};
use serde_json::{Value, json};
use std::io::Write;
use std::sync::{Mutex, OnceLock};

/// The file the responses go to, opened once per test process.
fn sink() -> Option<&'static Mutex<std::fs::File>> {
    static SINK: OnceLock<Option<Mutex<std::fs::File>>> = OnceLock::new();
    SINK.get_or_init(|| {
        let path = std::env::var_os("API_RESPONSES")?;
        let file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&path)
            .unwrap_or_else(|e| panic!("API_RESPONSES={path:?}: {e}"));
        Some(Mutex::new(file))
    })
    .as_ref()
}

/// The route key the request was routed by, if it is one of the HTTP API's (the schedules'
/// internal routes are no part of the contract).
pub fn api_route(request: &Request) -> Option<String> {
    pair_adapters::http_api::route_key(request)
        .filter(|key| !key.contains(" /internal/"))
        .map(str::to_owned)
}

/// Records `response` as the answer on `route`.
pub fn record(route: &str, response: &Response<Body>) {
    let Some(sink) = sink() else { return };
    let content_type = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let bytes = response.body().as_ref();
    let body = if content_type.starts_with("application/json") {
        serde_json::from_slice(bytes).unwrap_or(Value::Null)
    } else {
        Value::String(String::from_utf8_lossy(bytes).into_owned())
    };
    let line = json!({
        "route": route,
        "status": response.status().as_u16(),
        "contentType": content_type,
        "body": body,
    });
    let mut file = sink
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    writeln!(file, "{line}").expect("the responses file takes a line");
}

/// The issue-tokens handler's answer to `request`, recorded.
pub async fn issue_tokens(
    handler: &issue_tokens::VerificationsApi,
    request: Request,
) -> Response<Body> {
    let route = api_route(&request);
    let response = handler.handle(request).await;
    if let Some(route) = route {
        record(&route, &response);
    }
    response
}

/// The webhook route's key.
pub const WEBHOOK_ROUTE: &str = "POST /webhooks/idenfy";

/// The callback handler's answer to `request`, recorded.
pub async fn idenfy_callback(
    handler: &idenfy_callback::IdenfyCallback,
    request: Request,
) -> Response<Body> {
    let response = handler.handle(request).await;
    record(WEBHOOK_ROUTE, &response);
    response
}
