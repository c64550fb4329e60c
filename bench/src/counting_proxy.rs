//! A pass-through HTTP proxy in front of moto_server that counts DynamoDB requests by
//! operation (`X-Amz-Target`), so the requests of function processes — ours and the peer's —
//! are counted as they go out, without instrumenting either.

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

#[derive(Clone)]
struct Upstream {
    base: String,
    client: reqwest::Client,
    counts: Arc<Mutex<BTreeMap<String, usize>>>,
}

pub struct CountingProxy {
    /// What to set `AWS_ENDPOINT_URL_DYNAMODB` to.
    pub url: String,
    counts: Arc<Mutex<BTreeMap<String, usize>>>,
    server: tokio::task::JoinHandle<()>,
}

impl CountingProxy {
    pub async fn start(upstream: &str) -> Result<Self, String> {
        let counts = Arc::new(Mutex::new(BTreeMap::new()));
        let state = Upstream {
            base: upstream.trim_end_matches('/').to_owned(),
            client: integration_tests::http(),
            counts: counts.clone(),
        };
        let router = Router::new().fallback(forward).with_state(state);
        let (address, server) = crate::runtime_api::serve_on_loopback(router)
            .await
            .map_err(|e| e.to_string())?;
        Ok(Self {
            url: format!("http://{address}"),
            counts,
            server,
        })
    }

    /// Requests seen so far, by operation (`UpdateItem`, `GetItem`, …).
    pub fn requests(&self) -> BTreeMap<String, usize> {
        self.counts.lock().map(|c| c.clone()).unwrap_or_default()
    }
}

impl Drop for CountingProxy {
    fn drop(&mut self) {
        self.server.abort();
    }
}

async fn forward(
    State(upstream): State<Upstream>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let operation = headers
        .get("x-amz-target")
        .and_then(|v| v.to_str().ok())
        .and_then(|target| target.rsplit('.').next())
        .unwrap_or("(none)")
        .to_owned();
    if let Ok(mut counts) = upstream.counts.lock() {
        *counts.entry(operation).or_default() += 1;
    }
    let path = uri.path_and_query().map_or("/", |p| p.as_str());
    let mut outgoing = headers;
    outgoing.remove(axum::http::header::HOST);
    let answer = upstream
        .client
        .request(method, format!("{}{path}", upstream.base))
        .headers(outgoing)
        .body(body)
        .send()
        .await;
    let answer = match answer {
        Ok(answer) => answer,
        Err(error) => return (StatusCode::BAD_GATEWAY, error.to_string()).into_response(),
    };
    let status = answer.status();
    let mut headers = answer.headers().clone();
    // The body is handed on whole, so hop-by-hop framing does not apply.
    headers.remove(axum::http::header::TRANSFER_ENCODING);
    headers.remove(axum::http::header::CONNECTION);
    match answer.bytes().await {
        Ok(bytes) => (status, headers, bytes).into_response(),
        Err(error) => (StatusCode::BAD_GATEWAY, error.to_string()).into_response(),
    }
}
