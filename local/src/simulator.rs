//! An iDenfy sandbox simulator, behaving as IDENFY.md describes: the token API (Basic auth,
//! iDenfy's limits and error shapes, 201), the session page behind the redirect URL, and on
//! submit the result webhook(s) — signed, with iDenfy's headers, body shape and `final` flags —
//! before the browser is sent on to the session's success, error or unverified URL. A token
//! with an additional UPLOAD step (the additional-step mode) gets an upload step on its page,
//! and its webhook reports the step the way IDENFY.md describes.

use crate::html::{escape, page};
use axum::extract::{Form, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use base64::Engine;
use serde::Deserialize;
use serde_json::{Value, json};
use shared::callback::signature::sign;
use shared::idenfy::{TokenRequest, TokenType};
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
}

impl Session {
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
            http: reqwest::Client::new(),
        }
    }

    pub fn router(self) -> Router {
        Router::new()
            .route("/api/v2/token", post(create_token))
            .route("/api/v2/redirect", get(session_page).post(finish_session))
            .with_state(self)
    }

    fn session(&self, auth_token: &str) -> Option<Session> {
        self.sessions
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .get(auth_token)
            .cloned()
    }
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
    sim.sessions
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .insert(
            auth_token,
            Session {
                request,
                scan_ref,
                issued_at: unix_now(),
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

#[derive(Deserialize)]
struct RedirectQuery {
    #[serde(rename = "authToken")]
    auth_token: String,
}

async fn session_page(
    State(sim): State<Simulator>,
    Query(query): Query<RedirectQuery>,
) -> Response {
    let Some(session) = sim.session(&query.auth_token) else {
        return session_not_found();
    };
    let request = &session.request;
    let (title, kind, doc_types, default_type) = match request.token_type {
        TokenType::Identification => (
            "Identity verification",
            "identity",
            vec!["ID_CARD", "PASSPORT", "DRIVER_LICENSE", "RESIDENCE_PERMIT"],
            "ID_CARD",
        ),
        TokenType::Document => {
            let wanted = request
                .documents
                .as_ref()
                .and_then(|d| d.first())
                .map_or("RESIDENCE_PERMIT", String::as_str);
            (
                "Document verification",
                "document",
                vec!["RESIDENCE_PERMIT", "ID_CARD", "PASSPORT", "DRIVER_LICENSE"],
                if doc_types_known(wanted) {
                    wanted
                } else {
                    "RESIDENCE_PERMIT"
                },
            )
        }
    };
    let options = |values: &[&str], selected: &str| {
        values
            .iter()
            .map(|v| {
                let chosen = if *v == selected { " selected" } else { "" };
                format!(r#"<option value="{v}"{chosen}>{v}</option>"#)
            })
            .collect::<String>()
    };
    let field = |id: &str, label: &str, value: &str| {
        format!(
            r#"<label for="{id}">{label}</label><input id="{id}" name="{id}" value="{}">"#,
            escape(value)
        )
    };
    let body = format!(
        r#"<p class="banner">iDenfy sandbox simulator — nothing here is real.</p>
<h1 id="session-kind" data-kind="{kind}">{title}</h1>
<p>clientId <code id="client-id">{client_id}</code>, scanRef <code>{scan_ref}</code></p>
<form method="post" action="/api/v2/redirect">
<input type="hidden" name="authToken" value="{auth_token}">
<label for="outcome">Outcome</label>
<select id="outcome" name="outcome">{outcomes}</select>
<label for="docType">Document type</label>
<select id="docType" name="docType">{doc_types}</select>
{first}{last}{dob}{number}
<label><input type="checkbox" id="preliminary" name="preliminary" value="on"> Send a preliminary result first (the final one follows)</label>
{upload}<button id="submit" type="submit">Finish session</button>
</form>"#,
        upload = session.upload_step().map_or_else(String::new, |step| format!(
            r#"<fieldset id="additional-step" data-step="{step}"><legend>Additional step: upload {step}</legend>
<label for="permitUpload">The file the person uploads</label>
<select id="permitUpload" name="permitUpload">{uploads}</select></fieldset>
"#,
            step = escape(&step),
            uploads = options(&["image", "pdf", "none"], "image"),
        )),
        client_id = escape(&request.client_id),
        scan_ref = escape(&session.scan_ref),
        auth_token = escape(&query.auth_token),
        outcomes = options(
            &["APPROVED", "DENIED", "SUSPECTED", "EXPIRED", "CANCELLED"],
            "APPROVED"
        ),
        doc_types = options(&doc_types, default_type),
        first = field(
            "firstName",
            "First name",
            request.first_name.as_deref().unwrap_or("JOHN")
        ),
        last = field(
            "lastName",
            "Last name",
            request.last_name.as_deref().unwrap_or("MÜLLER")
        ),
        dob = field(
            "dateOfBirth",
            "Date of birth",
            request.date_of_birth.as_deref().unwrap_or("1990-05-15")
        ),
        number = field(
            "documentNumber",
            "Document number",
            if kind == "identity" {
                "L01X00T47"
            } else {
                "RP4471932"
            }
        ),
    );
    Html(page(title, "", &body)).into_response()
}

fn doc_types_known(doc_type: &str) -> bool {
    ["RESIDENCE_PERMIT", "ID_CARD", "PASSPORT", "DRIVER_LICENSE"].contains(&doc_type)
}

#[derive(Debug, Deserialize)]
struct Finish {
    #[serde(rename = "authToken")]
    auth_token: String,
    outcome: String,
    #[serde(rename = "docType")]
    doc_type: String,
    #[serde(rename = "firstName", default)]
    first_name: String,
    #[serde(rename = "lastName", default)]
    last_name: String,
    #[serde(rename = "dateOfBirth", default)]
    date_of_birth: String,
    #[serde(rename = "documentNumber", default)]
    document_number: String,
    preliminary: Option<String>,
    /// The upload step's file: `image`, `pdf` or `none`.
    #[serde(rename = "permitUpload")]
    permit_upload: Option<String>,
}

/// One webhook delivery: event type header and body.
struct Delivery {
    event_type: &'static str,
    body: String,
}

async fn finish_session(State(sim): State<Simulator>, Form(form): Form<Finish>) -> Response {
    let Some(session) = sim.session(&form.auth_token) else {
        return session_not_found();
    };
    let request = &session.request;
    let abandoned = matches!(form.outcome.as_str(), "EXPIRED" | "CANCELLED");
    let overall = match form.outcome.as_str() {
        "APPROVED" | "DENIED" | "SUSPECTED" => form.outcome.as_str(),
        // Abandoned sessions report EXPIRED; the event type tells which it was.
        _ => "EXPIRED",
    };
    let final_event = match form.outcome.as_str() {
        "EXPIRED" => "IDENTIFICATION_EXPIRED",
        "CANCELLED" => "IDENTIFICATION_CANCELLED",
        _ if form.preliminary.is_some() => "IDENTIFICATION_MANUAL_FINISHED",
        _ => "IDENTIFICATION_AUTO_FINISHED",
    };
    let body =
        |is_final: bool| webhook_body(&session, &form, overall, is_final, abandoned).to_string();
    let webhook = request
        .callback_url
        .clone()
        .or_else(|| sim.config.default_webhook_url.clone());

    if let Some(webhook) = webhook {
        let final_delivery = Delivery {
            event_type: final_event,
            body: body(true),
        };
        if form.preliminary.is_some() && !abandoned {
            let preliminary = Delivery {
                event_type: "IDENTIFICATION_AUTO_FINISHED",
                body: body(false),
            };
            sim.deliver(&webhook, &preliminary).await;
            let sim = sim.clone();
            let delay = sim.config.final_delay;
            tokio::spawn(async move {
                tokio::time::sleep(delay).await;
                sim.deliver(&webhook, &final_delivery).await;
            });
        } else {
            sim.deliver(&webhook, &final_delivery).await;
        }
    } else {
        tracing::warn!("no webhook URL: the token had no callbackUrl and none is configured");
    }

    let next = match (form.outcome.as_str(), request) {
        ("APPROVED", r) => r.success_url.clone(),
        ("DENIED" | "SUSPECTED", r) => r.unverified_url.clone(),
        (_, r) => r.error_url.clone(),
    };
    match next {
        Some(url) => Redirect::to(&url).into_response(),
        None => Html(page(
            "Done",
            "",
            "<h1>Session finished</h1><p>The token named no URL to return to.</p>",
        ))
        .into_response(),
    }
}

/// iDenfy's result webhook body for this session.
fn webhook_body(
    session: &Session,
    form: &Finish,
    overall: &str,
    is_final: bool,
    abandoned: bool,
) -> Value {
    let request = &session.request;
    let text = |v: &str| {
        if v.trim().is_empty() || abandoned {
            Value::Null
        } else {
            json!(v.trim())
        }
    };
    let identity = request.token_type == TokenType::Identification;
    let mut file_urls = json!({
        "FRONT": format!("https://s3.example.invalid/{}/FRONT.png?X-Amz-Expires=3600", session.scan_ref),
        "BACK": format!("https://s3.example.invalid/{}/BACK.png?X-Amz-Expires=3600", session.scan_ref),
    });
    if identity && let Some(urls) = file_urls.as_object_mut() {
        urls.insert(
            "FACE".into(),
            json!(format!(
                "https://s3.example.invalid/{}/FACE.png?X-Amz-Expires=3600",
                session.scan_ref
            )),
        );
    }
    // The upload step, as IDENFY.md describes it: listed by name, its status, the file under
    // its name in fileUrls (an image) or additionalStepPdfUrls (a PDF).
    let mut pdf_urls = json!({});
    let (steps, step_status) = match session.upload_step() {
        Some(step) if !abandoned => {
            let url = |ext: &str| {
                json!(format!(
                    "https://s3.example.invalid/{}/{step}.{ext}?X-Amz-Expires=3600",
                    session.scan_ref
                ))
            };
            let upload = form.permit_upload.as_deref().unwrap_or("none");
            match upload {
                "image" => file_urls[&step] = url("jpg"),
                "pdf" => pdf_urls[&step] = url("pdf"),
                _ => {}
            }
            let status = if matches!(upload, "image" | "pdf") {
                "VALID"
            } else {
                "NOT_FOUND"
            };
            (json!({ step: "UPLOAD" }), json!(status))
        }
        _ => (Value::Null, Value::Null),
    };
    let start = session.issued_at + 30;
    json!({
        "final": is_final,
        "platform": "PC",
        "status": {
            "overall": overall,
            "suspicionReasons": if overall == "SUSPECTED" { json!(["FACE_SUSPECTED"]) } else { json!([]) },
            "denyReasons": [],
            "fraudTags": [],
            "mismatchTags": [],
            "autoFace": if identity { json!("FACE_MATCH") } else { Value::Null },
            "manualFace": if identity && is_final { json!("FACE_MATCH") } else { Value::Null },
            "autoDocument": "DOC_VALIDATED",
            "manualDocument": if is_final { json!("DOC_VALIDATED") } else { Value::Null },
            "additionalSteps": step_status
        },
        "data": {
            "docFirstName": text(&form.first_name),
            "docLastName": text(&form.last_name),
            "docNumber": text(&form.document_number),
            "docPersonalCode": null,
            "docExpiry": "2031-04-30",
            "docDob": text(&form.date_of_birth),
            "docType": if abandoned { Value::Null } else { json!(form.doc_type) },
            "docSex": null,
            "docNationality": null,
            "docIssuingCountry": null,
            "manuallyDataChanged": false,
            "fullName": null
        },
        "fileUrls": if abandoned { json!({}) } else { file_urls },
        "additionalStepPdfUrls": if abandoned { json!({}) } else { pdf_urls },
        "AML": [],
        "LID": [],
        "scanRef": session.scan_ref,
        "externalRef": request.external_ref,
        "clientId": request.client_id,
        "startTime": start,
        "finishTime": start + 120,
        "clientIp": "127.0.0.1",
        "clientIpCountry": "LT",
        "clientLocation": "Vilnius",
        "additionalSteps": steps
    })
}

impl Simulator {
    /// Posts a webhook as iDenfy does, retrying a few times on failure or non-2xx.
    async fn deliver(&self, url: &str, delivery: &Delivery) {
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
