use super::*;
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

#[tokio::test]
async fn callback_refuses_to_start_without_a_signing_key_unless_told_it_is_development() {
    let err = CallbackConfig::from_env(&env(&[
        ("TABLE_NAME", "t"),
        ("DOCUMENT_HASH_KEY", "0123456789abcdef"),
    ]))
    .unwrap_err();
    assert!(err.to_string().contains("IDENFY_SIGNING_KEYS"), "{err}");
    let err =
        CallbackConfig::from_env(&env(&[("TABLE_NAME", "t"), ("IDENFY_SIGNING_KEYS", " , ")]))
            .unwrap_err();
    assert!(err.to_string().contains("IDENFY_SIGNING_KEYS"), "{err}");
    // A key shorter than 32 bytes stops the cold start, naming the setting.
    let err = CallbackConfig::from_env(&env(&[
        ("TABLE_NAME", "t"),
        ("IDENFY_SIGNING_KEYS", "a-short-signing-key"),
        ("DOCUMENT_HASH_KEY", "0123456789abcdef"),
    ]))
    .unwrap_err();
    assert!(err.to_string().contains("IDENFY_SIGNING_KEYS"), "{err}");
    assert!(err.to_string().contains("32 bytes"), "{err}");
    let err = CallbackConfig::from_env(&env(&[
        ("TABLE_NAME", "t"),
        ("IDENFY_SIGNING_KEYS", SIGNING_KEY),
    ]))
    .unwrap_err();
    assert_eq!(err, ConfigError::Missing("DOCUMENT_HASH_KEY"));

    let dev =
        CallbackConfig::from_env(&env(&[("TABLE_NAME", "t"), (INSECURE_FLAG, "true")])).unwrap();
    assert!(dev.secrets.current().await.unwrap().signing_keys.is_none());
    let live = CallbackConfig::from_env(&env(&[
        ("TABLE_NAME", "t"),
        (
            "IDENFY_SIGNING_KEYS",
            "new-signing-key-0123456789abcdef,old-signing-key-0123456789abcdef",
        ),
        ("DOCUMENT_HASH_KEY", "0123456789abcdef"),
        ("IDENFY_DOCUMENT_TYPES", "RESIDENCE_PERMIT,VISA"),
    ]))
    .unwrap();
    assert!(live.secrets.current().await.unwrap().signing_keys.is_some());
    assert_eq!(
        live.verdict_policy.permit_types,
        vec!["RESIDENCE_PERMIT", "VISA"]
    );
    assert_eq!(live.max_body_bytes, 512 * 1024);
}

/// Both document-type lists name iDenfy's own `docType` values: a typo stops the cold start
/// with a message naming the setting, rather than sending every pair to review.
#[test]
fn the_document_type_lists_are_idenfys_values() {
    let with = |name: &'static str, value: &'static str| {
        CallbackConfig::from_env(&env(&[
            ("TABLE_NAME", "t"),
            ("IDENFY_SIGNING_KEYS", SIGNING_KEY),
            ("DOCUMENT_HASH_KEY", "0123456789abcdef"),
            (name, value),
        ]))
    };
    let defaults = with("LOG_LEVEL", "info").unwrap().verdict_policy;
    assert_eq!(defaults.identity_types, vec!["PASSPORT", "ID_CARD"]);
    assert_eq!(defaults.permit_types, vec!["RESIDENCE_PERMIT"]);
    let wider = with(
        "IDENTITY_DOCUMENT_TYPES",
        "PASSPORT, ID_CARD,NATIONAL_PASSPORT",
    )
    .unwrap();
    assert_eq!(
        wider.verdict_policy.identity_types,
        vec!["PASSPORT", "ID_CARD", "NATIONAL_PASSPORT"]
    );
    for (name, refused) in [
        ("IDENTITY_DOCUMENT_TYPES", "PASPORT"),
        ("IDENTITY_DOCUMENT_TYPES", " , "),
        ("IDENFY_DOCUMENT_TYPES", "RESIDENCE_CARD"),
        ("IDENFY_DOCUMENT_TYPES", "residence_permit"),
    ] {
        let err = with(name, refused).unwrap_err();
        assert!(err.to_string().contains(name), "{refused}: {err}");
    }
}

#[tokio::test]
async fn the_document_hash_key_is_a_list_current_first_each_long_enough() {
    let with_hash_keys = |keys: &'static str| {
        CallbackConfig::from_env(&env(&[
            ("TABLE_NAME", "t"),
            ("IDENFY_SIGNING_KEYS", SIGNING_KEY),
            ("DOCUMENT_HASH_KEY", keys),
        ]))
    };
    let rotating = with_hash_keys("new-0123456789abcdef, old-0123456789abcdef").unwrap();
    let hasher = rotating
        .secrets
        .current()
        .await
        .unwrap()
        .document_hasher
        .clone();
    assert_eq!(format!("{hasher:?}"), "DocumentHasher(2 keys)");
    let current = DocumentHasher::new(b"new-0123456789abcdef").unwrap();
    let old = DocumentHasher::new(b"old-0123456789abcdef").unwrap();
    assert_eq!(hasher.hash(None, "AB123"), current.hash(None, "AB123"));
    assert_eq!(
        hasher.earlier_hashes(None, "AB123"),
        vec![old.hash(None, "AB123")]
    );
    for refused in ["0123456789abcdef,short", "0123456789abcdef,", " , "] {
        let err = with_hash_keys(refused).unwrap_err();
        assert!(
            err.to_string().contains("DOCUMENT_HASH_KEY"),
            "{refused}: {err}"
        );
        assert!(
            !err.to_string().contains("0123456789abcdef"),
            "no key in {err}"
        );
    }
}

#[test]
fn site_defaults_must_be_under_allowed_origins() {
    let mut pairs = BASE.to_vec();
    pairs.push(("ALLOWED_REDIRECT_ORIGINS", "https://shop.example.com"));
    pairs.push(("SITE_SUCCESS_URL", "https://shop.example.com/done"));
    pairs.push(("IDENFY_BASE_URL", "http://127.0.0.1:9000/"));
    let config = VerificationsApiConfig::from_env(&env(&pairs)).unwrap();
    assert_eq!(
        config.policy.default_site_urls.success.as_deref(),
        Some("https://shop.example.com/done")
    );
    assert_eq!(config.idenfy.base_url, "http://127.0.0.1:9000");
}

#[test]
fn the_notifier_needs_a_sink_and_signs_with_whsec_secrets() {
    let none = NotifyConfig::from_env(&env(&[])).unwrap_err();
    assert!(none.to_string().contains("SITE_WEBHOOK_URL"), "{none}");
    let no_secret = NotifyConfig::from_env(&env(&[(
        "SITE_WEBHOOK_URL",
        "https://shop.example.com/hooks",
    )]))
    .unwrap_err();
    assert_eq!(no_secret, ConfigError::Missing("SITE_WEBHOOK_SECRETS"));
    for (name, value) in [
        ("SITE_WEBHOOK_URL", "http://shop.example.com/hooks"),
        ("SITE_WEBHOOK_SECRETS", "not-a-whsec-secret"),
        // 24 bytes: shorter than a secret must be.
        (
            "SITE_WEBHOOK_SECRETS",
            "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
        ),
        ("SITE_WEBHOOK_TIMEOUT_SECONDS", "0"),
    ] {
        let mut pairs = vec![
            ("SITE_WEBHOOK_URL", "https://shop.example.com/hooks"),
            (
                "SITE_WEBHOOK_SECRETS",
                "whsec_aWRlbmZ5LXBhaXItdGVzdC1zaXRlLXNlY3JldC1uZXc=",
            ),
        ];
        pairs.retain(|(n, _)| *n != name);
        pairs.push((name, value));
        let err = NotifyConfig::from_env(&env(&pairs)).unwrap_err();
        assert!(err.to_string().contains(name), "{err}");
    }
    let site = NotifyConfig::from_env(&env(&[
        ("SITE_WEBHOOK_URL", "https://shop.example.com/hooks"),
        (
            "SITE_WEBHOOK_SECRETS",
            "whsec_aWRlbmZ5LXBhaXItdGVzdC1zaXRlLXNlY3JldC1uZXc=",
        ),
    ]))
    .unwrap();
    let webhook = site.site.expect("the site's webhook");
    assert_eq!(webhook.timeout, Duration::from_secs(5));
    assert!(!format!("{webhook:?}").contains("aWRl"));
    assert_eq!(site.event_bus, None);
    let bus = NotifyConfig::from_env(&env(&[("EVENT_BUS_NAME", "decisions")])).unwrap();
    assert_eq!(
        (bus.site.is_none(), bus.event_bus.as_deref()),
        (true, Some("decisions"))
    );
}

/// With SECRET_ID the functions read their secrets from Secrets Manager while running: no
/// secret is expected in the environment, and none found there is used.
#[test]
fn with_a_secret_id_no_secret_comes_from_the_environment() {
    let callback = CallbackConfig::from_env(&env(&[
        ("TABLE_NAME", "t"),
        ("SECRET_ID", "idenfy-pair/idenfy"),
    ]))
    .unwrap();
    assert!(format!("{:?}", callback.secrets).contains("read at runtime, kept 300s"));
    let issuing = VerificationsApiConfig::from_env(&env(&[
        ("TABLE_NAME", "t"),
        ("LEDGER_TABLE_NAME", "s"),
        ("SECRET_ID", "idenfy-pair/idenfy"),
        ("SECRET_CACHE_SECONDS", "60"),
    ]))
    .unwrap();
    assert!(format!("{:?}", issuing.idenfy.credentials).contains("read at runtime, kept 60s"));
    let notify = NotifyConfig::from_env(&env(&[
        ("SITE_WEBHOOK_URL", "https://shop.example.com/hooks"),
        ("SECRET_ID", "idenfy-pair/idenfy"),
    ]))
    .unwrap();
    let site = notify.site.expect("the site's webhook");
    assert!(format!("{:?}", site.secrets).contains("read at runtime"));
    let err = CallbackConfig::from_env(&env(&[
        ("TABLE_NAME", "t"),
        ("SECRET_ID", "idenfy-pair/idenfy"),
        ("SECRET_CACHE_SECONDS", "0"),
    ]))
    .unwrap_err();
    assert!(err.to_string().contains("SECRET_CACHE_SECONDS"), "{err}");
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
