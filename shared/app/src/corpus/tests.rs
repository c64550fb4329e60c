//! The corpus decided as labelled, and the corpus itself held to what it must cover.
use super::*;
use std::collections::BTreeSet;

fn corpus() -> Corpus {
    Corpus::load().expect("the corpus loads")
}

fn hasher() -> DocumentHasher {
    DocumentHasher::new(b"corpus-document-hash-key").expect("a key")
}

/// The fast tier: every pair decided as labelled, none wrongly VERIFIED.
#[test]
fn every_labelled_pair_is_decided_as_labelled() {
    let corpus = corpus();
    let runs = run(&corpus, &hasher()).expect("every case runs");
    let wrong: Vec<String> = runs
        .iter()
        .filter(|r| r.got != r.expected)
        .map(|r| format!("{}: expected {:?}, got {:?}", r.id, r.expected, r.got))
        .collect();
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    let figures = Figures::of(&corpus, &runs);
    assert_eq!(figures.wrong_verified, 0);
    assert!(figures.automation() >= 95.0, "{}", figures.table());
}

/// The corpus is what the issue asks of it: big enough, every rule on both sides of its
/// edge, labels consistent with themselves.
#[test]
fn the_corpus_covers_every_rule_and_is_consistent() {
    let corpus = corpus();
    assert!(corpus.cases.len() >= 150, "{} cases", corpus.cases.len());
    let mut ids = BTreeSet::new();
    for case in &corpus.cases {
        assert!(ids.insert(case.id.as_str()), "{} twice", case.id);
        // A genuine pair may still need a person (a partial name); a VERIFIED one is genuine.
        if case.expect.status == Outcome::Verified {
            assert!(case.genuine, "{} VERIFIED but not genuine", case.id);
            assert!(case.expect.reasons.is_empty(), "{}", case.id);
        }
    }
    let figures = Figures::of(&corpus, &[]);
    assert!(figures.languages >= 15, "{} languages", figures.languages);
    let labelled: BTreeSet<Reason> = corpus
        .cases
        .iter()
        .flat_map(|c| c.expect.reasons.iter().copied())
        .collect();
    for reason in [
        Reason::PermitExpired,
        Reason::PermitExpiresTooSoon,
        Reason::PermitExpiryMissing,
        Reason::PermitCountryNotAccepted,
        Reason::PermitFromOwnNationality,
        Reason::IdentityDocumentExpired,
        Reason::SexMismatch,
        Reason::NationalityMismatch,
        Reason::IdenfyMismatch,
        Reason::NameMismatch,
        Reason::NamePartialMatch,
        Reason::NameOrderDiffers,
        Reason::OriginalNameMismatch,
        Reason::DobMismatch,
        Reason::FieldMissing,
        Reason::DocumentNotAPermit,
        Reason::SameDocumentTwice,
        Reason::IdentitySuspected,
        Reason::DocumentDenied,
        Reason::IdenfyDocumentCheck,
        Reason::IdenfyFaceCheck,
        Reason::IdenfyFraudTag,
        Reason::DuplicateOfAnotherClient,
        Reason::DocumentDatesInconsistent,
        Reason::IdentityNotAnIdDocument,
        Reason::IdenfyValueUnknown,
    ] {
        assert!(labelled.contains(&reason), "no case labelled {reason:?}");
    }
}

/// Every string a case (or the defaults) gives iDenfy's fields, nested values included.
fn strings_in(value: &Value, into: &mut BTreeSet<String>) {
    match value {
        Value::String(s) => {
            into.insert(s.clone());
        }
        Value::Array(items) => items.iter().for_each(|v| strings_in(v, into)),
        Value::Object(map) => map.values().for_each(|v| strings_in(v, into)),
        _ => {}
    }
}

/// Each value of iDenfy's that the judgement table gives a meaning is in at least one case.
#[test]
fn the_corpus_holds_every_value_of_the_table() {
    let corpus = corpus();
    let mut used = BTreeSet::new();
    for side in [&corpus.identity_defaults, &corpus.permit_defaults] {
        strings_in(&Value::Object(side.clone()), &mut used);
    }
    for case in &corpus.cases {
        for side in [&case.identity, &case.permit] {
            strings_in(&Value::Object(side.clone()), &mut used);
        }
    }
    for table in pair_core::pair::judgement::TABLES {
        let missing: Vec<&str> = table
            .values
            .iter()
            .map(|(value, _)| *value)
            .filter(|value| !used.contains(*value))
            .collect();
        assert!(
            missing.is_empty(),
            "{}: no case with {missing:?}",
            table.field
        );
    }
    assert!(corpus.cases.len() >= 250, "{} cases", corpus.cases.len());
}

#[test]
fn the_seed_compares_three_fields_exactly() {
    let corpus = corpus();
    let mut case = corpus.cases[0].clone();
    case.identity.insert("docLastName".into(), json!("MÜLLER"));
    case.permit.insert("docLastName".into(), json!("MUELLER"));
    assert_eq!(case.seed_outcome(&corpus), Outcome::RequiresReview);
    case.permit.insert("docLastName".into(), json!("MÜLLER"));
    case.permit
        .insert("docFirstName".into(), case.person["docFirstName"].clone());
    case.permit.insert("overall".into(), json!("DENIED"));
    assert_eq!(case.seed_outcome(&corpus), Outcome::Verified);
    case.identity.insert("docDob".into(), Value::Null);
    case.permit.insert("docDob".into(), Value::Null);
    assert_eq!(case.seed_outcome(&corpus), Outcome::Verified);
}
