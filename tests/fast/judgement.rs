//! The property from iDenfy's schema: bodies whose statuses, tags, duplicates, dates and
//! document types are drawn from every value iDenfy's schema lists (and values it does not),
//! through the webhook parser and the verdict. No pair is VERIFIED unless every status is clean
//! and no tag is present — and one whose every value is clean is VERIFIED, so the property
//! cannot hold by refusing everything.

use integration_tests::callbacks::hasher;
use pair_adapters::idenfy::webhook::read;
use pair_core::clock::Timestamp;
use pair_core::pair::judgement::{
    DOC_TYPE, DOCUMENT, FACE, FRAUD_TAGS, MISMATCH_TAGS, OVERALL, Table,
};
use pair_core::pair::permit::VerdictPolicy;
use pair_core::pair::rules::Context;
use pair_core::pair::verdict::decide;
use pair_core::pair::{Outcome, PermitPolicy};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use serde_json::json;
use std::cell::Cell;

/// 2026-12-05T12:00:00Z.
const DAY: i64 = 1_796_472_000;

/// One session's judgement as iDenfy may send it.
#[derive(Debug, Clone)]
struct Judged {
    overall: String,
    auto_face: Option<String>,
    manual_face: Option<String>,
    auto_document: Option<String>,
    manual_document: Option<String>,
    fraud_tags: Vec<String>,
    mismatch_tags: Vec<String>,
    duplicates: Vec<String>,
    issued: Option<String>,
    doc_type: Option<String>,
}

/// A value of `table`, one it does not list, or (with `absent`) none.
fn value_of(table: &'static Table, absent: bool) -> BoxedStrategy<Option<String>> {
    let values: Vec<String> = table.values.iter().map(|(v, _)| (*v).to_owned()).collect();
    let listed = proptest::sample::select(values).prop_map(Some);
    let unlisted = Just(Some(UNLISTED.to_owned()));
    if absent {
        prop_oneof![4 => listed, 1 => unlisted, 2 => Just(None)].boxed()
    } else {
        prop_oneof![4 => listed, 1 => unlisted].boxed()
    }
}

fn tags_of(table: &'static Table) -> BoxedStrategy<Vec<String>> {
    prop_oneof![
        12 => Just(vec![]),
        1 => proptest::collection::vec(value_of(table, false).prop_map(Option::unwrap_or_default), 1..3),
    ]
    .boxed()
}

/// Mostly clean, so that a good share of pairs come near VERIFIED.
fn mostly(
    clean: &'static str,
    table: &'static Table,
    absent: bool,
) -> BoxedStrategy<Option<String>> {
    prop_oneof![12 => Just(Some(clean.to_owned())), 1 => value_of(table, absent)].boxed()
}

fn judged(doc_type: &'static str) -> impl Strategy<Value = Judged> {
    (
        mostly("APPROVED", &OVERALL, false),
        (
            mostly("FACE_MATCH", &FACE, true),
            prop_oneof![12 => Just(None), 1 => value_of(&FACE, false)],
        ),
        (
            mostly("DOC_VALIDATED", &DOCUMENT, true),
            prop_oneof![12 => Just(None), 1 => value_of(&DOCUMENT, false)],
        ),
        tags_of(&FRAUD_TAGS),
        tags_of(&MISMATCH_TAGS),
        prop_oneof![12 => Just(vec![]), 1 => Just(vec!["scan-of-another-client".to_owned()])],
        prop_oneof![
            6 => Just(None),
            6 => Just(Some("2020-01-01".to_owned())),
            1 => Just(Some("2027-01-01".to_owned())),
            1 => Just(Some("01/01/2020".to_owned()))
        ],
        mostly(doc_type, &DOC_TYPE, true),
    )
        .prop_map(
            |(
                overall,
                (auto_face, manual_face),
                (auto_document, manual_document),
                fraud_tags,
                mismatch_tags,
                duplicates,
                issued,
                doc_type,
            )| Judged {
                overall: overall.unwrap_or_default(),
                auto_face,
                manual_face,
                auto_document,
                manual_document,
                fraud_tags,
                mismatch_tags,
                duplicates,
                issued,
                doc_type,
            },
        )
}

fn body(scan_ref: &str, judged: &Judged) -> Vec<u8> {
    json!({
        "final": true, "clientId": "SCHEMA", "scanRef": scan_ref,
        "status": {
            "overall": judged.overall, "autoFace": judged.auto_face, "manualFace": judged.manual_face,
            "autoDocument": judged.auto_document, "manualDocument": judged.manual_document,
            "fraudTags": judged.fraud_tags, "mismatchTags": judged.mismatch_tags,
        },
        "data": {
            "docFirstName": "ANNA", "docLastName": "KOVAC", "docDob": "1991-02-03",
            "docType": judged.doc_type, "docNumber": format!("N-{scan_ref}"),
            "docExpiry": "2030-01-01", "docDateOfIssue": judged.issued,
            "docIssuingCountry": "AT", "docNationality": "HR", "docSex": "FEMALE",
            "duplicateFaces": judged.duplicates,
        }
    })
    .to_string()
    .into_bytes()
}

fn standing<'a>(manual: &'a Option<String>, auto: &'a Option<String>) -> Option<&'a str> {
    manual.as_deref().or(auto.as_deref())
}

/// A value iDenfy's schema does not list, wherever it is sent.
const UNLISTED: &str = "A_VALUE_IDENFY_ADDED";

/// Every status clean and no tag, as a KYC reviewer reads the two sessions — and no value the
/// schema does not list, even one a manual status stands over.
fn all_clean(identity: &Judged, permit: &Judged) -> bool {
    let session_clean = |j: &Judged| {
        let statuses = [
            &j.auto_face,
            &j.manual_face,
            &j.auto_document,
            &j.manual_document,
        ];
        j.overall == "APPROVED"
            && statuses.iter().all(|s| s.as_deref() != Some(UNLISTED))
            && standing(&j.manual_document, &j.auto_document) == Some("DOC_VALIDATED")
            && j.fraud_tags.is_empty()
            && j.mismatch_tags.is_empty()
            && j.duplicates.is_empty()
            && j.issued.as_deref().is_none_or(|d| d == "2020-01-01")
    };
    let permit_face = standing(&permit.manual_face, &permit.auto_face);
    session_clean(identity)
        && session_clean(permit)
        && standing(&identity.manual_face, &identity.auto_face) == Some("FACE_MATCH")
        && matches!(
            permit_face,
            None | Some("FACE_MATCH" | "FACE_NOT_CHECKED" | "FACE_NOT_ANALYSED")
        )
        && matches!(identity.doc_type.as_deref(), Some("PASSPORT" | "ID_CARD"))
        && permit.doc_type.as_deref() == Some("RESIDENCE_PERMIT")
}

fn verdict(identity: &Judged, permit: &Judged) -> Outcome {
    let now = Timestamp::from_unix_seconds(DAY);
    let hasher = hasher();
    let policy = VerdictPolicy::default();
    let half = |scan_ref: &str, judged: &Judged| {
        read(
            &body(scan_ref, judged),
            None,
            now,
            &hasher,
            &policy.permit_step,
        )
        .ok()
        .and_then(|webhook| webhook.into_result())
        .expect("a placed result")
        .half
    };
    let permit_policy = PermitPolicy::default();
    let context = Context::new(&policy, &permit_policy, now);
    decide(
        &half("scan-identity", identity),
        &half("scan-permit", permit),
        &context,
    )
    .0
}

#[test]
fn no_pair_is_verified_unless_every_status_is_clean_and_no_tag_is_present() {
    let mut runner = TestRunner::new(Config {
        cases: 4_000,
        ..Config::default()
    });
    let verified = Cell::new(0);
    let clean = Cell::new(0);
    runner
        .run(
            &(judged("PASSPORT"), judged("RESIDENCE_PERMIT")),
            |(identity, permit)| {
                let outcome = verdict(&identity, &permit);
                let expected_clean = all_clean(&identity, &permit);
                if outcome == Outcome::Verified {
                    verified.set(verified.get() + 1);
                    prop_assert!(
                        expected_clean,
                        "VERIFIED with a doubt: {identity:?} {permit:?}"
                    );
                }
                if expected_clean {
                    clean.set(clean.get() + 1);
                    prop_assert_eq!(
                        outcome,
                        Outcome::Verified,
                        "clean yet {:?}: {:?} {:?}",
                        outcome,
                        identity,
                        permit
                    );
                }
                Ok(())
            },
        )
        .expect("the property holds");
    let (verified, clean) = (verified.get(), clean.get());
    assert!(
        verified > 20 && clean == verified,
        "{verified} VERIFIED of {clean} clean pairs: the run must reach VERIFIED"
    );
}

/// A value the schema does not list never passes unseen.
#[test]
fn an_unlisted_value_is_never_verified() {
    let clean = Judged {
        overall: "APPROVED".into(),
        auto_face: Some("FACE_MATCH".into()),
        manual_face: None,
        auto_document: Some("DOC_VALIDATED".into()),
        manual_document: None,
        fraud_tags: vec![],
        mismatch_tags: vec![],
        duplicates: vec![],
        issued: None,
        doc_type: Some("PASSPORT".into()),
    };
    let permit = Judged {
        doc_type: Some("RESIDENCE_PERMIT".into()),
        auto_face: None,
        ..clean.clone()
    };
    assert_eq!(verdict(&clean, &permit), Outcome::Verified);
    let new = UNLISTED.to_owned();
    for variant in [
        Judged {
            overall: new.clone(),
            ..clean.clone()
        },
        Judged {
            manual_face: Some(new.clone()),
            ..clean.clone()
        },
        Judged {
            manual_document: Some(new.clone()),
            ..clean.clone()
        },
        // Under a manual status that stands: still iDenfy's value, still unknown.
        Judged {
            auto_face: Some(new.clone()),
            manual_face: Some("FACE_MATCH".into()),
            ..clean.clone()
        },
        Judged {
            fraud_tags: vec![new.clone()],
            ..clean.clone()
        },
        Judged {
            mismatch_tags: vec![new.clone()],
            ..clean.clone()
        },
        Judged {
            doc_type: Some(new.clone()),
            ..clean.clone()
        },
    ] {
        assert_ne!(verdict(&variant, &permit), Outcome::Verified, "{variant:?}");
    }
}
