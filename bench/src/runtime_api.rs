//! A minimal Lambda Runtime API (the `2018-06-01` endpoints a function polls), enough to
//! time a cold start: hands out one event, records when the function first asks for work
//! and when it answers. Listens on 127.0.0.1 only.

use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::IntoResponse;
use axum::routing::{get, post};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::Notify;

/// The Runtime API routes a function polls and answers on (shared with the process pool).
pub(crate) const NEXT: &str = "/2018-06-01/runtime/invocation/next";
pub(crate) const RESPONSE: &str = "/2018-06-01/runtime/invocation/{id}/response";
pub(crate) const ERROR: &str = "/2018-06-01/runtime/invocation/{id}/error";

/// Serves `router` on a free 127.0.0.1 port; returns `host:port` and the server's task.
pub(crate) async fn serve_on_loopback(
    router: Router,
) -> std::io::Result<(String, tokio::task::JoinHandle<()>)> {
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0)).await?;
    let address = listener.local_addr()?.to_string();
    let task = tokio::spawn(async move {
        let _ = axum::serve(listener, router).await;
    });
    Ok((address, task))
}

#[derive(Default)]
struct Timeline {
    first_poll: Option<Instant>,
    answered: Option<Instant>,
    response: Option<String>,
    error: Option<String>,
    served: bool,
}

#[derive(Clone)]
pub struct Emulator {
    event: Arc<String>,
    timeline: Arc<Mutex<Timeline>>,
    done: Arc<Notify>,
}

/// What one cold start showed.
#[derive(Debug, Clone)]
pub struct Observed {
    pub init: Duration,
    pub first_response: Duration,
    pub response: String,
}

const REQUEST_ID: &str = "8476a536-e9f4-11e8-9739-2dfe598c3fcd";

impl Emulator {
    pub fn new(event: String) -> Self {
        Self {
            event: Arc::new(event),
            timeline: Arc::default(),
            done: Arc::default(),
        }
    }

    /// Serves on a free 127.0.0.1 port; returns `host:port` for `AWS_LAMBDA_RUNTIME_API`.
    pub async fn serve(&self) -> std::io::Result<(String, tokio::task::JoinHandle<()>)> {
        let router = Router::new()
            .route(NEXT, get(next))
            .route(RESPONSE, post(response))
            .route(ERROR, post(error))
            .route("/2018-06-01/runtime/init/error", post(init_error))
            .with_state(self.clone());
        serve_on_loopback(router).await
    }

    /// Waits for the answer to the one event, timed from `started`.
    pub async fn observe(&self, started: Instant, limit: Duration) -> Result<Observed, String> {
        let wait = self.done.notified();
        tokio::pin!(wait);
        loop {
            {
                let timeline = self.timeline.lock().map_err(|_| "poisoned")?;
                if let Some(error) = &timeline.error {
                    return Err(error.clone());
                }
                if let (Some(first_poll), Some(answered), Some(response)) =
                    (timeline.first_poll, timeline.answered, &timeline.response)
                {
                    return Ok(Observed {
                        init: first_poll - started,
                        first_response: answered - started,
                        response: response.clone(),
                    });
                }
            }
            if tokio::time::timeout(limit, wait.as_mut()).await.is_err() {
                return Err("no answer in time".into());
            }
            wait.set(self.done.notified());
        }
    }

    fn record(&self, update: impl FnOnce(&mut Timeline)) {
        if let Ok(mut timeline) = self.timeline.lock() {
            update(&mut timeline);
        }
        self.done.notify_waiters();
    }
}

async fn next(State(emulator): State<Emulator>) -> impl IntoResponse {
    let first = {
        let Ok(mut timeline) = emulator.timeline.lock() else {
            return (
                StatusCode::INTERNAL_SERVER_ERROR,
                HeaderMap::new(),
                String::new(),
            );
        };
        timeline.first_poll.get_or_insert_with(Instant::now);
        !std::mem::replace(&mut timeline.served, true)
    };
    if !first {
        // One event per cold start: later polls wait until the process is stopped.
        tokio::time::sleep(Duration::from_secs(3600)).await;
    }
    let headers = self::headers(REQUEST_ID);
    (StatusCode::OK, headers, emulator.event.as_ref().clone())
}

async fn response(
    State(emulator): State<Emulator>,
    Path(_id): Path<String>,
    body: String,
) -> StatusCode {
    emulator.record(|t| {
        t.answered = Some(Instant::now());
        t.response = Some(body);
    });
    StatusCode::ACCEPTED
}

async fn error(
    State(emulator): State<Emulator>,
    Path(_id): Path<String>,
    body: String,
) -> StatusCode {
    emulator.record(|t| t.error = Some(format!("invocation error: {body}")));
    StatusCode::ACCEPTED
}

async fn init_error(State(emulator): State<Emulator>, body: String) -> StatusCode {
    emulator.record(|t| t.error = Some(format!("init error: {body}")));
    StatusCode::ACCEPTED
}

/// The headers Lambda's Runtime API sends with an event.
pub(crate) fn headers(request_id: &str) -> HeaderMap {
    let mut headers = HeaderMap::new();
    if let Ok(value) = HeaderValue::from_str(request_id) {
        headers.insert("lambda-runtime-aws-request-id", value);
    }
    let deadline = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() + 30_000)
        .unwrap_or(0);
    if let Ok(value) = HeaderValue::from_str(&deadline.to_string()) {
        headers.insert("lambda-runtime-deadline-ms", value);
    }
    headers.insert(
        "lambda-runtime-invoked-function-arn",
        HeaderValue::from_static("arn:aws:lambda:eu-west-1:123456789012:function:bench"),
    );
    headers
}
