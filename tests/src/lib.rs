//! Test harness: the real components the product talks to, started per test.
//!
//! - [`moto_table`]: a fresh table on moto_server's DynamoDB API (`make test` starts it and sets
//!   `AWS_ENDPOINT_URL_DYNAMODB`).
//! - [`IdenfyStub`]: iDenfy's token API on wiremock, minting a distinct token per request.
//! - [`moto_secrets`], [`create_secret`]: the stack's secret on moto_server's Secrets Manager API.

use aws_sdk_dynamodb::config::interceptors::BeforeTransmitInterceptorContextRef;
use aws_sdk_dynamodb::config::{ConfigBag, Intercept, RuntimeComponents};
use aws_sdk_dynamodb::error::BoxError;
use pair_adapters::env::Env;
use pair_adapters::idenfy::{IdenfyClient, IdenfyClientConfig, RetryPolicy};
use pair_adapters::store::dynamo::{DynamoTimeouts, sdk_config};
use pair_adapters::store::{DynamoLedger, DynamoStore, MemoryLedger};
use pair_app::config::VerificationsApiConfig;
use pair_app::issuance::{IssuancePolicy, IssuanceService};
use pair_core::clock::{Clock, ManualClock, Timestamp};
use pair_core::pair::new_id;
use pair_core::ports::idenfy::{IdenfyPorts, SessionIssuer};
use pair_core::ports::ledger::SessionLedger;
use pair_core::ports::store::VerificationsStore;
use serde_json::{Value, json};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

pub const T0: Timestamp = Timestamp::from_unix_seconds(1_795_704_197);
pub const SHOP: &str = "https://shop.example.com";
pub const CALLBACK_URL: &str = "https://hooks.example.com/webhooks/idenfy";

/// A deadline far enough off for any test's token call.
pub fn soon() -> std::time::Instant {
    std::time::Instant::now() + Duration::from_secs(30)
}

/// An HTTP client for the tests, on the functions' TLS settings (rustls on ring: reqwest has
/// no default provider here), following redirects as a browser would.
pub fn http() -> reqwest::Client {
    pair_adapters::outbound::http_client()
        .redirect(reqwest::redirect::Policy::default())
        .build()
        .expect("reqwest takes the rustls settings")
}

/// A port nothing listens on right now (bound, read, released).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .map(|address| address.port())
        .expect("a free port on 127.0.0.1")
}

/// A fresh table on the moto_server that `make test` started, and a count of the HTTP
/// requests the DynamoDB client has sent to it (retries included).
pub struct MotoTable {
    pub store: DynamoStore,
    pub requests: Arc<AtomicUsize>,
}

impl MotoTable {
    pub fn requests(&self) -> usize {
        self.requests.load(Ordering::SeqCst)
    }
}

#[derive(Debug)]
struct CountRequests(Arc<AtomicUsize>);

impl Intercept for CountRequests {
    fn name(&self) -> &'static str {
        "CountRequests"
    }

    fn read_before_transmit(
        &self,
        _context: &BeforeTransmitInterceptorContextRef<'_>,
        _components: &RuntimeComponents,
        _config: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        self.0.fetch_add(1, Ordering::SeqCst);
        Ok(())
    }
}

/// A DynamoStore on a new, uniquely named table of the moto_server that `make test` started.
/// The client is built the way the functions build theirs ([`sdk_config`]), so this also
/// proves the SDK honours `AWS_ENDPOINT_URL_DYNAMODB`.
pub async fn moto_table() -> MotoTable {
    if std::env::var_os("AWS_ENDPOINT_URL_DYNAMODB").is_none() {
        panic!(
            "AWS_ENDPOINT_URL_DYNAMODB is not set. These tests need moto_server's DynamoDB API: \
             run them with `make test`, which installs moto into .venv and starts it."
        );
    }
    // The functions' retries, with patience for a moto_server slowed by a busy machine: an
    // attempt cut short and retried would create the table twice ("already exists").
    let sdk = sdk_config(DynamoTimeouts {
        attempt: Duration::from_secs(10),
        operation: Duration::from_secs(30),
        ..DynamoTimeouts::default()
    })
    .await;
    let requests = Arc::new(AtomicUsize::new(0));
    let config = aws_sdk_dynamodb::config::Builder::from(&sdk)
        .interceptor(CountRequests(requests.clone()))
        .build();
    let store = DynamoStore::new(
        aws_sdk_dynamodb::Client::from_conf(config),
        format!("pairs-{}", new_id()),
    );
    store
        .create_table()
        .await
        .expect("creating a table on moto_server");
    requests.store(0, Ordering::SeqCst);
    MotoTable { store, requests }
}

/// Removes `client_id`'s pair record as DynamoDB's TTL would: the item is gone.
pub async fn remove_record(store: &DynamoStore, client_id: &str) -> Result<(), String> {
    store
        .client()
        .await
        .delete_item()
        .table_name(store.table())
        .key(
            "clientId",
            aws_sdk_dynamodb::types::AttributeValue::S(client_id.to_owned()),
        )
        .send()
        .await
        .map(|_| ())
        .map_err(|e| format!("removing {client_id}'s record: {e}"))
}

/// A session ledger on a new table of the same moto_server, beside `table`.
pub async fn moto_ledger(table: &MotoTable) -> DynamoLedger {
    let ledger = DynamoLedger::new(
        table.store.shared_client(),
        format!("{}-sessions", table.store.table()),
    );
    ledger
        .create_table()
        .await
        .expect("creating the ledger's table on moto_server");
    ledger
}

/// A Secrets Manager client on the moto_server that `make test` (or `make bench`) started.
pub async fn moto_secrets() -> aws_sdk_secretsmanager::Client {
    let endpoint = std::env::var("AWS_ENDPOINT_URL_DYNAMODB").expect(
        "AWS_ENDPOINT_URL_DYNAMODB is not set: run with `make test`, which starts moto_server",
    );
    let sdk = pair_adapters::outbound::aws_config()
        .endpoint_url(endpoint)
        .load()
        .await;
    aws_sdk_secretsmanager::Client::new(&sdk)
}

/// A secret named `name` on moto_server, holding `value`.
pub async fn create_secret(client: &aws_sdk_secretsmanager::Client, name: &str, value: &str) {
    client
        .create_secret()
        .name(name)
        .secret_string(value)
        .send()
        .await
        .expect("moto creates the secret");
}

/// The tests' continuation key (test-only, like the signing key).
pub const TEST_CONTINUATION_KEY: &str = "idenfy-pair-test-continuation-key-0123";
/// Where the tests' API is reached (the continuation's base).
pub const PUBLIC_API_URL: &str = "https://api.example.com";

/// The issue-tokens configuration the tests use, read by the function's own parser: the
/// shop's origin allowed, its pages as defaults, every other setting at its default.
pub fn issue_tokens_config(idenfy_base_url: &str) -> VerificationsApiConfig {
    issue_tokens_config_with(idenfy_base_url, &[])
}

/// [`issue_tokens_config`] with more variables set (e.g. a permit policy's defaults).
pub fn issue_tokens_config_with(
    idenfy_base_url: &str,
    extra: &[(&'static str, &str)],
) -> VerificationsApiConfig {
    let mut variables = vec![
        ("TABLE_NAME", "pairs".to_owned()),
        ("LEDGER_TABLE_NAME", "sessions".to_owned()),
        ("IDENFY_BASE_URL", idenfy_base_url.to_owned()),
        ("IDENFY_API_KEY", "test-key".to_owned()),
        ("IDENFY_API_SECRET", "test-secret".to_owned()),
        ("CONTINUATION_KEYS", TEST_CONTINUATION_KEY.to_owned()),
        ("PUBLIC_API_URL", PUBLIC_API_URL.to_owned()),
        ("ALLOWED_REDIRECT_ORIGINS", SHOP.to_owned()),
        ("SITE_SUCCESS_URL", format!("{SHOP}/verification/complete")),
        ("SITE_ERROR_URL", format!("{SHOP}/verification/failed")),
        ("SITE_UNVERIFIED_URL", format!("{SHOP}/verification/review")),
        ("CALLBACK_URL", CALLBACK_URL.to_owned()),
    ];
    variables.extend(
        extra
            .iter()
            .map(|(name, value)| (*name, (*value).to_owned())),
    );
    let env = Env::from_pairs(variables);
    VerificationsApiConfig::from_env(&env).expect("the tests' configuration is valid")
}

/// The issuance policy the tests use ([`issue_tokens_config`]).
pub fn policy() -> IssuancePolicy {
    issue_tokens_config("https://ivs.idenfy.com").policy
}

/// The issuance service over `store`, with a session ledger of its own in memory.
pub fn service(
    store: Arc<dyn VerificationsStore>,
    sessions: Arc<dyn SessionIssuer>,
    clock: Arc<ManualClock>,
) -> IssuanceService {
    service_with(store, Arc::new(MemoryLedger::new()), sessions, clock)
}

/// [`service`] recording into `ledger`.
pub fn service_with(
    store: Arc<dyn VerificationsStore>,
    ledger: Arc<dyn SessionLedger>,
    sessions: Arc<dyn SessionIssuer>,
    clock: Arc<ManualClock>,
) -> IssuanceService {
    IssuanceService::new(store, ledger, sessions, clock, policy())
}

/// The issue-tokens handler: [`service`] over `store`, and the reviewer's routes over the
/// same store, with `idenfy` serving session files too; its session ledger in memory.
pub fn issue_tokens_handler(
    store: Arc<dyn VerificationsStore>,
    idenfy: Arc<IdenfyClient>,
    clock: Arc<ManualClock>,
) -> issue_tokens::VerificationsApi {
    issue_tokens_handler_with(store, Arc::new(MemoryLedger::new()), idenfy, clock)
}

/// [`issue_tokens_handler`] over `ledger`.
pub fn issue_tokens_handler_with(
    store: Arc<dyn VerificationsStore>,
    ledger: Arc<dyn SessionLedger>,
    idenfy: Arc<IdenfyClient>,
    clock: Arc<ManualClock>,
) -> issue_tokens::VerificationsApi {
    issue_tokens::VerificationsApi::build(
        issue_tokens_config("https://ivs.idenfy.com"),
        api_ports(store, ledger, IdenfyPorts::of(idenfy), clock),
    )
}

/// What the verifications API reaches, for the tests: no metrics.
pub fn api_ports(
    store: Arc<dyn VerificationsStore>,
    ledger: Arc<dyn SessionLedger>,
    idenfy: IdenfyPorts,
    clock: Arc<dyn Clock>,
) -> issue_tokens::ApiPorts {
    issue_tokens::ApiPorts {
        store,
        ledger,
        idenfy,
        clock,
        metrics: pair_adapters::metrics::Metrics::off(),
    }
}

pub mod api;
mod idenfy_stub;
pub use idenfy_stub::{IdenfyStub, stub_file_link};
pub mod browser;
pub mod callbacks;
pub mod contract;
pub mod events;
pub mod journeys;
pub mod logs;
pub mod metrics;
pub mod stores;
pub mod streams;
