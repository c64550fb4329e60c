//! Callback fixtures: the pair the `events/idenfy-callback/*.json` files belong to, payloads
//! shaped like iDenfy's, signed with the documented test key.

use crate::T0;
use idenfy_callback::{CallbackPorts, IdenfyCallback};
use lambda_http::Body;
use pair_adapters::env::Env;
use pair_adapters::idenfy::SigningKeys;
use pair_adapters::idenfy::signature::sign;
use pair_adapters::idenfy::token::external_ref;
use pair_adapters::metrics::Metrics;
use pair_adapters::secret::runtime::Secrets;
use pair_app::callback::{CallbackSecrets, CallbackService};
use pair_app::config::CallbackConfig;
use pair_core::clock::{Clock, ManualClock, Timestamp};
use pair_core::pair::permit::VerdictPolicy;
use pair_core::pair::{
    ClientId, DocumentHasher, Mode, Outcome, Pair, PairRecord, PermitPolicy, Reason, Session,
};
use pair_core::ports::store::ResultStore;
use serde_json::{Value, json};
use std::sync::Arc;
use std::time::Duration;
mod handlers;
mod people;
pub use handlers::*;
pub use people::*;

/// The signing key of the sample events (docs/decisions.md names it). Test only.
pub const TEST_SIGNING_KEY: &str = "idenfy-pair-test-signing-key-0123456789";
pub const TEST_DOCUMENT_HASH_KEY: &str = "idenfy-pair-test-document-hash-key";

/// The pair of the sample events.
pub const EVENTS_CLIENT_ID: &str = "USER_12345";
pub const EVENTS_PAIR_ID: &str = "5f0c2b9e4a7d13c8e6b1f2a0";
pub const EVENTS_IDENTITY_SCAN_REF: &str = "3c1e8b5a-2f4d-4c6b-9a7e-1d2f3a4b5c6d";
pub const EVENTS_DOCUMENT_SCAN_REF: &str = "9b8a7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d";

/// Callbacks arrive an hour after issuance.
pub fn callback_clock() -> Arc<ManualClock> {
    let clock = ManualClock::at(T0);
    clock.advance(Duration::from_secs(3600));
    Arc::new(clock)
}

/// The sample pair's permit policy: permits of the Baltic states, valid 30 days more.
pub fn events_permit_policy() -> PermitPolicy {
    PermitPolicy::new(vec!["LT".into(), "LV".into(), "EE".into()], 30).expect("a valid policy")
}

/// A pending pair issued at T0 and kept 30 days.
pub fn pending_record(
    client_id: &str,
    pair_id: &str,
    identity: &str,
    document: &str,
) -> PairRecord {
    PairRecord {
        client_id: ClientId::parse(client_id).expect("valid clientId"),
        version: 1,
        expires_at: T0.plus(Duration::from_secs(30 * 86_400)),
        claim: None,
        pair: Some(Pair {
            pair_id: pair_id.to_owned(),
            mode: Mode::TwoSessions,
            identity: Session {
                scan_ref: identity.to_owned(),
                external_ref: external_ref(pair_id, pair_core::pair::Role::Identity),
            },
            document: Some(Session {
                scan_ref: document.to_owned(),
                external_ref: external_ref(pair_id, pair_core::pair::Role::Document),
            }),
            earlier_documents: vec![],
            renewal: None,
            permit_policy: Default::default(),
            verification_url: format!(
                "https://ivs.idenfy.com/api/v2/redirect?authToken=tok-{pair_id}"
            ),
            url_expires_at: T0.plus(Duration::from_secs(3600)),
            results_due_by: None,
            created_at: T0,
            updated_at: T0,
            results: Default::default(),
            finals: vec![],
            final_digests: vec![],
            verdict: None,
            earlier_verdicts: vec![],
            document_link: None,
            continued_at: None,
            review_claims: vec![],
            expiry: Default::default(),
        }),
        previous_pairs: vec![],
        erasure: None,
        expiry_watch: None,
        expiry_due: None,
        queue: None,
        waiting_since: None,
        waiting: None,
        review_claim: None,
    }
}

/// `record` as if issued at `issued` instead of T0 (the functions under `sam local` read the
/// real clock).
pub fn issued_at(mut record: PairRecord, issued: Timestamp) -> PairRecord {
    let shift = |t: Timestamp| {
        Timestamp::from_unix_seconds(t.unix_seconds() - T0.unix_seconds() + issued.unix_seconds())
    };
    record.expires_at = shift(record.expires_at);
    if let Some(pair) = record.pair.as_mut() {
        pair.url_expires_at = shift(pair.url_expires_at);
        pair.created_at = shift(pair.created_at);
        pair.updated_at = shift(pair.updated_at);
    }
    record
}

/// The sample events' two-session pair, issued with [`events_permit_policy`].
pub fn events_record() -> PairRecord {
    let mut record = pending_record(
        EVENTS_CLIENT_ID,
        EVENTS_PAIR_ID,
        EVENTS_IDENTITY_SCAN_REF,
        EVENTS_DOCUMENT_SCAN_REF,
    );
    if let Some(pair) = record.pair.as_mut() {
        pair.permit_policy = events_permit_policy();
    }
    record
}

/// The additional-step sample events' one-session pair (events/idenfy-callback/additional-step-*).
pub const STEP_EVENTS_CLIENT_ID: &str = "USER_67890";
pub const STEP_EVENTS_PAIR_ID: &str = "8d2f4a6c1e3b5d7f9a0c2e4b";
pub const STEP_EVENTS_SCAN_REF: &str = "6e5d4c3b-2a19-4f8e-8d7c-6b5a49382716";

/// A live additional-step pair: one identity session, the permit as its upload step.
pub fn pending_single_session_record(client_id: &str, pair_id: &str, identity: &str) -> PairRecord {
    let mut record = pending_record(client_id, pair_id, identity, "unused");
    if let Some(pair) = record.pair.as_mut() {
        pair.mode = Mode::AdditionalStep;
        pair.document = None;
    }
    record
}

pub fn step_events_record() -> PairRecord {
    pending_single_session_record(
        STEP_EVENTS_CLIENT_ID,
        STEP_EVENTS_PAIR_ID,
        STEP_EVENTS_SCAN_REF,
    )
}

pub fn hasher() -> DocumentHasher {
    DocumentHasher::new(TEST_DOCUMENT_HASH_KEY.as_bytes()).expect("usable key")
}

/// What a document says, as iDenfy extracts it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocFields {
    pub overall: &'static str,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub date_of_birth: Option<String>,
    pub doc_type: Option<String>,
    pub doc_number: Option<String>,
}

impl DocFields {
    pub fn new(
        overall: &'static str,
        first: &str,
        last: &str,
        dob: &str,
        doc_type: &str,
        number: &str,
    ) -> Self {
        let some = |v: &str| (!v.is_empty()).then(|| v.to_owned());
        Self {
            overall,
            first_name: some(first),
            last_name: some(last),
            date_of_birth: some(dob),
            doc_type: some(doc_type),
            doc_number: some(number),
        }
    }
}

/// The identity card of the sample events' person (JOHN MÜLLER, 1990-05-15).
pub fn sample_id_card() -> DocFields {
    DocFields::new(
        "APPROVED",
        "JOHN",
        "MÜLLER",
        "1990-05-15",
        "ID_CARD",
        "L01X00T47",
    )
}

/// What `sample_id_card` and `sample_permit` say of the person: never to be seen in a log,
/// a status body or a notification.
pub const SAMPLE_PERSONAL_DATA: [&str; 6] = [
    "JOHN",
    "MÜLLER",
    "MUELLER",
    "1990-05-15",
    "L01X00T47",
    "RP4471932",
];

/// The same person's residence permit, the surname transliterated (MUELLER).
pub fn sample_permit() -> DocFields {
    DocFields::new(
        "APPROVED",
        "JOHN",
        "MUELLER",
        "1990-05-15",
        "RESIDENCE_PERMIT",
        "RP4471932",
    )
}

/// An iDenfy result payload for one session.
pub fn payload(client_id: &str, scan_ref: &str, is_final: bool, fields: &DocFields) -> Value {
    json!({
        "final": is_final,
        "platform": "PC",
        "status": {
            "overall": fields.overall,
            "suspicionReasons": [], "fraudTags": [], "mismatchTags": [],
            "autoFace": "FACE_MATCH", "manualFace": null, "autoDocument": "DOC_VALIDATED",
            "manualDocument": null, "additionalSteps": null
        },
        "data": {
            "docFirstName": fields.first_name, "docLastName": fields.last_name,
            "docDob": fields.date_of_birth, "docType": fields.doc_type, "docNumber": fields.doc_number,
            "docExpiry": "2031-04-30", "docNationality": "DE", "docSex": "FEMALE",
            "docIssuingCountry": if fields.doc_type.as_deref() == Some("RESIDENCE_PERMIT") { "LT" } else { "DE" }
        },
        "fileUrls": {"FRONT": format!("https://s3.example.com/{scan_ref}/front.png?X-Amz-Expires=3600")},
        "AML": [], "LID": [],
        "scanRef": scan_ref,
        "clientId": client_id,
        "startTime": T0.unix_seconds() + 60,
        "finishTime": T0.unix_seconds() + 240
    })
}

/// `payload` for a session with the permit's upload step (additional-step mode), the file
/// uploaded as `image` (fileUrls), `pdf` (additionalStepPdfUrls), `none` or `invalid`.
pub fn step_payload(
    client_id: &str,
    scan_ref: &str,
    is_final: bool,
    fields: &DocFields,
    upload: &str,
) -> Value {
    let mut body = payload(client_id, scan_ref, is_final, fields);
    let url = format!("https://s3.example.com/{scan_ref}/RESIDENCE_PERMIT?X-Amz-Expires=3600");
    body["additionalSteps"] = json!({"RESIDENCE_PERMIT": "UPLOAD"});
    body["additionalStepPdfUrls"] = json!({});
    let status = match upload {
        "image" => {
            body["fileUrls"]["RESIDENCE_PERMIT"] = json!(url);
            "VALID"
        }
        "pdf" => {
            body["additionalStepPdfUrls"]["RESIDENCE_PERMIT"] = json!(url);
            "VALID"
        }
        "invalid" => {
            body["fileUrls"]["RESIDENCE_PERMIT"] = json!(url);
            "INVALID"
        }
        _ => "NOT_FOUND",
    };
    body["status"]["additionalSteps"] = json!(status);
    body
}

/// A webhook request as API Gateway hands it to the function.
pub fn request(body: &str, signature: Option<&str>, event_type: &str) -> lambda_http::Request {
    let mut builder = lambda_http::http::Request::builder()
        .method("POST")
        .uri("https://abc123def4.execute-api.eu-west-1.amazonaws.com/webhooks/idenfy")
        .header("content-type", "application/json")
        .header("idenfy-event-type", event_type);
    if let Some(signature) = signature {
        builder = builder.header("idenfy-signature", signature);
    }
    builder
        .body(Body::from(body.to_owned()))
        .expect("a valid request")
}

/// The request signed with the test key.
pub fn signed(body: &str, event_type: &str) -> lambda_http::Request {
    request(
        body,
        Some(&sign(TEST_SIGNING_KEY, body.as_bytes())),
        event_type,
    )
}

pub fn event_type(is_final: bool) -> &'static str {
    if is_final {
        "IDENTIFICATION_MANUAL_FINISHED"
    } else {
        "IDENTIFICATION_AUTO_FINISHED"
    }
}

/// Status and JSON body of a handler response.
pub async fn call(
    handler: &idenfy_callback::IdenfyCallback,
    request: lambda_http::Request,
) -> (u16, Value) {
    let response = crate::contract::idenfy_callback(handler, request).await;
    let body = serde_json::from_slice(response.body().as_ref()).unwrap_or(Value::Null);
    (response.status().as_u16(), body)
}
