//! An iDenfy sandbox simulator, behaving as docs/idenfy.md describes: the token API (Basic auth,
//! iDenfy's limits and error shapes, 201), the session page behind the redirect URL
//! ([`session`]), and on submit the result webhook(s) — signed, with iDenfy's headers, body
//! shape and `final` flags — before the browser is sent on to the session's success, error or
//! unverified URL. A session may end normally, expire or be cancelled, with or without a
//! result. A token with an additional UPLOAD step (the additional-step mode) gets an upload
//! step on its page, and its webhook reports the step the way docs/idenfy.md describes. The
//! [`dashboard`] lists finished sessions and reviews one again: a new final result. The
//! [`files`] endpoint gives fresh links to a finished session's files (sample images).

mod dashboard;
mod files;
mod session;

use crate::html::page;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use base64::Engine;
use pair_adapters::idenfy::TokenRequest;
use pair_adapters::idenfy::signature::sign;
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

#[derive(Debug, Clone)]
pub struct SimulatorConfig {
    pub api_key: String,
    pub api_secret: String,
    pub signing_key: String,
    /// Where webhooks go when a token names no `callbackUrl` (the dashboard setting).
    pub default_webhook_url: Option<String>,
    /// How long after the preliminary result the final one follows.
    pub final_delay: Duration,
}

/// One token's session.
#[derive(Debug, Clone)]
struct Session {
    request: TokenRequest,
    scan_ref: String,
    issued_at: u64,
    /// What the person submitted, once the session is finished, with the last outcome sent
    /// (a review may have changed it).
    finished: Option<session::Finish>,
}

impl Session {
    /// The token can still be used: not finished, and not past its `expiryTime`.
    fn live(&self) -> bool {
        self.finished.is_none()
            && unix_now() < self.issued_at + u64::from(self.request.expiry_time.unwrap_or(3600))
    }

    /// The first UPLOAD step the token asked for (`additionalSteps.ALL.ALL.<name>`), if any.
    fn upload_step(&self) -> Option<String> {
        let steps = self.request.additional_steps.as_ref()?;
        steps
            .get("ALL")?
            .get("ALL")?
            .as_object()?
            .iter()
            .find(|(_, step)| step["type"] == "UPLOAD")
            .map(|(name, _)| name.clone())
    }
}

#[derive(Clone)]
pub struct Simulator {
    config: Arc<SimulatorConfig>,
    sessions: Arc<Mutex<HashMap<String, Session>>>,
    http: reqwest::Client,
}

impl Simulator {
    pub fn new(config: SimulatorConfig) -> Self {
        Self {
            config: Arc::new(config),
            sessions: Arc::default(),
            http: pair_adapters::outbound::http_client()
                .build()
                .expect("reqwest takes the rustls settings"),
        }
    }

    pub fn router(self) -> Router {
        Router::new()
            .route("/api/v2/token", post(create_token))
            .route("/api/v2/files", post(files::file_links))
            .route("/api/v2/status", post(files::session_status))
            .route("/api/v2/delete", post(delete_session))
            .route("/files/{scan_ref}/{name}", get(files::file))
            .route(
                "/api/v2/redirect",
                get(session::session_page).post(session::finish_session),
            )
            .route("/dashboard", get(dashboard::dashboard))
            .route("/dashboard/review", post(dashboard::review_again))
            .route("/dashboard/expiration", post(dashboard::send_expiration))
            .with_state(self)
    }

    fn sessions(&self) -> std::sync::MutexGuard<'_, HashMap<String, Session>> {
        self.sessions
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn session(&self, auth_token: &str) -> Option<Session> {
        self.sessions().get(auth_token).cloned()
    }
}

/// `POST /api/v2/delete` (Basic auth, body `{"scanRef": …}`): the session and its files are
/// gone, 200 with an empty body. A session whose token is still live and unfinished (the person
/// may be in it) is refused as iDenfy documents: "Token has not expired yet.".
async fn delete_session(
    State(sim): State<Simulator>,
    headers: HeaderMap,
    body: String,
) -> Response {
    let scan_ref = match scan_ref_request(&sim, &headers, &body) {
        Ok(scan_ref) => scan_ref,
        Err(refused) => return *refused,
    };
    let mut sessions = sim.sessions();
    let Some(token) = sessions
        .iter()
        .find(|(_, s)| s.scan_ref == scan_ref)
        .map(|(token, _)| token.clone())
    else {
        return idenfy_error(StatusCode::NOT_FOUND, None, "Verification not found.");
    };
    let live = sessions.get(&token).is_some_and(Session::live);
    if live {
        return idenfy_error(
            StatusCode::BAD_REQUEST,
            Some("PARTNER_ERROR"),
            "Token has not expired yet.",
        );
    }
    sessions.remove(&token);
    StatusCode::OK.into_response()
}

/// The `{"scanRef": …}` body of an authorised call to the files or delete endpoint, or
/// iDenfy's refusal of it.
fn scan_ref_request(
    sim: &Simulator,
    headers: &HeaderMap,
    body: &str,
) -> Result<String, Box<Response>> {
    if !authorised(&sim.config, headers) {
        return Err(Box::new(idenfy_error(
            StatusCode::UNAUTHORIZED,
            None,
            "Invalid authorization credentials",
        )));
    }
    serde_json::from_str::<Value>(body)
        .ok()
        .and_then(|v| v["scanRef"].as_str().map(str::to_owned))
        .ok_or_else(|| {
            Box::new(idenfy_error(
                StatusCode::BAD_REQUEST,
                Some("MISSING_VALUE"),
                "Missing mandatory parameter: scanRef.",
            ))
        })
}

fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

fn uuid_like() -> String {
    let hex = format!("{:016x}{:016x}", fastrand::u64(..), fastrand::u64(..));
    format!(
        "{}-{}-4{}-8{}-{}",
        &hex[..8],
        &hex[8..12],
        &hex[13..16],
        &hex[17..20],
        &hex[20..32]
    )
}

fn idenfy_error(status: StatusCode, identifier: Option<&str>, message: &str) -> Response {
    let body = match identifier {
        Some(identifier) => json!({"identifier": identifier, "message": message}),
        None => json!({"message": message}),
    };
    (status, Json(body)).into_response()
}

fn authorised(config: &SimulatorConfig, headers: &HeaderMap) -> bool {
    let expected = base64::engine::general_purpose::STANDARD
        .encode(format!("{}:{}", config.api_key, config.api_secret));
    headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Basic "))
        .is_some_and(|given| given.trim() == expected)
}

async fn create_token(State(sim): State<Simulator>, headers: HeaderMap, body: String) -> Response {
    if !authorised(&sim.config, &headers) {
        return idenfy_error(
            StatusCode::UNAUTHORIZED,
            None,
            "Invalid authorization credentials",
        );
    }
    let value: Value = match serde_json::from_str(&body) {
        Ok(value) => value,
        Err(_) => {
            return idenfy_error(
                StatusCode::BAD_REQUEST,
                Some("JSON_ERROR"),
                "Request body is not valid JSON.",
            );
        }
    };
    if value.get("clientId").and_then(Value::as_str).is_none() {
        return idenfy_error(
            StatusCode::BAD_REQUEST,
            Some("MISSING_VALUE"),
            "Missing mandatory parameter: clientId.",
        );
    }
    let mut request = match serde_json::from_value::<TokenRequest>(with_default_type(value.clone()))
    {
        Ok(request) => request,
        Err(e) => {
            return idenfy_error(
                StatusCode::BAD_REQUEST,
                Some("BAD_VALUE"),
                &format!("Invalid value: {e}"),
            );
        }
    };
    if let Err(problems) = request.check_limits() {
        return idenfy_error(
            StatusCode::BAD_REQUEST,
            Some("BAD_VALUE"),
            &problems.join("; "),
        );
    }
    request.expiry_time = request.expiry_time.or(Some(3600));
    request.session_length = request.session_length.or(Some(600));
    let auth_token: String = (0..40).map(|_| fastrand::alphanumeric()).collect();
    let scan_ref = uuid_like();
    let mut echo = serde_json::to_value(&request).unwrap_or_else(|_| json!({}));
    if let Some(echo) = echo.as_object_mut() {
        echo.insert("authToken".into(), json!(auth_token));
        echo.insert("scanRef".into(), json!(scan_ref));
        echo.insert("redirectUrl".into(), Value::Null);
        echo.insert("message".into(), json!("Token created successfully"));
    }
    sim.sessions().insert(
        auth_token,
        Session {
            request,
            scan_ref,
            issued_at: unix_now(),
            finished: None,
        },
    );
    (StatusCode::CREATED, Json(echo)).into_response()
}

fn session_not_found() -> Response {
    let body = "<h1>This verification link is not valid</h1>";
    (
        StatusCode::NOT_FOUND,
        Html(page("Session not found", "", body)),
    )
        .into_response()
}

/// iDenfy's default token type is IDENTIFICATION.
fn with_default_type(mut value: Value) -> Value {
    if let Some(object) = value.as_object_mut() {
        object
            .entry("tokenType")
            .or_insert_with(|| json!("IDENTIFICATION"));
    }
    value
}

impl Simulator {
    /// Where a session's webhooks go: the token's `callbackUrl`, else the dashboard setting.
    fn webhook_url(&self, request: &TokenRequest) -> Option<String> {
        let url = request
            .callback_url
            .clone()
            .or_else(|| self.config.default_webhook_url.clone());
        if url.is_none() {
            tracing::warn!("no webhook URL: the token had no callbackUrl and none is configured");
        }
        url
    }

    /// Posts a webhook as iDenfy does, retrying a few times on failure or non-2xx.
    async fn deliver(&self, url: &str, delivery: &session::Delivery) {
        let signature = sign(&self.config.signing_key, delivery.body.as_bytes());
        for attempt in 1..=5u32 {
            let sent = self
                .http
                .post(url)
                .header(header::CONTENT_TYPE, "application/json")
                .header("Idenfy-Event-Type", delivery.event_type)
                .header("Idenfy-Signature", &signature)
                .body(delivery.body.clone())
                .send()
                .await;
            match sent {
                Ok(response) if response.status().is_success() => return,
                Ok(response) => tracing::warn!(
                    attempt,
                    status = response.status().as_u16(),
                    "webhook refused; retrying"
                ),
                Err(error) => tracing::warn!(attempt, %error, "webhook not delivered; retrying"),
            }
            tokio::time::sleep(Duration::from_millis(300 * u64::from(attempt))).await;
        }
        tracing::error!(url, "webhook given up after 5 attempts");
    }
}
