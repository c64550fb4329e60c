//! The seed's user journey, as data: what the person does in each session and what the site
//! must end up showing. Driven over plain HTTP here and in a real browser by [`crate::browser`].

use serde_json::Value;
use std::time::{Duration, Instant};

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
}

#[derive(Debug, Clone)]
pub struct Journey {
    pub name: &'static str,
    pub identity: SessionInput,
    pub document: SessionInput,
    pub expected_status: &'static str,
    pub expected_reasons: &'static [&'static str],
}

fn id_card() -> SessionInput {
    SessionInput {
        outcome: "APPROVED",
        doc_type: "ID_CARD",
        first_name: "JOHN",
        last_name: "MÜLLER",
        date_of_birth: "1990-05-15",
        document_number: "L01X00T47",
        preliminary_first: false,
    }
}

fn permit() -> SessionInput {
    SessionInput {
        outcome: "APPROVED",
        doc_type: "RESIDENCE_PERMIT",
        first_name: "JOHN",
        last_name: "MUELLER",
        date_of_birth: "1990-05-15",
        document_number: "RP4471932",
        preliminary_first: false,
    }
}

/// The four journeys the issue names.
pub fn journeys() -> Vec<Journey> {
    vec![
        Journey {
            name: "matching",
            identity: id_card(),
            document: permit(),
            expected_status: "VERIFIED",
            expected_reasons: &[],
        },
        Journey {
            name: "dob-mismatch",
            identity: id_card(),
            document: SessionInput {
                date_of_birth: "1991-05-15",
                ..permit()
            },
            expected_status: "REQUIRES_REVIEW",
            expected_reasons: &["DOB_MISMATCH"],
        },
        Journey {
            name: "identity-denied",
            identity: SessionInput {
                outcome: "DENIED",
                ..id_card()
            },
            document: permit(),
            expected_status: "REJECTED",
            expected_reasons: &["IDENTITY_DENIED"],
        },
        Journey {
            name: "preliminary-then-final",
            identity: SessionInput {
                preliminary_first: true,
                ..id_card()
            },
            document: SessionInput {
                preliminary_first: true,
                ..permit()
            },
            expected_status: "VERIFIED",
            expected_reasons: &[],
        },
    ]
}

/// A fresh clientId for a journey.
pub fn client_id(journey: &Journey) -> String {
    format!(
        "E2E_{}_{:06}",
        journey.name.replace('-', "_").to_uppercase(),
        fastrand::u32(..1_000_000)
    )
}

/// Drives a journey over plain HTTP, as a browser without JavaScript would (the pages need
/// none): start form, identity session, document session, then the final page until decided.
/// Returns every status the final page showed, in order.
pub async fn run_over_http(site_url: &str, journey: &Journey) -> Result<Vec<String>, String> {
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::limited(5))
        .build()
        .map_err(|e| e.to_string())?;
    let client_id = client_id(journey);
    let start = form(&[
        ("clientId", client_id.as_str()),
        ("firstName", ""),
        ("lastName", ""),
    ]);
    let identity_page = post_form(&http, &format!("{site_url}start"), start).await?;
    expect_session(&identity_page, "identity", &client_id)?;
    let document_page = submit_session(&http, &identity_page, &journey.identity).await?;
    expect_session(&document_page, "document", &client_id)?;
    let final_page = submit_session(&http, &document_page, &journey.document).await?;
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
    Ok(seen)
}

pub struct Page {
    pub url: String,
    pub html: String,
}

fn form(fields: &[(&str, &str)]) -> String {
    let mut serializer = url::form_urlencoded::Serializer::new(String::new());
    for (name, value) in fields {
        serializer.append_pair(name, value);
    }
    serializer.finish()
}

async fn get(http: &reqwest::Client, url: &str) -> Result<Page, String> {
    let response = http.get(url).send().await.map_err(|e| e.to_string())?;
    page(response).await
}

async fn post_form(http: &reqwest::Client, url: &str, body: String) -> Result<Page, String> {
    let response = http
        .post(url)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body)
        .send()
        .await
        .map_err(|e| e.to_string())?;
    page(response).await
}

async fn page(response: reqwest::Response) -> Result<Page, String> {
    let url = response.url().to_string();
    let status = response.status();
    let html = response.text().await.map_err(|e| e.to_string())?;
    if !status.is_success() {
        return Err(format!("{url} answered {status}: {html}"));
    }
    Ok(Page { url, html })
}

fn expect_session(page: &Page, kind: &str, client_id: &str) -> Result<(), String> {
    let marker = format!(r#"data-kind="{kind}""#);
    if page.html.contains(&marker) && page.html.contains(client_id) {
        Ok(())
    } else {
        Err(format!(
            "expected the {kind} session of {client_id} at {}",
            page.url
        ))
    }
}

async fn submit_session(
    http: &reqwest::Client,
    page: &Page,
    input: &SessionInput,
) -> Result<Page, String> {
    let auth_token = url::Url::parse(&page.url)
        .map_err(|e| e.to_string())?
        .query_pairs()
        .find(|(k, _)| k == "authToken")
        .map(|(_, v)| v.into_owned())
        .ok_or("no authToken in the session URL")?;
    let action = url::Url::parse(&page.url)
        .and_then(|u| u.join("/api/v2/redirect"))
        .map_err(|e| e.to_string())?;
    let mut fields = vec![
        ("authToken", auth_token.as_str()),
        ("outcome", input.outcome),
        ("docType", input.doc_type),
        ("firstName", input.first_name),
        ("lastName", input.last_name),
        ("dateOfBirth", input.date_of_birth),
        ("documentNumber", input.document_number),
    ];
    if input.preliminary_first {
        fields.push(("preliminary", "on"));
    }
    post_form(http, action.as_str(), form(&fields)).await
}

/// The text of `<p id="status" ...>STATUS</p>`.
pub fn status_of(html: &str) -> Result<String, String> {
    let start = html.find(r#"id="status""#).ok_or("no status on the page")?;
    let rest = &html[start..];
    let open = rest.find('>').ok_or("malformed status")? + 1;
    let close = rest.find("</p>").ok_or("malformed status")?;
    Ok(rest[open..close].trim().to_owned())
}

/// The items of `<ul id="reasons">`.
pub fn reasons_of(html: &str) -> Vec<String> {
    let Some(start) = html.find(r#"id="reasons""#) else {
        return vec![];
    };
    let rest = &html[start..];
    let end = rest.find("</ul>").unwrap_or(rest.len());
    rest[..end]
        .split("<li>")
        .skip(1)
        .filter_map(|item| item.split("</li>").next())
        .map(|item| item.trim().to_owned())
        .collect()
}
