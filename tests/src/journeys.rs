//! iDenfy's two-document guide's user journey, as data: what the person does in each session and what the site
//! must end up showing. Driven over plain HTTP here and in a real browser by [`crate::browser`].

use serde_json::Value;
use std::time::{Duration, Instant};
mod catalogue;
mod pages;
pub use catalogue::{id_card, journeys, permit, two_sessions};
pub use pages::*;

/// What the person submits in one simulated iDenfy session.
#[derive(Debug, Clone)]
pub struct SessionInput {
    pub outcome: &'static str,
    pub doc_type: &'static str,
    pub first_name: &'static str,
    pub last_name: &'static str,
    pub date_of_birth: &'static str,
    pub document_number: &'static str,
    pub preliminary_first: bool,
    /// The additional step's file (`image`, `pdf`, `none`), when the session has that step.
    pub permit_upload: Option<&'static str>,
    /// How the session ends: `finished`, `expired` or `cancelled` (the event that carries the
    /// result).
    pub ending: &'static str,
    /// More of the page's fields, by id (`docExpiry`, `issuingCountry`, `nationality`, `sex`,
    /// `mismatchTags`, iDenfy's judgement: `autoFace`, `manualFace`, `autoDocument`,
    /// `manualDocument`, `fraudTags`, `duplicateFaces`, `docDateOfIssue`): the rest keep the
    /// simulator's defaults.
    pub facts: &'static [(&'static str, &'static str)],
}

#[derive(Debug, Clone)]
pub struct Journey {
    pub name: &'static str,
    /// The request's `mode`: `twoSessions` or `additionalStep`.
    pub mode: &'static str,
    pub identity: SessionInput,
    /// The permit's own session; none in additional-step mode.
    pub document: Option<SessionInput>,
    pub expected_status: &'static str,
    pub expected_reasons: &'static [&'static str],
}

impl Journey {
    /// A preliminary result comes first, so the final page must show PENDING before the verdict.
    pub fn shows_pending_first(&self) -> bool {
        self.identity.preliminary_first
            && self.document.as_ref().is_none_or(|d| d.preliminary_first)
    }
}

/// A fresh clientId for a journey.
pub fn client_id(journey: &Journey) -> String {
    format!(
        "E2E_{}_{:06}",
        journey.name.replace('-', "_").to_uppercase(),
        fastrand::u32(..1_000_000)
    )
}

/// What a journey left behind.
#[derive(Debug, Clone)]
pub struct Ran {
    pub client_id: String,
    /// The site's final page.
    pub final_url: String,
    /// Every status the final page showed, in order.
    pub statuses: Vec<String>,
}

/// Drives a journey over plain HTTP, as a browser without JavaScript would (the pages need
/// none): start form, identity session, document session, then the final page until decided.
pub async fn run_over_http(site_url: &str, journey: &Journey) -> Result<Ran, String> {
    let http = pair_adapters::outbound::http_client()
        .redirect(reqwest::redirect::Policy::limited(5))
        .build()
        .map_err(|e| e.to_string())?;
    let client_id = client_id(journey);
    let start = form(&[
        ("clientId", client_id.as_str()),
        ("firstName", ""),
        ("lastName", ""),
        ("mode", journey.mode),
    ]);
    let identity_page = post_form(&http, &format!("{site_url}start"), start).await?;
    expect_session(&identity_page, "identity", &client_id)?;
    let has_upload_step = identity_page.html.contains(r#"id="additional-step""#);
    if has_upload_step != journey.identity.permit_upload.is_some() {
        return Err(format!(
            "{}: the identity session shows the upload step: {has_upload_step}",
            journey.name
        ));
    }
    let mut final_page = submit_session(&http, &identity_page, &journey.identity).await?;
    if let Some(document) = &journey.document {
        expect_session(&final_page, "document", &client_id)?;
        final_page = submit_session(&http, &final_page, document).await?;
    }
    if !final_page.url.contains("/done?clientId=") {
        return Err(format!(
            "expected the site's final page, got {}",
            final_page.url
        ));
    }
    let mut seen = vec![status_of(&final_page.html)?];
    let deadline = Instant::now() + Duration::from_secs(20);
    while seen.last().is_some_and(|s| s == "PENDING") {
        if Instant::now() > deadline {
            return Err(format!("{}: still PENDING after 20 s", journey.name));
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
        let page = get(&http, &final_page.url).await?;
        seen.push(status_of(&page.html)?);
    }
    let last = seen.last().cloned().unwrap_or_default();
    if last != journey.expected_status {
        return Err(format!(
            "{}: ended on {last}, expected {}",
            journey.name, journey.expected_status
        ));
    }
    let reasons = reasons_of(&get(&http, &final_page.url).await?.html);
    if reasons != journey.expected_reasons {
        return Err(format!(
            "{}: reasons {reasons:?}, expected {:?}",
            journey.name, journey.expected_reasons
        ));
    }
    // The status API agrees with the page.
    let api: Value = http
        .get(format!("{site_url}verifications/{client_id}"))
        .send()
        .await
        .map_err(|e| e.to_string())?
        .json()
        .await
        .map_err(|e| e.to_string())?;
    if api["status"] != journey.expected_status {
        return Err(format!("status API says {}", api["status"]));
    }
    Ok(Ran {
        client_id,
        final_url: final_page.url,
        statuses: seen,
    })
}

/// A person at iDenfy reviews the `kind` session of `client_id` again to `outcome`, on the
/// simulator's dashboard (reached from the site's final page, as a person would).
pub async fn review_again_over_http(ran: &Ran, kind: &str, outcome: &str) -> Result<Page, String> {
    on_the_dashboard(
        ran,
        kind,
        "/dashboard/review",
        ("outcome", outcome),
        "reviewed",
    )
    .await
}

/// iDenfy sends its document-expiration notice at `threshold` for the `kind` session, from the
/// simulator's dashboard; then the final page.
pub async fn expiration_notice_over_http(
    ran: &Ran,
    kind: &str,
    threshold: &str,
) -> Result<Page, String> {
    on_the_dashboard(
        ran,
        kind,
        "/dashboard/expiration",
        ("threshold", threshold),
        "noticed",
    )
    .await
}

/// One of the dashboard's forms for the `kind` session's row, sent with `field`; the page it
/// leads to must show the banner `done`. Then the site's final page.
async fn on_the_dashboard(
    ran: &Ran,
    kind: &str,
    path: &str,
    field: (&str, &str),
    done: &str,
) -> Result<Page, String> {
    let http = crate::http();
    let final_page = get(&http, &ran.final_url).await?;
    let dashboard_url = href_of(&final_page.html, "idenfy-dashboard")
        .ok_or("the final page links to no dashboard")?;
    let dashboard = get(&http, &dashboard_url).await?;
    let row_start = dashboard
        .html
        .find(&format!(
            r#"data-kind="{kind}" data-client-id="{}""#,
            ran.client_id
        ))
        .ok_or_else(|| format!("no {kind} session of {} on the dashboard", ran.client_id))?;
    let row = &dashboard.html[row_start..];
    let token = value_of(row, "authToken").ok_or("no authToken in the row")?;
    let action = url::Url::parse(&dashboard.url)
        .and_then(|u| u.join(path))
        .map_err(|e| e.to_string())?;
    let sent = post_form(
        &http,
        action.as_str(),
        form(&[("authToken", token.as_str()), field]),
    )
    .await?;
    if !sent.html.contains(&format!(r#"id="{done}""#)) {
        return Err(format!("no {done} notice at {}", sent.url));
    }
    get(&http, &ran.final_url).await
}

pub struct Page {
    pub url: String,
    pub html: String,
}
