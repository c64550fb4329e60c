//! The site's side of a permit renewal: the offer on the final page, and the call that opens
//! one and sends the person to its session.

use super::{SITE, call_api};
use crate::AppState;
use crate::html::{escape, page};
use axum::extract::{Form, State};
use axum::response::{Html, IntoResponse, Redirect, Response};
use serde::Deserialize;
use serde_json::{Value, json};

/// A verified pair's permit renewal: where an open one stands, and the offer to renew once
/// the permit is EXPIRING or EXPIRED.
pub(super) fn renewal(response: &Value, client_id: &str) -> String {
    let mut html = String::new();
    if let Some(status) = response["renewal"]["status"].as_str() {
        html.push_str(&format!(
            r#"<p id="renewal" data-status="{status}">Permit renewal: {status}.</p>"#,
            status = escape(status),
        ));
    }
    let lapsing = matches!(response["validity"].as_str(), Some("EXPIRING" | "EXPIRED"));
    if response["status"] == "VERIFIED" && lapsing && response["renewal"]["status"] != "OPEN" {
        html.push_str(&format!(
            r#"<form method="post" action="/renew"><input type="hidden" name="clientId" value="{client}"><p>Your residence permit ends soon: show the new one — no selfie or ID needed again.</p><button id="renew" type="submit">Renew the permit</button></form>"#,
            client = escape(client_id),
        ));
    }
    html
}

#[derive(Debug, Deserialize)]
pub struct RenewForm {
    #[serde(rename = "clientId")]
    client_id: String,
}

/// The site asks the API for a renewal of the permit and sends the person to its session.
pub async fn renew(State(state): State<AppState>, Form(form): Form<RenewForm>) -> Response {
    let client_id = form.client_id.trim().to_owned();
    let done = {
        let mut url = url::Url::parse(&format!("{}/done", state.site_origin)).ok();
        if let Some(url) = url.as_mut() {
            url.query_pairs_mut().append_pair("clientId", &client_id);
        }
        url.map(String::from).unwrap_or_default()
    };
    let body = json!({"successUrl": done, "errorUrl": done, "unverifiedUrl": done});
    let (status, response) = call_api(
        &state,
        "POST",
        "/verifications/{clientId}/renewal",
        Some(&client_id),
        Some(body),
        SITE,
    )
    .await;
    match response["verificationUrl"].as_str() {
        Some(url) if status.is_success() => Redirect::to(url).into_response(),
        _ => {
            let body = format!(
                r#"<h1>The permit cannot be renewed</h1><p id="renew-refused">{code}</p><p><a href="/done?clientId={client}">Back</a></p>"#,
                code = escape(response["code"].as_str().unwrap_or("UNKNOWN")),
                client = escape(&client_id),
            );
            (status, Html(page("Renewal", "", &body))).into_response()
        }
    }
}
