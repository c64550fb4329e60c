//! The local stack: both functions' handlers on 127.0.0.1 behind a small site, an embedded
//! store (or a DynamoDB API), and an iDenfy sandbox simulator — the whole journey on one
//! machine, no AWS or iDenfy account needed.

pub mod bridge;
mod feeds;
mod html;
mod receiver;
mod reviewer;
mod schedules;
pub mod simulator;
mod simulator_only;
mod site;
mod stack;

pub use simulator_only::{reachable_only_from_here, start_simulator_only};
pub use stack::start;

use axum::extract::FromRef;
use idenfy_callback::IdenfyCallback;
use issue_tokens::VerificationsApi;
use pair_adapters::secret::Secret;
use pair_adapters::store::{DynamoLedger, DynamoStore};
use receiver::Receiver;
use simulator::{Simulator, SimulatorConfig};
use std::net::IpAddr;
use std::time::Duration;
use tokio::task::JoinHandle;

/// Where pairs are kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StoreChoice {
    Memory,
    /// The DynamoDB API the environment names (`AWS_ENDPOINT_URL_DYNAMODB` for a local one);
    /// the table is created when missing. Its stream is read at `streams_endpoint` (the SDK's
    /// own default when `None`).
    DynamoDb {
        table: String,
        streams_endpoint: Option<String>,
    },
}

#[derive(Debug, Clone)]
pub struct LocalConfig {
    /// 0 picks a free port.
    pub port: u16,
    /// `Some(port)` runs the simulator there (0: a free port); `None` talks to `idenfy_base_url`.
    pub simulator_port: Option<u16>,
    pub idenfy_base_url: String,
    pub api_key: String,
    pub api_secret: Secret,
    /// The webhook signing key (the simulator signs with it; the callback checks it).
    pub signing_key: Secret,
    /// The public URL of `/webhooks/idenfy` when talking to real iDenfy; the local one otherwise.
    pub callback_url: Option<String>,
    pub store: StoreChoice,
    /// How long the simulator waits between a preliminary and the final result.
    pub final_delay: Duration,
    /// The functions' metrics as EMF lines on stderr, beside the logs (`cargo run`).
    pub metrics_on_stderr: bool,
    /// `PERMIT_ISSUING_COUNTRIES` and `PERMIT_MIN_VALID_DAYS` as given (checked by the
    /// functions' own parser): the permit policy of a request that sets none.
    pub permit_issuing_countries: Option<String>,
    pub permit_min_valid_days: Option<String>,
}

/// `--port`: the site, the API and the webhook.
pub const DEFAULT_PORT: u16 = 3000;
/// `--simulator-port`.
pub const DEFAULT_SIMULATOR_PORT: u16 = 3001;
/// `--table`, with `--dynamodb`.
pub const DEFAULT_TABLE: &str = "idenfy-pair-local";
/// `--final-delay-ms`: the simulator's wait between a preliminary and the final result.
pub const DEFAULT_FINAL_DELAY_MS: u64 = 1500;

/// The session ledger's table beside the pairs table `table` (DynamoDB mode).
pub fn ledger_table_of(table: &str) -> String {
    format!("{table}-sessions")
}

impl Default for LocalConfig {
    fn default() -> Self {
        Self {
            port: DEFAULT_PORT,
            simulator_port: Some(DEFAULT_SIMULATOR_PORT),
            idenfy_base_url: pair_app::config::DEFAULT_IDENFY_BASE_URL.to_owned(),
            api_key: "local-api-key".to_owned(),
            api_secret: Secret::new("local-api-secret"),
            signing_key: Secret::new("local-signing-key-0123456789abcdef"),
            callback_url: None,
            store: StoreChoice::Memory,
            final_delay: Duration::from_millis(DEFAULT_FINAL_DELAY_MS),
            metrics_on_stderr: false,
            permit_issuing_countries: None,
            permit_min_valid_days: None,
        }
    }
}

/// The local stack's key for document-number hashes: not a secret, nothing real is hashed.
const LOCAL_DOCUMENT_HASH_KEY: &str = "local-development-document-hash-key";
/// The local site's webhook secret (Standard Webhooks): not a secret, it never leaves the machine.
const LOCAL_SITE_WEBHOOK_SECRET: &str = "whsec_bG9jYWwtc2l0ZS13ZWJob29rLXNlY3JldC0wMTIzNDU=";

#[derive(Clone)]
struct AppState {
    issue_tokens: VerificationsApi,
    callback: IdenfyCallback,
    site_origin: String,
    /// The iDenfy simulator, when it runs: the final page links to its dashboard.
    simulator_url: Option<String>,
    /// The site's end of the decision notifications.
    receiver: Receiver,
}

impl FromRef<AppState> for Receiver {
    fn from_ref(state: &AppState) -> Self {
        state.receiver.clone()
    }
}

/// The running stack; dropping it does not stop it (the tasks run until the process ends).
pub struct Running {
    pub site_url: String,
    pub simulator_url: Option<String>,
    tasks: Vec<JoinHandle<()>>,
}

impl Running {
    /// Waits until a server stops (it only does on error).
    pub async fn wait(self) {
        for task in self.tasks {
            let _ = task.await;
        }
    }

    pub fn stop(&self) {
        for task in &self.tasks {
            task.abort();
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("cannot listen on 127.0.0.1:{port}: {source}")]
    Bind { port: u16, source: std::io::Error },
    #[error("invalid configuration: {0}")]
    Config(String),
    #[error("the DynamoDB table is not usable: {0}")]
    Store(String),
}
