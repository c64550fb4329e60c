//! The table held to iDenfy's schema and to docs/decisions.md; each rule on both sides.

use super::*;
use crate::clock::Timestamp;
use crate::pair::machine::fixtures::final_half;
use crate::pair::permit::{PermitPolicy, VerdictPolicy};
use crate::pair::rules::{Check, Context, Rule};
use crate::pair::rules::{Finding, reasons};
use crate::pair::{HalfResult, Reason};
use serde_json::Value;
use std::collections::BTreeSet;

const SCHEMA: &str = include_str!("idenfy-schema-enums.json");
const DECISIONS: &str = include_str!("../../../../../docs/decisions.md");

/// The table's field for each of the schema's lists.
fn table_for(field: &str) -> &'static Table {
    match field {
        "status.overall" => &OVERALL,
        "status.autoFace" => &FACE,
        "status.autoDocument" => &DOCUMENT,
        "status.fraudTags" => &FRAUD_TAGS,
        "status.mismatchTags" => &MISMATCH_TAGS,
        "status.additionalSteps" => &STEP_STATUS,
        "additionalSteps" => &STEP_TYPE,
        "data.docType" => &DOC_TYPE,
        other => panic!("the schema lists {other}, which the table has no field for"),
    }
}

#[test]
fn the_table_lists_every_value_of_the_schema_and_no_other() {
    let schema: Value = serde_json::from_str(SCHEMA).expect("the schema's enums");
    let lists = schema.as_object().expect("an object");
    let mut fields = BTreeSet::new();
    for (field, values) in lists.iter().filter(|(k, _)| *k != "about") {
        let table = table_for(field);
        fields.insert(table.field);
        let schema_values: BTreeSet<&str> = values
            .as_array()
            .expect("a list")
            .iter()
            .map(|v| v.as_str().expect("a code"))
            .collect();
        let table_values: BTreeSet<&str> = table.values.iter().map(|(v, _)| *v).collect();
        let forgotten: Vec<_> = schema_values.difference(&table_values).collect();
        assert!(
            forgotten.is_empty(),
            "{field}: no meaning for {forgotten:?}"
        );
        // The one value iDenfy's pages give beyond its enum.
        let extra: Vec<_> = table_values
            .difference(&schema_values)
            .filter(|v| **v != "EXPIRED-DELETED")
            .collect();
        assert!(extra.is_empty(), "{field}: not in the schema: {extra:?}");
        assert_eq!(
            table_values.len(),
            table.values.len(),
            "{field} lists a value twice"
        );
    }
    let all: BTreeSet<&str> = TABLES.iter().map(|t| t.field).collect();
    assert_eq!(fields, all, "every table is held to a list of the schema");
}

#[test]
fn only_a_match_and_a_validated_document_are_clean() {
    let clean = |table: &Table| -> Vec<&str> {
        table
            .values
            .iter()
            .filter(|(_, m)| *m == Meaning::Clean)
            .map(|(v, _)| *v)
            .collect()
    };
    assert_eq!(clean(&DOCUMENT), ["DOC_VALIDATED"]);
    assert_eq!(clean(&FACE), ["FACE_MATCH"]);
    assert_eq!(clean(&OVERALL), ["APPROVED"]);
    assert!(clean(&FRAUD_TAGS).is_empty(), "every fraud tag is a doubt");
    assert!(
        clean(&MISMATCH_TAGS).is_empty(),
        "every mismatch tag is a doubt"
    );
    for table in TABLES {
        assert_ne!(table.unknown, Meaning::Clean, "{}", table.field);
    }
    assert_eq!(DOCUMENT.meaning("DOC_SOMETHING_NEW"), DOCUMENT_CHECK);
}

/// docs/decisions.md lists every value of the table.
#[test]
fn the_decisions_page_lists_every_value() {
    for table in TABLES {
        assert!(
            DECISIONS.contains(table.field),
            "{} not in decisions.md",
            table.field
        );
        for (value, _) in table.values {
            assert!(
                DECISIONS.contains(&format!("`{value}`")),
                "{}: `{value}` not in decisions.md",
                table.field
            );
        }
    }
}

fn day() -> Timestamp {
    // 2026-12-05T12:00:00Z
    Timestamp::from_unix_seconds(1_796_472_000)
}

fn judged(identity: &HalfResult, permit: Option<&HalfResult>) -> Vec<Check> {
    let policy = VerdictPolicy::default();
    let permit_policy = PermitPolicy::default();
    checks(
        Sessions { identity, permit },
        &Context::new(&policy, &permit_policy, day()),
    )
}

fn reasons_of(identity: &HalfResult, permit: Option<&HalfResult>) -> Vec<Reason> {
    reasons(&judged(identity, permit))
}

fn identity() -> HalfResult {
    final_half(None)
}

fn permit() -> HalfResult {
    let mut permit = final_half(None);
    permit.doc_type = Some("RESIDENCE_PERMIT".into());
    permit.checks.auto_face = None;
    permit
}

fn set(value: &str) -> Option<String> {
    Some(value.to_owned())
}

#[test]
fn clean_sessions_pass_every_check() {
    let all = judged(&identity(), Some(&permit()));
    assert_eq!(reasons(&all), vec![]);
    assert!(all.iter().all(|c| c.finding == Finding::Pass), "{all:?}");
}

#[test]
fn a_manual_status_decides_over_the_automatic_one() {
    let mut approved_by_hand = identity();
    approved_by_hand.checks.auto_document = set("DOC_TOO_BLURRY");
    approved_by_hand.checks.manual_document = set("DOC_VALIDATED");
    assert_eq!(reasons_of(&approved_by_hand, Some(&permit())), vec![]);

    let mut refused_by_hand = identity();
    refused_by_hand.checks.manual_document = set("DOC_FAKE");
    let all = judged(&refused_by_hand, Some(&permit()));
    assert_eq!(reasons(&all), vec![Reason::IdenfyDocumentCheck]);
    let shown = all
        .iter()
        .find(|c| c.rule == Rule::IdenfyDocumentCheck)
        .expect("the document check");
    assert_eq!(shown.identity.as_deref(), Some("DOC_FAKE (manual)"));
    assert_eq!(shown.permit.as_deref(), Some("DOC_VALIDATED (auto)"));
}

#[test]
fn a_document_check_other_than_validated_is_a_reason_on_either_session() {
    let mut expired = permit();
    expired.checks.auto_document = set("DOC_EXPIRED");
    assert_eq!(
        reasons_of(&identity(), Some(&expired)),
        vec![Reason::IdenfyDocumentCheck]
    );
    let mut absent = identity();
    absent.checks.auto_document = None;
    assert_eq!(
        reasons_of(&absent, Some(&permit())),
        vec![Reason::IdenfyDocumentCheck]
    );
}

#[test]
fn the_identity_face_must_match_while_the_permit_session_may_not_check_one() {
    for face in [
        None,
        set("FACE_NOT_CHECKED"),
        set("FACE_NOT_ANALYSED"),
        set("FACE_MATCH"),
    ] {
        let mut document = permit();
        document.checks.auto_face = face.clone();
        assert_eq!(reasons_of(&identity(), Some(&document)), vec![], "{face:?}");
    }
    for face in [None, set("FACE_NOT_CHECKED"), set("FACE_MISMATCH")] {
        let mut selfie = identity();
        selfie.checks.auto_face = face.clone();
        assert_eq!(
            reasons_of(&selfie, Some(&permit())),
            vec![Reason::IdenfyFaceCheck],
            "{face:?}"
        );
    }
    let mut judged_a_face = permit();
    judged_a_face.checks.auto_face = set("FAKE_FACE");
    assert_eq!(
        reasons_of(&identity(), Some(&judged_a_face)),
        vec![Reason::IdenfyFaceCheck]
    );
}

#[test]
fn fraud_tags_and_duplicates_count_on_an_approved_session() {
    let mut substituted = identity();
    substituted.tags = vec!["PORTRAIT_SUBSTITUTION".into()];
    assert_eq!(
        reasons_of(&substituted, Some(&permit())),
        vec![Reason::IdenfyFraudTag]
    );
    let mut duplicate = identity();
    duplicate.tags = vec!["DUPLICATE_FACE".into()];
    assert_eq!(
        reasons_of(&duplicate, Some(&permit())),
        vec![Reason::DuplicateOfAnotherClient]
    );
    // The list of duplicates alone, without the tag, is enough.
    let mut listed = permit();
    listed.duplicates.doc_faces = vec!["scan-of-another-client".into()];
    let all = judged(&identity(), Some(&listed));
    assert_eq!(reasons(&all), vec![Reason::DuplicateOfAnotherClient]);
    let shown = all
        .iter()
        .find(|c| c.rule == Rule::Duplicates)
        .expect("shown");
    assert_eq!(shown.permit.as_deref(), Some("scan-of-another-client"));
}

#[test]
fn an_issue_date_after_the_day_or_after_the_expiry_is_inconsistent() {
    let with = |issued: &str, expiry: &str| {
        let mut document = permit();
        document.facts.issued = set(issued);
        document.facts.expiry = set(expiry);
        reasons_of(&identity(), Some(&document))
    };
    assert_eq!(
        with("2026-12-05", "2031-01-01"),
        vec![],
        "issued on the day"
    );
    assert_eq!(
        with("2026-12-06", "2031-01-01"),
        vec![Reason::DocumentDatesInconsistent],
        "issued tomorrow"
    );
    assert_eq!(with("2021-01-01", "2021-01-01"), vec![], "same day");
    assert_eq!(
        with("2021-01-02", "2021-01-01"),
        vec![Reason::DocumentDatesInconsistent],
        "expires before its issue"
    );
    assert_eq!(with("05.12.2020", "2031-01-01"), vec![Reason::FieldMissing]);
    let mut no_issue_date = permit();
    no_issue_date.facts.issued = set("  ");
    assert_eq!(reasons_of(&identity(), Some(&no_issue_date)), vec![]);
}

#[test]
fn the_identity_session_must_show_an_identity_document() {
    for doc_type in ["PASSPORT", "ID_CARD"] {
        let mut id = identity();
        id.doc_type = set(doc_type);
        assert_eq!(reasons_of(&id, Some(&permit())), vec![], "{doc_type}");
    }
    for doc_type in ["RESIDENCE_PERMIT", "VISA", "DRIVER_LICENSE"] {
        let mut id = identity();
        id.doc_type = set(doc_type);
        assert_eq!(
            reasons_of(&id, Some(&permit())),
            vec![Reason::IdentityNotAnIdDocument],
            "{doc_type}"
        );
    }
    let mut unread = identity();
    unread.doc_type = None;
    assert_eq!(
        reasons_of(&unread, Some(&permit())),
        vec![Reason::FieldMissing]
    );
}

#[test]
fn a_value_the_schema_does_not_list_is_a_doubt_of_its_own() {
    let mut new_tag = identity();
    new_tag.tags = vec!["SOMETHING_NEW".into()];
    assert_eq!(
        reasons_of(&new_tag, Some(&permit())),
        vec![Reason::IdenfyFraudTag, Reason::IdenfyValueUnknown]
    );
    let mut new_face = permit();
    new_face.checks.auto_face = set("FACE_SOMETHING_NEW");
    assert_eq!(
        reasons_of(&identity(), Some(&new_face)),
        vec![Reason::IdenfyFaceCheck, Reason::IdenfyValueUnknown]
    );
    assert_eq!(
        unknown_values_of(&new_face),
        vec!["autoFace=FACE_SOMETHING_NEW"]
    );
    let mut new_step = identity();
    new_step.permit_step = Some(crate::pair::PermitStep {
        listed: true,
        kind: Some("SCAN".into()),
        status: Some("CHECKED".into()),
        ..Default::default()
    });
    assert_eq!(
        unknown_values_of(&new_step),
        vec!["status.additionalSteps=CHECKED", "additionalSteps=SCAN"]
    );
    let mut new_type = permit();
    new_type.doc_type = set("RESIDENCE_CARD");
    assert_eq!(unknown_values_of(&new_type), vec!["docType=RESIDENCE_CARD"]);
}

#[test]
fn one_session_alone_is_judged_the_same_way() {
    let mut step = identity();
    step.tags = vec!["VIRTUAL_CAMERA".into()];
    let all = judged(&step, None);
    assert_eq!(reasons(&all), vec![Reason::IdenfyFraudTag]);
    assert!(all.iter().all(|c| c.permit.is_none()), "{all:?}");
}
