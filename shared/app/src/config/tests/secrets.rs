//! The settings' secrets: signing keys, the document-hash key, the notifier's whsec secrets,
//! and Secrets Manager when SECRET_ID is set.

use super::*;

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
