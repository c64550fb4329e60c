//! The rules that only the pair can apply: what the identity document and the permit say
//! together, and whether the permit is valid and acceptable under the pair's own policy on
//! the decision day. iDenfy judges each session alone; these rules are what two documents add.
//!
//! Each rule is one [`Check`]: the value each document gave, and the rule's finding with its
//! reason. The verdict reads the reasons ([`super::verdict::decide`]); a reviewer reads the
//! whole table (the evidence route). A value that is absent or unreadable is never a match:
//! the rule's finding is then [`Finding::Missing`], and the pair goes to review.

use super::dates;
use super::names::{self, NameMatch};
use super::permit::{self, PermitPolicy, VerdictPolicy};
use super::{HalfResult, Reason};
use crate::clock::Timestamp;
use serde::Serialize;
use time::Date;

/// What the rules are applied with: the configured permit types, the pair's permit policy,
/// and the decision day (UTC, from the injected clock).
#[derive(Debug, Clone, Copy)]
pub struct Context<'a> {
    pub policy: &'a VerdictPolicy,
    pub permit: &'a PermitPolicy,
    pub day: Date,
}

impl<'a> Context<'a> {
    pub fn new(policy: &'a VerdictPolicy, permit: &'a PermitPolicy, decided_at: Timestamp) -> Self {
        Self {
            policy,
            permit,
            day: dates::day_of(decided_at),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Rule {
    FirstName,
    LastName,
    /// The names as printed in the documents' own script (`orgFirstName`, `orgLastName`).
    OriginalName,
    DateOfBirth,
    /// The second document is one of the permit types.
    PermitType,
    /// The two documents are not one and the same (compared as keyed digests).
    DocumentNumber,
    PermitExpiry,
    PermitIssuingCountry,
    /// The permit's issuer against the holder's nationality.
    PermitIssuerNotNationality,
    IdentityDocumentExpiry,
    Sex,
    Nationality,
    /// iDenfy's `status.mismatchTags` on either session.
    IdenfyMismatchTags,
    /// iDenfy's document check on each session ([`super::judgement`]).
    IdenfyDocumentCheck,
    /// iDenfy's face check on each session.
    IdenfyFaceCheck,
    /// iDenfy's fraud tags other than duplicates.
    IdenfyFraudTags,
    /// iDenfy's duplicate tags and the duplicate sessions' scanRefs.
    Duplicates,
    /// Each document's issue date against the decision day and its expiry.
    DocumentDates,
    /// The identity session's docType is an identity document.
    IdentityDocumentType,
    /// Values iDenfy sent that its schema does not list.
    IdenfyValues,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Finding {
    Pass,
    /// The documents disagree, or the permit fails the policy.
    Fail,
    /// A value the rule needs is absent or unreadable.
    Missing,
    /// Nothing to check (e.g. no original-script names, or in different scripts).
    NotApplicable,
}

/// One rule as applied: each document's value (document data: for the reviewer's eyes only,
/// never logged), the finding and the reason it adds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Check {
    pub rule: Rule,
    pub identity: Option<String>,
    pub permit: Option<String>,
    pub finding: Finding,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<Reason>,
}

impl Check {
    pub(crate) fn new(rule: Rule, identity: Option<&str>, permit: Option<&str>) -> Self {
        Self {
            rule,
            identity: identity.map(str::to_owned),
            permit: permit.map(str::to_owned),
            finding: Finding::Pass,
            reason: None,
        }
    }

    fn with(mut self, finding: Finding, reason: Option<Reason>) -> Self {
        self.finding = finding;
        self.reason = reason;
        self
    }

    pub(crate) fn fail(self, reason: Reason) -> Self {
        self.with(Finding::Fail, Some(reason))
    }

    pub(crate) fn missing(self, reason: Reason) -> Self {
        self.with(Finding::Missing, Some(reason))
    }

    fn not_applicable(self) -> Self {
        self.with(Finding::NotApplicable, None)
    }
}

/// Every rule applied to an identity half and a permit half, in a fixed order.
pub fn checks(identity: &HalfResult, permit: &HalfResult, context: &Context) -> Vec<Check> {
    let mut all = names(identity, permit);
    all.push(original_names(identity, permit));
    all.push(date_of_birth(identity, permit));
    let permit_type = permit_type(permit, context.policy);
    // A document that is no permit already goes to review: its validity as one is moot.
    let is_permit = permit_type.finding == Finding::Pass;
    all.push(permit_type);
    all.push(document_number(identity, permit));
    for check in [
        permit_expiry(permit, context),
        issuing_country(permit, context.permit),
        issuer_not_nationality(identity, permit),
    ] {
        all.push(if is_permit {
            check
        } else {
            check.not_applicable()
        });
    }
    all.push(identity_expiry(identity, context.day));
    all.push(sex(identity, permit));
    all.push(nationality(identity, permit));
    all.push(idenfy_mismatch(identity, permit));
    all
}

/// The reasons the checks found, sorted, each once.
pub fn reasons(checks: &[Check]) -> Vec<Reason> {
    let mut reasons: Vec<Reason> = checks.iter().filter_map(|c| c.reason).collect();
    reasons.sort();
    reasons.dedup();
    reasons
}

fn present(value: &Option<String>) -> Option<&str> {
    value.as_deref().map(str::trim).filter(|v| !v.is_empty())
}

/// A name with at least one letter or digit: blank, whitespace-only or invisible characters
/// (a zero-width space, a lone hyphen) are no name.
fn present_name(value: &Option<String>) -> Option<&str> {
    present(value).filter(|v| v.chars().any(char::is_alphanumeric))
}

/// First and last name, each compared under the readings of [`names`]. When they fail but
/// the whole names hold the same words (split differently, or swapped), the reason is
/// `NAME_ORDER_DIFFERS` rather than a mismatch: review, never a rejection.
fn names(identity: &HalfResult, permit: &HalfResult) -> Vec<Check> {
    let fields = [
        (Rule::FirstName, &identity.first_name, &permit.first_name),
        (Rule::LastName, &identity.last_name, &permit.last_name),
    ];
    let mut checks: Vec<Check> = fields
        .iter()
        .map(|(rule, a, b)| {
            let check = Check::new(*rule, present(a), present(b));
            match (present_name(a), present_name(b)) {
                (Some(a), Some(b)) => match names::compare(a, b) {
                    NameMatch::Equal => check,
                    NameMatch::Partial => check.fail(Reason::NamePartialMatch),
                    NameMatch::Different => check.fail(Reason::NameMismatch),
                },
                _ => check.missing(Reason::FieldMissing),
            }
        })
        .collect();
    let whole = |half: &HalfResult| {
        Some(format!(
            "{} {}",
            present_name(&half.first_name)?,
            present_name(&half.last_name)?
        ))
    };
    let failed = checks.iter().any(|c| c.finding == Finding::Fail);
    if let (true, Some(a), Some(b)) = (failed, whole(identity), whole(permit))
        && names::same_words(&a, &b)
    {
        for check in checks.iter_mut().filter(|c| c.finding == Finding::Fail) {
            check.reason = Some(Reason::NameOrderDiffers);
        }
    }
    checks
}

/// The original-script names may only add doubt: compared when both documents print them
/// in one and the same script, and a difference there sends the pair to review.
fn original_names(identity: &HalfResult, permit: &HalfResult) -> Check {
    let whole = |half: &HalfResult| {
        let parts: Vec<&str> = [
            &half.facts.original_first_name,
            &half.facts.original_last_name,
        ]
        .into_iter()
        .filter_map(present)
        .collect();
        (!parts.is_empty()).then(|| parts.join(" "))
    };
    let (a, b) = (whole(identity), whole(permit));
    let check = Check::new(Rule::OriginalName, a.as_deref(), b.as_deref());
    let (Some(a), Some(b)) = (a.as_deref(), b.as_deref()) else {
        return check.not_applicable();
    };
    match (names::script(a), names::script(b)) {
        (Some(x), Some(y)) if x == y => {}
        _ => return check.not_applicable(),
    }
    if names::compare(a, b) == NameMatch::Equal {
        check
    } else {
        check.fail(Reason::OriginalNameMismatch)
    }
}

/// Equal calendar days; an unreadable date is a missing one.
fn date_of_birth(identity: &HalfResult, permit: &HalfResult) -> Check {
    let (a, b) = (
        present(&identity.date_of_birth),
        present(&permit.date_of_birth),
    );
    let check = Check::new(Rule::DateOfBirth, a, b);
    match (a.and_then(dates::parse), b.and_then(dates::parse)) {
        (Some(a), Some(b)) if a == b => check,
        (Some(_), Some(_)) => check.fail(Reason::DobMismatch),
        _ => check.missing(Reason::FieldMissing),
    }
}

fn permit_type(permit: &HalfResult, policy: &VerdictPolicy) -> Check {
    let doc_type = present(&permit.doc_type);
    let check = Check::new(Rule::PermitType, None, doc_type);
    match doc_type {
        Some(t) if policy.permit_types.iter().any(|p| p == t) => check,
        Some(_) => check.fail(Reason::DocumentNotAPermit),
        None => check.missing(Reason::FieldMissing),
    }
}

/// The same document shown twice has one number: compared as keyed digests (under every
/// key, while one is rotated), so no number is shown. Without either number there is nothing
/// to compare (not a reason to doubt).
fn document_number(identity: &HalfResult, permit: &HalfResult) -> Check {
    let check = Check::new(Rule::DocumentNumber, None, None);
    if identity.doc_number_hash.is_none() || permit.doc_number_hash.is_none() {
        return check.not_applicable();
    }
    let same = identity
        .doc_number_hashes()
        .any(|a| permit.doc_number_hashes().any(|b| a == b));
    if same {
        check.fail(Reason::SameDocumentTwice)
    } else {
        check
    }
}

/// Valid on the decision day (a permit is valid through its expiry date), and for at least
/// `minValidDays` more. Absent is a permanent permit unless `minValidDays` asks for a date;
/// present but unreadable is never taken as valid.
fn permit_expiry(permit: &HalfResult, context: &Context) -> Check {
    let raw = present(&permit.facts.expiry);
    let check = Check::new(Rule::PermitExpiry, None, raw);
    let min_days = i64::from(context.permit.min_valid_days);
    match raw.map(dates::parse) {
        None if min_days == 0 => check,
        None | Some(None) => check.missing(Reason::PermitExpiryMissing),
        Some(Some(expiry)) => {
            let left = dates::days_between(context.day, expiry);
            if left < 0 {
                check.fail(Reason::PermitExpired)
            } else if left < min_days {
                check.fail(Reason::PermitExpiresTooSoon)
            } else {
                check
            }
        }
    }
}

fn issuing_country(permit: &HalfResult, policy: &PermitPolicy) -> Check {
    let country = present(&permit.facts.issuing_country);
    let check = Check::new(Rule::PermitIssuingCountry, None, country);
    if policy.accepts(country) {
        check
    } else {
        check.fail(Reason::PermitCountryNotAccepted)
    }
}

/// The holder's nationality (the identity document's, else the one the permit prints)
/// against the permit's issuer: a permit from one's own country is no residence permit.
/// Either unknown, or not an alpha-2 code (DEU against DE would pass unseen), the rule cannot
/// be checked.
fn issuer_not_nationality(identity: &HalfResult, permit: &HalfResult) -> Check {
    fn code(value: &Option<String>) -> Option<&str> {
        present(value).filter(|c| permit::is_country_code(c))
    }
    let nationality = code(&identity.facts.nationality).or_else(|| code(&permit.facts.nationality));
    let issuer = code(&permit.facts.issuing_country);
    let shown = present(&identity.facts.nationality).or_else(|| present(&permit.facts.nationality));
    let check = Check::new(
        Rule::PermitIssuerNotNationality,
        nationality.or(shown),
        present(&permit.facts.issuing_country),
    );
    match (nationality, issuer) {
        (Some(n), Some(i)) if n == i => check.fail(Reason::PermitFromOwnNationality),
        (Some(_), Some(_)) => check,
        _ => check.missing(Reason::FieldMissing),
    }
}

/// iDenfy denies expired documents itself; this is defence in depth against a manual
/// approval. A document without an expiry (some never expire) passes; an unreadable one
/// does not.
fn identity_expiry(identity: &HalfResult, day: Date) -> Check {
    let raw = present(&identity.facts.expiry);
    let check = Check::new(Rule::IdentityDocumentExpiry, raw, None);
    match raw.map(dates::parse) {
        None => check,
        Some(None) => check.missing(Reason::FieldMissing),
        Some(Some(expiry)) if expiry < day => check.fail(Reason::IdentityDocumentExpired),
        Some(Some(_)) => check,
    }
}

/// MALE against FEMALE only: UNDEFINED or absent is unknown, not a mismatch.
fn sex(identity: &HalfResult, permit: &HalfResult) -> Check {
    let (a, b) = (present(&identity.facts.sex), present(&permit.facts.sex));
    let check = Check::new(Rule::Sex, a, b);
    fn known(sex: Option<&str>) -> Option<&str> {
        sex.filter(|s| matches!(*s, "MALE" | "FEMALE"))
    }
    match (known(a), known(b)) {
        (Some(a), Some(b)) if a != b => check.fail(Reason::SexMismatch),
        (Some(_), Some(_)) => check,
        _ => check.not_applicable(),
    }
}

/// Both present and different; one absent is unknown, not a mismatch.
fn nationality(identity: &HalfResult, permit: &HalfResult) -> Check {
    let (a, b) = (
        present(&identity.facts.nationality),
        present(&permit.facts.nationality),
    );
    let check = Check::new(Rule::Nationality, a, b);
    match (a, b) {
        (Some(a), Some(b)) if a != b => check.fail(Reason::NationalityMismatch),
        (Some(_), Some(_)) => check,
        _ => check.not_applicable(),
    }
}

/// iDenfy leaves a mismatch with the declared data to its client, even on an APPROVED session.
fn idenfy_mismatch(identity: &HalfResult, permit: &HalfResult) -> Check {
    let listed =
        |half: &HalfResult| (!half.mismatch_tags.is_empty()).then(|| half.mismatch_tags.join(","));
    let (a, b) = (listed(identity), listed(permit));
    let check = Check::new(Rule::IdenfyMismatchTags, a.as_deref(), b.as_deref());
    if a.is_some() || b.is_some() {
        check.fail(Reason::IdenfyMismatch)
    } else {
        check
    }
}

#[cfg(test)]
mod tests;
