//! "Your site's" webhook receiver: `POST /notifications` checks the Standard Webhooks
//! signature, drops a message whose id it has seen, and keeps the rest per clientId;
//! `GET /notifications/{clientId}` lists them, so the final page updates when one arrives.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Json, Response};
use pair_app::notify::standard_webhooks::{
    ID_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER, WebhookSecrets,
};
use pair_core::clock::{Clock, SystemClock};
use serde::Serialize;
use serde_json::Value;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// A notification the site accepted.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Received {
    pub webhook_id: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub status: String,
    pub version: u64,
}

#[derive(Clone)]
pub struct Receiver {
    secrets: WebhookSecrets,
    by_client: Arc<Mutex<HashMap<String, Vec<Received>>>>,
}

impl Receiver {
    pub fn new(secrets: WebhookSecrets) -> Self {
        Self {
            secrets,
            by_client: Arc::default(),
        }
    }

    pub fn received(&self, client_id: &str) -> Vec<Received> {
        self.by_client
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .get(client_id)
            .cloned()
            .unwrap_or_default()
    }

    fn accept(&self, headers: &HeaderMap, body: &str) -> Result<(), StatusCode> {
        let header = |name: &str| {
            headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .ok_or(StatusCode::BAD_REQUEST)
        };
        let id = header(ID_HEADER)?;
        self.secrets
            .verify(
                id,
                header(TIMESTAMP_HEADER)?,
                header(SIGNATURE_HEADER)?,
                body,
                SystemClock.now().unix_seconds(),
            )
            .map_err(|_| StatusCode::UNAUTHORIZED)?;
        let payload: Value = serde_json::from_str(body).map_err(|_| StatusCode::BAD_REQUEST)?;
        let data = &payload["data"];
        let client_id = data["clientId"].as_str().ok_or(StatusCode::BAD_REQUEST)?;
        let mut by_client = self
            .by_client
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let list = by_client.entry(client_id.to_owned()).or_default();
        if !list.iter().any(|seen| seen.webhook_id == id) {
            list.push(Received {
                webhook_id: id.to_owned(),
                kind: payload["type"].as_str().unwrap_or_default().to_owned(),
                status: data["status"].as_str().unwrap_or_default().to_owned(),
                version: data["version"].as_u64().unwrap_or_default(),
            });
        }
        Ok(())
    }
}

pub async fn notification(
    State(receiver): State<Receiver>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let body = String::from_utf8_lossy(&body);
    match receiver.accept(&headers, &body) {
        Ok(()) => StatusCode::NO_CONTENT.into_response(),
        Err(status) => status.into_response(),
    }
}

pub async fn notifications(
    State(receiver): State<Receiver>,
    Path(client_id): Path<String>,
) -> Json<Vec<Received>> {
    Json(receiver.received(&client_id))
}
