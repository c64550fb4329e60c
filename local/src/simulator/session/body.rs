//! The result webhook's body, as iDenfy shapes it, for what the person submitted.

use super::super::Session;
use super::{Facts, Finish};
use pair_adapters::idenfy::TokenType;
use serde_json::{Value, json};

/// iDenfy's result webhook body for this session.
pub(in crate::simulator) fn webhook_body(
    session: &Session,
    form: &Finish,
    is_final: bool,
) -> Value {
    let request = &session.request;
    let abandoned = form.abandoned();
    let identity = request.token_type == TokenType::Identification;
    let mut file_urls = session_files(session, identity);
    let mut pdf_urls = json!({});
    let (steps, step_status) = match session.upload_step() {
        Some(step) if !abandoned => {
            upload_step(session, form, &step, &mut file_urls, &mut pdf_urls)
        }
        _ => (Value::Null, Value::Null),
    };
    let start = session.issued_at + 30;
    json!({
        "final": is_final,
        "platform": "PC",
        "status": status_block(form, is_final, identity, step_status),
        "data": data_block(session, form),
        "fileUrls": if abandoned { json!({}) } else { file_urls },
        "additionalStepPdfUrls": if abandoned { json!({}) } else { pdf_urls },
        "AML": [],
        "LID": [],
        "scanRef": session.scan_ref,
        "externalRef": request.external_ref,
        "clientId": request.client_id,
        "startTime": start,
        "finishTime": start + 120,
        "clientIp": "127.0.0.1",
        "clientIpCountry": "LT",
        "clientLocation": "Vilnius",
        "additionalSteps": steps
    })
}

/// The session's photos: the document's sides, and the face in an identity session.
fn session_files(session: &Session, identity: bool) -> Value {
    let url = |name: &str| {
        json!(format!(
            "https://s3.example.invalid/{}/{name}.png?X-Amz-Expires=3600",
            session.scan_ref
        ))
    };
    let mut files = json!({ "FRONT": url("FRONT"), "BACK": url("BACK") });
    if identity {
        files["FACE"] = url("FACE");
    }
    files
}

/// The upload step, as docs/idenfy.md describes it: listed by name, its status, the file under
/// its name in fileUrls (an image) or additionalStepPdfUrls (a PDF).
fn upload_step(
    session: &Session,
    form: &Finish,
    step: &str,
    file_urls: &mut Value,
    pdf_urls: &mut Value,
) -> (Value, Value) {
    let url = |ext: &str| {
        json!(format!(
            "https://s3.example.invalid/{}/{step}.{ext}?X-Amz-Expires=3600",
            session.scan_ref
        ))
    };
    let upload = form.permit_upload.as_deref().unwrap_or("none");
    match upload {
        "image" => file_urls[step] = url("jpg"),
        "pdf" => pdf_urls[step] = url("pdf"),
        _ => {}
    }
    let status = if matches!(upload, "image" | "pdf") {
        "VALID"
    } else {
        "NOT_FOUND"
    };
    (json!({ step: "UPLOAD" }), json!(status))
}

/// `status`: the outcome, the tags and the per-check statuses the tester chose.
fn status_block(form: &Finish, is_final: bool, identity: bool, step_status: Value) -> Value {
    let abandoned = form.abandoned();
    // A field the form did not carry (a test's own form) is the page's default.
    let status = |chosen: Option<&str>, default: &str| match chosen.unwrap_or(default).trim() {
        "" => Value::Null,
        value if !abandoned => json!(value),
        _ => Value::Null,
    };
    let face = if identity { "FACE_MATCH" } else { "" };
    json!({
        "overall": form.outcome.as_str(),
        // The tags are the tester's to choose (iDenfy sends SUSPECTED with one).
        "suspicionReasons": [],
        "denyReasons": [],
        "fraudTags": list(&form.fraud_tags, abandoned),
        "mismatchTags": list(&form.mismatch_tags, abandoned),
        "autoFace": status(form.auto_face.as_deref(), face),
        // A person at iDenfy looks only before the final result.
        "manualFace": if is_final { status(Some(&form.manual_face), "") } else { Value::Null },
        "autoDocument": status(form.auto_document.as_deref(), "DOC_VALIDATED"),
        "manualDocument": if is_final { status(Some(&form.manual_document), "") } else { Value::Null },
        "additionalSteps": step_status
    })
}

/// `data`: what the document says, as the tester typed it (the sample's facts by default).
fn data_block(session: &Session, form: &Finish) -> Value {
    let abandoned = form.abandoned();
    let text = |v: &str| {
        if v.trim().is_empty() || abandoned {
            Value::Null
        } else {
            json!(v.trim())
        }
    };
    let sample = Facts::sample(session);
    let fact = |chosen: &Option<String>, sample: &str| text(chosen.as_deref().unwrap_or(sample));
    json!({
        "docFirstName": text(&form.first_name),
        "docLastName": text(&form.last_name),
        "docNumber": text(&form.document_number),
        "docPersonalCode": null,
        "docExpiry": fact(&form.doc_expiry, &sample.expiry),
        "docDateOfIssue": text(&form.date_of_issue),
        "duplicateFaces": list(&form.duplicate_faces, abandoned),
        "duplicateDocFaces": [],
        "docDob": text(&form.date_of_birth),
        "docType": if abandoned { Value::Null } else { json!(form.doc_type) },
        "docSex": fact(&form.sex, &sample.sex),
        "docNationality": fact(&form.nationality, &sample.nationality),
        "docIssuingCountry": fact(&form.issuing_country, &sample.issuing_country),
        "manuallyDataChanged": false,
        "fullName": null
    })
}

/// A comma-separated field as a list (none once the person left before any photo).
fn list(values: &str, abandoned: bool) -> Vec<String> {
    if abandoned {
        return vec![];
    }
    values
        .split(',')
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(str::to_owned)
        .collect()
}
