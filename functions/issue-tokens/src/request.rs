//! The `POST /verifications` body → a validated [`IssueRequest`], and a reviewer's
//! `POST /verifications/{clientId}/review` body → a [`ReviewRequest`]: every field's problem
//! reported at once (a code per field, for the site's form) rather than the first one only.

mod queue;
mod renewal;
pub use queue::{QueueQuery, parse_queue_query};
pub use renewal::parse_renewal_request;

use pair_adapters::idenfy::is_locale;
use pair_app::issuance::{IssueRequest, PermitRequest};
use pair_app::urls::{AllowedOrigins, SiteUrlProblem};
use pair_core::pair::machine::ReviewRequest;
use pair_core::pair::machine::review::{NoteProblem, ReviewNote};
use pair_core::pair::{
    ClientId, DateOfBirth, FinishPages, Mode, Outcome, Person, PersonName, Principal, permit,
};
use serde::Serialize;
use serde_json::{Map, Value};

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
        Some(raw) => match ClientId::parse_new(&raw) {
            Ok(id) => Some(id),
            Err(e) => {
                fields.error("clientId", "INVALID_FORMAT", e.to_string());
                None
            }
        },
    };
    let first_name = fields.name("firstName");
    let last_name = fields.name("lastName");
    let date_of_birth = fields.parsed("dateOfBirth", "INVALID_FORMAT", DateOfBirth::parse);
    let locale = fields.locale();
    let site_urls = fields.finish_pages(origins);
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
            api_base: None,
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

    fn name(&mut self, field: &str) -> Option<PersonName> {
        self.parsed(field, "INVALID_FORMAT", PersonName::parse)
    }

    /// A string field parsed into its domain value; the parser's problem is the field's
    /// error, with `code`.
    fn parsed<T, E: std::fmt::Display>(
        &mut self,
        field: &str,
        code: &'static str,
        parse: impl FnOnce(&str) -> Result<T, E>,
    ) -> Option<T> {
        let value = self.string(field)?;
        parse(&value)
            .map_err(|problem| self.error(field, code, problem.to_string()))
            .ok()
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

    /// `locale`: a two-letter language code; either case is accepted, iDenfy's are lower case.
    fn locale(&mut self) -> Option<String> {
        let locale = self.string("locale").map(|l| l.to_ascii_lowercase());
        if let Some(locale) = &locale
            && !is_locale(locale)
        {
            self.error(
                "locale",
                "INVALID_FORMAT",
                "must be a two-letter language code, e.g. en or lt",
            );
        }
        locale
    }

    /// `successUrl`, `errorUrl`, `unverifiedUrl`: the site's final pages, each under an
    /// allowed origin.
    fn finish_pages(&mut self, origins: &AllowedOrigins) -> FinishPages {
        FinishPages {
            success: self.site_url("successUrl", origins),
            error: self.site_url("errorUrl", origins),
            unverified: self.site_url("unverifiedUrl", origins),
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
/// The reviewer is `reviewer`, the authenticated caller: a body naming one is refused.
pub fn parse_review_request(
    body: &Value,
    reviewer: Principal,
) -> Result<ReviewRequest, Vec<FieldError>> {
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
    if object.contains_key("reviewer") {
        fields.error(
            "reviewer",
            "NOT_ALLOWED",
            "the reviewer is the authenticated caller; leave it out of the body",
        );
    }
    let note = match fields.string("note").as_deref().map(ReviewNote::parse) {
        None | Some(Err(NoteProblem::Blank)) => None,
        Some(Ok(note)) => Some(note),
        Some(Err(problem)) => {
            fields.error("note", "INVALID_LENGTH", problem.to_string());
            None
        }
    };
    let pair_id = fields.required_string("pairId");
    let verdict_version = match object.get("verdictVersion") {
        None | Some(Value::Null) => {
            fields.error(
                "verdictVersion",
                "REQUIRED",
                "is required: the verdictVersion the evidence showed",
            );
            None
        }
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
    match (decision, pair_id, verdict_version) {
        (Some(decision), Some(pair_id), Some(verdict_version)) if errors.is_empty() => {
            Ok(ReviewRequest {
                pair_id,
                decision,
                reviewer,
                note,
                verdict_version,
            })
        }
        _ => Err(errors),
    }
}
