//! iDenfy's result webhook, read tolerantly: every field may be absent, null or of another
//! type than documented; unknown fields are ignored; unknown statuses are kept. Only
//! `clientId` and `scanRef` are required — without them a callback cannot be placed.
//!
//! The body is read into a JSON value and picked apart, so no parse error ever echoes a
//! piece of the payload (which holds personal data).

use super::expiration;
use pair_core::clock::Timestamp;
use pair_core::pair::validity::ExpirationNotice;
use pair_core::pair::{
    CheckStatuses, ClientId, DocumentFacts, DocumentHasher, Duplicates, HalfResult, OverallStatus,
    PermitStep, Rank,
};
use serde_json::Value;

/// The webhook's signature header ([`super::signature`]).
pub const SIGNATURE_HEADER: &str = "idenfy-signature";
/// The webhook's event-type header (e.g. `IDENTIFICATION_CANCELLED`): not signed, so context
/// for the logs, never a reason to decide.
pub const EVENT_TYPE_HEADER: &str = "idenfy-event-type";

/// A callback placed and reduced to what the decision needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Callback {
    pub client_id: ClientId,
    pub scan_ref: String,
    /// As sent back by iDenfy: ours (`idp-<pairId>-<role>`) or absent.
    pub external_ref: Option<String>,
    pub half: HalfResult,
}

/// iDenfy's document-expiration notice for a session, placed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExpirationCallback {
    pub client_id: ClientId,
    pub scan_ref: String,
    pub notice: ExpirationNotice,
}

/// What a signed body at the webhook URL is: a session's result, or iDenfy's word that a
/// session's document expires ([`super::expiration`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Webhook {
    Result(Box<Callback>),
    Expiration(ExpirationCallback),
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PayloadError {
    #[error("the body is not valid JSON (line {line}, column {column})")]
    NotJson { line: usize, column: usize },
    #[error("the body is not a JSON object")]
    NotAnObject,
    #[error("clientId is missing, null or not a string")]
    MissingClientId,
    #[error("scanRef is missing, empty or not a string")]
    MissingScanRef,
    #[error("clientId is not a valid iDenfy clientId")]
    InvalidClientId,
    #[error("an expiration notice without a threshold iDenfy documents")]
    UnknownExpirationThreshold,
}

impl Webhook {
    /// The session's result, if the body is one.
    pub fn into_result(self) -> Option<Callback> {
        match self {
            Webhook::Result(callback) => Some(*callback),
            Webhook::Expiration(_) => None,
        }
    }
}

/// Reads a (verified) body as a session's result or an expiration notice. `permit_step` is
/// the name of the permit's additional upload step (additional-step mode).
pub fn read(
    body: &[u8],
    event_type: Option<&str>,
    now: Timestamp,
    hasher: &DocumentHasher,
    permit_step: &str,
) -> Result<Webhook, PayloadError> {
    let value = json(body)?;
    let root = value.as_object().ok_or(PayloadError::NotAnObject)?;
    let (client_id, scan_ref) = place(root)?;
    if expiration::is_notice(root, event_type) {
        let notice =
            expiration::notice(root, now).ok_or(PayloadError::UnknownExpirationThreshold)?;
        return Ok(Webhook::Expiration(ExpirationCallback {
            client_id,
            scan_ref,
            notice,
        }));
    }
    Ok(Webhook::Result(Box::new(result(
        root,
        client_id,
        scan_ref,
        event_type,
        now,
        hasher,
        permit_step,
    ))))
}

fn json(body: &[u8]) -> Result<Value, PayloadError> {
    serde_json::from_slice(body).map_err(|e| PayloadError::NotJson {
        line: e.line(),
        column: e.column(),
    })
}

/// The clientId and scanRef a body is placed by: without both it cannot be.
fn place(root: &serde_json::Map<String, Value>) -> Result<(ClientId, String), PayloadError> {
    let client_id = root
        .get("clientId")
        .and_then(Value::as_str)
        .ok_or(PayloadError::MissingClientId)?;
    let client_id = ClientId::parse(client_id).map_err(|_| PayloadError::InvalidClientId)?;
    let scan_ref = root
        .get("scanRef")
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .ok_or(PayloadError::MissingScanRef)?
        .to_owned();
    Ok((client_id, scan_ref))
}

fn result(
    root: &serde_json::Map<String, Value>,
    client_id: ClientId,
    scan_ref: String,
    event_type: Option<&str>,
    now: Timestamp,
    hasher: &DocumentHasher,
    permit_step: &str,
) -> Callback {
    let status = root.get("status");
    let data = root.get("data");
    let field = |block: Option<&Value>, name: &str| text(block.and_then(|b| b.get(name)));
    // `final` is documented as always present; an explicit `false` marks a preliminary
    // result, and a payload without the flag is taken as the final word.
    let rank = match root.get("final").and_then(Value::as_bool) {
        Some(false) => Rank::Preliminary,
        _ => Rank::Final,
    };
    let overall = field(status, "overall").map_or(OverallStatus::Missing, OverallStatus::from);
    let doc_type = field(data, "docType");
    let doc_number = field(data, "docNumber");
    let doc_number_hash = doc_number
        .as_deref()
        .map(|number| hasher.hash(doc_type.as_deref(), number));
    let doc_number_earlier_hashes = doc_number
        .as_deref()
        .map(|number| hasher.earlier_hashes(doc_type.as_deref(), number))
        .unwrap_or_default();
    let codes = |list: &str| codes(status.and_then(|s| s.get(list)));
    let mut tags = codes("fraudTags");
    tags.extend(codes("suspicionReasons"));

    let mut half = HalfResult {
        rank,
        overall,
        event_type: event_type
            .map(str::trim)
            .filter(|e| !e.is_empty())
            .map(str::to_owned),
        first_name: field(data, "docFirstName"),
        last_name: field(data, "docLastName"),
        date_of_birth: field(data, "docDob"),
        doc_type,
        doc_number_hash,
        doc_number_earlier_hashes,
        tags,
        mismatch_tags: codes("mismatchTags"),
        checks: CheckStatuses {
            auto_face: code_of(status, "autoFace"),
            manual_face: code_of(status, "manualFace"),
            auto_document: code_of(status, "autoDocument"),
            manual_document: code_of(status, "manualDocument"),
        },
        duplicates: Duplicates {
            faces: self::codes(data.and_then(|d| d.get("duplicateFaces"))),
            doc_faces: self::codes(data.and_then(|d| d.get("duplicateDocFaces"))),
        },
        facts: document_facts(data),
        permit_step: read_permit_step(root, status, permit_step),
        digest: String::new(),
        earlier_digests: vec![],
        received_at: now,
    };
    half.digest = hasher.result_digest(&scan_ref, &half);
    half.earlier_digests = hasher.earlier_digests(&scan_ref, &half);
    Callback {
        client_id,
        external_ref: text(root.get("externalRef")),
        scan_ref,
        half,
    }
}

/// What the document says beyond names and birth: its dates, countries and sex; codes and
/// alpha-2 countries upper case, whatever case they arrive in.
fn document_facts(data: Option<&Value>) -> DocumentFacts {
    let field = |name: &str| text(data.and_then(|d| d.get(name)));
    let code = |name: &str| field(name).map(|v| v.to_ascii_uppercase());
    DocumentFacts {
        expiry: field("docExpiry"),
        issued: field("docDateOfIssue"),
        issuing_country: code("docIssuingCountry"),
        nationality: code("docNationality"),
        sex: code("docSex"),
        original_first_name: field("orgFirstName"),
        original_last_name: field("orgLastName"),
    }
}

/// Where the payload mentions the upload step `step`: listed in `additionalSteps`, its status
/// in `status.additionalSteps` (one value, or one per step), a file under its name in
/// `fileUrls` or `additionalStepPdfUrls`. Presence only: the URLs expire and are not kept.
/// `None` when the payload does not mention the step at all.
fn read_permit_step(
    root: &serde_json::Map<String, Value>,
    status: Option<&Value>,
    step: &str,
) -> Option<PermitStep> {
    let listed = match root.get("additionalSteps") {
        Some(Value::Object(steps)) => steps.get(step).is_some_and(|v| !v.is_null()),
        Some(Value::Array(steps)) => steps.iter().any(|s| s.as_str() == Some(step)),
        _ => false,
    };
    let kind = match root.get("additionalSteps") {
        Some(Value::Object(steps)) => text(steps.get(step)).map(|k| k.to_ascii_uppercase()),
        _ => None,
    };
    let step_status = match status.and_then(|s| s.get("additionalSteps")) {
        Some(Value::Object(per_step)) => text(per_step.get(step)),
        other => text(other),
    };
    let file_in = |block: &str| {
        root.get(block)
            .and_then(|files| files.get(step))
            .is_some_and(|file| match file {
                Value::String(url) => !url.trim().is_empty(),
                Value::Array(urls) => !urls.is_empty(),
                Value::Object(urls) => !urls.is_empty(),
                _ => false,
            })
    };
    let found = PermitStep {
        listed,
        kind,
        status: step_status,
        in_file_urls: file_in("fileUrls"),
        in_pdf_urls: file_in("additionalStepPdfUrls"),
    };
    (found != PermitStep::default()).then_some(found)
}

/// A list of tags: documented as an array of codes. A lone code counts as one; any other
/// shape (an object, an item that is no code) cannot be read, and counts as the tag
/// [`UNREADABLE_TAG`] rather than as no tag at all — a mismatch iDenfy reports in an
/// unexpected shape must still send the pair to review.
fn codes(list: Option<&Value>) -> Vec<String> {
    let code = |item: &Value| match item {
        Value::Null => None,
        Value::String(s) if s.trim().is_empty() => None,
        other => Some(text(Some(other)).unwrap_or_else(|| UNREADABLE_TAG.to_owned())),
    };
    match list {
        None | Some(Value::Null) => vec![],
        Some(Value::Array(items)) => items.iter().filter_map(code).collect(),
        Some(other) => code(other).into_iter().collect(),
    }
}

/// A per-check status (`status.autoFace`…): a code, compared upper case. Present but not a
/// code (an object, a list) is [`UNREADABLE_TAG`], which no table lists — never a match.
fn code_of(block: Option<&Value>, name: &str) -> Option<String> {
    match block?.get(name)? {
        Value::Null => None,
        Value::String(s) if s.trim().is_empty() => None,
        other => Some(
            text(Some(other)).map_or_else(|| UNREADABLE_TAG.to_owned(), |v| v.to_ascii_uppercase()),
        ),
    }
}

/// A tag that was there but could not be read as a code.
pub const UNREADABLE_TAG: &str = "UNREADABLE";

/// A non-empty string, or a number written out; anything else counts as absent.
fn text(value: Option<&Value>) -> Option<String> {
    match value? {
        Value::String(s) => Some(s.trim().to_owned()).filter(|s| !s.is_empty()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

#[cfg(test)]
mod tests;
