//! `POST /api/v2/files` (Basic auth, body `{"scanRef": …}`): fresh links to a finished
//! session's files, each working for an hour, served by the simulator itself at
//! `/files/{scanRef}/{name}` — drawn sample images of the document, the face, and the
//! permit's upload. An unfinished or abandoned session has no files; an unknown scanRef is 404.
//! And `POST /api/v2/status`: a session's state and the clientId it belongs to.

use super::{Simulator, idenfy_error, scan_ref_request, unix_now};
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use pair_adapters::idenfy::TokenType;
use serde::Deserialize;
use serde_json::{Map, Value, json};

/// How long a link works, as iDenfy's presigned links do.
const LINK_LIFETIME_SECONDS: u64 = 3600;

pub(super) async fn file_links(
    State(sim): State<Simulator>,
    headers: HeaderMap,
    body: String,
) -> Response {
    let scan_ref = match scan_ref_request(&sim, &headers, &body) {
        Ok(scan_ref) => scan_ref,
        Err(refused) => return *refused,
    };
    let Some(names) = file_names(&sim, &scan_ref) else {
        return idenfy_error(StatusCode::NOT_FOUND, None, "Verification not found.");
    };
    let host = headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("127.0.0.1");
    let expires = unix_now() + LINK_LIFETIME_SECONDS;
    let links: Map<String, Value> = names
        .into_iter()
        .map(|name| {
            // A signature of its own per answer, as a presigned link has; only the expiry is
            // checked (the files are drawn samples).
            let signature = format!("{:016x}", fastrand::u64(..));
            let link = format!(
                "http://{host}/files/{scan_ref}/{name}?expires={expires}&signature={signature}"
            );
            (name, json!(link))
        })
        .collect();
    Json(Value::Object(links)).into_response()
}

/// `POST /api/v2/status` (Basic auth, body `{"scanRef": …}`): the session's status (ACTIVE while
/// its token is live, EXPIRED once it lapsed unused, else its outcome) and its clientId, as
/// iDenfy answers; an unknown scanRef is 404.
pub(super) async fn session_status(
    State(sim): State<Simulator>,
    headers: HeaderMap,
    body: String,
) -> Response {
    let scan_ref = match scan_ref_request(&sim, &headers, &body) {
        Ok(scan_ref) => scan_ref,
        Err(refused) => return *refused,
    };
    let sessions = sim.sessions();
    let Some(session) = sessions.values().find(|s| s.scan_ref == scan_ref) else {
        return idenfy_error(StatusCode::NOT_FOUND, None, "Verification not found.");
    };
    let status = match &session.finished {
        Some(finish) => finish.outcome.as_str(),
        None if session.live() => "ACTIVE",
        None => "EXPIRED",
    };
    Json(json!({
        "status": status,
        "scanRef": scan_ref,
        "clientId": session.request.client_id,
    }))
    .into_response()
}

/// The files of session `scan_ref`, or `None` when the simulator issued no such session.
fn file_names(sim: &Simulator, scan_ref: &str) -> Option<Vec<String>> {
    let sessions = sim.sessions();
    let session = sessions.values().find(|s| s.scan_ref == scan_ref)?;
    let Some(finish) = session.finished.as_ref().filter(|f| !f.abandoned()) else {
        return Some(Vec::new());
    };
    let mut names = vec!["FRONT".to_owned(), "BACK".to_owned()];
    if session.request.token_type == TokenType::Identification {
        names.push("FACE".to_owned());
    }
    if let (Some(step), Some(_)) = (session.upload_step(), finish.uploaded()) {
        names.push(step);
    }
    Some(names)
}

#[derive(Deserialize)]
pub(super) struct Link {
    expires: u64,
}

/// One file behind a link: a sample image, until the link expires (then 403, as S3 answers).
pub(super) async fn file(
    State(sim): State<Simulator>,
    Path((scan_ref, name)): Path<(String, String)>,
    Query(link): Query<Link>,
) -> Response {
    if link.expires < unix_now() {
        return (StatusCode::FORBIDDEN, "Request has expired").into_response();
    }
    if !file_names(&sim, &scan_ref).is_some_and(|names| names.contains(&name)) {
        return (StatusCode::NOT_FOUND, "No such file").into_response();
    }
    (
        [
            (header::CONTENT_TYPE, "image/svg+xml"),
            (header::CACHE_CONTROL, "private, max-age=60"),
        ],
        sample_image(&name),
    )
        .into_response()
}

/// A drawn stand-in for a document photo: the file's name on a card.
fn sample_image(name: &str) -> String {
    let label: String = name
        .chars()
        .map(|c| if c == '_' { ' ' } else { c })
        .filter(|c| c.is_ascii_alphanumeric() || *c == ' ')
        .collect();
    format!(
        r##"<svg xmlns="http://www.w3.org/2000/svg" width="320" height="200" viewBox="0 0 320 200"><rect x="4" y="4" width="312" height="192" rx="14" fill="#eef3f8" stroke="#2c5282" stroke-width="3"/><circle cx="70" cy="90" r="32" fill="#cbd5e0"/><rect x="120" y="60" width="170" height="12" fill="#a0aec0"/><rect x="120" y="84" width="140" height="12" fill="#a0aec0"/><rect x="120" y="108" width="160" height="12" fill="#a0aec0"/><text x="160" y="172" font-family="sans-serif" font-size="18" text-anchor="middle" fill="#2c5282">{label} (sample)</text></svg>"##
    )
}
