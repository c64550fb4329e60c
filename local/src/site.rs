//! "Your site": the start page a person fills in, the call to `POST /verifications`, and the
//! final page that shows the verdict and its reasons, refreshing until it is decided.
//! It calls the issue-tokens handler exactly as a site's backend would call the API.

use crate::html::{escape, page};
use crate::{AppState, bridge};
use axum::extract::{Form, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use lambda_http::Body;
use pair_adapters::http_api::Caller;
use serde::Deserialize;
use serde_json::{Value, json};
use std::collections::HashMap;

mod renewal;
pub use renewal::renew;
use renewal::renewal;

pub async fn start_page() -> Html<String> {
    let suggested = format!("USER_{:05}", fastrand::u32(10_000..100_000));
    let body = format!(
        r#"<h1>Verify your identity</h1>
<p>You will take a selfie with your identity document, then show your residence permit.</p>
<form method="post" action="/start">
<fieldset><legend>Method</legend>
<label><input type="radio" id="mode-twoSessions" name="mode" value="twoSessions" checked> Two sessions: the permit is read and compared with your ID</label>
<label><input type="radio" id="mode-additionalStep" name="mode" value="additionalStep"> One session: the permit is uploaded for a person to review</label>
</fieldset>
<label for="clientId">Customer id (clientId)</label>
<input id="clientId" name="clientId" value="{suggested}">
<label for="firstName">First name (optional)</label>
<input id="firstName" name="firstName">
<label for="lastName">Last name (optional)</label>
<input id="lastName" name="lastName">
<label><input type="checkbox" id="restart" name="restart" value="on"> Start over if a verification exists</label>
<button id="start" type="submit">Start verification</button>
</form>
<p><a id="reviewer-pages" href="/review">Reviewers: pairs waiting for review</a></p>"#
    );
    Html(page("Verify your identity", "", &body))
}

#[derive(Debug, Deserialize)]
pub struct StartForm {
    #[serde(rename = "clientId")]
    client_id: String,
    #[serde(rename = "firstName", default)]
    first_name: String,
    #[serde(rename = "lastName", default)]
    last_name: String,
    restart: Option<String>,
    #[serde(default)]
    mode: Option<String>,
}

/// The local site's own backend calling the API (API Gateway's JWT authorizer would name it).
pub(crate) const SITE: Caller<'static> = Caller::Jwt {
    subject: "local-site",
    scopes: &["idenfy-pair/issue"],
};

/// Calls the issue-tokens handler with a JSON request, as API Gateway would deliver it on
/// `route` (`/verifications/{clientId}/review`) for `caller`.
pub(crate) async fn call_api(
    state: &AppState,
    method: &str,
    route: &str,
    client_id: Option<&str>,
    body: Option<Value>,
    caller: Caller<'_>,
) -> (StatusCode, Value) {
    // A query rides on the route (`/verifications?status=…`); the route key is without it.
    let (route, query) = route
        .split_once('?')
        .map_or((route, String::new()), |(route, query)| {
            (route, format!("?{query}"))
        });
    let path = match client_id {
        Some(id) => {
            let encoded: String = url::form_urlencoded::byte_serialize(id.as_bytes()).collect();
            route.replace("{clientId}", &encoded)
        }
        None => route.to_owned(),
    };
    let mut builder = lambda_http::http::Request::builder()
        .method(method)
        .uri(format!("{}{path}{query}", state.site_origin));
    let body = match body {
        Some(json) => {
            builder = builder.header("content-type", "application/json");
            Body::Text(json.to_string())
        }
        None => Body::Empty,
    };
    let Ok(request) = builder.body(body) else {
        return (
            StatusCode::BAD_REQUEST,
            json!({"message": "invalid request"}),
        );
    };
    let path_parameters = client_id
        .map(|id| HashMap::from([("clientId".to_owned(), id.to_owned())]))
        .unwrap_or_default();
    let request = bridge::as_invoked(
        request,
        &format!("{method} {route}"),
        caller,
        path_parameters,
    );
    let response = state.issue_tokens.handle(request).await;
    let status = response.status();
    let value = serde_json::from_slice(response.body().as_ref()).unwrap_or(Value::Null);
    (status, value)
}

pub async fn start(State(state): State<AppState>, Form(form): Form<StartForm>) -> Response {
    let client_id = form.client_id.trim().to_owned();
    let done = {
        let mut url = url::Url::parse(&format!("{}/done", state.site_origin)).ok();
        if let Some(url) = url.as_mut() {
            url.query_pairs_mut().append_pair("clientId", &client_id);
        }
        url.map(String::from).unwrap_or_default()
    };
    let mut body = json!({
        "clientId": client_id,
        "successUrl": done,
        "errorUrl": done,
        "unverifiedUrl": done,
        "restart": form.restart.is_some(),
    });
    if let Some(mode) = form
        .mode
        .as_deref()
        .map(str::trim)
        .filter(|m| !m.is_empty())
    {
        body["mode"] = json!(mode);
    }
    for (field, value) in [
        ("firstName", &form.first_name),
        ("lastName", &form.last_name),
    ] {
        if !value.trim().is_empty() {
            body[field] = json!(value.trim());
        }
    }
    let (status, response) =
        call_api(&state, "POST", "/verifications", None, Some(body), SITE).await;
    match response["verificationUrl"].as_str() {
        Some(url) if status.is_success() => Redirect::to(url).into_response(),
        _ => {
            let message = response["message"].as_str().unwrap_or("unexpected answer");
            let code = response["code"].as_str().unwrap_or("");
            let fields = response["fieldErrors"]
                .as_array()
                .map(|errors| {
                    errors
                        .iter()
                        .map(|e| {
                            format!(
                                "<li>{}: {}</li>",
                                escape(e["field"].as_str().unwrap_or("")),
                                escape(e["message"].as_str().unwrap_or(""))
                            )
                        })
                        .collect::<String>()
                })
                .unwrap_or_default();
            let page_body = format!(
                r#"<h1>Could not start</h1><p id="error"><code>{}</code> {} ({})</p><ul>{fields}</ul><p><a href="/">Back</a></p>"#,
                escape(code),
                escape(message),
                status.as_u16()
            );
            (status, Html(page("Could not start", "", &page_body))).into_response()
        }
    }
}

#[derive(Debug, Deserialize)]
pub struct DoneQuery {
    #[serde(rename = "clientId")]
    client_id: String,
}

pub async fn done(State(state): State<AppState>, Query(query): Query<DoneQuery>) -> Response {
    let (status, response) = call_api(
        &state,
        "GET",
        "/verifications/{clientId}",
        Some(&query.client_id),
        None,
        SITE,
    )
    .await;
    if !status.is_success() {
        let body = r#"<h1>Verification not found</h1><p id="status" class="status">UNKNOWN</p><p><a href="/">Start again</a></p>"#;
        return (status, Html(page("Verification", "", body))).into_response();
    }
    let verdict = response["status"].as_str().unwrap_or("PENDING");
    let reasons: String = response["reasons"]
        .as_array()
        .map(|reasons| {
            reasons
                .iter()
                .filter_map(Value::as_str)
                .map(|r| format!("<li>{}</li>", escape(r)))
                .collect()
        })
        .unwrap_or_default();
    let pending = verdict == "PENDING";
    // While a renewal is open the page also refreshes: its result decides by itself.
    let renewing = response["renewal"]["status"] == "OPEN";
    let refresh = if pending || renewing {
        r#"<meta http-equiv="refresh" content="1">"#
    } else {
        ""
    };
    let explanation = explanation(verdict, &response);
    let earlier = earlier_html(&response);
    let dashboard = dashboard_link(&state, &query.client_id);
    let body = format!(
        r#"<h1>Your verification</h1>
<p>clientId <code>{client}</code></p>
<p id="status" class="status" data-decided="{decided}">{verdict}</p>
<p>{explanation}</p>
<ul id="reasons">{reasons}</ul>
{validity}
{renewal}
{earlier}
{notifications}
{dashboard}
<p><a href="/">Start another</a></p>"#,
        validity = validity(&response),
        renewal = renewal(&response, &query.client_id),
        notifications = notifications(&state, &query.client_id),
        client = escape(&query.client_id),
        decided = !pending,
        verdict = escape(verdict),
    );
    Html(page("Your verification", refresh, &body)).into_response()
}

/// What the status means, in words for the person.
fn explanation(verdict: &str, response: &Value) -> &'static str {
    match verdict {
        "PENDING" => "Waiting for iDenfy's results… this page refreshes by itself.",
        "VERIFIED" => "Both documents were verified and belong to the same person.",
        "REQUIRES_REVIEW" => "A person will review the documents.",
        "INCOMPLETE"
            if response["reasons"]
                .as_array()
                .is_some_and(|r| r.iter().any(|r| r == "PERMIT_MISSING")) =>
        {
            "The residence permit was not uploaded; please start again."
        }
        "REJECTED" => "The verification was rejected.",
        _ => "The verification was not completed; please start again.",
    }
}

/// Earlier verdicts (iDenfy revised a result since), newest first; nothing when none.
fn earlier_html(response: &Value) -> String {
    let earlier: String = response["earlierVerdicts"]
        .as_array()
        .map(|verdicts| {
            verdicts
                .iter()
                .rev()
                .map(|v| {
                    let reasons: Vec<&str> = v["reasons"]
                        .as_array()
                        .map(|r| r.iter().filter_map(Value::as_str).collect())
                        .unwrap_or_default();
                    format!(
                        r#"<li data-status="{status}">{status}{reasons} — decided {at}</li>"#,
                        status = escape(v["status"].as_str().unwrap_or("")),
                        reasons = if reasons.is_empty() {
                            String::new()
                        } else {
                            format!(" ({})", escape(&reasons.join(", ")))
                        },
                        at = escape(v["decidedAt"].as_str().unwrap_or("")),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    if earlier.is_empty() {
        return String::new();
    }
    format!(
        r#"<h2>Earlier outcomes</h2><p>iDenfy revised a result; these verdicts came before.</p><ul id="earlier">{earlier}</ul>"#
    )
}

/// The simulator's dashboard for this clientId's sessions, when the simulator runs.
fn dashboard_link(state: &AppState, client_id: &str) -> String {
    state.simulator_url.as_deref().map_or_else(String::new, |url| {
        let mut link = format!("{url}/dashboard?");
        link.push_str(
            &url::form_urlencoded::Serializer::new(String::new())
                .append_pair("clientId", client_id)
                .finish(),
        );
        format!(
            r#"<p><a id="idenfy-dashboard" href="{}">iDenfy sandbox dashboard</a>: review a session again.</p>"#,
            escape(&link)
        )
    })
}

/// A decided pair's end and its validity today (nothing while pending).
fn validity(response: &Value) -> String {
    let Some(validity) = response["validity"].as_str() else {
        return String::new();
    };
    format!(
        r#"<p id="validity" data-validity="{validity}">Valid until {until}: {validity}. The dashboard's expiration notice and the daily watch (every minute here) tell this site before it lapses.</p>"#,
        until = escape(response["validUntil"].as_str().unwrap_or("an unknown date")),
        validity = escape(validity),
    )
}

/// The decision notifications this site received for the clientId (signed webhooks from the
/// notifier), and a script that reloads the page when another one arrives.
fn notifications(state: &AppState, client_id: &str) -> String {
    let received = state.receiver.received(client_id);
    let items: String = received
        .iter()
        .map(|n| {
            format!(
                r#"<li data-webhook-id="{id}" data-status="{status}">{kind}: {status} (version {version})</li>"#,
                id = escape(&n.webhook_id),
                status = escape(&n.status),
                kind = escape(&n.kind),
                version = n.version,
            )
        })
        .collect();
    // The clientId as a JavaScript string that cannot end the script element.
    let client = serde_json::to_string(client_id)
        .unwrap_or_default()
        .replace('<', "\\u003c");
    format!(
        r#"<h2>Notifications to this site</h2><ul id="notifications" data-count="{count}">{items}</ul>
<script>
setInterval(async () => {{
  const answer = await fetch("/notifications/" + encodeURIComponent({client}));
  if (answer.ok && (await answer.json()).length > {count}) location.reload();
}}, 1000);
</script>"#,
        count = received.len(),
    )
}

/// The API's routes (issue-tokens' route table): straight into the Lambda handler, the path's
/// parameters decoded as API Gateway decodes them.
pub async fn api_route(
    State(state): State<AppState>,
    parameters: Option<Path<HashMap<String, String>>>,
    request: axum::extract::Request,
) -> Response {
    let parameters = parameters.map(|Path(p)| p).unwrap_or_default();
    match bridge::to_lambda(request, parameters).await {
        Ok(request) => bridge::from_lambda(state.issue_tokens.handle(request).await),
        Err(response) => response,
    }
}

pub async fn webhook_route(
    State(state): State<AppState>,
    request: axum::extract::Request,
) -> Response {
    match bridge::to_lambda(request, HashMap::new()).await {
        Ok(request) => bridge::from_lambda(state.callback.handle(request).await),
        Err(response) => response,
    }
}
