//! iDenfy's token API: the body of `POST /api/v2/token` and the limits iDenfy enforces on it,
//! the part of its answer we read, the `externalRef` we set, the permit's upload step, and how
//! a [`SessionOrder`] (the domain's words) becomes a [`TokenRequest`] (iDenfy's).

use pair_core::pair::Role;
use pair_core::ports::idenfy::SessionOrder;
use serde::{Deserialize, Serialize};
use std::time::Duration;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum TokenType {
    /// Selfie + identity document.
    Identification,
    /// Document only (the residence permit).
    Document,
}

/// Body of `POST /api/v2/token`: flat camelCase, absent fields left out.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TokenRequest {
    pub client_id: String,
    pub token_type: TokenType,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub date_of_birth: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub success_url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error_url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unverified_url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub callback_url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expiry_time: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub session_length: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub locale: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub documents: Option<Vec<String>>,
    /// Alpha-2: preselects the document's issuing country (a string; one docs example sends
    /// an array, the schema a string).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub external_ref: Option<String>,
    /// Steps added to the session, e.g. the permit's UPLOAD step (docs/idenfy.md).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub additional_steps: Option<serde_json::Value>,
}

/// iDenfy's documented limits on a token request.
pub mod limits {
    pub const CLIENT_ID_MAX: usize = 100;
    /// `firstName`, `lastName` (the domain's names are parsed to this bound).
    pub const NAME_MAX: usize = pair_core::pair::PersonName::MAX_CHARS;
    pub const URL_MIN: usize = 5;
    pub const URL_MAX: usize = 2048;
    pub const EXPIRY_TIME_MAX: u32 = 2_592_000;
    pub const SESSION_LENGTH_MIN: u32 = 60;
    pub const SESSION_LENGTH_MAX: u32 = 3600;
    /// `locale` is a two-letter language code (en, de, lt…).
    pub const LOCALE_LEN: usize = 2;
    pub const EXTERNAL_REF_MAX: usize = 40;
}

impl TokenRequest {
    pub fn new(client_id: impl Into<String>, token_type: TokenType) -> Self {
        Self {
            client_id: client_id.into(),
            token_type,
            first_name: None,
            last_name: None,
            date_of_birth: None,
            success_url: None,
            error_url: None,
            unverified_url: None,
            callback_url: None,
            expiry_time: None,
            session_length: None,
            locale: None,
            documents: None,
            country: None,
            external_ref: None,
            additional_steps: None,
        }
    }

    /// Checks the request against iDenfy's limits, so that a request iDenfy would refuse is
    /// never sent. Returns every violation, one line each.
    pub fn check_limits(&self) -> Result<(), Vec<String>> {
        use limits::*;
        let mut problems = Vec::new();
        let mut check = |ok: bool, problem: &str| {
            if !ok {
                problems.push(problem.to_owned());
            }
        };
        let id = &self.client_id;
        check(
            !id.is_empty() && id.len() <= CLIENT_ID_MAX && id.is_ascii(),
            "clientId must be 1-100 ASCII characters",
        );
        for (name, value) in [
            ("firstName", &self.first_name),
            ("lastName", &self.last_name),
        ] {
            if let Some(value) = value {
                check(
                    !value.is_empty() && value.chars().count() <= NAME_MAX,
                    &format!("{name} must be 1-100 characters"),
                );
            }
        }
        if let Some(dob) = &self.date_of_birth {
            check(is_iso_date(dob), "dateOfBirth must be YYYY-MM-DD");
        }
        for (name, value) in [
            ("successUrl", &self.success_url),
            ("errorUrl", &self.error_url),
            ("unverifiedUrl", &self.unverified_url),
            ("callbackUrl", &self.callback_url),
        ] {
            if let Some(value) = value {
                check(
                    (URL_MIN..=URL_MAX).contains(&value.len()),
                    &format!("{name} must be 5-2048 characters"),
                );
            }
        }
        if let Some(expiry) = self.expiry_time {
            check(
                expiry <= EXPIRY_TIME_MAX,
                "expiryTime must be at most 2592000 seconds",
            );
        }
        if let Some(length) = self.session_length {
            check(
                (SESSION_LENGTH_MIN..=SESSION_LENGTH_MAX).contains(&length),
                "sessionLength must be 60-3600 seconds",
            );
        }
        if let Some(locale) = &self.locale {
            check(is_locale(locale), "locale must be a two-letter code");
        }
        if let Some(external_ref) = &self.external_ref {
            check(
                external_ref.len() <= EXTERNAL_REF_MAX,
                "externalRef must be at most 40 characters",
            );
        }
        if problems.is_empty() {
            Ok(())
        } else {
            Err(problems)
        }
    }
}

/// A two-letter language code, lower case, as iDenfy lists them.
pub fn is_locale(value: &str) -> bool {
    value.len() == limits::LOCALE_LEN && value.bytes().all(|b| b.is_ascii_lowercase())
}

/// `YYYY-MM-DD` naming a real calendar date.
pub fn is_iso_date(value: &str) -> bool {
    let format = time::macros::format_description!("[year]-[month]-[day]");
    value.len() == 10 && time::Date::parse(value, &format).is_ok()
}

/// The part of iDenfy's token response we use; the rest of the echo is ignored.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct IssuedToken {
    pub auth_token: String,
    pub scan_ref: String,
}

/// The `externalRef` set on a session's token; iDenfy returns it as-is in the webhooks, so a
/// callback's role can be read back from it. At most 37 characters (iDenfy allows 40).
pub fn external_ref(pair_id: &str, role: Role) -> String {
    format!("idp-{pair_id}-{}", role.as_str())
}

/// `additionalSteps` of a token request: for every country and document, one UPLOAD step
/// under `step`'s name (how iDenfy's docs show a custom upload step).
pub fn upload_step(step: &str) -> serde_json::Value {
    serde_json::json!({"ALL": {"ALL": {step: {
        "type": "UPLOAD",
        "texts": {"en": {"name": "Residence permit"}},
    }}}})
}

impl TokenRequest {
    /// The token request that opens the session `order` describes: the role's token type,
    /// our externalRef, the durations in whole seconds.
    pub fn for_session(order: &SessionOrder) -> Self {
        let token_type = match order.role {
            Role::Identity => TokenType::Identification,
            Role::Document => TokenType::Document,
        };
        let mut token = Self::new(order.client_id.as_str(), token_type);
        let person = &order.person;
        token.first_name = person.first_name.as_ref().map(|n| n.as_str().to_owned());
        token.last_name = person.last_name.as_ref().map(|n| n.as_str().to_owned());
        token.date_of_birth = person.date_of_birth.map(|d| d.to_string());
        token.locale = order.locale.clone();
        token.success_url = order.finish.success.clone();
        token.error_url = order.finish.error.clone();
        token.unverified_url = order.finish.unverified.clone();
        token.callback_url = order.callback_url.clone();
        token.expiry_time = Some(seconds(order.start_within));
        token.session_length = Some(seconds(order.session_length));
        token.documents = order.documents.clone();
        token.country = order.country.clone();
        token.external_ref = Some(external_ref(&order.pair_id, order.role));
        token.additional_steps = order.permit_upload_step.as_deref().map(upload_step);
        token
    }
}

fn seconds(duration: Duration) -> u32 {
    u32::try_from(duration.as_secs()).unwrap_or(u32::MAX)
}

/// Where a person opens the session of `auth_token`, on the iDenfy at `base_url`.
pub fn redirect_url(base_url: &str, auth_token: &str) -> String {
    let mut url = format!("{base_url}/api/v2/redirect?authToken=");
    url.extend(url::form_urlencoded::byte_serialize(auth_token.as_bytes()));
    url
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serialises_flat_camel_case_without_absent_fields() {
        let mut request = TokenRequest::new("USER_1", TokenType::Document);
        request.documents = Some(vec!["RESIDENCE_PERMIT".into()]);
        request.expiry_time = Some(4800);
        let json = serde_json::to_value(&request).unwrap();
        assert_eq!(
            json,
            serde_json::json!({
                "clientId": "USER_1",
                "tokenType": "DOCUMENT",
                "documents": ["RESIDENCE_PERMIT"],
                "expiryTime": 4800
            })
        );
    }

    #[test]
    fn limits_are_checked_and_every_violation_reported() {
        let mut request = TokenRequest::new("", TokenType::Identification);
        request.session_length = Some(30);
        request.external_ref = Some("x".repeat(41));
        request.success_url = Some("http".into());
        request.date_of_birth = Some("1990-02-30".into());
        request.locale = Some("en-GB-xyz".into());
        let problems = request.check_limits().unwrap_err();
        assert_eq!(problems.len(), 6, "{problems:?}");

        let mut ok = TokenRequest::new("USER_1", TokenType::Identification);
        ok.session_length = Some(600);
        ok.expiry_time = Some(2_592_000);
        ok.date_of_birth = Some("1990-05-15".into());
        assert_eq!(ok.check_limits(), Ok(()));
    }

    #[test]
    fn external_refs_fit_idenfy_limit_and_name_the_role() {
        let pair_id = pair_core::pair::new_id();
        for role in [Role::Identity, Role::Document] {
            let reference = external_ref(&pair_id, role);
            assert!(reference.len() <= limits::EXTERNAL_REF_MAX);
            assert!(reference.ends_with(role.as_str()));
        }
    }
}
