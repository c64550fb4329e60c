//! Each rule on both sides of its edge. The decision day is 2026-12-05 (UTC).

use super::*;
use crate::pair::{DocumentFacts, OverallStatus, Rank};

const DAY: &str = "2026-12-05";

fn decided_at() -> Timestamp {
    // 2026-12-05T12:00:00Z
    Timestamp::from_unix_seconds(1_796_472_000)
}

fn half(doc_type: &str, issuer: &str) -> HalfResult {
    HalfResult {
        rank: Rank::Final,
        overall: OverallStatus::Approved,
        event_type: None,
        first_name: Some("ANNA".into()),
        last_name: Some("KOVAČ".into()),
        date_of_birth: Some("1991-02-03".into()),
        doc_type: Some(doc_type.into()),
        doc_number_hash: Some(format!("h-{doc_type}")),
        doc_number_earlier_hashes: vec![],
        tags: vec![],
        mismatch_tags: vec![],
        checks: crate::pair::CheckStatuses::passed(),
        duplicates: Default::default(),
        facts: DocumentFacts {
            expiry: Some("2030-01-01".into()),
            issuing_country: Some(issuer.into()),
            nationality: Some("HR".into()),
            sex: Some("FEMALE".into()),
            ..DocumentFacts::default()
        },
        permit_step: None,
        digest: String::new(),
        earlier_digests: vec![],
        received_at: decided_at(),
    }
}

fn identity() -> HalfResult {
    half("PASSPORT", "HR")
}

fn permit() -> HalfResult {
    half("RESIDENCE_PERMIT", "AT")
}

fn reasons_with(identity: &HalfResult, permit: &HalfResult, policy: &PermitPolicy) -> Vec<Reason> {
    let verdict = VerdictPolicy::default();
    let context = Context::new(&verdict, policy, decided_at());
    reasons(&checks(identity, permit, &context))
}

fn reasons_of(identity: &HalfResult, permit: &HalfResult) -> Vec<Reason> {
    reasons_with(identity, permit, &PermitPolicy::default())
}

fn permit_expiring(expiry: Option<&str>) -> HalfResult {
    let mut p = permit();
    p.facts.expiry = expiry.map(str::to_owned);
    p
}

fn days_after(n: i64) -> String {
    let day = dates::parse(DAY).expect("a day") + time::Duration::days(n);
    day.to_string()
}

#[test]
fn the_fixture_passes_every_rule() {
    let verdict = VerdictPolicy::default();
    let policy = PermitPolicy::default();
    let all = checks(
        &identity(),
        &permit(),
        &Context::new(&verdict, &policy, decided_at()),
    );
    assert_eq!(reasons(&all), vec![]);
    assert!(
        all.iter()
            .all(|c| matches!(c.finding, Finding::Pass | Finding::NotApplicable)),
        "{all:?}"
    );
    assert_eq!(all.len(), 13, "one check per rule");
}

#[test]
fn a_permit_is_valid_through_its_expiry_day() {
    assert_eq!(days_after(0), DAY);
    let today = permit_expiring(Some(&days_after(0)));
    assert_eq!(reasons_of(&identity(), &today), vec![]);
    let yesterday = permit_expiring(Some(&days_after(-1)));
    assert_eq!(
        reasons_of(&identity(), &yesterday),
        vec![Reason::PermitExpired]
    );
}

#[test]
fn min_valid_days_is_met_by_exactly_that_many_days() {
    let policy = PermitPolicy::new(vec![], 30).unwrap_or_default();
    assert_eq!(policy.min_valid_days, 30);
    let exactly = permit_expiring(Some(&days_after(30)));
    assert_eq!(reasons_with(&identity(), &exactly, &policy), vec![]);
    let one_short = permit_expiring(Some(&days_after(29)));
    assert_eq!(
        reasons_with(&identity(), &one_short, &policy),
        vec![Reason::PermitExpiresTooSoon]
    );
    // Expired says expired, not also too soon.
    let expired = permit_expiring(Some(&days_after(-3)));
    assert_eq!(
        reasons_with(&identity(), &expired, &policy),
        vec![Reason::PermitExpired]
    );
}

#[test]
fn a_permit_without_expiry_is_permanent_unless_days_are_asked_for() {
    let permanent = permit_expiring(None);
    assert_eq!(reasons_of(&identity(), &permanent), vec![]);
    let policy = PermitPolicy::new(vec![], 1).unwrap_or_default();
    assert_eq!(
        reasons_with(&identity(), &permanent, &policy),
        vec![Reason::PermitExpiryMissing]
    );
    // Present but unreadable is never valid, whatever the policy.
    let unreadable = permit_expiring(Some("31.12.2030"));
    assert_eq!(
        reasons_of(&identity(), &unreadable),
        vec![Reason::PermitExpiryMissing]
    );
}

#[test]
fn one_accepted_country_or_a_list() {
    let only_at = PermitPolicy::new(vec!["AT".into()], 0).unwrap_or_default();
    assert_eq!(reasons_with(&identity(), &permit(), &only_at), vec![]);
    let only_de = PermitPolicy::new(vec!["DE".into()], 0).unwrap_or_default();
    assert_eq!(
        reasons_with(&identity(), &permit(), &only_de),
        vec![Reason::PermitCountryNotAccepted]
    );
    let list =
        PermitPolicy::new(vec!["DE".into(), "AT".into(), "CH".into()], 0).unwrap_or_default();
    assert_eq!(reasons_with(&identity(), &permit(), &list), vec![]);
    let mut unknown_issuer = permit();
    unknown_issuer.facts.issuing_country = None;
    assert_eq!(
        reasons_with(&identity(), &unknown_issuer, &list),
        vec![Reason::FieldMissing, Reason::PermitCountryNotAccepted]
    );
    // Without a list, an unknown issuer still cannot be told from the holder's own country.
    assert_eq!(
        reasons_of(&identity(), &unknown_issuer),
        vec![Reason::FieldMissing]
    );
}

#[test]
fn a_permit_from_the_holders_own_country() {
    let own = half("RESIDENCE_PERMIT", "HR");
    assert_eq!(
        reasons_of(&identity(), &own),
        vec![Reason::PermitFromOwnNationality]
    );
    // The permit's own nationality field stands in for a missing one on the identity side.
    let mut no_nationality = identity();
    no_nationality.facts.nationality = None;
    assert_eq!(
        reasons_of(&no_nationality, &own),
        vec![Reason::PermitFromOwnNationality]
    );
    // Codes that are not alpha-2 cannot be compared: DEU against DE would pass unseen.
    let mut alpha3 = identity();
    alpha3.facts.nationality = Some("HRV".into());
    assert_eq!(
        reasons_of(&alpha3, &own),
        vec![
            Reason::PermitFromOwnNationality,
            Reason::NationalityMismatch
        ]
    );
    let mut alpha3_both = own.clone();
    alpha3_both.facts.nationality = Some("HRV".into());
    assert_eq!(
        reasons_of(&alpha3, &alpha3_both),
        vec![Reason::FieldMissing]
    );
    let mut neither = own.clone();
    neither.facts.nationality = None;
    assert_eq!(
        reasons_of(&no_nationality, &neither),
        vec![Reason::FieldMissing]
    );
    // A document that is no permit is judged as that, not as a permit.
    let mut passport = half("PASSPORT", "HR");
    passport.doc_number_hash = Some("h-another-passport".into());
    assert_eq!(
        reasons_of(&identity(), &passport),
        vec![Reason::DocumentNotAPermit]
    );
}

#[test]
fn the_identity_document_must_not_have_expired() {
    let mut id = identity();
    id.facts.expiry = Some(days_after(0));
    assert_eq!(reasons_of(&id, &permit()), vec![]);
    id.facts.expiry = Some(days_after(-1));
    assert_eq!(
        reasons_of(&id, &permit()),
        vec![Reason::IdentityDocumentExpired]
    );
    id.facts.expiry = None;
    assert_eq!(reasons_of(&id, &permit()), vec![]);
    id.facts.expiry = Some("soon".into());
    assert_eq!(reasons_of(&id, &permit()), vec![Reason::FieldMissing]);
}

#[test]
fn sex_and_nationality_disagree_only_when_both_are_known() {
    let with_sex = |sex: Option<&str>| {
        let mut p = permit();
        p.facts.sex = sex.map(str::to_owned);
        p
    };
    assert_eq!(
        reasons_of(&identity(), &with_sex(Some("MALE"))),
        vec![Reason::SexMismatch]
    );
    assert_eq!(
        reasons_of(&identity(), &with_sex(Some("UNDEFINED"))),
        vec![]
    );
    assert_eq!(reasons_of(&identity(), &with_sex(None)), vec![]);
    assert_eq!(reasons_of(&identity(), &with_sex(Some("FEMALE"))), vec![]);

    let mut other = permit();
    other.facts.nationality = Some("BA".into());
    assert_eq!(
        reasons_of(&identity(), &other),
        vec![Reason::NationalityMismatch]
    );
    other.facts.nationality = None;
    assert_eq!(reasons_of(&identity(), &other), vec![]);
}

#[test]
fn idenfy_mismatch_tags_on_either_session() {
    let mut id = identity();
    id.mismatch_tags = vec!["NAME".into()];
    assert_eq!(reasons_of(&id, &permit()), vec![Reason::IdenfyMismatch]);
    let mut p = permit();
    p.mismatch_tags = vec!["DATE_OF_BIRTH".into(), "NATIONALITY".into()];
    assert_eq!(reasons_of(&identity(), &p), vec![Reason::IdenfyMismatch]);
}

#[test]
fn names_split_differently_or_swapped_are_review_with_their_own_reason() {
    let named = |first: &str, last: &str| {
        let mut h = permit();
        h.first_name = Some(first.into());
        h.last_name = Some(last.into());
        h
    };
    let mut id = identity();
    id.first_name = Some("MARIA JOSE".into());
    id.last_name = Some("GARCIA LOPEZ".into());
    assert_eq!(
        reasons_of(&id, &named("MARIA", "JOSE GARCIA LOPEZ")),
        vec![Reason::NameOrderDiffers]
    );
    assert_eq!(
        reasons_of(&id, &named("GARCIA LOPEZ", "MARIA JOSÉ")),
        vec![Reason::NameOrderDiffers]
    );
    assert_eq!(
        reasons_of(&id, &named("MARIA", "GARCIA LOPEZ")),
        vec![Reason::NamePartialMatch]
    );
}

#[test]
fn original_script_names_only_add_doubt() {
    let original = |half: &mut HalfResult, first: &str, last: &str| {
        half.facts.original_first_name = Some(first.into());
        half.facts.original_last_name = Some(last.into());
    };
    let (mut id, mut p) = (identity(), permit());
    original(&mut id, "АННА", "КОВАЧ");
    original(&mut p, "АННА", "КОВАЧ");
    assert_eq!(reasons_of(&id, &p), vec![]);
    original(&mut p, "АНА", "КОВАЧ");
    assert_eq!(reasons_of(&id, &p), vec![Reason::OriginalNameMismatch]);
    // Different scripts cannot be compared: no doubt, and no relief either.
    original(&mut p, "Anna", "Kovač");
    assert_eq!(reasons_of(&id, &p), vec![]);
    p.last_name = Some("KOVACS".into());
    original(&mut p, "АННА", "КОВАЧ");
    assert_eq!(reasons_of(&id, &p), vec![Reason::NameMismatch]);
}

/// A name that is blank, whitespace (of any kind) or invisible is missing, never compared;
/// a date of birth that is not a full calendar day is missing too.
#[test]
fn blank_names_and_partial_dates_of_birth_are_missing() {
    for blank in ["", "   ", "\u{00A0}", "\u{200B}", "-", " . "] {
        let mut p = permit();
        p.first_name = Some(blank.to_owned());
        assert_eq!(
            reasons_of(&identity(), &p),
            vec![Reason::FieldMissing],
            "first name {blank:?}"
        );
        let mut i = identity();
        i.last_name = Some(blank.to_owned());
        assert_eq!(
            reasons_of(&i, &permit()),
            vec![Reason::FieldMissing],
            "last name {blank:?}"
        );
    }
    for partial in [
        "1991",
        "1991-02",
        "1991-02-00",
        "1991-00-03",
        "03.02.1991",
        "1991-2-3",
    ] {
        let mut p = permit();
        p.date_of_birth = Some(partial.to_owned());
        assert_eq!(
            reasons_of(&identity(), &p),
            vec![Reason::FieldMissing],
            "date of birth {partial:?}"
        );
    }
}
