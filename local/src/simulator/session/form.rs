//! The simulator's session page's form: what the tester chooses of the document and of
//! iDenfy's own judgement.

use super::super::TokenRequest;
use super::{Facts, doc_types_known};
use crate::html::escape;
use pair_adapters::idenfy::TokenType;
use pair_core::pair::judgement::{DOCUMENT, FACE, Table};

/// The page's title, the session's kind, the document types offered and the one selected.
pub(super) fn session_kind(
    request: &TokenRequest,
) -> (&'static str, &'static str, Vec<&'static str>, &str) {
    match request.token_type {
        TokenType::Identification => (
            "Identity verification",
            "identity",
            vec!["ID_CARD", "PASSPORT", "DRIVER_LICENSE", "RESIDENCE_PERMIT"],
            "ID_CARD",
        ),
        TokenType::Document => {
            let wanted = request
                .documents
                .as_ref()
                .and_then(|d| d.first())
                .map_or("RESIDENCE_PERMIT", String::as_str);
            (
                "Document verification",
                "document",
                vec!["RESIDENCE_PERMIT", "ID_CARD", "PASSPORT", "DRIVER_LICENSE"],
                if doc_types_known(wanted) {
                    wanted
                } else {
                    "RESIDENCE_PERMIT"
                },
            )
        }
    }
}

/// A select's options, `selected` chosen.
pub(super) fn options(values: &[&str], selected: &str) -> String {
    values
        .iter()
        .map(|v| {
            let chosen = if *v == selected { " selected" } else { "" };
            format!(r#"<option value="{v}"{chosen}>{v}</option>"#)
        })
        .collect()
}

/// What the document says, as the tester may change it: the token's declared person, or the
/// sample's.
pub(super) fn document_fields(request: &TokenRequest, kind: &str, facts: &Facts) -> String {
    let document_number = if kind == "identity" {
        "L01X00T47"
    } else {
        "RP4471932"
    };
    [
        (
            "firstName",
            "First name",
            request.first_name.as_deref(),
            "JOHN",
        ),
        (
            "lastName",
            "Last name",
            request.last_name.as_deref(),
            "MÜLLER",
        ),
        (
            "dateOfBirth",
            "Date of birth",
            request.date_of_birth.as_deref(),
            "1990-05-15",
        ),
        ("documentNumber", "Document number", None, document_number),
        (
            "docExpiry",
            "Document expiry (YYYY-MM-DD; empty: none)",
            None,
            facts.expiry.as_str(),
        ),
        (
            "issuingCountry",
            "Issuing country",
            None,
            facts.issuing_country.as_str(),
        ),
        (
            "nationality",
            "Nationality",
            None,
            facts.nationality.as_str(),
        ),
        (
            "mismatchTags",
            "iDenfy mismatch tags (comma-separated, e.g. NAME)",
            None,
            "",
        ),
    ]
    .iter()
    .map(|(id, label, given, sample)| {
        format!(
            r#"<label for="{id}">{label}</label><input id="{id}" name="{id}" value="{}">"#,
            escape(given.unwrap_or(sample))
        )
    })
    .collect()
}

/// The fields of iDenfy's own judgement a tester chooses: the per-check statuses (every value
/// iDenfy's schema lists; empty: null), fraud tags, duplicates and the issue date. By default
/// the session passed both checks; the permit's DOCUMENT session compares no face.
pub(super) fn judgement_fields(kind: &str) -> String {
    let select = |id: &str, label: &str, table: &Table, selected: &str| {
        let values = std::iter::once("").chain(table.values.iter().map(|(v, _)| *v));
        let options: String = values
            .map(|v| {
                let chosen = if v == selected { " selected" } else { "" };
                let shown = if v.is_empty() { "(none)" } else { v };
                format!(r#"<option value="{v}"{chosen}>{shown}</option>"#)
            })
            .collect();
        format!(
            r#"<label for="{id}">{label}</label><select id="{id}" name="{id}">{options}</select>"#
        )
    };
    let text = |id: &str, label: &str| {
        format!(r#"<label for="{id}">{label}</label><input id="{id}" name="{id}" value="">"#)
    };
    let face = if kind == "identity" { "FACE_MATCH" } else { "" };
    [
        select("autoFace", "Face check (autoFace)", &FACE, face),
        select("manualFace", "Face check by hand (manualFace)", &FACE, ""),
        select("autoDocument", "Document check (autoDocument)", &DOCUMENT, "DOC_VALIDATED"),
        select("manualDocument", "Document check by hand (manualDocument)", &DOCUMENT, ""),
        text("fraudTags", "Fraud tags (comma-separated, e.g. PORTRAIT_SUBSTITUTION, DUPLICATE_FACE)"),
        text("duplicateFaces", "Duplicate faces: scanRefs of other sessions (comma-separated; the dashboard lists them)"),
        text("docDateOfIssue", "Date of issue (YYYY-MM-DD; empty: none)"),
    ]
    .concat()
}
