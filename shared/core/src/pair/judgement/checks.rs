//! The checks that apply the table of [`super`] to a pair's sessions: each a [`Check`] with
//! both sessions' values, for the verdict and the reviewer.

use super::super::dates;
use super::super::rules::{Check, Context, Rule};
use super::super::{CheckStatus, HalfResult, OverallStatus, Reason, Role};
use super::Meaning::{Clean, FaceNotChecked};
use super::{
    DOC_TYPE, DOCUMENT, DUPLICATE, FACE, FRAUD, FRAUD_TAGS, MISMATCH_TAGS, Meaning, OVERALL,
    STEP_STATUS, STEP_TYPE, Table,
};

/// The sessions a pair has: both in a two-session pair, the identity session alone in
/// additional-step mode.
#[derive(Debug, Clone, Copy)]
pub struct Sessions<'a> {
    pub identity: &'a HalfResult,
    pub permit: Option<&'a HalfResult>,
}

impl<'a> Sessions<'a> {
    fn each(&self) -> impl Iterator<Item = (Role, &'a HalfResult)> + use<'a> {
        std::iter::once((Role::Identity, self.identity))
            .chain(self.permit.map(|permit| (Role::Document, permit)))
    }

    /// A check showing each session's value (`None` where there is nothing to show), failing
    /// with `reason` when `fails` holds for either session.
    fn judge(
        &self,
        rule: Rule,
        reason: Reason,
        shown: impl Fn(&HalfResult) -> Option<String>,
        fails: impl Fn(Role, &HalfResult) -> bool,
    ) -> Check {
        let check = Check::new(
            rule,
            shown(self.identity).as_deref(),
            self.permit.and_then(&shown).as_deref(),
        );
        if self.each().any(|(role, half)| fails(role, half)) {
            check.fail(reason)
        } else {
            check
        }
    }

    /// A check that fails with `reason` when either session lists anything.
    fn flag(
        &self,
        rule: Rule,
        reason: Reason,
        listed: impl Fn(&HalfResult) -> Option<String>,
    ) -> Check {
        self.judge(rule, reason, &listed, |_, half| listed(half).is_some())
    }
}

/// A per-check status as shown to the reviewer: the value and who set it, or "absent".
fn shown(status: Option<CheckStatus<'_>>) -> Option<String> {
    Some(status.map_or_else(|| "absent".to_owned(), |s| s.to_string()))
}

/// Every rule of iDenfy's judgement applied to the pair's sessions, in a fixed order. The
/// status word (`status.overall`) is the verdict's first step ([`super::super::verdict`]), not a
/// check.
pub fn checks(sessions: Sessions<'_>, context: &Context) -> Vec<Check> {
    vec![
        document_check(sessions),
        face_check(sessions),
        fraud_tags(sessions),
        duplicates(sessions),
        document_dates(sessions, context),
        identity_document_type(sessions.identity, context),
        unknown_values(sessions),
    ]
}

/// A manual document status decides over the automatic one; anything but `DOC_VALIDATED`,
/// absent included, is a reason — on either session, whatever its status word.
fn document_check(sessions: Sessions<'_>) -> Check {
    sessions.judge(
        Rule::IdenfyDocumentCheck,
        Reason::IdenfyDocumentCheck,
        |half| shown(half.checks.document()),
        |_, half| {
            half.checks
                .document()
                .is_none_or(|s| DOCUMENT.meaning(s.value) != Clean)
        },
    )
}

/// The identity session's face check must read `FACE_MATCH`. The permit's DOCUMENT session
/// takes no selfie: there "not checked" (absent, `FACE_NOT_CHECKED`, `FACE_NOT_ANALYSED`) is
/// expected, and only a face judged other than a match is a reason. What iDenfy sends there
/// is unconfirmed, so both readings pass.
fn face_check(sessions: Sessions<'_>) -> Check {
    sessions.judge(
        Rule::IdenfyFaceCheck,
        Reason::IdenfyFaceCheck,
        |half| shown(half.checks.face()),
        |role, half| {
            let face = half.checks.face().map(|s| FACE.meaning(s.value));
            !matches!(
                (role, face),
                (_, Some(Clean)) | (Role::Document, None | Some(FaceNotChecked))
            )
        },
    )
}

fn tags_meaning(half: &HalfResult, wanted: Meaning) -> Vec<&str> {
    half.tags
        .iter()
        .map(String::as_str)
        .filter(|tag| FRAUD_TAGS.meaning(tag) == wanted)
        .collect()
}

/// Every fraud tag other than a duplicate, on every session, APPROVED included.
fn fraud_tags(sessions: Sessions<'_>) -> Check {
    let listed = |half: &HalfResult| {
        let tags = tags_meaning(half, FRAUD);
        (!tags.is_empty()).then(|| tags.join(","))
    };
    sessions.flag(Rule::IdenfyFraudTags, Reason::IdenfyFraudTag, listed)
}

/// iDenfy tags duplicates only across clientIds: a `DUPLICATE_*` tag, or a scanRef in
/// `duplicateFaces` / `duplicateDocFaces` even without the tag, means this face or document
/// already went through under another clientId of the site. Shown: the tags and scanRefs.
fn duplicates(sessions: Sessions<'_>) -> Check {
    let listed = |half: &HalfResult| {
        let mut shown: Vec<&str> = tags_meaning(half, DUPLICATE);
        shown.extend(half.duplicates.scan_refs());
        (!shown.is_empty()).then(|| shown.join(","))
    };
    sessions.flag(Rule::Duplicates, Reason::DuplicateOfAnotherClient, listed)
}

/// A document's dates as shown to the reviewer, when it has an issue date.
fn dates_shown(half: &HalfResult) -> Option<String> {
    let issued = half.facts.issued.as_deref()?.trim();
    (!issued.is_empty()).then(|| {
        let expiry = half.facts.expiry.as_deref().unwrap_or("none");
        format!("issued {issued}, expires {expiry}")
    })
}

/// A document is not issued after the decision day, nor expires before it was issued. An
/// absent issue date passes (many documents are read without one); an unreadable one is
/// missing, as an unreadable expiry is.
fn document_dates(sessions: Sessions<'_>, context: &Context) -> Check {
    let check = Check::new(
        Rule::DocumentDates,
        dates_shown(sessions.identity).as_deref(),
        sessions.permit.and_then(dates_shown).as_deref(),
    );
    let mut finding = None;
    for (_, half) in sessions.each() {
        let Some(issued) = half.facts.issued.as_deref().map(str::trim) else {
            continue;
        };
        if issued.is_empty() {
            continue;
        }
        let Some(issued) = dates::parse(issued) else {
            finding.get_or_insert(Reason::FieldMissing);
            continue;
        };
        let expiry = half.facts.expiry.as_deref().and_then(dates::parse);
        if issued > context.day || expiry.is_some_and(|expiry| expiry < issued) {
            finding = Some(Reason::DocumentDatesInconsistent);
        }
    }
    match finding {
        Some(Reason::FieldMissing) => check.missing(Reason::FieldMissing),
        Some(reason) => check.fail(reason),
        None => check,
    }
}

/// The identity session must show an identity document: a residence permit or a visa shown
/// as the identity proves nobody's identity.
fn identity_document_type(identity: &HalfResult, context: &Context) -> Check {
    let doc_type = identity
        .doc_type
        .as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty());
    let check = Check::new(Rule::IdentityDocumentType, doc_type, None);
    match doc_type {
        Some(t) if context.policy.identity_types.iter().any(|i| i == t) => check,
        Some(_) => check.fail(Reason::IdentityNotAnIdDocument),
        None => check.missing(Reason::FieldMissing),
    }
}

/// Each value iDenfy sent that its schema does not list (`field=value`, no personal data:
/// these are codes).
pub fn unknown_values_of(half: &HalfResult) -> Vec<String> {
    let mut unknown = Vec::new();
    let mut note = |table: &Table, name: &str, value: &str| {
        if table.known(value).is_none() {
            unknown.push(format!("{name}={value}"));
        }
    };
    if half.overall != OverallStatus::Missing {
        note(&OVERALL, "overall", half.overall.as_str());
    }
    for (name, value) in half.checks.all() {
        let table = if name.ends_with("Face") {
            &FACE
        } else {
            &DOCUMENT
        };
        note(table, name, value);
    }
    for tag in &half.tags {
        note(&FRAUD_TAGS, "fraudTags", tag);
    }
    for tag in &half.mismatch_tags {
        note(&MISMATCH_TAGS, "mismatchTags", tag);
    }
    if let Some(step) = &half.permit_step {
        if let Some(status) = step.status.as_deref() {
            note(&STEP_STATUS, "status.additionalSteps", status);
        }
        if let Some(kind) = step.kind.as_deref() {
            note(&STEP_TYPE, "additionalSteps", kind);
        }
    }
    if let Some(doc_type) = half.doc_type.as_deref() {
        note(&DOC_TYPE, "docType", doc_type);
    }
    unknown
}

/// The fields of [`unknown_values_of`], each once: what a log line may say of them.
pub fn unknown_fields_of(half: &HalfResult) -> Vec<String> {
    let mut fields: Vec<String> = unknown_values_of(half)
        .into_iter()
        .filter_map(|v| v.split_once('=').map(|(field, _)| field.to_owned()))
        .collect();
    fields.dedup();
    fields
}

fn unknown_values(sessions: Sessions<'_>) -> Check {
    let listed = |half: &HalfResult| {
        let unknown = unknown_values_of(half);
        (!unknown.is_empty()).then(|| unknown.join(","))
    };
    sessions.flag(Rule::IdenfyValues, Reason::IdenfyValueUnknown, listed)
}
