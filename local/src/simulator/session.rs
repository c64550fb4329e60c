//! The session page behind iDenfy's redirect URL, and what finishing it sends: the result
//! webhook(s), then the person on to the session's success, error or unverified URL.

use super::{Session, Simulator, session_not_found};
use crate::html::{escape, page};
use axum::extract::{Form, Query, State};
use axum::response::{Html, IntoResponse, Redirect, Response};
use pair_adapters::idenfy::TokenType;
use serde::Deserialize;

mod body;
mod form;
use form::{document_fields, judgement_fields, options, session_kind};

pub(super) use body::webhook_body;

#[derive(Deserialize)]
pub(super) struct RedirectQuery {
    #[serde(rename = "authToken")]
    auth_token: String,
}

pub(super) async fn session_page(
    State(sim): State<Simulator>,
    Query(query): Query<RedirectQuery>,
) -> Response {
    let Some(session) = sim.session(&query.auth_token) else {
        return session_not_found();
    };
    let request = &session.request;
    let (title, kind, doc_types, default_type) = session_kind(request);
    let facts = Facts::sample(&session);
    let body = format!(
        r#"<p class="banner">iDenfy sandbox simulator — nothing here is real.</p>
<h1 id="session-kind" data-kind="{kind}">{title}</h1>
<p>clientId <code id="client-id">{client_id}</code>, scanRef <code>{scan_ref}</code></p>
<form method="post" action="/api/v2/redirect">
<input type="hidden" name="authToken" value="{auth_token}">
<label for="outcome">Outcome</label>
<select id="outcome" name="outcome">{outcomes}</select>
<label for="ending">How the session ends</label>
<select id="ending" name="ending">{endings}</select>
<label for="docType">Document type</label>
<select id="docType" name="docType">{doc_types}</select>
<label for="sex">Sex</label>
<select id="sex" name="sex">{sexes}</select>
{fields}
<fieldset id="judgement"><legend>iDenfy's own judgement of the session</legend>
{judgement}</fieldset>
<label><input type="checkbox" id="preliminary" name="preliminary" value="on"> Send a preliminary result first (the final one follows)</label>
{upload}<button id="submit" type="submit">Finish session</button>
</form>"#,
        upload = session.upload_step().map_or_else(String::new, |step| format!(
            r#"<fieldset id="additional-step" data-step="{step}"><legend>Additional step: upload {step}</legend>
<label for="permitUpload">The file the person uploads</label>
<select id="permitUpload" name="permitUpload">{uploads}</select></fieldset>
"#,
            step = escape(&step),
            uploads = options(&["image", "pdf", "none"], "image"),
        )),
        client_id = escape(&request.client_id),
        scan_ref = escape(&session.scan_ref),
        auth_token = escape(&query.auth_token),
        outcomes = options(&OUTCOMES, "APPROVED"),
        endings = ENDINGS
            .iter()
            .map(|(value, label)| format!(r#"<option value="{value}">{label}</option>"#))
            .collect::<String>(),
        doc_types = options(&doc_types, default_type),
        sexes = options(&["MALE", "FEMALE", "UNDEFINED"], &facts.sex),
        judgement = judgement_fields(kind),
        fields = document_fields(request, kind, &facts),
    );
    Html(page(title, "", &body)).into_response()
}

/// `status.overall` the person can choose; EXPIRED: they left before any photo (no result).
const OUTCOMES: [&str; 4] = ["APPROVED", "DENIED", "SUSPECTED", "EXPIRED"];

/// How the session ends, and so which event delivers its result.
const ENDINGS: [(&str, &str); 3] = [
    ("finished", "Finished"),
    (
        "expired",
        "Expired after the photos (the expiry event carries the result)",
    ),
    (
        "cancelled",
        "Cancelled by the person (the cancel event carries the result)",
    ),
];

fn doc_types_known(doc_type: &str) -> bool {
    ["RESIDENCE_PERMIT", "ID_CARD", "PASSPORT", "DRIVER_LICENSE"].contains(&doc_type)
}

#[derive(Debug, Clone, Deserialize)]
pub(super) struct Finish {
    #[serde(rename = "authToken")]
    auth_token: String,
    pub(super) outcome: String,
    /// `finished` (default), `expired` or `cancelled`.
    #[serde(default)]
    ending: Option<String>,
    #[serde(rename = "docType")]
    doc_type: String,
    #[serde(rename = "firstName", default)]
    first_name: String,
    #[serde(rename = "lastName", default)]
    last_name: String,
    #[serde(rename = "dateOfBirth", default)]
    date_of_birth: String,
    #[serde(rename = "documentNumber", default)]
    document_number: String,
    /// `docExpiry`, `docIssuingCountry`, `docNationality`, `docSex` as the tester chose them
    /// (empty: null); a field the form did not carry is the page's sample ([`Facts::sample`]).
    #[serde(rename = "docExpiry")]
    doc_expiry: Option<String>,
    #[serde(rename = "issuingCountry")]
    issuing_country: Option<String>,
    nationality: Option<String>,
    sex: Option<String>,
    /// `status.mismatchTags`, comma-separated.
    #[serde(rename = "mismatchTags", default)]
    mismatch_tags: String,
    /// iDenfy's judgement as the tester chose it ([`judgement_fields`]); a field the form did
    /// not carry is the page's default.
    #[serde(rename = "autoFace")]
    pub(super) auto_face: Option<String>,
    #[serde(rename = "manualFace", default)]
    pub(super) manual_face: String,
    #[serde(rename = "autoDocument")]
    pub(super) auto_document: Option<String>,
    #[serde(rename = "manualDocument", default)]
    pub(super) manual_document: String,
    /// `status.fraudTags`, comma-separated.
    #[serde(rename = "fraudTags", default)]
    pub(super) fraud_tags: String,
    /// `data.duplicateFaces`, comma-separated scanRefs.
    #[serde(rename = "duplicateFaces", default)]
    pub(super) duplicate_faces: String,
    #[serde(rename = "docDateOfIssue", default)]
    pub(super) date_of_issue: String,
    preliminary: Option<String>,
    /// The upload step's file: `image`, `pdf` or `none`.
    #[serde(rename = "permitUpload")]
    permit_upload: Option<String>,
}

/// The document facts a session page offers: a German's ID card, then a permit of the
/// country the token preselects (else Lithuania's), valid for years.
struct Facts {
    expiry: String,
    issuing_country: String,
    nationality: String,
    sex: String,
}

impl Facts {
    fn sample(session: &Session) -> Self {
        let issuing_country = match (&session.request.token_type, &session.request.country) {
            (TokenType::Identification, _) => "DE".to_owned(),
            (TokenType::Document, Some(country)) => country.clone(),
            (TokenType::Document, None) => "LT".to_owned(),
        };
        Self {
            expiry: "2031-04-30".into(),
            issuing_country,
            nationality: "DE".into(),
            sex: "MALE".into(),
        }
    }
}

/// One webhook delivery: event type header and body.
pub(super) struct Delivery {
    pub(super) event_type: &'static str,
    pub(super) body: String,
}

impl Finish {
    /// The document's expiry date as the tester chose it (none when left empty).
    pub(super) fn document_expiry(&self) -> Option<&str> {
        self.doc_expiry.as_deref().filter(|d| !d.trim().is_empty())
    }

    /// The same session, reviewed again by a person at iDenfy to `outcome`.
    pub(super) fn reviewed(&self, outcome: &str) -> Self {
        Self {
            outcome: outcome.to_owned(),
            ending: None,
            preliminary: None,
            ..self.clone()
        }
    }

    /// The person left before any photo: the body carries no result.
    pub(super) fn abandoned(&self) -> bool {
        self.outcome == "EXPIRED"
    }

    /// The upload step's file, when one was uploaded: `image` or `pdf`.
    pub(super) fn uploaded(&self) -> Option<&str> {
        self.permit_upload
            .as_deref()
            .filter(|upload| matches!(*upload, "image" | "pdf"))
    }

    fn ending(&self) -> &str {
        self.ending.as_deref().unwrap_or("finished")
    }

    /// The `Idenfy-Event-Type` of the final result.
    fn final_event(&self) -> &'static str {
        match self.ending() {
            "expired" => "IDENTIFICATION_EXPIRED",
            // The dashboard's spelling; docs/idenfy.md leaves the header's unconfirmed.
            "cancelled" => "IDENTIFICATION_CANCELED",
            _ if self.abandoned() => "IDENTIFICATION_EXPIRED",
            _ if self.preliminary.is_some() => "IDENTIFICATION_MANUAL_FINISHED",
            _ => "IDENTIFICATION_AUTO_FINISHED",
        }
    }
}

pub(super) async fn finish_session(
    State(sim): State<Simulator>,
    Form(form): Form<Finish>,
) -> Response {
    let Some(session) = sim.session(&form.auth_token) else {
        return session_not_found();
    };
    if let Some(stored) = sim.sessions().get_mut(&form.auth_token) {
        stored.finished = Some(form.clone());
    }
    let request = &session.request;
    let body = |is_final: bool| webhook_body(&session, &form, is_final).to_string();
    if let Some(webhook) = sim.webhook_url(request) {
        let final_delivery = Delivery {
            event_type: form.final_event(),
            body: body(true),
        };
        if form.preliminary.is_some() && !form.abandoned() && form.ending() == "finished" {
            let preliminary = Delivery {
                event_type: "IDENTIFICATION_AUTO_FINISHED",
                body: body(false),
            };
            sim.deliver(&webhook, &preliminary).await;
            let sim = sim.clone();
            let delay = sim.config.final_delay;
            tokio::spawn(async move {
                tokio::time::sleep(delay).await;
                sim.deliver(&webhook, &final_delivery).await;
            });
        } else {
            sim.deliver(&webhook, &final_delivery).await;
        }
    }

    // As iDenfy's docs put it: unverifiedUrl when the session was not analysed (abandoned,
    // expired, cancelled), errorUrl when the verification failed.
    let next = if form.abandoned() || form.ending() != "finished" {
        request.unverified_url.clone()
    } else if form.outcome == "APPROVED" {
        request.success_url.clone()
    } else {
        request.error_url.clone()
    };
    match next {
        Some(url) => Redirect::to(&url).into_response(),
        None => Html(page(
            "Done",
            "",
            "<h1>Session finished</h1><p>The token named no URL to return to.</p>",
        ))
        .into_response(),
    }
}
