//! The `POST /verifications` body → a validated [`IssueRequest`], and a reviewer's
//! `POST /verifications/{clientId}/review` body → a [`ReviewRequest`]: every field's problem
//! reported at once (a code per field, for the site's form) rather than the first one only.

use serde::Serialize;
use serde_json::{Map, Value};
use shared::idenfy::{FinishPages, Person, is_iso_date, is_locale, limits};
use shared::issuance::{IssueRequest, PermitRequest};
use shared::pair::machine::ReviewRequest;
use shared::pair::machine::review::{NOTE_MAX_CHARS, REVIEWER_MAX_CHARS};
use shared::pair::{ClientId, Mode, Outcome, permit};
use shared::urls::{AllowedOrigins, SiteUrlProblem};

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct FieldError {
    pub field: String,
    pub code: &'static str,
    pub message: String,
}

impl FieldError {
    fn new(field: &str, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            field: field.to_owned(),
            code,
            message: message.into(),
        }
    }
}

/// The field-error code of a site URL's problem.
fn site_url_code(problem: &SiteUrlProblem) -> &'static str {
    match problem {
        SiteUrlProblem::Length => "INVALID_LENGTH",
        SiteUrlProblem::NotAUrl(_) | SiteUrlProblem::Credentials => "INVALID_URL",
        SiteUrlProblem::NotHttps => "NOT_HTTPS",
        SiteUrlProblem::OriginNotAllowed => "ORIGIN_NOT_ALLOWED",
    }
}

const FIELDS: [&str; 11] = [
    "clientId",
    "firstName",
    "lastName",
    "dateOfBirth",
    "locale",
    "successUrl",
    "errorUrl",
    "unverifiedUrl",
    "restart",
    "mode",
    "permit",
];

/// Reads and checks the request body; every problem found, or the request.
pub fn parse_issue_request(
    body: &Value,
    origins: &AllowedOrigins,
) -> Result<IssueRequest, Vec<FieldError>> {
    let (object, mut errors) = object_of(body, &FIELDS)?;
    let mut fields = Fields {
        object,
        errors: &mut errors,
    };

    let client_id = match fields.string("clientId") {
        None => {
            if !object.contains_key("clientId") {
                fields.error("clientId", "REQUIRED", "is required");
            }
            None
        }
        Some(raw) => match ClientId::parse(&raw) {
            Ok(id) => Some(id),
            Err(e) => {
                fields.error("clientId", "INVALID_FORMAT", e.to_string());
                None
            }
        },
    };
    let first_name = fields.name("firstName");
    let last_name = fields.name("lastName");
    let date_of_birth = fields.string("dateOfBirth");
    if let Some(dob) = &date_of_birth
        && !(is_iso_date(dob) && dob.as_str() >= "1900-01-01")
    {
        fields.error(
            "dateOfBirth",
            "INVALID_FORMAT",
            "must be a date as YYYY-MM-DD, from 1900 on",
        );
    }
    // Either case is accepted; iDenfy's codes are lower case.
    let locale = fields.string("locale").map(|l| l.to_ascii_lowercase());
    if let Some(locale) = &locale
        && !is_locale(locale)
    {
        fields.error(
            "locale",
            "INVALID_FORMAT",
            "must be a two-letter language code, e.g. en or lt",
        );
    }
    let site_urls = FinishPages {
        success: fields.site_url("successUrl", origins),
        error: fields.site_url("errorUrl", origins),
        unverified: fields.site_url("unverifiedUrl", origins),
    };
    let restart = match object.get("restart") {
        None | Some(Value::Null) => false,
        Some(Value::Bool(flag)) => *flag,
        Some(_) => {
            fields.error("restart", "INVALID_TYPE", "must be true or false");
            false
        }
    };
    let mode = match object.get("mode") {
        None | Some(Value::Null) => Mode::default(),
        Some(Value::String(mode)) if mode == Mode::TwoSessions.as_str() => Mode::TwoSessions,
        Some(Value::String(mode)) if mode == Mode::AdditionalStep.as_str() => Mode::AdditionalStep,
        Some(_) => {
            fields.error(
                "mode",
                "INVALID_VALUE",
                "must be \"twoSessions\" or \"additionalStep\"",
            );
            Mode::default()
        }
    };

    let permit = fields.permit();

    match client_id {
        Some(client_id) if errors.is_empty() => Ok(IssueRequest {
            client_id,
            person: Person {
                first_name,
                last_name,
                date_of_birth,
            },
            locale,
            site_urls,
            restart,
            mode,
            permit,
        }),
        _ => Err(errors),
    }
}

/// A body's fields, and an error for each one the request does not have.
type KnownFields<'a> = (&'a Map<String, Value>, Vec<FieldError>);

/// The body as a JSON object, with an error for each field not in `known`.
fn object_of<'a>(body: &'a Value, known: &[&str]) -> Result<KnownFields<'a>, Vec<FieldError>> {
    let Some(object) = body.as_object() else {
        return Err(vec![FieldError::new(
            "",
            "INVALID_TYPE",
            "the body must be a JSON object",
        )]);
    };
    let unknown = object
        .keys()
        .filter(|key| !known.contains(&key.as_str()))
        .map(|key| FieldError::new(key, "UNKNOWN_FIELD", "is not a field of this request"))
        .collect();
    Ok((object, unknown))
}

struct Fields<'a> {
    object: &'a Map<String, Value>,
    errors: &'a mut Vec<FieldError>,
}

impl Fields<'_> {
    fn error(&mut self, field: &str, code: &'static str, message: impl Into<String>) {
        self.errors.push(FieldError::new(field, code, message));
    }

    /// A string that must be there and not empty.
    fn required_string(&mut self, field: &str) -> Option<String> {
        let object = self.object;
        let given = object.get(field).filter(|v| !v.is_null());
        let value = self.string(field).filter(|v| !v.trim().is_empty());
        // Absent, null or blank; a value of another type has its own error already.
        if value.is_none() && given.is_none_or(Value::is_string) {
            self.error(field, "REQUIRED", "is required");
        }
        value
    }

    /// The field as a string; absent and null are `None`; another type is an error.
    fn string(&mut self, field: &str) -> Option<String> {
        match self.object.get(field) {
            None | Some(Value::Null) => None,
            Some(Value::String(s)) => Some(s.clone()),
            Some(_) => {
                self.error(field, "INVALID_TYPE", "must be a string");
                None
            }
        }
    }

    fn name(&mut self, field: &str) -> Option<String> {
        let value = self.string(field)?;
        let value = value.trim();
        let letters = value
            .chars()
            .all(|c| c.is_alphabetic() || matches!(c, ' ' | '-' | '\'' | '.'));
        if value.is_empty() || value.chars().count() > limits::NAME_MAX || !letters {
            self.error(
                field,
                "INVALID_FORMAT",
                "must be 1-100 letters (spaces, hyphens, apostrophes allowed)",
            );
            return None;
        }
        Some(value.to_owned())
    }

    /// `permit`: `{"issuingCountries": ["DE", …], "minValidDays": 30}`, both optional.
    fn permit(&mut self) -> PermitRequest {
        let object = match self.object.get("permit") {
            None | Some(Value::Null) => return PermitRequest::default(),
            Some(Value::Object(object)) => object,
            Some(_) => {
                self.error("permit", "INVALID_TYPE", "must be an object");
                return PermitRequest::default();
            }
        };
        for key in object.keys() {
            if !["issuingCountries", "minValidDays"].contains(&key.as_str()) {
                self.error(
                    &format!("permit.{key}"),
                    "UNKNOWN_FIELD",
                    "is not a field of the permit policy",
                );
            }
        }
        let issuing_countries = match object.get("issuingCountries") {
            None | Some(Value::Null) => None,
            Some(Value::Array(items)) => {
                let codes: Option<Vec<String>> = items
                    .iter()
                    .map(|item| item.as_str().map(str::to_owned))
                    .collect();
                match codes.map(permit::countries) {
                    Some(Ok(codes)) => Some(codes),
                    Some(Err(problem)) => {
                        self.error(
                            "permit.issuingCountries",
                            "INVALID_VALUE",
                            problem.to_string(),
                        );
                        None
                    }
                    None => {
                        self.error(
                            "permit.issuingCountries",
                            "INVALID_TYPE",
                            "must be an array of country codes",
                        );
                        None
                    }
                }
            }
            Some(_) => {
                self.error(
                    "permit.issuingCountries",
                    "INVALID_TYPE",
                    "must be an array of country codes",
                );
                None
            }
        };
        let min_valid_days = match object.get("minValidDays") {
            None | Some(Value::Null) => None,
            Some(value) => {
                let days = value
                    .as_u64()
                    .and_then(|d| u32::try_from(d).ok())
                    .and_then(|d| permit::valid_days(d).ok());
                if days.is_none() {
                    self.error(
                        "permit.minValidDays",
                        "INVALID_VALUE",
                        format!(
                            "must be a whole number from 0 to {}",
                            permit::MAX_MIN_VALID_DAYS
                        ),
                    );
                }
                days
            }
        };
        PermitRequest {
            issuing_countries,
            min_valid_days,
        }
    }

    fn site_url(&mut self, field: &str, origins: &AllowedOrigins) -> Option<String> {
        let value = self.string(field)?;
        match origins.check(&value) {
            Ok(()) => Some(value),
            Err(problem) => {
                self.error(field, site_url_code(&problem), problem.to_string());
                None
            }
        }
    }
}

const REVIEW_FIELDS: [&str; 5] = ["decision", "reviewer", "note", "pairId", "verdictVersion"];

/// Reads and checks a reviewer's decision; every problem found, or the request.
pub fn parse_review_request(body: &Value) -> Result<ReviewRequest, Vec<FieldError>> {
    let (object, mut errors) = object_of(body, &REVIEW_FIELDS)?;
    let mut fields = Fields {
        object,
        errors: &mut errors,
    };
    let decision = match fields.required_string("decision").as_deref() {
        None => None,
        Some("VERIFIED") => Some(Outcome::Verified),
        Some("REJECTED") => Some(Outcome::Rejected),
        Some(_) => {
            fields.error("decision", "INVALID_VALUE", "must be VERIFIED or REJECTED");
            None
        }
    };
    let reviewer = fields
        .required_string("reviewer")
        .map(|r| r.trim().to_owned());
    if let Some(reviewer) = &reviewer
        && (reviewer.is_empty()
            || reviewer.chars().count() > REVIEWER_MAX_CHARS
            || reviewer.chars().any(char::is_control))
    {
        fields.error(
            "reviewer",
            "INVALID_FORMAT",
            format!("must be 1-{REVIEWER_MAX_CHARS} characters, no control characters"),
        );
    }
    let note = fields
        .string("note")
        .map(|n| n.trim().to_owned())
        .filter(|n| !n.is_empty());
    if note
        .as_ref()
        .is_some_and(|n| n.chars().count() > NOTE_MAX_CHARS)
    {
        fields.error(
            "note",
            "INVALID_LENGTH",
            format!("must be at most {NOTE_MAX_CHARS} characters"),
        );
    }
    let pair_id = fields.required_string("pairId");
    let verdict_version = match object.get("verdictVersion") {
        None | Some(Value::Null) => None,
        Some(value) => match value.as_u64().and_then(|v| u32::try_from(v).ok()) {
            Some(version) if version >= 1 => Some(version),
            _ => {
                fields.error(
                    "verdictVersion",
                    "INVALID_VALUE",
                    "must be a verdict version (a whole number from 1)",
                );
                None
            }
        },
    };
    match (decision, reviewer, pair_id) {
        (Some(decision), Some(reviewer), Some(pair_id)) if errors.is_empty() => Ok(ReviewRequest {
            pair_id,
            decision,
            reviewer,
            note,
            verdict_version,
        }),
        _ => Err(errors),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn origins() -> AllowedOrigins {
        AllowedOrigins::parse("https://shop.example.com, https://app.example.com:8443").unwrap()
    }

    fn codes(body: Value) -> Vec<(String, &'static str)> {
        parse_issue_request(&body, &origins())
            .unwrap_err()
            .into_iter()
            .map(|e| (e.field, e.code))
            .collect()
    }

    #[test]
    fn minimal_and_full_requests_parse() {
        let minimal = parse_issue_request(&json!({"clientId": "USER_1"}), &origins()).unwrap();
        assert_eq!(minimal.client_id.as_str(), "USER_1");
        assert!(!minimal.restart);
        assert_eq!(minimal.mode, Mode::TwoSessions);
        let full = parse_issue_request(
            &json!({
                "clientId": "USER_1", "firstName": "José", "lastName": "O'Neil-Smith",
                "dateOfBirth": "1990-05-15", "locale": "lt",
                "successUrl": "https://shop.example.com/kyc/done",
                "errorUrl": "https://app.example.com:8443/kyc/error",
                "unverifiedUrl": null, "restart": true, "mode": "additionalStep"
            }),
            &origins(),
        )
        .unwrap();
        assert_eq!(full.person.first_name.as_deref(), Some("José"));
        assert_eq!(full.site_urls.unverified, None);
        assert!(full.restart);
        assert_eq!(full.mode, Mode::AdditionalStep);
    }

    #[test]
    fn every_bad_field_is_reported() {
        let got = codes(json!({
            "clientId": 12, "firstName": "J0hn", "dateOfBirth": "1990-13-01",
            "locale": "english-uk", "successUrl": "http://shop.example.com/x",
            "errorUrl": "https://evil.example.net/x", "restart": "yes", "clientID": "typo",
            "mode": "upload"
        }));
        assert_eq!(
            got,
            vec![
                ("clientID".to_owned(), "UNKNOWN_FIELD"),
                ("clientId".to_owned(), "INVALID_TYPE"),
                ("firstName".to_owned(), "INVALID_FORMAT"),
                ("dateOfBirth".to_owned(), "INVALID_FORMAT"),
                ("locale".to_owned(), "INVALID_FORMAT"),
                ("successUrl".to_owned(), "NOT_HTTPS"),
                ("errorUrl".to_owned(), "ORIGIN_NOT_ALLOWED"),
                ("restart".to_owned(), "INVALID_TYPE"),
                ("mode".to_owned(), "INVALID_VALUE"),
            ]
        );
    }

    #[test]
    fn a_permit_policy_is_read_and_checked() {
        let permit = |value: Value| {
            parse_issue_request(&json!({"clientId": "U", "permit": value}), &origins())
                .map(|r| r.permit)
                .map_err(|errors| {
                    errors
                        .into_iter()
                        .map(|e| (e.field, e.code))
                        .collect::<Vec<_>>()
                })
        };
        assert_eq!(
            permit(json!({"issuingCountries": ["DE", "AT"], "minValidDays": 30})),
            Ok(PermitRequest {
                issuing_countries: Some(vec!["DE".into(), "AT".into()]),
                min_valid_days: Some(30)
            })
        );
        assert_eq!(
            permit(json!({"minValidDays": 0})),
            Ok(PermitRequest {
                issuing_countries: None,
                min_valid_days: Some(0)
            })
        );
        assert_eq!(permit(json!({})), Ok(PermitRequest::default()));
        assert_eq!(
            permit(json!({"minValidDays": 3650})).map(|p| p.min_valid_days),
            Ok(Some(3650))
        );
        let refused = |value: Value| permit(value).expect_err("refused");
        let field = |name: &str, code: &'static str| vec![(name.to_owned(), code)];
        assert_eq!(
            refused(json!({"issuingCountries": []})),
            field("permit.issuingCountries", "INVALID_VALUE")
        );
        assert_eq!(
            refused(json!({"issuingCountries": ["de"]})),
            field("permit.issuingCountries", "INVALID_VALUE")
        );
        assert_eq!(
            refused(json!({"issuingCountries": ["QQ"]})),
            field("permit.issuingCountries", "INVALID_VALUE")
        );
        assert_eq!(
            refused(json!({"issuingCountries": "DE"})),
            field("permit.issuingCountries", "INVALID_TYPE")
        );
        assert_eq!(
            refused(json!({"issuingCountries": ["DE", 1]})),
            field("permit.issuingCountries", "INVALID_TYPE")
        );
        let sixty_one: Vec<String> = (b'A'..=b'Z')
            .flat_map(|a| (b'A'..=b'Z').map(move |b| format!("{}{}", a as char, b as char)))
            .filter(|code| permit::is_country_code(code))
            .take(61)
            .collect();
        assert_eq!(
            refused(json!({"issuingCountries": sixty_one})),
            field("permit.issuingCountries", "INVALID_VALUE")
        );
        for days in [json!(3651), json!(-1), json!(1.5), json!("30")] {
            assert_eq!(
                refused(json!({"minValidDays": days})),
                field("permit.minValidDays", "INVALID_VALUE")
            );
        }
        assert_eq!(
            refused(json!({"countries": ["DE"]})),
            field("permit.countries", "UNKNOWN_FIELD")
        );
        assert_eq!(refused(json!(["DE"])), field("permit", "INVALID_TYPE"));
    }

    #[test]
    fn locale_is_a_two_letter_code() {
        let locale = |value: &str| {
            parse_issue_request(&json!({"clientId": "U", "locale": value}), &origins())
                .map(|r| r.locale)
                .map_err(|errors| errors.into_iter().map(|e| e.code).collect::<Vec<_>>())
        };
        assert_eq!(locale("lt"), Ok(Some("lt".to_owned())));
        assert_eq!(locale("DE"), Ok(Some("de".to_owned())));
        for bad in ["en-GB", "e", "eng", "e1", "", "ée"] {
            assert_eq!(locale(bad), Err(vec!["INVALID_FORMAT"]), "{bad:?}");
        }
    }

    #[test]
    fn missing_client_id_and_non_object_body() {
        assert_eq!(codes(json!({})), vec![("clientId".to_owned(), "REQUIRED")]);
        assert_eq!(codes(json!([1])), vec![(String::new(), "INVALID_TYPE")]);
        assert_eq!(
            codes(json!({"clientId": "has space"})),
            vec![("clientId".to_owned(), "INVALID_FORMAT")]
        );
    }

    fn review_codes(body: Value) -> Vec<(String, &'static str)> {
        parse_review_request(&body)
            .expect_err("refused")
            .into_iter()
            .map(|e| (e.field, e.code))
            .collect()
    }

    #[test]
    fn a_review_is_read_with_its_note_trimmed_and_version_optional() {
        let review = parse_review_request(&json!({
            "decision": "REJECTED",
            "reviewer": " reviewer-7 ",
            "note": "  permit photo is of another person ",
            "pairId": "p1",
            "verdictVersion": 2,
        }))
        .expect("valid");
        assert_eq!(
            review,
            ReviewRequest {
                pair_id: "p1".into(),
                decision: Outcome::Rejected,
                reviewer: "reviewer-7".into(),
                note: Some("permit photo is of another person".into()),
                verdict_version: Some(2),
            }
        );
        let review = parse_review_request(
            &json!({"decision": "VERIFIED", "reviewer": "r", "pairId": "p1", "note": " "}),
        )
        .expect("valid");
        assert_eq!((review.note, review.verdict_version), (None, None));
    }

    #[test]
    fn every_problem_of_a_review_is_named() {
        assert_eq!(
            review_codes(json!({})),
            vec![
                ("decision".to_owned(), "REQUIRED"),
                ("reviewer".to_owned(), "REQUIRED"),
                ("pairId".to_owned(), "REQUIRED"),
            ]
        );
        assert_eq!(
            review_codes(json!({
                "decision": "REQUIRES_REVIEW",
                "reviewer": "x".repeat(REVIEWER_MAX_CHARS + 1),
                "note": "n".repeat(NOTE_MAX_CHARS + 1),
                "pairId": 7,
                "verdictVersion": 0,
                "status": "VERIFIED",
            })),
            vec![
                ("status".to_owned(), "UNKNOWN_FIELD"),
                ("decision".to_owned(), "INVALID_VALUE"),
                ("reviewer".to_owned(), "INVALID_FORMAT"),
                ("note".to_owned(), "INVALID_LENGTH"),
                ("pairId".to_owned(), "INVALID_TYPE"),
                ("verdictVersion".to_owned(), "INVALID_VALUE"),
            ]
        );
        assert_eq!(
            review_codes(json!({"decision": "VERIFIED", "reviewer": "a\u{7}b", "pairId": " "})),
            vec![
                ("reviewer".to_owned(), "INVALID_FORMAT"),
                ("pairId".to_owned(), "REQUIRED"),
            ]
        );
        assert_eq!(
            review_codes(json!(["VERIFIED"])),
            vec![("".to_owned(), "INVALID_TYPE")]
        );
    }
}
