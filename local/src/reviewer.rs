//! "Your site's" reviewer pages: the queue of pairs waiting for review and a claim on one
//! ([`queue`]), one pair's evidence — each session's result and its files, fresh from iDenfy
//! through `GET /verifications/{clientId}/evidence`, and who holds it — and the decision, sent
//! to `POST /verifications/{clientId}/review`. Nothing of the evidence is kept.

use crate::AppState;
use crate::html::{escape, page};
use crate::site::call_api;
use axum::extract::{Form, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use pair_adapters::http_api::Caller;
use serde::Deserialize;
use serde_json::{Value, json};

mod queue;
pub use queue::{QueueQuery, claim, waiting};

/// A clientId as a path segment.
fn encoded(client_id: &str) -> String {
    url::form_urlencoded::byte_serialize(client_id.as_bytes()).collect()
}

/// Text as a query value.
fn queue_value(text: &str) -> String {
    url::form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

/// The reviewer pages read as this reviewer; a decision is made as the one the form names (the
/// local stand-in for a reviewer's sign-in: deployed, the JWT's subject is the reviewer).
const READER: Caller<'static> = Caller::Jwt {
    subject: "local-reviewer",
    scopes: &["idenfy-pair/review"],
};

fn reasons(shown: &Value) -> String {
    shown["reasons"]
        .as_array()
        .map(|r| {
            r.iter()
                .filter_map(Value::as_str)
                .collect::<Vec<_>>()
                .join(", ")
        })
        .unwrap_or_default()
}

/// `GET /review/{clientId}`: the evidence and, while the pair requires review, the decision
/// form (as the queue's reviewer, `?reviewer=`).
pub async fn evidence(
    State(state): State<AppState>,
    Path(client_id): Path<String>,
    Query(query): Query<QueueQuery>,
) -> Response {
    evidence_page(&state, &client_id, query.reviewer(), None).await
}

async fn evidence_page(
    state: &AppState,
    client_id: &str,
    reviewer: &str,
    problem: Option<String>,
) -> Response {
    let (status, evidence) = call_api(
        state,
        "GET",
        "/verifications/{clientId}/evidence",
        Some(client_id),
        None,
        READER,
    )
    .await;
    if !status.is_success() {
        let message = evidence["message"].as_str().unwrap_or("no answer");
        let body = format!(
            r#"<h1>Evidence unavailable</h1><p id="error">{}</p><p><a href="/review">Back</a></p>"#,
            escape(message)
        );
        return (status, Html(page("Evidence", "", &body))).into_response();
    }
    let sessions: String = evidence["sessions"]
        .as_array()
        .map(|sessions| sessions.iter().map(session_html).collect())
        .unwrap_or_default();
    let verdict = evidence["status"].as_str().unwrap_or("PENDING");
    let decision = if verdict == "REQUIRES_REVIEW" {
        format!(
            r#"<form id="decide" method="post" action="/review/{link}">
<input type="hidden" name="pairId" value="{pair}">
<input type="hidden" name="verdictVersion" value="{version}">
<label for="reviewer">Reviewer</label>
<input id="reviewer" name="reviewer" value="{reviewer}" required maxlength="128">
<label for="note">Note (optional)</label>
<input id="note" name="note" maxlength="500">
<button id="approve" type="submit" name="decision" value="VERIFIED">Approve</button>
<button id="reject" type="submit" name="decision" value="REJECTED">Reject</button>
</form>"#,
            link = escape(&encoded(client_id)),
            pair = escape(evidence["pairId"].as_str().unwrap_or("")),
            version = evidence["verdictVersion"].as_u64().unwrap_or(0),
            reviewer = escape(reviewer),
        )
    } else {
        format!(r#"<p id="decided">Decided: {}</p>"#, escape(verdict))
    };
    let problem = problem.map_or_else(String::new, |p| {
        format!(r#"<p id="error" class="banner">{}</p>"#, escape(&p))
    });
    let body = format!(
        r#"<h1>Review {id}</h1>
{problem}
<p id="status" class="status">{verdict}</p>
<p id="reasons">{reasons}</p>
<p id="valid-until">Valid until: {valid_until}</p>
{claims}
{policy}
{checks}
{duplicates}
{sessions}
{decision}
<p><a href="/review?reviewer={who}">All pairs waiting</a></p>"#,
        who = escape(&queue_value(reviewer)),
        id = escape(client_id),
        verdict = escape(verdict),
        reasons = escape(&reasons(&evidence)),
        valid_until = escape(evidence["validUntil"].as_str().unwrap_or("unknown")),
        policy = policy_html(&evidence),
        claims = claims_html(&evidence),
        checks = checks_html(&evidence),
        duplicates = duplicates_html(&evidence),
    );
    // The links inside expire within the hour; never cache the page.
    (
        [(axum::http::header::CACHE_CONTROL, "no-store")],
        Html(page("Review", "", &body)),
    )
        .into_response()
}

/// Who holds the pair now, and every claim on it (the review's audit).
fn claims_html(evidence: &Value) -> String {
    let holder = evidence["claimedBy"]
        .as_str()
        .map_or_else(String::new, |by| {
            format!(
                r#"<p id="claim">Claimed by {by} until {until}</p>"#,
                by = escape(by),
                until = escape(evidence["claimedUntil"].as_str().unwrap_or("")),
            )
        });
    let claims: String = evidence["claims"]
        .as_array()
        .map(|claims| {
            claims
                .iter()
                .map(|c| {
                    format!(
                        "<li>{by}: {at} to {until}</li>",
                        by = escape(c["by"].as_str().unwrap_or("")),
                        at = escape(c["at"].as_str().unwrap_or("")),
                        until = escape(c["until"].as_str().unwrap_or("")),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    if claims.is_empty() {
        return holder;
    }
    format!(r#"{holder}<h2>Claims</h2><ul id="claims">{claims}</ul>"#)
}

/// The permit policy the pair was issued with.
fn policy_html(evidence: &Value) -> String {
    let policy = &evidence["permitPolicy"];
    let countries = policy["issuingCountries"]
        .as_array()
        .map(|c| c.iter().filter_map(Value::as_str).collect::<Vec<_>>())
        .filter(|c| !c.is_empty())
        .map_or_else(|| "any country".to_owned(), |c| c.join(", "));
    format!(
        r#"<p id="permit-policy">Permit policy: issued by {countries}; valid at least {days} days after the decision</p>"#,
        countries = escape(&countries),
        days = policy["minValidDays"].as_u64().unwrap_or(0),
    )
}

/// The sessions iDenfy's duplicate check points at: the other account's review page where
/// this deployment opened the session.
fn duplicates_html(evidence: &Value) -> String {
    let Some(duplicates) = evidence["duplicates"].as_array().filter(|d| !d.is_empty()) else {
        return String::new();
    };
    let items: String = duplicates
        .iter()
        .map(|d| {
            let scan_ref = escape(d["scanRef"].as_str().unwrap_or(""));
            let owner = match d["clientId"].as_str() {
                Some(client) => format!(
                    r#"<a class="owner" href="/review/{link}">{client}</a>"#,
                    link = escape(&encoded(client)),
                    client = escape(client)
                ),
                None => r#"<span class="owner">not a session of this deployment</span>"#.to_owned(),
            };
            format!(
                r#"<li data-scan-ref="{scan_ref}">{scan_ref} (named by the {role} session): {owner}</li>"#,
                role = escape(d["flaggedBy"].as_str().unwrap_or("")),
            )
        })
        .collect();
    format!(
        r#"<h2>Duplicates iDenfy found under other clientIds</h2><ul id="duplicates">{items}</ul>"#
    )
}

/// Each rule with both documents' values side by side, and what it found.
fn checks_html(evidence: &Value) -> String {
    let Some(checks) = evidence["checks"].as_array().filter(|c| !c.is_empty()) else {
        return r#"<p id="checks-none">No rule applied yet: a session's result is needed (both sessions' for the rules that compare the two documents).</p>"#.to_owned();
    };
    let cell = |value: &Value| escape(value.as_str().unwrap_or("—"));
    let rows: String = checks
        .iter()
        .map(|check| {
            format!(
                r#"<tr data-rule="{rule}" data-finding="{finding}"><th>{rule}</th><td class="identity">{identity}</td><td class="permit">{permit}</td><td>{finding}</td><td class="reason">{reason}</td></tr>"#,
                rule = cell(&check["rule"]),
                identity = cell(&check["identity"]),
                permit = cell(&check["permit"]),
                finding = cell(&check["finding"]),
                reason = check["reason"].as_str().map(escape).unwrap_or_default(),
            )
        })
        .collect();
    format!(
        r#"<table id="checks"><caption>Compared on {day}</caption><tr><th>rule</th><th>identity document</th><th>permit</th><th>finding</th><th>reason</th></tr>{rows}</table>"#,
        day = cell(&evidence["judgedOn"]),
    )
}

fn session_html(session: &Value) -> String {
    let files: String = session["files"]
        .as_object()
        .map(|files| {
            files
                .iter()
                .filter_map(|(name, link)| Some((name, link.as_str()?)))
                .map(|(name, link)| {
                    format!(
                        r#"<figure><img class="file" data-name="{name}" src="{link}" alt="{name}" width="240"><figcaption>{name}</figcaption></figure>"#,
                        name = escape(name),
                        link = escape(link),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    format!(
        r#"<section class="session" data-role="{role}"><h2>{role} session</h2><p>scanRef <code>{scan}</code>: {status}</p>{files}</section>"#,
        role = escape(session["role"].as_str().unwrap_or("")),
        scan = escape(session["scanRef"].as_str().unwrap_or("")),
        status = escape(session["status"].as_str().unwrap_or("no result")),
    )
}

#[derive(Debug, Deserialize)]
pub struct DecisionForm {
    decision: String,
    reviewer: String,
    #[serde(default)]
    note: String,
    #[serde(rename = "pairId")]
    pair_id: String,
    #[serde(rename = "verdictVersion")]
    verdict_version: Option<u32>,
}

/// `POST /review/{clientId}`: the decision to the API; back to the evidence page.
pub async fn decide(
    State(state): State<AppState>,
    Path(client_id): Path<String>,
    Form(form): Form<DecisionForm>,
) -> Response {
    let mut body = json!({
        "decision": form.decision,
        "pairId": form.pair_id,
        "verdictVersion": form.verdict_version,
    });
    if !form.note.trim().is_empty() {
        body["note"] = json!(form.note);
    }
    let (status, answer) = call_api(
        &state,
        "POST",
        "/verifications/{clientId}/review",
        Some(&client_id),
        Some(body),
        Caller::Jwt {
            subject: &form.reviewer,
            scopes: &["idenfy-pair/review"],
        },
    )
    .await;
    if status == StatusCode::OK {
        return Redirect::to(&format!(
            "/review/{}?reviewer={}",
            encoded(&client_id),
            queue_value(&form.reviewer)
        ))
        .into_response();
    }
    let problem = match answer["code"].as_str() {
        Some(code) => format!(
            "{code}: {}",
            answer["message"].as_str().unwrap_or("refused")
        ),
        None => "no answer".to_owned(),
    };
    evidence_page(&state, &client_id, &form.reviewer, Some(problem)).await
}
