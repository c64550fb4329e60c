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
    let overall = form.outcome.as_str();
    let text = |v: &str| {
        if v.trim().is_empty() || abandoned {
            Value::Null
        } else {
            json!(v.trim())
        }
    };
    let identity = request.token_type == TokenType::Identification;
    let mut file_urls = json!({
        "FRONT": format!("https://s3.example.invalid/{}/FRONT.png?X-Amz-Expires=3600", session.scan_ref),
        "BACK": format!("https://s3.example.invalid/{}/BACK.png?X-Amz-Expires=3600", session.scan_ref),
    });
    if identity && let Some(urls) = file_urls.as_object_mut() {
        urls.insert(
            "FACE".into(),
            json!(format!(
                "https://s3.example.invalid/{}/FACE.png?X-Amz-Expires=3600",
                session.scan_ref
            )),
        );
    }
    // The upload step, as docs/idenfy.md describes it: listed by name, its status, the file under
    // its name in fileUrls (an image) or additionalStepPdfUrls (a PDF).
    let mut pdf_urls = json!({});
    let (steps, step_status) = match session.upload_step() {
        Some(step) if !abandoned => {
            let url = |ext: &str| {
                json!(format!(
                    "https://s3.example.invalid/{}/{step}.{ext}?X-Amz-Expires=3600",
                    session.scan_ref
                ))
            };
            let upload = form.permit_upload.as_deref().unwrap_or("none");
            match upload {
                "image" => file_urls[&step] = url("jpg"),
                "pdf" => pdf_urls[&step] = url("pdf"),
                _ => {}
            }
            let status = if matches!(upload, "image" | "pdf") {
                "VALID"
            } else {
                "NOT_FOUND"
            };
            (json!({ step: "UPLOAD" }), json!(status))
        }
        _ => (Value::Null, Value::Null),
    };
    let sample = Facts::sample(session);
    // A comma-separated field as a list (none once the person left before any photo).
    let list = |values: &str| -> Vec<String> {
        if abandoned {
            return vec![];
        }
        values
            .split(',')
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .map(str::to_owned)
            .collect()
    };
    // A field the form did not carry (a test's own form) is the page's default.
    let status = |chosen: Option<&str>, default: &str| match chosen.unwrap_or(default).trim() {
        "" => Value::Null,
        value if !abandoned => json!(value),
        _ => Value::Null,
    };
    let face = if identity { "FACE_MATCH" } else { "" };
    let fact = |chosen: &Option<String>, sample: &str| text(chosen.as_deref().unwrap_or(sample));
    let start = session.issued_at + 30;
    json!({
        "final": is_final,
        "platform": "PC",
        "status": {
            "overall": overall,
            // The tags are the tester's to choose (iDenfy sends SUSPECTED with one).
            "suspicionReasons": [],
            "denyReasons": [],
            "fraudTags": list(&form.fraud_tags),
            "mismatchTags": list(&form.mismatch_tags),
            "autoFace": status(form.auto_face.as_deref(), face),
            // A person at iDenfy looks only before the final result.
            "manualFace": if is_final { status(Some(&form.manual_face), "") } else { Value::Null },
            "autoDocument": status(form.auto_document.as_deref(), "DOC_VALIDATED"),
            "manualDocument": if is_final { status(Some(&form.manual_document), "") } else { Value::Null },
            "additionalSteps": step_status
        },
        "data": {
            "docFirstName": text(&form.first_name),
            "docLastName": text(&form.last_name),
            "docNumber": text(&form.document_number),
            "docPersonalCode": null,
            "docExpiry": fact(&form.doc_expiry, &sample.expiry),
            "docDateOfIssue": text(&form.date_of_issue),
            "duplicateFaces": list(&form.duplicate_faces),
            "duplicateDocFaces": [],
            "docDob": text(&form.date_of_birth),
            "docType": if abandoned { Value::Null } else { json!(form.doc_type) },
            "docSex": fact(&form.sex, &sample.sex),
            "docNationality": fact(&form.nationality, &sample.nationality),
            "docIssuingCountry": fact(&form.issuing_country, &sample.issuing_country),
            "manuallyDataChanged": false,
            "fullName": null
        },
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
