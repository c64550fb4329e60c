use super::*;

mod secrets;
use crate::issuance::PermitStepPolicy;
use pair_adapters::idenfy::limits;
use pair_core::pair::DocumentHasher;
use pair_core::pair::ledger::LedgerRetention;

/// A webhook signing key long enough (32 bytes).
const SIGNING_KEY: &str = "config-test-signing-key-0123456789";

fn env(pairs: &[(&str, &str)]) -> Env<impl Fn(&str) -> Option<String>> {
    Env::from_pairs(pairs.iter().copied())
}

const BASE: [(&str, &str); 5] = [
    ("TABLE_NAME", "pairs"),
    ("LEDGER_TABLE_NAME", "sessions"),
    ("IDENFY_API_KEY", "key"),
    ("IDENFY_API_SECRET", "secret"),
    (
        "CONTINUATION_KEYS",
        "config-test-continuation-key-0123456789",
    ),
];

#[test]
fn defaults_apply() {
    let config = VerificationsApiConfig::from_env(&env(&BASE)).unwrap();
    assert_eq!(config.idenfy.base_url, DEFAULT_IDENFY_BASE_URL);
    assert_eq!(config.policy.documents, vec!["RESIDENCE_PERMIT"]);
    assert_eq!(config.policy.retention, Duration::from_secs(30 * 86_400));
    assert_eq!(
        config.policy.document_expiry(),
        Duration::from_secs(3600 + 600 + 300)
    );
    assert_eq!(config.policy.permit_step, PermitStepPolicy::default());
    // The API secret never shows in the configuration's Debug.
    assert!(!format!("{config:?}").contains("secret\""), "{config:?}");
}

#[test]
fn permit_step_name_and_source() {
    let mut pairs = BASE.to_vec();
    pairs.push(("IDENFY_PERMIT_STEP", "PERMIT_2"));
    pairs.push(("IDENFY_PERMIT_STEP_SOURCE", "account"));
    let config = VerificationsApiConfig::from_env(&env(&pairs)).unwrap();
    assert_eq!(
        config.policy.permit_step,
        PermitStepPolicy {
            name: "PERMIT_2".into(),
            on_token: false
        }
    );
    for (name, value) in [
        ("IDENFY_PERMIT_STEP", "residence permit"),
        ("IDENFY_PERMIT_STEP", "RESIDENCE-PERMIT"),
        ("IDENFY_PERMIT_STEP_SOURCE", "dashboard"),
    ] {
        let mut pairs = BASE.to_vec();
        pairs.push((name, value));
        let err = VerificationsApiConfig::from_env(&env(&pairs)).unwrap_err();
        assert!(err.to_string().contains(name), "{err}");
    }
    let callback = CallbackConfig::from_env(&env(&[
        ("TABLE_NAME", "t"),
        (INSECURE_FLAG, "true"),
        ("IDENFY_PERMIT_STEP", "PERMIT_2"),
    ]))
    .unwrap();
    assert_eq!(callback.verdict_policy.permit_step, "PERMIT_2");
}

#[test]
fn missing_and_invalid_values_name_the_variable() {
    let err = VerificationsApiConfig::from_env(&env(&[("TABLE_NAME", "t")])).unwrap_err();
    assert_eq!(err, ConfigError::Missing("LEDGER_TABLE_NAME"));
    let err =
        VerificationsApiConfig::from_env(&env(&[("TABLE_NAME", "t"), ("LEDGER_TABLE_NAME", "s")]))
            .unwrap_err();
    assert_eq!(err, ConfigError::Missing("IDENFY_API_KEY"));

    let with = |extra: (&'static str, &'static str)| {
        let mut pairs = BASE.to_vec();
        pairs.push(extra);
        VerificationsApiConfig::from_env(&env(&pairs))
            .unwrap_err()
            .to_string()
    };
    assert!(with(("IDENFY_BASE_URL", "http://ivs.idenfy.com")).contains("IDENFY_BASE_URL"));
    assert!(with(("PAIR_RETENTION_DAYS", "0")).contains("PAIR_RETENTION_DAYS"));
    assert!(
        with(("IDENFY_SESSION_LENGTH_SECONDS", "30")).contains("IDENFY_SESSION_LENGTH_SECONDS")
    );
    assert!(
        with(("SITE_SUCCESS_URL", "https://shop.example.com/done")).contains("SITE_SUCCESS_URL")
    );
    assert!(with(("CALLBACK_URL", "http://hooks.example.com/x")).contains("CALLBACK_URL"));
}

#[test]
fn session_length_and_expiry_stay_within_idenfys_bounds() {
    let config = |pairs: &[(&'static str, &'static str)]| {
        let mut all = BASE.to_vec();
        all.extend_from_slice(pairs);
        VerificationsApiConfig::from_env(&env(&all))
    };
    assert!(config(&[("IDENFY_SESSION_LENGTH_SECONDS", "59")]).is_err());
    assert!(config(&[("IDENFY_SESSION_LENGTH_SECONDS", "3601")]).is_err());
    assert!(config(&[("IDENFY_TOKEN_EXPIRY_SECONDS", "2592000")]).is_err());
    // At the largest accepted values, the derived document token still fits iDenfy's
    // expiryTime bound.
    let longest = config(&[
        ("IDENFY_SESSION_LENGTH_SECONDS", "3600"),
        ("IDENFY_TOKEN_EXPIRY_SECONDS", "2584800"),
    ])
    .unwrap();
    assert!(
        longest.policy.document_expiry().as_secs() <= u64::from(limits::EXPIRY_TIME_MAX),
        "{:?}",
        longest.policy.document_expiry()
    );
}

#[test]
fn the_default_permit_policy_is_read_and_checked() {
    let config = VerificationsApiConfig::from_env(&env(&BASE)).unwrap();
    assert_eq!(config.policy.default_permit, PermitPolicy::default());
    let mut pairs = BASE.to_vec();
    pairs.push(("PERMIT_ISSUING_COUNTRIES", " DE, AT ,CH,DE "));
    pairs.push(("PERMIT_MIN_VALID_DAYS", "30"));
    let config = VerificationsApiConfig::from_env(&env(&pairs)).unwrap();
    assert_eq!(
        config.policy.default_permit,
        PermitPolicy {
            issuing_countries: vec![
                "DE".parse().unwrap(),
                "AT".parse().unwrap(),
                "CH".parse().unwrap()
            ],
            min_valid_days: 30
        }
    );
    for (name, value) in [
        ("PERMIT_ISSUING_COUNTRIES", "de"),
        ("PERMIT_ISSUING_COUNTRIES", "DE;AT"),
        ("PERMIT_ISSUING_COUNTRIES", "XX"),
        ("PERMIT_MIN_VALID_DAYS", "3651"),
        ("PERMIT_MIN_VALID_DAYS", "-1"),
        ("PERMIT_MIN_VALID_DAYS", "thirty"),
    ] {
        let mut pairs = BASE.to_vec();
        pairs.push((name, value));
        let err = VerificationsApiConfig::from_env(&env(&pairs)).unwrap_err();
        assert!(err.to_string().contains(name), "{value}: {err}");
    }
    let mut pairs = BASE.to_vec();
    pairs.push(("PERMIT_MIN_VALID_DAYS", "3650"));
    let config = VerificationsApiConfig::from_env(&env(&pairs)).unwrap();
    assert_eq!(config.policy.default_permit.min_valid_days, 3650);
}

#[test]
fn the_ledger_keeps_five_years_and_deletes_at_retention_end_unless_told_not_to() {
    let config = VerificationsApiConfig::from_env(&env(&BASE)).unwrap();
    assert_eq!(config.ledger_table_name, "sessions");
    let day = 86_400;
    assert_eq!(
        config.policy.ledger,
        LedgerRetention {
            audit: Duration::from_secs(1825 * day),
            delete_after: Some(Duration::from_secs(30 * day)),
        }
    );
    let mut pairs = BASE.to_vec();
    pairs.extend([
        ("AUDIT_RETENTION_DAYS", "3650"),
        ("PAIR_RETENTION_DAYS", "90"),
        ("IDENFY_DELETE_AT_RETENTION_END", "false"),
    ]);
    let config = VerificationsApiConfig::from_env(&env(&pairs)).unwrap();
    assert_eq!(
        config.policy.ledger,
        LedgerRetention {
            audit: Duration::from_secs(3650 * day),
            delete_after: None,
        }
    );
    // The ledger must outlive the records whose sessions it deletes.
    for (name, value) in [
        ("AUDIT_RETENTION_DAYS", "29"),
        ("AUDIT_RETENTION_DAYS", "3651"),
        ("IDENFY_DELETE_AT_RETENTION_END", "yes"),
    ] {
        let mut pairs = BASE.to_vec();
        pairs.push((name, value));
        let err = VerificationsApiConfig::from_env(&env(&pairs)).unwrap_err();
        assert!(err.to_string().contains(name), "{value}: {err}");
    }
}

#[test]
fn pairs_per_client_per_day_are_bounded() {
    let config = VerificationsApiConfig::from_env(&env(&BASE)).unwrap();
    assert_eq!(config.policy.max_pairs_per_day, 5);
    let mut pairs = BASE.to_vec();
    pairs.push(("MAX_PAIRS_PER_CLIENT_PER_DAY", "10"));
    let config = VerificationsApiConfig::from_env(&env(&pairs)).unwrap();
    assert_eq!(config.policy.max_pairs_per_day, 10);
    for refused in ["0", "101", "many"] {
        let mut pairs = BASE.to_vec();
        pairs.push(("MAX_PAIRS_PER_CLIENT_PER_DAY", refused));
        let err = VerificationsApiConfig::from_env(&env(&pairs)).unwrap_err();
        assert!(
            err.to_string().contains("MAX_PAIRS_PER_CLIENT_PER_DAY"),
            "{err}"
        );
    }
}

#[tokio::test]
async fn the_continuation_needs_long_keys_and_a_public_url_if_one_is_given() {
    let with = |extra: &[(&'static str, &'static str)]| {
        let mut pairs = BASE[..4].to_vec();
        pairs.extend_from_slice(extra);
        VerificationsApiConfig::from_env(&env(&pairs))
    };
    assert_eq!(
        with(&[]).unwrap_err(),
        ConfigError::Missing("CONTINUATION_KEYS")
    );
    let short = with(&[("CONTINUATION_KEYS", "short")]).unwrap_err();
    assert!(short.to_string().contains("CONTINUATION_KEYS"), "{short}");
    let keys = "config-test-continuation-key-0123456789";
    let config = with(&[("CONTINUATION_KEYS", keys)]).unwrap();
    assert_eq!(config.policy.public_api_url, None);
    assert!(config.policy.continuation_keys.current().await.is_ok());
    let custom = with(&[
        ("CONTINUATION_KEYS", keys),
        ("PUBLIC_API_URL", "https://id.shop.example.com"),
    ])
    .unwrap();
    assert_eq!(
        custom.policy.public_api_url.as_deref(),
        Some("https://id.shop.example.com")
    );
    let plain = with(&[
        ("CONTINUATION_KEYS", keys),
        ("PUBLIC_API_URL", "http://id.shop.example.com"),
    ])
    .unwrap_err();
    assert!(plain.to_string().contains("PUBLIC_API_URL"), "{plain}");
}

#[test]
fn in_jwt_mode_each_duty_has_scopes_of_its_own() {
    assert_eq!(
        VerificationsApiConfig::from_env(&env(&BASE))
            .unwrap()
            .duties,
        None
    );
    let with = |extra: &[(&'static str, &'static str)]| {
        let mut pairs = BASE.to_vec();
        pairs.push(("API_AUTHORIZATION", "JWT"));
        pairs.extend_from_slice(extra);
        VerificationsApiConfig::from_env(&env(&pairs))
    };
    let config = with(&[
        ("ISSUER_SCOPES", "site/issue"),
        ("REVIEWER_SCOPES", "ops/review, ops/lead"),
        ("ERASURE_SCOPES", "dpo/erase"),
    ])
    .unwrap();
    let duties = config.duties.expect("JWT mode checks duties");
    assert_eq!(duties.reviewer, ["ops/review", "ops/lead"]);
    // A list missing, empty, or a scope shared by two duties: the cold start stops, naming it.
    for (extra, named) in [
        (
            [
                ("ISSUER_SCOPES", "site/issue"),
                ("REVIEWER_SCOPES", "ops/review"),
                ("X", ""),
            ],
            "ERASURE_SCOPES",
        ),
        (
            [
                ("ISSUER_SCOPES", "site/issue"),
                ("REVIEWER_SCOPES", " , "),
                ("ERASURE_SCOPES", "dpo/erase"),
            ],
            "REVIEWER_SCOPES",
        ),
        (
            [
                ("ISSUER_SCOPES", "a/b,site/issue"),
                ("REVIEWER_SCOPES", "ops/review,a/b"),
                ("ERASURE_SCOPES", "dpo/erase"),
            ],
            "REVIEWER_SCOPES",
        ),
        (
            [
                ("ISSUER_SCOPES", "site/issue"),
                ("REVIEWER_SCOPES", "ops/review"),
                ("ERASURE_SCOPES", "site/issue"),
            ],
            "ERASURE_SCOPES",
        ),
    ] {
        let err = with(&extra).unwrap_err();
        assert!(err.to_string().contains(named), "{extra:?}: {err}");
    }
    let mut pairs = BASE.to_vec();
    pairs.push(("API_AUTHORIZATION", "OIDC"));
    let err = VerificationsApiConfig::from_env(&env(&pairs)).unwrap_err();
    assert!(err.to_string().contains("API_AUTHORIZATION"), "{err}");
}
