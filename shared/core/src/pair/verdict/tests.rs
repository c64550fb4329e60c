use super::*;
use crate::clock::Timestamp;
use crate::pair::permit::VerdictPolicy;
use crate::pair::{DocumentFacts, PermitPolicy, PermitStep, Rank};
mod configured;

fn half(
    overall: &str,
    first: &str,
    last: &str,
    dob: &str,
    doc_type: &str,
    number: &str,
) -> HalfResult {
    let some = |v: &str| (!v.is_empty()).then(|| v.to_owned());
    HalfResult {
        rank: Rank::Final,
        overall: OverallStatus::from(overall.to_owned()),
        event_type: None,
        first_name: some(first),
        last_name: some(last),
        date_of_birth: some(dob),
        doc_type: some(doc_type),
        doc_number_hash: some(number),
        doc_number_earlier_hashes: vec![],
        tags: vec![],
        mismatch_tags: vec![],
        checks: crate::pair::CheckStatuses::passed(),
        duplicates: Default::default(),
        // A German's ID card, and a permit Lithuania issued them.
        facts: DocumentFacts {
            expiry: Some("2031-04-30".into()),
            issuing_country: Some(
                if doc_type == "RESIDENCE_PERMIT" {
                    "LT"
                } else {
                    "DE"
                }
                .into(),
            ),
            nationality: Some("DE".into()),
            sex: Some("MALE".into()),
            ..DocumentFacts::default()
        },
        permit_step: None,
        digest: String::new(),
        earlier_digests: vec![],
        received_at: Timestamp::from_unix_seconds(0),
    }
}

fn id_card() -> HalfResult {
    half(
        "APPROVED",
        "JOHN",
        "MÜLLER",
        "1990-05-15",
        "ID_CARD",
        "h-id",
    )
}

fn permit() -> HalfResult {
    half(
        "APPROVED",
        "JOHN",
        "MUELLER",
        "1990-05-15",
        "RESIDENCE_PERMIT",
        "h-permit",
    )
}

/// The fixtures' decision day: 2027-01-15.
const DECIDED_AT: Timestamp = Timestamp::from_unix_seconds(1_800_000_000);

fn verdict(identity: HalfResult, document: HalfResult) -> (Outcome, Vec<Reason>) {
    let permit = PermitPolicy::default();
    decide(
        &identity,
        &document,
        &Context::new(&VerdictPolicy::default(), &permit, DECIDED_AT),
    )
}

#[test]
fn comparison_table() {
    use Outcome::*;
    use Reason::*;
    let with = |f: fn(&mut HalfResult), base: HalfResult| {
        let mut h = base;
        f(&mut h);
        h
    };
    let table: Vec<(&str, HalfResult, HalfResult, Outcome, Vec<Reason>)> = vec![
        (
            "MÜLLER / MUELLER match",
            id_card(),
            permit(),
            Verified,
            vec![],
        ),
        (
            "MÜLLER / MULLER match",
            id_card(),
            with(|h| h.last_name = Some("MULLER".into()), permit()),
            Verified,
            vec![],
        ),
        (
            "JOSÉ / JOSE match",
            with(|h| h.first_name = Some("JOSÉ".into()), id_card()),
            with(|h| h.first_name = Some("JOSE".into()), permit()),
            Verified,
            vec![],
        ),
        (
            "O'NEIL / ONEIL match",
            with(|h| h.last_name = Some("O'NEIL".into()), id_card()),
            with(|h| h.last_name = Some("ONEIL".into()), permit()),
            Verified,
            vec![],
        ),
        (
            "JOHN PAUL / JOHN is review",
            with(|h| h.first_name = Some("JOHN PAUL".into()), id_card()),
            permit(),
            RequiresReview,
            vec![NamePartialMatch],
        ),
        (
            "different last name",
            id_card(),
            with(|h| h.last_name = Some("SMITH".into()), permit()),
            RequiresReview,
            vec![NameMismatch],
        ),
        (
            "DOB mismatch",
            id_card(),
            with(|h| h.date_of_birth = Some("1990-05-16".into()), permit()),
            RequiresReview,
            vec![DobMismatch],
        ),
        (
            "missing DOB is review, not a match",
            id_card(),
            with(|h| h.date_of_birth = None, permit()),
            RequiresReview,
            vec![FieldMissing],
        ),
        (
            "missing DOB on both is still missing",
            with(|h| h.date_of_birth = None, id_card()),
            with(|h| h.date_of_birth = None, permit()),
            RequiresReview,
            vec![FieldMissing],
        ),
        (
            "same passport twice",
            half(
                "APPROVED",
                "JOHN",
                "MÜLLER",
                "1990-05-15",
                "PASSPORT",
                "h-pass",
            ),
            half(
                "APPROVED",
                "JOHN",
                "MÜLLER",
                "1990-05-15",
                "PASSPORT",
                "h-pass",
            ),
            RequiresReview,
            vec![DocumentNotAPermit, SameDocumentTwice],
        ),
        (
            "same permit twice",
            half(
                "APPROVED",
                "JOHN",
                "MÜLLER",
                "1990-05-15",
                "RESIDENCE_PERMIT",
                "h-permit",
            ),
            permit(),
            RequiresReview,
            vec![SameDocumentTwice, IdentityNotAnIdDocument],
        ),
        (
            "passport where a permit was expected",
            id_card(),
            with(|h| h.doc_type = Some("PASSPORT".into()), permit()),
            RequiresReview,
            vec![DocumentNotAPermit],
        ),
        (
            "identity DENIED",
            with(|h| h.overall = OverallStatus::Denied, id_card()),
            permit(),
            Rejected,
            vec![IdentityDenied],
        ),
        (
            "document DENIED",
            id_card(),
            with(|h| h.overall = OverallStatus::Denied, permit()),
            Rejected,
            vec![DocumentDenied],
        ),
        (
            "both DENIED",
            with(|h| h.overall = OverallStatus::Denied, id_card()),
            with(|h| h.overall = OverallStatus::Denied, permit()),
            Rejected,
            vec![IdentityDenied, DocumentDenied],
        ),
        (
            "a half EXPIRED",
            id_card(),
            with(|h| h.overall = OverallStatus::Expired, permit()),
            Incomplete,
            vec![DocumentAbandoned],
        ),
        (
            "a cancel event that carries an approval is judged on it",
            with(
                |h| h.event_type = Some("IDENTIFICATION_CANCELLED".into()),
                id_card(),
            ),
            permit(),
            Verified,
            vec![],
        ),
        (
            "an expiry event that carries a denial is judged on it",
            id_card(),
            with(
                |h| {
                    h.event_type = Some("IDENTIFICATION_EXPIRED".into());
                    h.overall = OverallStatus::Denied;
                },
                permit(),
            ),
            Rejected,
            vec![DocumentDenied],
        ),
        (
            "EXPIRED-DELETED is abandoned",
            with(|h| h.overall = OverallStatus::ExpiredDeleted, id_card()),
            permit(),
            Incomplete,
            vec![IdentityAbandoned],
        ),
        (
            "a body without a result is abandoned",
            id_card(),
            with(|h| h.overall = OverallStatus::Missing, permit()),
            Incomplete,
            vec![DocumentAbandoned],
        ),
        (
            "identity SUSPECTED",
            with(|h| h.overall = OverallStatus::Suspected, id_card()),
            permit(),
            RequiresReview,
            vec![IdentitySuspected],
        ),
        (
            "unknown status kept and reviewed",
            id_card(),
            with(
                |h| h.overall = OverallStatus::from("NEW_STATUS".to_owned()),
                permit(),
            ),
            RequiresReview,
            vec![DocumentNotApproved, IdenfyValueUnknown],
        ),
        (
            "everything wrong at once",
            with(|h| h.overall = OverallStatus::Suspected, id_card()),
            half("REVIEWING", "JANE", "", "1991-01-01", "DRIVER_LICENSE", "x"),
            RequiresReview,
            vec![
                IdentitySuspected,
                DocumentNotApproved,
                NameMismatch,
                DobMismatch,
                FieldMissing,
                DocumentNotAPermit,
            ],
        ),
    ];
    for (case, identity, document, outcome, reasons) in table {
        assert_eq!(verdict(identity, document), (outcome, reasons), "{case}");
    }
}

#[test]
fn a_revision_may_tighten_a_verdict_but_never_relax_it() {
    use Outcome::*;
    use Reason::*;
    let all = [Verified, Incomplete, RequiresReview, Rejected];
    for previous in all {
        for outcome in all {
            let reasons = match outcome {
                Verified => vec![],
                Incomplete => vec![IdentityAbandoned],
                RequiresReview => vec![NameMismatch],
                Rejected => vec![DocumentDenied],
            };
            let revised = fail_safe(previous, outcome, reasons.clone());
            if severity(outcome) >= severity(previous) {
                assert_eq!(revised, (outcome, reasons), "{previous:?} -> {outcome:?}");
            } else {
                let mut expected = reasons;
                expected.push(ResultRevised);
                assert_eq!(
                    revised,
                    (RequiresReview, expected),
                    "{previous:?} -> {outcome:?}"
                );
            }
        }
    }
    assert_eq!(
        fail_safe(Verified, Rejected, vec![IdentityDenied]),
        (Rejected, vec![IdentityDenied])
    );
    assert_eq!(
        fail_safe(Rejected, Verified, vec![]),
        (RequiresReview, vec![ResultRevised])
    );
    assert_eq!(
        fail_safe(RequiresReview, Verified, vec![]),
        (RequiresReview, vec![ResultRevised])
    );
}
