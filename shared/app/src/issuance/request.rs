//! What an issuance request asks for, validated: the boundary (the issue-tokens function)
//! reads it from its API's JSON.

use pair_core::pair::{ClientId, CountryCode, FinishPages, Mode, PermitPolicy, Person};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IssueRequest {
    pub client_id: ClientId,
    pub person: Person,
    /// A two-letter language code, lower case.
    pub locale: Option<String>,
    /// Where the person lands after the last session; each absent page falls back to the
    /// configured default, then to iDenfy's dashboard setting.
    pub site_urls: FinishPages,
    /// Replace the clientId's pair whatever its state.
    pub restart: bool,
    pub mode: Mode,
    /// The request's own permit policy; each part it leaves out is the configured default.
    pub permit: PermitRequest,
    /// The API's base URL as this request reached it (`https://{domain}/{stage}`), for the
    /// continuation when `PUBLIC_API_URL` is not set.
    pub api_base: Option<String>,
}

/// The permit policy a request asks for, each part already checked
/// ([`pair_core::pair::permit`]).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PermitRequest {
    pub issuing_countries: Option<Vec<CountryCode>>,
    pub min_valid_days: Option<u32>,
}

impl PermitRequest {
    /// The pair's policy: what the request set, the configured default for the rest.
    pub fn over(&self, default: &PermitPolicy) -> PermitPolicy {
        PermitPolicy {
            issuing_countries: self
                .issuing_countries
                .clone()
                .unwrap_or_else(|| default.issuing_countries.clone()),
            min_valid_days: self.min_valid_days.unwrap_or(default.min_valid_days),
        }
    }
}

/// What a renewal of a verified pair's permit asks for: where the person lands, their language,
/// and the permit policy (each part it leaves out is the pair's own).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RenewalRequest {
    pub locale: Option<String>,
    pub site_urls: FinishPages,
    pub permit: PermitRequest,
}

impl IssueRequest {
    /// A plain two-session request for `client_id`, nothing else set.
    pub fn new(client_id: ClientId) -> Self {
        Self {
            client_id,
            person: Person::default(),
            locale: None,
            site_urls: FinishPages::default(),
            restart: false,
            mode: Mode::default(),
            permit: PermitRequest::default(),
            api_base: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_request_s_policy_parts_override_the_defaults_one_by_one() {
        let default = PermitPolicy {
            issuing_countries: vec!["DE".parse().unwrap()],
            min_valid_days: 30,
        };
        assert_eq!(PermitRequest::default().over(&default), default);
        let days_only = PermitRequest {
            issuing_countries: None,
            min_valid_days: Some(0),
        };
        assert_eq!(
            days_only.over(&default),
            PermitPolicy {
                issuing_countries: vec!["DE".parse().unwrap()],
                min_valid_days: 0
            }
        );
        let countries_only = PermitRequest {
            issuing_countries: Some(vec!["AT".parse().unwrap(), "CH".parse().unwrap()]),
            min_valid_days: None,
        };
        assert_eq!(
            countries_only.over(&default),
            PermitPolicy {
                issuing_countries: vec!["AT".parse().unwrap(), "CH".parse().unwrap()],
                min_valid_days: 30
            }
        );
    }
}
