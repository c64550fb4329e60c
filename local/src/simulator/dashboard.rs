//! The simulator's dashboard: the finished sessions; "review again" — a person at iDenfy
//! looks at a session once more and a new final result is sent (docs/idenfy.md: a final result is
//! not always the last word); and "send expiration notice" — iDenfy's DOCUMENT_EXPIRATION
//! webhook for the session's document, at a threshold the tester picks.

use super::session::{Delivery, webhook_body};
use super::{Simulator, session_not_found};
use crate::html::{escape, page};
use axum::extract::{Form, Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use pair_adapters::idenfy::TokenType;
use pair_adapters::idenfy::expiration::{EXPIRATION_EVENT, THRESHOLDS};
use serde::Deserialize;
use serde_json::json;

/// What a review may decide.
const REVIEW_OUTCOMES: [&str; 3] = ["APPROVED", "DENIED", "SUSPECTED"];

#[derive(Debug, Deserialize)]
pub(super) struct DashboardQuery {
    /// Only this clientId's sessions.
    #[serde(rename = "clientId")]
    client_id: Option<String>,
    /// The scanRef just reviewed.
    reviewed: Option<String>,
    /// The scanRef an expiration notice was just sent for.
    noticed: Option<String>,
}

pub(super) async fn dashboard(
    State(sim): State<Simulator>,
    Query(query): Query<DashboardQuery>,
) -> Html<String> {
    let mut finished: Vec<_> = sim
        .sessions()
        .iter()
        .filter(|(_, s)| s.finished.is_some())
        .filter(|(_, s)| {
            query
                .client_id
                .as_deref()
                .is_none_or(|c| c == s.request.client_id)
        })
        .map(|(token, s)| (token.clone(), s.clone()))
        .collect();
    finished.sort_by(|(_, a), (_, b)| (a.issued_at, &a.scan_ref).cmp(&(b.issued_at, &b.scan_ref)));
    let options: String = REVIEW_OUTCOMES
        .iter()
        .map(|o| format!(r#"<option value="{o}">{o}</option>"#))
        .collect();
    let thresholds: String = THRESHOLDS
        .iter()
        .map(|(name, _)| format!(r#"<option value="{name}">{name}</option>"#))
        .collect();
    let rows: String = finished
        .iter()
        .map(|(token, session)| {
            let kind = match session.request.token_type {
                TokenType::Identification => "identity",
                TokenType::Document => "document",
            };
            let outcome = session.finished.as_ref().map_or("", |f| f.outcome.as_str());
            format!(
                r#"<tr class="session" data-kind="{kind}" data-client-id="{client}" data-scan-ref="{scan}">
<td><code>{client}</code></td><td>{kind}</td><td><code>{scan}</code></td><td class="outcome">{outcome}</td>
<td><form method="post" action="/dashboard/review"><input type="hidden" name="authToken" value="{token}">
<select name="outcome" class="review-outcome">{options}</select>
<button type="submit" class="review-again">Review again</button></form>
<form method="post" action="/dashboard/expiration"><input type="hidden" name="authToken" value="{token}">
<select name="threshold" class="expiration-threshold">{thresholds}</select>
<button type="submit" class="send-expiration">Send expiration notice</button></form></td></tr>"#,
                client = escape(&session.request.client_id),
                scan = escape(&session.scan_ref),
                outcome = escape(outcome),
                token = escape(token),
            )
        })
        .collect();
    let mut notice = query.reviewed.as_deref().map_or_else(String::new, |scan| {
        format!(
            r#"<p id="reviewed" class="banner">Reviewed again: a new final result for <code>{}</code> was sent.</p>"#,
            escape(scan)
        )
    });
    if let Some(scan) = query.noticed.as_deref() {
        notice.push_str(&format!(
            r#"<p id="noticed" class="banner">An expiration notice for <code>{}</code> was sent.</p>"#,
            escape(scan)
        ));
    }
    let body = format!(
        r#"<p class="banner">iDenfy sandbox simulator — nothing here is real.</p>
<h1>Dashboard</h1>{notice}
<p>A person at iDenfy may review a finished session again; the new final result is sent as a
webhook (<code>IDENTIFICATION_MANUAL_FINISHED</code>, <code>final: true</code>). iDenfy
also tells when a session's document nears its expiry (<code>DOCUMENT_EXPIRATION</code>, at 30,
7 and 1 days, and once expired).</p>
<table id="sessions"><tr><th>clientId</th><th>session</th><th>scanRef</th><th>result</th><th></th></tr>
{rows}</table>"#
    );
    Html(page("iDenfy sandbox dashboard", "", &body))
}

#[derive(Debug, Deserialize)]
pub(super) struct Review {
    #[serde(rename = "authToken")]
    auth_token: String,
    outcome: String,
}

pub(super) async fn review_again(
    State(sim): State<Simulator>,
    Form(review): Form<Review>,
) -> Response {
    let Some(session) = sim.session(&review.auth_token) else {
        return session_not_found();
    };
    let Some(finished) = &session.finished else {
        let body = "<h1>This session is not finished</h1>";
        return (StatusCode::CONFLICT, Html(page("Not finished", "", body))).into_response();
    };
    if !REVIEW_OUTCOMES.contains(&review.outcome.as_str()) {
        let body = "<h1>A review decides APPROVED, DENIED or SUSPECTED</h1>";
        return (StatusCode::BAD_REQUEST, Html(page("Bad review", "", body))).into_response();
    }
    let reviewed = finished.reviewed(&review.outcome);
    if let Some(stored) = sim.sessions().get_mut(&review.auth_token) {
        stored.finished = Some(reviewed.clone());
    }
    if let Some(webhook) = sim.webhook_url(&session.request) {
        let delivery = Delivery {
            event_type: "IDENTIFICATION_MANUAL_FINISHED",
            body: webhook_body(&session, &reviewed, true).to_string(),
        };
        sim.deliver(&webhook, &delivery).await;
    }
    let mut back = url::form_urlencoded::Serializer::new(String::new());
    back.append_pair("clientId", &session.request.client_id);
    back.append_pair("reviewed", &session.scan_ref);
    Redirect::to(&format!("/dashboard?{}", back.finish())).into_response()
}

#[derive(Debug, Deserialize)]
pub(super) struct Expiration {
    #[serde(rename = "authToken")]
    auth_token: String,
    threshold: String,
}

/// iDenfy's document-expiration webhook for a finished session: its scanRef and clientId, the
/// threshold picked, and the document's expiry date as the session's result gave it.
pub(super) async fn send_expiration(
    State(sim): State<Simulator>,
    Form(expiration): Form<Expiration>,
) -> Response {
    let Some(session) = sim.session(&expiration.auth_token) else {
        return session_not_found();
    };
    let Some(finished) = &session.finished else {
        let body = "<h1>This session is not finished</h1>";
        return (StatusCode::CONFLICT, Html(page("Not finished", "", body))).into_response();
    };
    if !THRESHOLDS
        .iter()
        .any(|(name, _)| *name == expiration.threshold)
    {
        let body = "<h1>Not a threshold iDenfy sends</h1>";
        return (
            StatusCode::BAD_REQUEST,
            Html(page("Bad threshold", "", body)),
        )
            .into_response();
    }
    if let Some(webhook) = sim.webhook_url(&session.request) {
        let delivery = Delivery {
            event_type: EXPIRATION_EVENT,
            body: json!({
                "clientId": session.request.client_id,
                "scanRef": session.scan_ref,
                "expirationThreshold": expiration.threshold,
                "documentExpiration": finished.document_expiry(),
            })
            .to_string(),
        };
        sim.deliver(&webhook, &delivery).await;
    }
    let mut back = url::form_urlencoded::Serializer::new(String::new());
    back.append_pair("clientId", &session.request.client_id);
    back.append_pair("noticed", &session.scan_ref);
    Redirect::to(&format!("/dashboard?{}", back.finish())).into_response()
}
