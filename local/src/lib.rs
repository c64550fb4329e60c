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

pub use simulator_only::{reachable_only_from_here, start_simulator_only};

use axum::Router;
use axum::extract::FromRef;
use axum::routing::{any, get, post};
use idenfy_callback::IdenfyCallback;
use issue_tokens::IssueTokens;
use notify_decisions::NotifyDecisions;
use pair_adapters::env::Env;
use pair_adapters::metrics::Metrics;
use pair_adapters::secret::Secret;
use pair_adapters::store::{DynamoLedger, DynamoStore, MemoryLedger, MemoryStore};
use pair_app::config::{CallbackConfig, IssueTokensConfig, NotifyConfig};
use pair_app::notify::standard_webhooks::WebhookSecrets;
use pair_core::ports::ledger::SessionLedger;
use pair_core::ports::store::{IssuanceStore, ResultStore};
use receiver::Receiver;
use simulator::{Simulator, SimulatorConfig};
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;
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
    issue_tokens: IssueTokens,
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

async fn bind(port: u16) -> Result<(TcpListener, SocketAddr), StartError> {
    bind_on(Ipv4Addr::LOCALHOST.into(), port).await
}

async fn bind_on(host: IpAddr, port: u16) -> Result<(TcpListener, SocketAddr), StartError> {
    let listener = TcpListener::bind((host, port))
        .await
        .map_err(|source| StartError::Bind { port, source })?;
    let address = listener
        .local_addr()
        .map_err(|source| StartError::Bind { port, source })?;
    Ok((listener, address))
}

fn serve(listener: TcpListener, router: Router) -> JoinHandle<()> {
    tokio::spawn(async move {
        if let Err(error) = axum::serve(listener, router).await {
            tracing::error!(%error, "server stopped");
        }
    })
}

/// The HTTP contract (`docs/openapi.yaml`), as the functions' API serves it here.
async fn openapi() -> impl axum::response::IntoResponse {
    (
        [(axum::http::header::CONTENT_TYPE, "application/yaml")],
        include_str!("../../docs/openapi.yaml"),
    )
}

/// The DynamoDB Streams client, with the store's configuration, at `endpoint` when given.
async fn streams_client(endpoint: Option<&str>) -> aws_sdk_dynamodbstreams::Client {
    let sdk = pair_adapters::store::dynamo::sdk_config(Default::default()).await;
    let mut config = aws_sdk_dynamodbstreams::config::Builder::from(&sdk);
    if let Some(url) = endpoint {
        config = config.endpoint_url(url);
    }
    aws_sdk_dynamodbstreams::Client::from_conf(config.build())
}

pub async fn start(config: LocalConfig) -> Result<Running, StartError> {
    let (site_listener, site_address) = bind(config.port).await?;
    let site_origin = format!("http://{site_address}");
    let local_webhook = format!("{site_origin}/webhooks/idenfy");

    let mut tasks = Vec::new();
    let (idenfy_base_url, simulator_url, callback_url) = match config.simulator_port {
        Some(port) => {
            let (listener, address) = bind(port).await?;
            let simulator = Simulator::new(SimulatorConfig {
                api_key: config.api_key.clone(),
                api_secret: config.api_secret.expose().to_owned(),
                signing_key: config.signing_key.expose().to_owned(),
                default_webhook_url: Some(local_webhook.clone()),
                final_delay: config.final_delay,
            });
            tasks.push(serve(listener, simulator.router()));
            let url = format!("http://{address}");
            (url.clone(), Some(url), Some(local_webhook))
        }
        None => (
            config.idenfy_base_url.clone(),
            None,
            config.callback_url.clone(),
        ),
    };

    // Both functions configured as in a deployment: their variables, through the same parser.
    let table = match &config.store {
        StoreChoice::Memory => "memory".to_owned(),
        StoreChoice::DynamoDb { table, .. } => table.clone(),
    };
    let ledger_table = ledger_table_of(&table);
    let mut variables = vec![
        ("TABLE_NAME", table.clone()),
        ("LEDGER_TABLE_NAME", ledger_table.clone()),
        ("IDENFY_BASE_URL", idenfy_base_url),
        ("IDENFY_API_KEY", config.api_key.clone()),
        ("IDENFY_API_SECRET", config.api_secret.expose().to_owned()),
        // A key of this run's only: a continuation outlives no restart of the local stack.
        (
            "CONTINUATION_KEYS",
            format!(
                "local-continuation-{}{}",
                pair_core::pair::new_id(),
                pair_core::pair::new_id()
            ),
        ),
        // The person's browser reaches the API on the local site.
        ("PUBLIC_API_URL", site_origin.clone()),
        (
            "IDENFY_SIGNING_KEYS",
            config.signing_key.expose().to_owned(),
        ),
        ("DOCUMENT_HASH_KEY", LOCAL_DOCUMENT_HASH_KEY.to_owned()),
        ("ALLOWED_REDIRECT_ORIGINS", site_origin.clone()),
        ("SITE_WEBHOOK_URL", format!("{site_origin}/notifications")),
        ("SITE_WEBHOOK_SECRETS", LOCAL_SITE_WEBHOOK_SECRET.to_owned()),
    ];
    variables.extend(callback_url.map(|url| ("CALLBACK_URL", url)));
    variables.extend(
        [
            ("PERMIT_ISSUING_COUNTRIES", &config.permit_issuing_countries),
            ("PERMIT_MIN_VALID_DAYS", &config.permit_min_valid_days),
        ]
        .into_iter()
        .filter_map(|(name, value)| Some((name, value.clone()?))),
    );
    let env = Env::from_pairs(variables);
    let issue_config =
        IssueTokensConfig::from_env(&env).map_err(|e| StartError::Config(e.to_string()))?;
    let callback_config =
        CallbackConfig::from_env(&env).map_err(|e| StartError::Config(e.to_string()))?;
    let notify_config =
        NotifyConfig::from_env(&env).map_err(|e| StartError::Config(e.to_string()))?;
    let receiver = WebhookSecrets::parse(LOCAL_SITE_WEBHOOK_SECRET)
        .map(Receiver::new)
        .map_err(|e| StartError::Config(e.to_string()))?;

    let metrics = |function: &'static str| {
        if config.metrics_on_stderr {
            Metrics::emf_on_stderr(function)
        } else {
            Metrics::off()
        }
    };
    // The notifier, fed as the table's stream feeds it in AWS.
    let notifier = NotifyDecisions::build(notify_config, metrics(notify_decisions::FUNCTION))
        .await
        .map_err(|e| StartError::Config(e.to_string()))?;
    let (issuance_store, result_store, ledger): (
        Arc<dyn IssuanceStore>,
        Arc<dyn ResultStore>,
        Arc<dyn SessionLedger>,
    ) = match &config.store {
        StoreChoice::Memory => {
            let (store, changes) = MemoryStore::with_change_feed();
            tasks.push(tokio::spawn(feeds::embedded_store(changes, notifier)));
            let store = Arc::new(store);
            (store.clone(), store, Arc::new(MemoryLedger::new()))
        }
        StoreChoice::DynamoDb {
            streams_endpoint, ..
        } => {
            let store = DynamoStore::from_env(table, Default::default()).await;
            store
                .ensure_table()
                .await
                .map_err(|e| StartError::Store(e.to_string()))?;
            let stream_arn = store
                .ensure_stream()
                .await
                .map_err(|e| StartError::Store(e.to_string()))?;
            let stream = feeds::TableStream::open(
                streams_client(streams_endpoint.as_deref()).await,
                stream_arn,
                notifier,
            )
            .await
            .map_err(StartError::Store)?;
            tasks.push(tokio::spawn(stream.run()));
            let ledger = DynamoLedger::new(store.client().clone(), &ledger_table);
            ledger
                .ensure_table()
                .await
                .map_err(|e| StartError::Store(e.to_string()))?;
            let store = Arc::new(store);
            (store.clone(), store, Arc::new(ledger))
        }
    };
    // The functions as their `main`s build them; their metrics go with the logs (stdout holds
    // only the URL line).
    let state = AppState {
        issue_tokens: IssueTokens::build(
            issue_config,
            issuance_store,
            ledger,
            metrics(issue_tokens::FUNCTION),
        )
        .map_err(|e| StartError::Config(e.to_string()))?,
        callback: IdenfyCallback::build(
            callback_config,
            result_store,
            metrics(idenfy_callback::FUNCTION),
        ),
        site_origin: site_origin.clone(),
        simulator_url: simulator_url.clone(),
        receiver,
    };
    // The functions' own route tables; every method passes, so a wrong one gets the
    // function's 405 as deployed.
    let api = issue_tokens::routes::api_paths()
        .into_iter()
        .fold(Router::new(), |router, path| {
            router.route(path, any(site::api_route))
        });
    let (_, webhook_path) = idenfy_callback::ROUTE
        .split_once(' ')
        .ok_or_else(|| StartError::Config("the callback's route key".into()))?;
    let router = api
        .route(webhook_path, any(site::webhook_route))
        .route("/", get(site::start_page))
        .route("/start", post(site::start))
        .route("/done", get(site::done))
        .route("/renew", post(site::renew))
        .route("/openapi.yaml", get(openapi))
        .route("/review", get(reviewer::waiting))
        .route(
            "/review/{clientId}",
            get(reviewer::evidence).post(reviewer::decide),
        )
        .route("/review/{clientId}/claim", post(reviewer::claim))
        .route("/notifications", post(receiver::notification))
        .route("/notifications/{clientId}", get(receiver::notifications))
        .with_state(state.clone());
    tasks.push(serve(site_listener, router));
    tasks.push(schedules::run_schedules(state.issue_tokens.clone()));

    Ok(Running {
        site_url: format!("{site_origin}/"),
        simulator_url,
        tasks,
    })
}
