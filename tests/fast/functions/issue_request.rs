//! The issue and review request parsers: every field's refusal, with its code.

use issue_tokens::*;
use pair_app::issuance::PermitRequest;
use pair_app::urls::AllowedOrigins;
use pair_core::pair::machine::ReviewRequest;
use pair_core::pair::machine::review::{NOTE_MAX_CHARS, ReviewNote};
use pair_core::pair::{Mode, Outcome, PersonName, Principal, permit};
use serde_json::Value;
use serde_json::json;

fn origins() -> AllowedOrigins {
    AllowedOrigins::parse("https://shop.example.com, https://app.example.com:8443").unwrap()
}

fn codes(body: Value) -> Vec<(String, &'static str)> {
    parse_issue_request(&body, &origins())
        .unwrap_err()
        .into_iter()
        .map(|e| (e.field, e.code))
        .collect()
}

#[test]
fn minimal_and_full_requests_parse() {
    let minimal = parse_issue_request(&json!({"clientId": "USER_1"}), &origins()).unwrap();
    assert_eq!(minimal.client_id.as_str(), "USER_1");
    assert!(!minimal.restart);
    assert_eq!(minimal.mode, Mode::TwoSessions);
    let full = parse_issue_request(
        &json!({
            "clientId": "USER_1", "firstName": "José", "lastName": "O'Neil-Smith",
            "dateOfBirth": "1990-05-15", "locale": "lt",
            "successUrl": "https://shop.example.com/kyc/done",
            "errorUrl": "https://app.example.com:8443/kyc/error",
            "unverifiedUrl": null, "restart": true, "mode": "additionalStep"
        }),
        &origins(),
    )
    .unwrap();
    assert_eq!(
        full.person.first_name.as_ref().map(PersonName::as_str),
        Some("José")
    );
    assert_eq!(full.site_urls.unverified, None);
    assert!(full.restart);
    assert_eq!(full.mode, Mode::AdditionalStep);
}

#[test]
fn every_bad_field_is_reported() {
    let got = codes(json!({
        "clientId": 12, "firstName": "J0hn", "dateOfBirth": "1990-13-01",
        "locale": "english-uk", "successUrl": "http://shop.example.com/x",
        "errorUrl": "https://evil.example.net/x", "restart": "yes", "clientID": "typo",
        "mode": "upload"
    }));
    assert_eq!(
        got,
        vec![
            ("clientID".to_owned(), "UNKNOWN_FIELD"),
            ("clientId".to_owned(), "INVALID_TYPE"),
            ("firstName".to_owned(), "INVALID_FORMAT"),
            ("dateOfBirth".to_owned(), "INVALID_FORMAT"),
            ("locale".to_owned(), "INVALID_FORMAT"),
            ("successUrl".to_owned(), "NOT_HTTPS"),
            ("errorUrl".to_owned(), "ORIGIN_NOT_ALLOWED"),
            ("restart".to_owned(), "INVALID_TYPE"),
            ("mode".to_owned(), "INVALID_VALUE"),
        ]
    );
}

#[test]
fn a_permit_policy_is_read_and_checked() {
    let permit = |value: Value| {
        parse_issue_request(&json!({"clientId": "U", "permit": value}), &origins())
            .map(|r| r.permit)
            .map_err(|errors| {
                errors
                    .into_iter()
                    .map(|e| (e.field, e.code))
                    .collect::<Vec<_>>()
            })
    };
    assert_eq!(
        permit(json!({"issuingCountries": ["DE", "AT"], "minValidDays": 30})),
        Ok(PermitRequest {
            issuing_countries: Some(vec!["DE".parse().unwrap(), "AT".parse().unwrap()]),
            min_valid_days: Some(30)
        })
    );
    assert_eq!(
        permit(json!({"minValidDays": 0})),
        Ok(PermitRequest {
            issuing_countries: None,
            min_valid_days: Some(0)
        })
    );
    assert_eq!(permit(json!({})), Ok(PermitRequest::default()));
    assert_eq!(
        permit(json!({"minValidDays": 3650})).map(|p| p.min_valid_days),
        Ok(Some(3650))
    );
    let refused = |value: Value| permit(value).expect_err("refused");
    let field = |name: &str, code: &'static str| vec![(name.to_owned(), code)];
    assert_eq!(
        refused(json!({"issuingCountries": []})),
        field("permit.issuingCountries", "INVALID_VALUE")
    );
    assert_eq!(
        refused(json!({"issuingCountries": ["de"]})),
        field("permit.issuingCountries", "INVALID_VALUE")
    );
    assert_eq!(
        refused(json!({"issuingCountries": ["QQ"]})),
        field("permit.issuingCountries", "INVALID_VALUE")
    );
    assert_eq!(
        refused(json!({"issuingCountries": "DE"})),
        field("permit.issuingCountries", "INVALID_TYPE")
    );
    assert_eq!(
        refused(json!({"issuingCountries": ["DE", 1]})),
        field("permit.issuingCountries", "INVALID_TYPE")
    );
    let sixty_one: Vec<String> = (b'A'..=b'Z')
        .flat_map(|a| (b'A'..=b'Z').map(move |b| format!("{}{}", a as char, b as char)))
        .filter(|code| permit::is_country_code(code))
        .take(61)
        .collect();
    assert_eq!(
        refused(json!({"issuingCountries": sixty_one})),
        field("permit.issuingCountries", "INVALID_VALUE")
    );
    for days in [json!(3651), json!(-1), json!(1.5), json!("30")] {
        assert_eq!(
            refused(json!({"minValidDays": days})),
            field("permit.minValidDays", "INVALID_VALUE")
        );
    }
    assert_eq!(
        refused(json!({"countries": ["DE"]})),
        field("permit.countries", "UNKNOWN_FIELD")
    );
    assert_eq!(refused(json!(["DE"])), field("permit", "INVALID_TYPE"));
}

#[test]
fn locale_is_a_two_letter_code() {
    let locale = |value: &str| {
        parse_issue_request(&json!({"clientId": "U", "locale": value}), &origins())
            .map(|r| r.locale)
            .map_err(|errors| errors.into_iter().map(|e| e.code).collect::<Vec<_>>())
    };
    assert_eq!(locale("lt"), Ok(Some("lt".to_owned())));
    assert_eq!(locale("DE"), Ok(Some("de".to_owned())));
    for bad in ["en-GB", "e", "eng", "e1", "", "ée"] {
        assert_eq!(locale(bad), Err(vec!["INVALID_FORMAT"]), "{bad:?}");
    }
}

#[test]
fn missing_client_id_and_non_object_body() {
    assert_eq!(codes(json!({})), vec![("clientId".to_owned(), "REQUIRED")]);
    assert_eq!(codes(json!([1])), vec![(String::new(), "INVALID_TYPE")]);
    assert_eq!(
        codes(json!({"clientId": "has space"})),
        vec![("clientId".to_owned(), "INVALID_FORMAT")]
    );
    // A clientId the status, review and erase paths could never carry as it is.
    for unreachable in ["a/b", "a?b", "a#b", "100%", ".."] {
        assert_eq!(
            codes(json!({ "clientId": unreachable })),
            vec![("clientId".to_owned(), "INVALID_FORMAT")],
            "{unreachable}"
        );
    }
}

fn reviewer() -> Principal {
    Principal::parse("arn:aws:iam::123456789012:user/reviewer-7").expect("a principal")
}

fn review_codes(body: Value) -> Vec<(String, &'static str)> {
    parse_review_request(&body, reviewer())
        .expect_err("refused")
        .into_iter()
        .map(|e| (e.field, e.code))
        .collect()
}

#[test]
fn a_review_is_read_with_its_note_trimmed_and_the_caller_as_reviewer() {
    let review = parse_review_request(
        &json!({
            "decision": "REJECTED",
            "note": "  permit photo is of another person ",
            "pairId": "p1",
            "verdictVersion": 2,
        }),
        reviewer(),
    )
    .expect("valid");
    assert_eq!(
        review,
        ReviewRequest {
            pair_id: "p1".into(),
            decision: Outcome::Rejected,
            reviewer: reviewer(),
            note: ReviewNote::parse("permit photo is of another person").ok(),
            verdict_version: 2,
        }
    );
    let review = parse_review_request(
        &json!({"decision": "VERIFIED", "pairId": "p1", "note": " ", "verdictVersion": 1}),
        reviewer(),
    )
    .expect("valid");
    assert_eq!((review.note, review.verdict_version), (None, 1));
}

#[test]
fn every_problem_of_a_review_is_named() {
    assert_eq!(
        review_codes(json!({})),
        vec![
            ("decision".to_owned(), "REQUIRED"),
            ("pairId".to_owned(), "REQUIRED"),
            ("verdictVersion".to_owned(), "REQUIRED"),
        ]
    );
    assert_eq!(
        review_codes(json!({
            "decision": "REQUIRES_REVIEW",
            "note": "n".repeat(NOTE_MAX_CHARS + 1),
            "pairId": 7,
            "verdictVersion": 0,
            "status": "VERIFIED",
        })),
        vec![
            ("status".to_owned(), "UNKNOWN_FIELD"),
            ("decision".to_owned(), "INVALID_VALUE"),
            ("note".to_owned(), "INVALID_LENGTH"),
            ("pairId".to_owned(), "INVALID_TYPE"),
            ("verdictVersion".to_owned(), "INVALID_VALUE"),
        ]
    );
    assert_eq!(
        review_codes(json!({"decision": "VERIFIED", "pairId": " ", "verdictVersion": null})),
        vec![
            ("pairId".to_owned(), "REQUIRED"),
            ("verdictVersion".to_owned(), "REQUIRED"),
        ]
    );
    assert_eq!(
        review_codes(json!(["VERIFIED"])),
        vec![("".to_owned(), "INVALID_TYPE")]
    );
}

#[test]
fn a_body_naming_a_reviewer_is_refused_whoever_it_names() {
    // The caller may not speak for someone else, nor for themselves: the authorizer does.
    for named in ["someone-else", "arn:aws:iam::123456789012:user/reviewer-7"] {
        assert_eq!(
            review_codes(json!({
                "decision": "VERIFIED", "reviewer": named, "pairId": "p1", "verdictVersion": 1,
            })),
            vec![("reviewer".to_owned(), "NOT_ALLOWED")],
        );
    }
}
