//! The stack's secret read while the functions run, from moto_server's Secrets Manager API: a
//! webhook signed with a key a rotation added is accepted after one early read, forged
//! signatures cost at most one read per interval, and issuance sends the credentials the
//! secret holds now.

use async_trait::async_trait;
use integration_tests::callbacks::{
    EVENTS_CLIENT_ID, EVENTS_IDENTITY_SCAN_REF, TEST_DOCUMENT_HASH_KEY, call, payload, request,
    sample_id_card, seeded_callback,
};
use integration_tests::{IdenfyStub, T0, create_secret, moto_secrets, service};
use pair_adapters::idenfy::signature::sign;
use pair_adapters::idenfy::{IdenfyClient, IdenfyClientConfig, IdenfyCredentials};
use pair_adapters::secret::runtime::{
    CALLBACK_KEYS, ISSUANCE_KEYS, SecretDocument, SecretError, SecretKey, SecretSource, Secrets,
};
use pair_adapters::secret::secrets_manager::SecretsManager;
use pair_adapters::store::MemoryStore;
use pair_app::callback::CallbackSecrets;
use pair_core::clock::ManualClock;
use serde_json::{Value, json};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

mod document_hash;

/// A new secret holding `value`; its name.
async fn secret(client: &aws_sdk_secretsmanager::Client, value: &Value) -> String {
    let name = format!("idenfy-pair/{}", pair_core::pair::new_id());
    create_secret(client, &name, &value.to_string()).await;
    name
}

async fn rotate(client: &aws_sdk_secretsmanager::Client, name: &str, value: &Value) {
    client
        .put_secret_value()
        .secret_id(name)
        .secret_string(value.to_string())
        .send()
        .await
        .expect("moto stores the new version");
}

/// The real adapter, its reads counted.
struct Counted {
    inner: SecretsManager,
    reads: AtomicUsize,
}

#[async_trait]
impl SecretSource for Counted {
    async fn fetch(&self) -> Result<SecretDocument, SecretError> {
        self.reads.fetch_add(1, Ordering::SeqCst);
        self.inner.fetch().await
    }
}

fn counted(
    name: &str,
    own: &'static [SecretKey],
    client: &aws_sdk_secretsmanager::Client,
) -> Arc<Counted> {
    Arc::new(Counted {
        inner: SecretsManager::with_client(name, own, client.clone()),
        reads: AtomicUsize::new(0),
    })
}

fn webhook(key: &str) -> lambda_http::Request {
    let body = payload(
        EVENTS_CLIENT_ID,
        EVENTS_IDENTITY_SCAN_REF,
        true,
        &sample_id_card(),
    )
    .to_string();
    request(
        &body,
        Some(&sign(key, body.as_bytes())),
        "IDENTIFICATION_MANUAL_FINISHED",
    )
}

#[tokio::test]
async fn a_rotated_signing_key_is_accepted_after_one_early_read() {
    let client = moto_secrets().await;
    let name = secret(
        &client,
        &json!({"signingKeys": "old-signing-key-0123456789abcdef", "documentHashKey": TEST_DOCUMENT_HASH_KEY}),
    )
    .await;
    let source = counted(&name, CALLBACK_KEYS, &client);
    // Kept an hour: only a failed signature makes it read again early.
    let handler = seeded_callback(Secrets::kept_with_refresh_interval(
        source.clone(),
        CallbackSecrets::read,
        Duration::from_secs(3600),
        Duration::ZERO,
    ))
    .await;
    let (status, answer) = call(&handler, webhook("old-signing-key-0123456789abcdef")).await;
    assert_eq!(
        (status, source.reads.load(Ordering::SeqCst)),
        (200, 1),
        "{answer}"
    );

    rotate(
        &client,
        &name,
        &json!({"signingKeys": "new-signing-key-0123456789abcdef,old-signing-key-0123456789abcdef", "documentHashKey": TEST_DOCUMENT_HASH_KEY}),
    )
    .await;
    let (status, answer) = call(&handler, webhook("new-signing-key-0123456789abcdef")).await;
    assert_eq!(
        (status, source.reads.load(Ordering::SeqCst)),
        (200, 2),
        "{answer}"
    );
    // Kept again: the old key still works without a read.
    let (status, _) = call(&handler, webhook("old-signing-key-0123456789abcdef")).await;
    assert_eq!((status, source.reads.load(Ordering::SeqCst)), (200, 2));
    let (status, answer) = call(&handler, webhook("nobody's-key")).await;
    assert_eq!(status, 401, "{answer}");
    assert_eq!(answer["code"], "BAD_SIGNATURE");
}

#[tokio::test]
async fn forged_signatures_cost_at_most_one_read_per_interval() {
    let client = moto_secrets().await;
    let name = secret(
        &client,
        &json!({"signingKeys": "the-signing-key-0123456789abcdef", "documentHashKey": TEST_DOCUMENT_HASH_KEY}),
    )
    .await;
    let source = counted(&name, CALLBACK_KEYS, &client);
    let handler = seeded_callback(Secrets::kept(
        source.clone(),
        CallbackSecrets::read,
        Duration::from_secs(3600),
    ))
    .await;
    for _ in 0..20 {
        let (status, _) = call(&handler, webhook("forged")).await;
        assert_eq!(status, 401);
    }
    // The first request read the secret; within the interval no forged one reads it again.
    assert_eq!(source.reads.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn an_unreadable_secret_is_a_503_the_sender_retries_without_details() {
    let client = moto_secrets().await;
    let source = counted("idenfy-pair/never-created", CALLBACK_KEYS, &client);
    let handler = seeded_callback(Secrets::kept(
        source.clone(),
        CallbackSecrets::read,
        Duration::from_secs(3600),
    ))
    .await;
    let (status, answer) = call(&handler, webhook("any")).await;
    assert_eq!(status, 503, "{answer}");
    assert_eq!(answer["code"], "SECRETS_UNAVAILABLE");
    assert!(!answer.to_string().contains("never-created"), "{answer}");
    let name = secret(
        &client,
        &json!({"signingKeys": "a-signing-key-of-32-bytes-012345"}),
    )
    .await;
    let handler = seeded_callback(Secrets::kept(
        counted(&name, CALLBACK_KEYS, &client),
        CallbackSecrets::read,
        Duration::from_secs(3600),
    ))
    .await;
    let (status, answer) = call(&handler, webhook("a-signing-key-of-32-bytes-012345")).await;
    assert_eq!(status, 503, "a secret without documentHashKey: {answer}");
}

/// The secrets are split by role: the callback given a secret that also holds iDenfy's API
/// credentials (the old single secret) refuses to use it — 503, nothing stored, the key named
/// in the log and never in the answer — and issuance refuses one holding the signing keys.
#[tokio::test]
async fn a_secret_holding_another_role_s_keys_is_refused() {
    let client = moto_secrets().await;
    let everything = json!({
        "apiKey": "key-1", "apiSecret": "api-s3cr3t",
        "signingKeys": "the-signing-key-0123456789abcdef", "documentHashKey": TEST_DOCUMENT_HASH_KEY,
    });
    let name = secret(&client, &everything).await;
    let handler = seeded_callback(Secrets::kept(
        counted(&name, CALLBACK_KEYS, &client),
        CallbackSecrets::read,
        Duration::from_secs(3600),
    ))
    .await;
    let (status, answer) = call(&handler, webhook("the-signing-key-0123456789abcdef")).await;
    assert_eq!(
        (status, &answer["code"]),
        (503, &json!("SECRETS_UNAVAILABLE")),
        "{answer}"
    );
    assert!(!answer.to_string().contains("s3cr3t"), "{answer}");

    let credentials = Secrets::kept(
        counted(&name, ISSUANCE_KEYS, &client),
        IdenfyCredentials::read,
        Duration::from_secs(3600),
    );
    assert!(
        credentials.current().await.is_err_and(
            |e| e.to_string().contains("signingKeys") && !e.to_string().contains("s3cr3t")
        )
    );
    // Split, each reads its own.
    rotate(
        &client,
        &name,
        &json!({"signingKeys": "the-signing-key-0123456789abcdef", "documentHashKey": TEST_DOCUMENT_HASH_KEY}),
    )
    .await;
    let handler = seeded_callback(Secrets::kept(
        counted(&name, CALLBACK_KEYS, &client),
        CallbackSecrets::read,
        Duration::from_secs(3600),
    ))
    .await;
    let (status, answer) = call(&handler, webhook("the-signing-key-0123456789abcdef")).await;
    assert_eq!(status, 200, "{answer}");
}

#[tokio::test]
async fn issuance_sends_the_credentials_the_secret_holds_now() {
    let client = moto_secrets().await;
    let name = secret(
        &client,
        &json!({"apiKey": "key-1", "apiSecret": "secret-1"}),
    )
    .await;
    let stub = IdenfyStub::minting().await;
    let credentials = Secrets::kept_with_refresh_interval(
        counted(&name, ISSUANCE_KEYS, &client),
        IdenfyCredentials::read,
        Duration::ZERO,
        Duration::ZERO,
    );
    let sessions = IdenfyClient::new(IdenfyClientConfig::with_credentials(
        &stub.uri(),
        credentials,
    ));
    let issuance = service(
        Arc::new(MemoryStore::new()),
        Arc::new(sessions),
        Arc::new(ManualClock::at(T0)),
    );
    let request = |id: &str| {
        issue_tokens::parse_issue_request(
            &json!({"clientId": id}),
            &issuance.policy().allowed_origins,
        )
        .expect("a valid request")
    };
    issuance.issue(&request("USER_1")).await.expect("issued");
    rotate(
        &client,
        &name,
        &json!({"apiKey": "key-2", "apiSecret": "secret-2"}),
    )
    .await;
    issuance.issue(&request("USER_2")).await.expect("issued");
    let sent: Vec<String> = stub.authorizations().await.into_iter().collect();
    use base64::Engine as _;
    let basic = |user: &str, password: &str| {
        format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"))
        )
    };
    assert_eq!(
        sent,
        vec![
            basic("key-1", "secret-1"),
            basic("key-1", "secret-1"),
            basic("key-2", "secret-2"),
            basic("key-2", "secret-2"),
        ]
    );
}
