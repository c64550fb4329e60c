//! What a permit must be. Configured for the deployment ([`VerdictPolicy`]: the document types
//! that count as a permit, the upload step that carries one); and per pair ([`PermitPolicy`]:
//! which countries' permits the site accepts and how long a permit must still be valid), chosen
//! at issuance (the request's, else the configured defaults) and stored with the pair, so a
//! configuration change never alters a pair in flight.

use serde::{Deserialize, Serialize};

/// iDenfy's document type for a residence permit: the default document the second session
/// accepts, and the default name of the permit's upload step.
pub const RESIDENCE_PERMIT: &str = "RESIDENCE_PERMIT";

/// iDenfy's document types that prove an identity by default: what the identity session must
/// show (`IDENTITY_DOCUMENT_TYPES`).
pub const IDENTITY_DOCUMENT_TYPES: [&str; 2] = ["PASSPORT", "ID_CARD"];

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerdictPolicy {
    /// docTypes the second session must show (default `RESIDENCE_PERMIT`).
    pub permit_types: Vec<String>,
    /// docTypes the identity session must show (default [`IDENTITY_DOCUMENT_TYPES`]).
    pub identity_types: Vec<String>,
    /// The additional upload step that carries the permit in additional-step mode (default
    /// `RESIDENCE_PERMIT`).
    pub permit_step: String,
}

impl Default for VerdictPolicy {
    fn default() -> Self {
        Self {
            permit_types: vec![RESIDENCE_PERMIT.to_owned()],
            identity_types: IDENTITY_DOCUMENT_TYPES.map(str::to_owned).to_vec(),
            permit_step: RESIDENCE_PERMIT.to_owned(),
        }
    }
}

/// At most this many accepted issuing countries.
pub const MAX_ISSUING_COUNTRIES: usize = 60;
/// `minValidDays` at most (ten years).
pub const MAX_MIN_VALID_DAYS: u32 = 3650;

/// ISO 3166-1 alpha-2, the 249 officially assigned codes, plus `XK` (Kosovo: user-assigned,
/// but what ICAO 9303 documents and the EU use for Kosovo's documents).
const COUNTRY_CODES: &str = "AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG \
    BH BI BJ BL BM BN BO BQ BR BS BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW \
    CX CY CZ DE DJ DK DM DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO FR GA GB GD GE GF GG GH GI GL \
    GM GN GP GQ GR GS GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE \
    KG KH KI KM KN KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM \
    MN MO MP MQ MR MS MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH \
    PK PL PM PN PR PS PT PW PY QA RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS \
    ST SV SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG \
    VI VN VU WF WS XK YE YT ZA ZM ZW";

/// An ISO 3166-1 alpha-2 code as written: two upper-case letters of an assigned country.
pub fn is_country_code(code: &str) -> bool {
    code.len() == 2
        && code.bytes().all(|b| b.is_ascii_uppercase())
        && COUNTRY_CODES.split_whitespace().any(|c| c == code)
}

/// An issuing country a site accepts: an assigned ISO 3166-1 alpha-2 code in upper case
/// ([`is_country_code`]). Stored as its text; a stored value that is not one is a corrupt
/// record, never a country.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct CountryCode(String);

impl CountryCode {
    pub fn parse(code: &str) -> Result<Self, PermitPolicyProblem> {
        if is_country_code(code) {
            Ok(Self(code.to_owned()))
        } else {
            Err(PermitPolicyProblem::Country(code.to_owned()))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for CountryCode {
    type Error = PermitPolicyProblem;

    fn try_from(code: String) -> Result<Self, Self::Error> {
        Self::parse(&code)
    }
}

impl std::str::FromStr for CountryCode {
    type Err = PermitPolicyProblem;

    fn from_str(code: &str) -> Result<Self, Self::Err> {
        Self::parse(code)
    }
}

impl From<CountryCode> for String {
    fn from(code: CountryCode) -> Self {
        code.0
    }
}

impl PartialEq<&str> for CountryCode {
    fn eq(&self, other: &&str) -> bool {
        self.0 == *other
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PermitPolicy {
    /// The countries whose permits are accepted; empty: any country.
    #[serde(default)]
    pub issuing_countries: Vec<CountryCode>,
    /// The permit must still be valid this many days after the decision day; 0: valid on it.
    #[serde(default)]
    pub min_valid_days: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PermitPolicyProblem {
    #[error("must list 1-{MAX_ISSUING_COUNTRIES} countries")]
    CountryCount,
    #[error("{0:?} is not an ISO 3166-1 alpha-2 country code in upper case, e.g. DE")]
    Country(String),
    #[error("must be between 0 and {MAX_MIN_VALID_DAYS}")]
    MinValidDays,
}

impl PermitPolicy {
    /// Checks each part against its limits (no countries: any country); a country listed
    /// twice counts once.
    pub fn new(
        issuing_countries: Vec<String>,
        min_valid_days: u32,
    ) -> Result<Self, PermitPolicyProblem> {
        let any = issuing_countries.is_empty();
        Ok(Self {
            issuing_countries: if any {
                Vec::new()
            } else {
                countries(issuing_countries)?
            },
            min_valid_days: valid_days(min_valid_days)?,
        })
    }

    /// Whether a permit issued by `country` is accepted: any, when no list is set.
    pub fn accepts(&self, country: Option<&str>) -> bool {
        self.issuing_countries.is_empty()
            || country.is_some_and(|c| self.issuing_countries.iter().any(|a| a.as_str() == c))
    }

    /// The one accepted country, which the permit's session may preselect.
    pub fn single_country(&self) -> Option<&str> {
        match self.issuing_countries.as_slice() {
            [only] => Some(only.as_str()),
            _ => None,
        }
    }
}

/// A list of accepted issuing countries: 1 to [`MAX_ISSUING_COUNTRIES`] codes, duplicates
/// dropped, in the order given.
pub fn countries(list: Vec<String>) -> Result<Vec<CountryCode>, PermitPolicyProblem> {
    let mut accepted: Vec<CountryCode> = Vec::with_capacity(list.len());
    for code in list {
        let code = CountryCode::try_from(code)?;
        if !accepted.contains(&code) {
            accepted.push(code);
        }
    }
    if accepted.is_empty() || accepted.len() > MAX_ISSUING_COUNTRIES {
        return Err(PermitPolicyProblem::CountryCount);
    }
    Ok(accepted)
}

pub fn valid_days(days: u32) -> Result<u32, PermitPolicyProblem> {
    if days > MAX_MIN_VALID_DAYS {
        return Err(PermitPolicyProblem::MinValidDays);
    }
    Ok(days)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn country_codes_are_assigned_upper_case_pairs() {
        assert_eq!(COUNTRY_CODES.split_whitespace().count(), 250);
        for good in ["DE", "AT", "XK", "ZW", "AD"] {
            assert!(is_country_code(good), "{good}");
        }
        for bad in ["de", "DEU", "D", "", "QQ", "UK", "EU", "Ö1"] {
            assert!(!is_country_code(bad), "{bad}");
        }
    }

    #[test]
    fn a_policy_is_checked_and_deduplicated() {
        let policy = PermitPolicy::new(vec!["DE".into(), "AT".into(), "DE".into()], 30).unwrap();
        assert_eq!(policy.issuing_countries, vec!["DE", "AT"]);
        assert!(policy.accepts(Some("AT")));
        assert!(!policy.accepts(Some("FR")));
        assert!(!policy.accepts(None));
        assert_eq!(policy.single_country(), None);
        assert!(PermitPolicy::default().accepts(None));
        let single = PermitPolicy::new(vec!["LT".into()], 0).unwrap();
        assert_eq!(single.single_country(), Some("LT"));
        assert_eq!(PermitPolicy::new(vec![], 0), Ok(PermitPolicy::default()));
        assert_eq!(countries(vec![]), Err(PermitPolicyProblem::CountryCount));
        assert_eq!(
            PermitPolicy::new(vec!["de".into()], 0),
            Err(PermitPolicyProblem::Country("de".into()))
        );
        let sixty_one: Vec<String> = COUNTRY_CODES
            .split_whitespace()
            .take(61)
            .map(str::to_owned)
            .collect();
        assert_eq!(
            PermitPolicy::new(sixty_one[..60].to_vec(), 0).map(|p| p.issuing_countries.len()),
            Ok(60)
        );
        assert_eq!(
            PermitPolicy::new(sixty_one, 0),
            Err(PermitPolicyProblem::CountryCount)
        );
        assert_eq!(valid_days(3650), Ok(3650));
        assert_eq!(valid_days(3651), Err(PermitPolicyProblem::MinValidDays));
    }
}
