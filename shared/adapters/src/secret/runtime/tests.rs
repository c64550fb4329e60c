use super::*;
use std::sync::atomic::{AtomicUsize, Ordering};

/// A source whose document the test changes, counting reads; it fails while `failing`.
struct Scripted {
    value: std::sync::Mutex<String>,
    failing: std::sync::atomic::AtomicBool,
    reads: AtomicUsize,
}

impl Scripted {
    fn new(api_key: &str) -> Arc<Self> {
        Arc::new(Self {
            value: std::sync::Mutex::new(api_key.to_owned()),
            failing: false.into(),
            reads: AtomicUsize::new(0),
        })
    }
    fn set(&self, api_key: &str) {
        *self.value.lock().unwrap() = api_key.to_owned();
    }
}

#[async_trait]
impl SecretSource for Scripted {
    async fn fetch(&self) -> Result<SecretDocument, SecretError> {
        self.reads.fetch_add(1, Ordering::SeqCst);
        if self.failing.load(Ordering::SeqCst) {
            return Err(SecretError::Unavailable("down".into()));
        }
        let value = self.value.lock().unwrap().clone();
        SecretDocument::from_json(
            &serde_json::json!({ "apiKey": value }).to_string(),
            ISSUANCE_KEYS,
        )
    }
}

fn api_key(document: &SecretDocument) -> Result<String, SecretProblem> {
    document.required(API_KEY).map(str::to_owned)
}

#[tokio::test]
async fn kept_for_its_lifetime_then_read_again() {
    let source = Scripted::new("one");
    let secrets = Secrets::kept(source.clone(), api_key, Duration::from_secs(3600));
    assert_eq!(*secrets.current().await.unwrap(), "one");
    source.set("two");
    assert_eq!(*secrets.current().await.unwrap(), "one", "kept");
    assert_eq!(source.reads.load(Ordering::SeqCst), 1);

    let short = Secrets::kept(source.clone(), api_key, Duration::ZERO);
    assert_eq!(*short.current().await.unwrap(), "two");
    source.set("three");
    // Past its lifetime, but read within the minimum interval: kept until then.
    assert_eq!(*short.current().await.unwrap(), "two");
}

#[tokio::test]
async fn a_refresh_reads_at_most_once_per_interval() {
    let source = Scripted::new("old");
    let secrets = Secrets::kept(source.clone(), api_key, Duration::from_secs(3600));
    secrets.current().await.unwrap();
    source.set("new");
    // Read a moment ago: the refresh is refused, and the kept value stays.
    assert!(secrets.refresh().await.is_none());
    assert_eq!(*secrets.current().await.unwrap(), "old");
    assert_eq!(source.reads.load(Ordering::SeqCst), 1);

    let fresh = Secrets::kept(source.clone(), api_key, Duration::from_secs(3600));
    assert_eq!(
        fresh.refresh().await.as_deref().map(String::as_str),
        Some("new")
    );
    assert!(
        fresh.refresh().await.is_none(),
        "a second refresh at once is refused"
    );
    assert_eq!(source.reads.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn an_outage_keeps_the_last_good_values_and_a_first_read_fails_clearly() {
    let source = Scripted::new("good");
    let secrets = Secrets::kept(source.clone(), api_key, Duration::ZERO);
    secrets.current().await.unwrap();
    source.failing.store(true, Ordering::SeqCst);
    assert!(secrets.refresh().await.is_none());
    assert_eq!(*secrets.current().await.unwrap(), "good");

    let never_read = Secrets::kept(source.clone(), api_key, Duration::ZERO);
    assert!(matches!(
        never_read.current().await,
        Err(SecretError::Unavailable(_))
    ));
}

#[test]
fn the_document_names_problems_by_key_never_by_value() {
    let document = SecretDocument::from_json(
        r#"{"signingKeys": "k1,k2", "documentHashKey": ""}"#,
        CALLBACK_KEYS,
    )
    .unwrap();
    let problem = document.required(DOCUMENT_HASH_KEY).unwrap_err();
    assert!(
        problem
            .to_string()
            .contains("documentHashKey (DOCUMENT_HASH_KEY)"),
        "{problem}"
    );
    assert_eq!(document.get(SIGNING_KEYS), Some("k1,k2"));
    let error = SecretDocument::from_json(r#"{"apiSecret": 12345678}"#, ISSUANCE_KEYS).unwrap_err();
    assert!(!error.to_string().contains("12345678"), "{error}");
    assert!(
        SecretDocument::from_json("not json with s3cr3t", ISSUANCE_KEYS)
            .is_err_and(|e| !e.to_string().contains("s3cr3t"))
    );
    assert!(!format!("{:?}", document).contains("k1"));
}

#[test]
fn a_function_s_secret_holding_another_role_s_key_is_refused() {
    // The old single secret: each function refuses it, naming the key, never a value.
    let everything = r#"{"apiKey": "k", "apiSecret": "s3cr3t-api", "signingKeys": "s3cr3t-sig",
        "documentHashKey": "s3cr3t-hash-0123456789", "siteWebhookSecrets": "whsec_s3cr3t"}"#;
    for (own, foreign) in [
        (ISSUANCE_KEYS, "signingKeys"),
        (CALLBACK_KEYS, "apiKey"),
        (NOTIFIER_KEYS, "apiKey"),
    ] {
        let error = SecretDocument::from_json(everything, own).unwrap_err();
        assert!(error.to_string().contains(foreign), "{error}");
        assert!(!error.to_string().contains("s3cr3t"), "{error}");
    }
    // Each role's own keys, and keys this service does not know, are fine.
    let own = SecretDocument::from_json(
        r#"{"apiKey": "k", "apiSecret": "s", "comment": "rotated 2026-12"}"#,
        ISSUANCE_KEYS,
    )
    .unwrap();
    assert_eq!(own.get(API_SECRET), Some("s"));
    // Locally, a function reads its own variables only.
    let local = SecretDocument::from_variables(CALLBACK_KEYS, |name| Some(format!("{name}-value")));
    assert_eq!(local.get(API_SECRET), None);
    assert_eq!(local.get(SIGNING_KEYS), Some("IDENFY_SIGNING_KEYS-value"));
}
