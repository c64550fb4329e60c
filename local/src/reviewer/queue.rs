//! "Your site's" review queue: the pairs waiting for review, oldest first, a page at a time
//! from `GET /verifications?status=REQUIRES_REVIEW`, each with its claim; and a claim, sent to
//! `POST /verifications/{clientId}/claim` as the reviewer the page works as.

use super::{READER, encoded, queue_value, reasons};
use crate::AppState;
use crate::html::{escape, page};
use crate::site::call_api;
use axum::extract::{Form, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use pair_adapters::http_api::Caller;
use serde::Deserialize;
use serde_json::Value;

/// The page's own query: who works on it, and where the page starts.
#[derive(Debug, Default, Deserialize)]
pub struct QueueQuery {
    #[serde(default)]
    reviewer: String,
    cursor: Option<String>,
}

impl QueueQuery {
    /// Who the page works as (blank: nobody yet).
    pub fn reviewer(&self) -> &str {
        self.reviewer.trim()
    }
}

/// How many pairs a page of the local queue shows.
const PAGE: usize = 10;

/// `GET /review`: a page of the queue.
pub async fn waiting(State(state): State<AppState>, Query(query): Query<QueueQuery>) -> Response {
    queue_page(&state, &query, None).await
}

async fn queue_page(state: &AppState, query: &QueueQuery, problem: Option<String>) -> Response {
    let mut asked = format!("/verifications?status=REQUIRES_REVIEW&limit={PAGE}");
    if let Some(cursor) = &query.cursor {
        asked.push_str(&format!("&cursor={}", queue_value(cursor)));
    }
    let (status, listed) = call_api(state, "GET", &asked, None, None, READER).await;
    if !status.is_success() {
        let message = listed["message"].as_str().unwrap_or("no answer");
        let body = format!(
            r#"<h1>Queue unavailable</h1><p id="error">{}</p><p><a href="/review">Back</a></p>"#,
            escape(message)
        );
        return (status, Html(page("Review queue", "", &body))).into_response();
    }
    let reviewer = query.reviewer.trim();
    let items: String = listed["items"]
        .as_array()
        .map(|items| items.iter().map(|item| item_html(item, reviewer)).collect())
        .unwrap_or_default();
    let list = if items.is_empty() {
        r#"<p id="none">Nothing waits for review.</p>"#.to_owned()
    } else {
        format!(r#"<ol id="awaiting">{items}</ol>"#)
    };
    let next = listed["nextCursor"].as_str().map_or_else(String::new, |cursor| {
        format!(
            r#"<p><a id="next" href="/review?reviewer={who}&amp;cursor={cursor}">Next page</a></p>"#,
            who = escape(&queue_value(reviewer)),
            cursor = escape(&queue_value(cursor)),
        )
    });
    let problem = problem.map_or_else(String::new, |p| {
        format!(r#"<p id="error" class="banner">{}</p>"#, escape(&p))
    });
    let body = format!(
        r#"<h1>Waiting for review</h1>
<form id="work-as" method="get" action="/review">
<label for="as">Working as</label>
<input id="as" name="reviewer" value="{who}" maxlength="128">
<button type="submit">Go</button>
</form>
{problem}
{list}
{next}
<p><a href="/">Back to the site</a></p>"#,
        who = escape(reviewer),
    );
    Html(page("Waiting for review", "", &body)).into_response()
}

/// One waiting pair: its reasons, how long it waited, who holds it, and a claim button.
fn item_html(item: &Value, reviewer: &str) -> String {
    let client_id = item["clientId"].as_str().unwrap_or("");
    let claimed_by = item["claimedBy"].as_str();
    let claim = claimed_by.map_or_else(String::new, |by| {
        format!(
            r#" <span class="claim">claimed by {by} until {until}</span>"#,
            by = escape(by),
            until = escape(item["claimedUntil"].as_str().unwrap_or("")),
        )
    });
    format!(
        r#"<li data-client-id="{id}" data-claimed-by="{by}"><a href="/review/{link}?reviewer={who}">{id}</a> — {reasons} — waiting since {since}{claim}
<form class="claim" method="post" action="/review/{link}/claim"><input type="hidden" name="reviewer" value="{reviewer}"><button type="submit">Claim</button></form></li>"#,
        id = escape(client_id),
        by = escape(claimed_by.unwrap_or("")),
        link = escape(&encoded(client_id)),
        who = escape(&queue_value(reviewer)),
        reviewer = escape(reviewer),
        reasons = escape(&reasons(item)),
        since = escape(item["waitingSince"].as_str().unwrap_or("")),
    )
}

#[derive(Debug, Deserialize)]
pub struct ClaimForm {
    #[serde(default)]
    reviewer: String,
}

/// `POST /review/{clientId}/claim`: the claim to the API as the page's reviewer; on to the
/// pair's evidence, or back to the queue with why not.
pub async fn claim(
    State(state): State<AppState>,
    Path(client_id): Path<String>,
    Form(form): Form<ClaimForm>,
) -> Response {
    let reviewer = form.reviewer.trim().to_owned();
    let query = QueueQuery {
        reviewer: reviewer.clone(),
        cursor: None,
    };
    if reviewer.is_empty() {
        let problem = "Say who you work as before claiming a pair.".to_owned();
        return with_status(
            StatusCode::BAD_REQUEST,
            queue_page(&state, &query, Some(problem)).await,
        );
    }
    let (status, answer) = call_api(
        &state,
        "POST",
        "/verifications/{clientId}/claim",
        Some(&client_id),
        None,
        Caller::Jwt {
            subject: &reviewer,
            scopes: &["idenfy-pair/review"],
        },
    )
    .await;
    if status == StatusCode::OK {
        return Redirect::to(&format!(
            "/review/{}?reviewer={}",
            encoded(&client_id),
            queue_value(&reviewer)
        ))
        .into_response();
    }
    let problem = match answer["code"].as_str() {
        Some("CLAIMED") => format!(
            "CLAIMED: {} holds {client_id} until {}",
            answer["claimedBy"].as_str().unwrap_or("another reviewer"),
            answer["claimedUntil"].as_str().unwrap_or("it lapses"),
        ),
        Some(code) => format!(
            "{code}: {}",
            answer["message"].as_str().unwrap_or("refused")
        ),
        None => "no answer".to_owned(),
    };
    with_status(status, queue_page(&state, &query, Some(problem)).await)
}

fn with_status(status: StatusCode, mut response: Response) -> Response {
    *response.status_mut() = status;
    response
}
