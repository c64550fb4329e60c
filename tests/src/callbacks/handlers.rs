//! The callback as the function builds it, over the tests' stores, clocks and keys.

use super::*;

/// The callback handler over a memory store holding the sample events' pair.
pub async fn seeded_callback(secrets: Secrets<CallbackSecrets>) -> idenfy_callback::IdenfyCallback {
    seeded_callback_counting(secrets, Metrics::off()).await
}

/// [`seeded_callback`] counting into `metrics`.
pub async fn seeded_callback_counting(
    secrets: Secrets<CallbackSecrets>,
    metrics: Metrics,
) -> idenfy_callback::IdenfyCallback {
    use pair_adapters::store::MemoryStore;
    use pair_core::ports::store::{Expected, SeedStore};
    let store = Arc::new(MemoryStore::new());
    store
        .save(&events_record(), Expected::Absent)
        .await
        .expect("seeded");
    let ports = CallbackPorts {
        metrics,
        ..callback_ports(store, callback_clock())
    };
    IdenfyCallback::build(
        CallbackConfig {
            secrets,
            ..callback_config()
        },
        ports,
    )
}

/// What the callback reaches, for the tests: `store` on `clock`, no metrics.
pub fn callback_ports(store: Arc<dyn ResultStore>, clock: Arc<dyn Clock>) -> CallbackPorts {
    CallbackPorts {
        store,
        clock,
        metrics: Metrics::off(),
    }
}

/// The callback as the function builds it, holding `secrets`, over `store`.
pub fn callback_with_secrets(
    store: Arc<dyn ResultStore>,
    clock: Arc<dyn Clock>,
    secrets: Secrets<CallbackSecrets>,
) -> IdenfyCallback {
    IdenfyCallback::build(
        CallbackConfig {
            secrets,
            ..callback_config()
        },
        callback_ports(store, clock),
    )
}

/// The test keys as the callback holds them.
pub fn callback_secrets() -> Secrets<CallbackSecrets> {
    Secrets::fixed(CallbackSecrets {
        signing_keys: Some(signing_keys()),
        document_hasher: hasher(),
    })
}

pub fn signing_keys() -> SigningKeys {
    SigningKeys::parse(TEST_SIGNING_KEY).expect("a key")
}

pub fn callback_service(store: Arc<dyn ResultStore>, clock: Arc<ManualClock>) -> CallbackService {
    let config = callback_config();
    CallbackService::new(store, clock, config.verdict_policy)
}

/// The idenfy-callback configuration the tests use, read by the function's own parser: the
/// test keys, every other setting at its default.
pub fn callback_config() -> CallbackConfig {
    let env = Env::from_pairs([
        ("TABLE_NAME", "pairs"),
        ("IDENFY_SIGNING_KEYS", TEST_SIGNING_KEY),
        ("DOCUMENT_HASH_KEY", TEST_DOCUMENT_HASH_KEY),
    ]);
    CallbackConfig::from_env(&env).expect("the tests' configuration is valid")
}

/// The callback handler as the function composes it, over `store`.
pub fn handler(
    store: Arc<dyn ResultStore>,
    clock: Arc<ManualClock>,
) -> idenfy_callback::IdenfyCallback {
    IdenfyCallback::build(callback_config(), callback_ports(store, clock))
}
