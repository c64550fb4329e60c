//! `cargo run`: the local stack. Prints one line, the URL to open; logs go to stderr.

use clap::Parser;
use local::{LocalConfig, StoreChoice};
use pair_adapters::secret::Secret;
use std::process::ExitCode;
use std::time::Duration;

/// idenfy-pair local stack: both functions, an embedded store and an iDenfy sandbox simulator.
///
/// IDENFY_API_KEY, IDENFY_API_SECRET and IDENFY_SIGNING_KEYS (the first key signs and checks
/// webhooks) fall back to local values while the simulator runs; --no-simulator needs them.
#[derive(Debug, Parser)]
#[command(name = "idenfy-pair-local")]
struct Args {
    /// The site, API and webhook port (0: any free port).
    #[arg(long, default_value_t = local::DEFAULT_PORT)]
    port: u16,
    /// The iDenfy simulator's port (0: any free port).
    #[arg(long, default_value_t = local::DEFAULT_SIMULATOR_PORT)]
    simulator_port: u16,
    /// Talk to real iDenfy instead (see docs/local.md: keys, public callback URL).
    #[arg(long, requires_all = ["callback_url", "api_key", "api_secret", "signing_keys"])]
    no_simulator: bool,
    /// iDenfy's API with --no-simulator.
    #[arg(long, default_value = pair_app::config::DEFAULT_IDENFY_BASE_URL)]
    idenfy_base_url: String,
    /// Public https URL that reaches this machine's /webhooks/idenfy.
    #[arg(long)]
    callback_url: Option<String>,
    /// Run only the iDenfy simulator (for the functions under `sam local`; see docs/local.md).
    #[arg(long, conflicts_with = "no_simulator")]
    simulator_only: bool,
    /// With --simulator-only: the address to listen on — loopback, or the Docker bridge's.
    #[arg(long, default_value = "127.0.0.1", requires = "simulator_only")]
    host: std::net::IpAddr,
    /// Keep pairs in DynamoDB (AWS_ENDPOINT_URL_DYNAMODB for a local API); the notifier reads
    /// the table's stream.
    #[arg(long, env = "AWS_ENDPOINT_URL_DYNAMODB", value_parser = clap::builder::FalseyValueParser::new(), hide_env_values = true)]
    dynamodb: bool,
    /// The DynamoDB table (created if missing).
    #[arg(long, default_value = local::DEFAULT_TABLE)]
    table: String,
    /// With --dynamodb: the DynamoDB Streams API the notifier reads (default: the DynamoDB
    /// endpoint, as moto_server and DynamoDB Local serve both; else the SDK's own).
    #[arg(
        long,
        env = "AWS_ENDPOINT_URL_DYNAMODB_STREAMS",
        hide_env_values = true
    )]
    dynamodb_streams_endpoint: Option<String>,
    #[arg(
        long,
        env = "AWS_ENDPOINT_URL_DYNAMODB",
        hide = true,
        hide_env_values = true
    )]
    dynamodb_endpoint: Option<String>,
    /// Simulator: delay between a preliminary and the final result, in milliseconds.
    #[arg(long, default_value_t = local::DEFAULT_FINAL_DELAY_MS)]
    final_delay_ms: u64,
    /// The permit policy of a request that sets none: accepted issuing countries
    /// (comma-separated alpha-2; empty: any).
    #[arg(long, env = "PERMIT_ISSUING_COUNTRIES")]
    permit_issuing_countries: Option<String>,
    /// The permit policy's default minimum validity, in days after the decision (0).
    #[arg(long, env = "PERMIT_MIN_VALID_DAYS")]
    permit_min_valid_days: Option<String>,
    #[arg(long, env = "IDENFY_API_KEY", hide = true, hide_env_values = true)]
    api_key: Option<String>,
    #[arg(long, env = "IDENFY_API_SECRET", hide = true, hide_env_values = true)]
    api_secret: Option<String>,
    #[arg(long, env = "IDENFY_SIGNING_KEYS", hide = true, hide_env_values = true)]
    signing_keys: Option<String>,
}

impl Args {
    fn into_config(self) -> LocalConfig {
        let defaults = LocalConfig::default();
        LocalConfig {
            port: self.port,
            simulator_port: (!self.no_simulator).then_some(self.simulator_port),
            idenfy_base_url: self.idenfy_base_url,
            api_key: self.api_key.unwrap_or(defaults.api_key),
            api_secret: self.api_secret.map_or(defaults.api_secret, Secret::new),
            signing_key: self
                .signing_keys
                .and_then(|keys| keys.split(',').next().map(|k| Secret::new(k.trim())))
                .unwrap_or(defaults.signing_key),
            callback_url: self.callback_url,
            store: if self.dynamodb {
                StoreChoice::DynamoDb {
                    table: self.table,
                    streams_endpoint: self.dynamodb_streams_endpoint.or(self.dynamodb_endpoint),
                }
            } else {
                StoreChoice::Memory
            },
            final_delay: Duration::from_millis(self.final_delay_ms),
            metrics_on_stderr: true,
            permit_issuing_countries: self.permit_issuing_countries,
            permit_min_valid_days: self.permit_min_valid_days,
        }
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    pair_adapters::logging::init_with_writer(std::io::stderr);
    let args = Args::parse();
    let (simulator_only, host) = (args.simulator_only, args.host);
    let config = args.into_config();
    let started = if simulator_only {
        local::start_simulator_only(config, host).await
    } else {
        local::start(config).await
    };
    let running = match started {
        Ok(running) => running,
        Err(error) => {
            eprintln!("idenfy-pair local stack could not start: {error}");
            return ExitCode::FAILURE;
        }
    };
    if simulator_only {
        println!("iDenfy sandbox simulator: {}", running.site_url);
    } else {
        println!("idenfy-pair local stack: open {}", running.site_url);
    }
    if let Some(simulator) = &running.simulator_url {
        tracing::info!(simulator, "iDenfy sandbox simulator running");
    }
    tokio::select! {
        _ = tokio::signal::ctrl_c() => ExitCode::SUCCESS,
        _ = running.wait() => ExitCode::FAILURE,
    }
}
