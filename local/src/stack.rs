//! Starting the stack: the simulator (or real iDenfy), the functions configured through their
//! own parsers as a deployment configures them, the store with its change feed to the notifier,
//! and the site's router over the functions' route tables.

use crate::simulator::{Simulator, SimulatorConfig};
use crate::{
    AppState, LOCAL_DOCUMENT_HASH_KEY, LOCAL_SITE_WEBHOOK_SECRET, LocalConfig, Running, StartError,
    StoreChoice, feeds, ledger_table_of, receiver, reviewer, schedules, site,
};
use axum::Router;
use axum::routing::{any, get, post};
use idenfy_callback::{CallbackPorts, IdenfyCallback};
use issue_tokens::{ApiPorts, VerificationsApi};
use notify_decisions::{NotifyDecisions, NotifyPorts};
use pair_adapters::env::Env;
use pair_adapters::idenfy::IdenfyClient;
use pair_adapters::metrics::Metrics;
use pair_adapters::store::{DynamoLedger, DynamoStore, MemoryLedger, MemoryStore};
use pair_app::config::{CallbackConfig, NotifyConfig, VerificationsApiConfig};
use pair_app::notify::standard_webhooks::WebhookSecrets;
use pair_core::clock::SystemClock;
use pair_core::ports::idenfy::IdenfyPorts;
use pair_core::ports::ledger::SessionLedger;
use pair_core::ports::store::{ResultStore, VerificationsStore};
use receiver::Receiver;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Arc;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

pub(crate) async fn bind(port: u16) -> Result<(TcpListener, SocketAddr), StartError> {
    bind_on(Ipv4Addr::LOCALHOST.into(), port).await
}

pub(crate) async fn bind_on(
    host: IpAddr,
    port: u16,
) -> Result<(TcpListener, SocketAddr), StartError> {
    let listener = TcpListener::bind((host, port))
        .await
        .map_err(|source| StartError::Bind { port, source })?;
    let address = listener
        .local_addr()
        .map_err(|source| StartError::Bind { port, source })?;
    Ok((listener, address))
}

pub(crate) fn serve(listener: TcpListener, router: Router) -> JoinHandle<()> {
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

/// Where iDenfy is: the simulator started here (and the webhook URL it calls), or the one
/// configured.
struct Idenfy {
    base_url: String,
    simulator_url: Option<String>,
    callback_url: Option<String>,
}

async fn idenfy(
    config: &LocalConfig,
    site_origin: &str,
    tasks: &mut Vec<JoinHandle<()>>,
) -> Result<Idenfy, StartError> {
    let Some(port) = config.simulator_port else {
        return Ok(Idenfy {
            base_url: config.idenfy_base_url.clone(),
            simulator_url: None,
            callback_url: config.callback_url.clone(),
        });
    };
    let local_webhook = format!("{site_origin}/webhooks/idenfy");
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
    Ok(Idenfy {
        base_url: url.clone(),
        simulator_url: Some(url),
        callback_url: Some(local_webhook),
    })
}

/// The functions' variables, as a deployment sets them.
fn variables(
    config: &LocalConfig,
    table: &str,
    idenfy: &Idenfy,
    site_origin: &str,
) -> Vec<(&'static str, String)> {
    let mut variables = vec![
        ("TABLE_NAME", table.to_owned()),
        ("LEDGER_TABLE_NAME", ledger_table_of(table)),
        ("IDENFY_BASE_URL", idenfy.base_url.clone()),
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
        ("PUBLIC_API_URL", site_origin.to_owned()),
        (
            "IDENFY_SIGNING_KEYS",
            config.signing_key.expose().to_owned(),
        ),
        ("DOCUMENT_HASH_KEY", LOCAL_DOCUMENT_HASH_KEY.to_owned()),
        ("ALLOWED_REDIRECT_ORIGINS", site_origin.to_owned()),
        ("SITE_WEBHOOK_URL", format!("{site_origin}/notifications")),
        ("SITE_WEBHOOK_SECRETS", LOCAL_SITE_WEBHOOK_SECRET.to_owned()),
    ];
    variables.extend(idenfy.callback_url.clone().map(|url| ("CALLBACK_URL", url)));
    variables.extend(
        [
            ("PERMIT_ISSUING_COUNTRIES", &config.permit_issuing_countries),
            ("PERMIT_MIN_VALID_DAYS", &config.permit_min_valid_days),
        ]
        .into_iter()
        .filter_map(|(name, value)| Some((name, value.clone()?))),
    );
    variables
}

/// The stores the functions use, each change fed to `notifier` as the table's stream feeds it
/// in AWS.
type Stores = (
    Arc<dyn VerificationsStore>,
    Arc<dyn ResultStore>,
    Arc<dyn SessionLedger>,
);

async fn stores(
    choice: &StoreChoice,
    notifier: NotifyDecisions,
    tasks: &mut Vec<JoinHandle<()>>,
) -> Result<Stores, StartError> {
    let StoreChoice::DynamoDb {
        table,
        streams_endpoint,
    } = choice
    else {
        let (store, changes) = MemoryStore::with_change_feed();
        tasks.push(tokio::spawn(feeds::embedded_store(changes, notifier)));
        let store = Arc::new(store);
        return Ok((store.clone(), store, Arc::new(MemoryLedger::new())));
    };
    let unusable = |e: pair_core::ports::store::StoreError| StartError::Store(e.to_string());
    let store = DynamoStore::from_env(table.clone(), Default::default());
    store.ensure_table().await.map_err(unusable)?;
    let stream_arn = store.ensure_stream().await.map_err(unusable)?;
    let stream = feeds::TableStream::open(
        streams_client(streams_endpoint.as_deref()).await,
        stream_arn,
        notifier,
    )
    .await
    .map_err(StartError::Store)?;
    tasks.push(tokio::spawn(stream.run()));
    let ledger = DynamoLedger::new(store.shared_client(), ledger_table_of(table));
    ledger.ensure_table().await.map_err(unusable)?;
    let store = Arc::new(store);
    Ok((store.clone(), store, Arc::new(ledger)))
}

/// The site's router: the functions' own route tables (every method passes, so a wrong one gets
/// the function's 405 as deployed), the site's pages and its webhook receiver.
fn router(state: AppState) -> Result<Router, StartError> {
    let api = issue_tokens::routes::api_paths()
        .into_iter()
        .fold(Router::new(), |router, path| {
            router.route(path, any(site::api_route))
        });
    let (_, webhook_path) = idenfy_callback::ROUTE
        .split_once(' ')
        .ok_or_else(|| StartError::Config("the callback's route key".into()))?;
    Ok(api
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
        .with_state(state))
}

pub async fn start(config: LocalConfig) -> Result<Running, StartError> {
    let (site_listener, site_address) = bind(config.port).await?;
    let site_origin = format!("http://{site_address}");
    let mut tasks = Vec::new();
    let idenfy = idenfy(&config, &site_origin, &mut tasks).await?;
    // The functions configured as in a deployment: their variables, through the same parsers.
    let table = match &config.store {
        StoreChoice::Memory => "memory".to_owned(),
        StoreChoice::DynamoDb { table, .. } => table.clone(),
    };
    let env = Env::from_pairs(variables(&config, &table, &idenfy, &site_origin));
    let invalid = |e: pair_adapters::env::ConfigError| StartError::Config(e.to_string());
    let issue_config = VerificationsApiConfig::from_env(&env).map_err(invalid)?;
    let callback_config = CallbackConfig::from_env(&env).map_err(invalid)?;
    let notify_config = NotifyConfig::from_env(&env).map_err(invalid)?;
    let receiver = WebhookSecrets::parse(LOCAL_SITE_WEBHOOK_SECRET)
        .map(Receiver::new)
        .map_err(|e| StartError::Config(e.to_string()))?;
    // The functions' metrics go with the logs (stdout holds only the URL line).
    let metrics = |function: &'static str| {
        if config.metrics_on_stderr {
            Metrics::emf_on_stderr(function)
        } else {
            Metrics::off()
        }
    };
    // The functions as their `main`s build them.
    let notifier = NotifyDecisions::build(
        notify_config,
        NotifyPorts::from_env(Arc::new(SystemClock), metrics(notify_decisions::FUNCTION)),
    );
    let (issuance_store, result_store, ledger) =
        stores(&config.store, notifier, &mut tasks).await?;
    let idenfy_client = IdenfyClient::new(issue_config.idenfy.clone());
    let state = AppState {
        issue_tokens: VerificationsApi::build(
            issue_config,
            ApiPorts {
                store: issuance_store,
                ledger,
                idenfy: IdenfyPorts::of(Arc::new(idenfy_client)),
                clock: Arc::new(SystemClock),
                metrics: metrics(issue_tokens::FUNCTION),
            },
        ),
        callback: IdenfyCallback::build(
            callback_config,
            CallbackPorts {
                store: result_store,
                clock: Arc::new(SystemClock),
                metrics: metrics(idenfy_callback::FUNCTION),
            },
        ),
        site_origin: site_origin.clone(),
        simulator_url: idenfy.simulator_url.clone(),
        receiver,
    };
    tasks.push(serve(site_listener, router(state.clone())?));
    tasks.push(schedules::run_schedules(state.issue_tokens.clone()));
    Ok(Running {
        site_url: format!("{site_origin}/"),
        simulator_url: idenfy.simulator_url,
        tasks,
    })
}
