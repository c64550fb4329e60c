//! Reading the local stack's pages: links, form values, statuses and reasons; getting and posting
//! them.

use super::*;

/// The `href` of the link with this id.
pub(super) fn href_of(html: &str, id: &str) -> Option<String> {
    let pattern = format!(r#"id="{id}" href=""#);
    let start = html.find(&pattern)? + pattern.len();
    let end = html[start..].find('"')? + start;
    Some(html[start..end].replace("&amp;", "&"))
}

/// The `value` of the first input named `name`.
pub(super) fn value_of(html: &str, name: &str) -> Option<String> {
    let pattern = format!(r#"name="{name}" value=""#);
    let start = html.find(&pattern)? + pattern.len();
    let end = html[start..].find('"')? + start;
    Some(html[start..end].to_owned())
}

/// The items of `<ul id="earlier">`: the status of each earlier verdict, newest first.
pub fn earlier_of(html: &str) -> Vec<String> {
    let Some(start) = html.find(r#"id="earlier""#) else {
        return vec![];
    };
    let rest = &html[start..];
    let end = rest.find("</ul>").unwrap_or(rest.len());
    rest[..end]
        .split(r#"data-status=""#)
        .skip(1)
        .filter_map(|item| item.split('"').next())
        .map(str::to_owned)
        .collect()
}

pub(super) fn form(fields: &[(&str, &str)]) -> String {
    let mut serializer = url::form_urlencoded::Serializer::new(String::new());
    for (name, value) in fields {
        serializer.append_pair(name, value);
    }
    serializer.finish()
}

pub(super) async fn get(http: &reqwest::Client, url: &str) -> Result<Page, String> {
    let response = http.get(url).send().await.map_err(|e| e.to_string())?;
    page(response).await
}

pub(super) async fn post_form(
    http: &reqwest::Client,
    url: &str,
    body: String,
) -> Result<Page, String> {
    let response = http
        .post(url)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body)
        .send()
        .await
        .map_err(|e| e.to_string())?;
    page(response).await
}

pub(super) async fn page(response: reqwest::Response) -> Result<Page, String> {
    let url = response.url().to_string();
    let status = response.status();
    let html = response.text().await.map_err(|e| e.to_string())?;
    if !status.is_success() {
        return Err(format!("{url} answered {status}: {html}"));
    }
    Ok(Page { url, html })
}

pub(super) fn expect_session(page: &Page, kind: &str, client_id: &str) -> Result<(), String> {
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

pub(super) async fn submit_session(
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
    if let Some(upload) = input.permit_upload {
        fields.push(("permitUpload", upload));
    }
    fields.push(("ending", input.ending));
    fields.extend(input.facts.iter().copied());
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
