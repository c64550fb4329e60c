//! `cargo run`: the local stack. Prints one line, the URL to open; logs go to stderr.

use local::{LocalConfig, StoreChoice};
use std::process::ExitCode;
use std::time::Duration;

const HELP: &str = "\
idenfy-pair local stack: both functions, an embedded store and an iDenfy sandbox simulator.

USAGE: cargo run -- [OPTIONS]

  --port N               the site, API and webhook port (default 3000; 0 = any free port)
  --simulator-port N     the iDenfy simulator's port (default 3001; 0 = any free port)
  --no-simulator         talk to real iDenfy instead (see README: keys, public callback URL)
  --idenfy-base-url URL  iDenfy's API with --no-simulator (default https://ivs.idenfy.com)
  --callback-url URL     public https URL that reaches this machine's /webhooks/idenfy
  --dynamodb             keep pairs in DynamoDB (AWS_ENDPOINT_URL_DYNAMODB for a local API)
  --table NAME           the DynamoDB table (default idenfy-pair-local; created if missing)
  --final-delay-ms N     simulator: delay between a preliminary and the final result (1500)

Environment: IDENFY_API_KEY, IDENFY_API_SECRET, IDENFY_SIGNING_KEYS (the first key signs and
checks webhooks); local defaults are used when unset and the simulator is on.";

fn parse(args: &[String]) -> Result<LocalConfig, String> {
    let mut config = LocalConfig::default();
    let env = |name: &str| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
    let mut table = "idenfy-pair-local".to_owned();
    let mut dynamodb = env("AWS_ENDPOINT_URL_DYNAMODB").is_some();
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        let mut value = |name: &str| {
            args.next()
                .cloned()
                .ok_or_else(|| format!("{name} needs a value"))
        };
        let number = |name: &str, raw: String| {
            raw.parse::<u64>()
                .map_err(|_| format!("{name}: {raw:?} is not a number"))
        };
        match arg.as_str() {
            "--port" => {
                config.port =
                    u16::try_from(number("--port", value("--port")?)?).map_err(|e| e.to_string())?
            }
            "--simulator-port" => {
                let port = number("--simulator-port", value("--simulator-port")?)?;
                config.simulator_port = Some(u16::try_from(port).map_err(|e| e.to_string())?);
            }
            "--no-simulator" => config.simulator_port = None,
            "--idenfy-base-url" => config.idenfy_base_url = value("--idenfy-base-url")?,
            "--callback-url" => config.callback_url = Some(value("--callback-url")?),
            "--dynamodb" => dynamodb = true,
            "--table" => table = value("--table")?,
            "--final-delay-ms" => {
                config.final_delay =
                    Duration::from_millis(number("--final-delay-ms", value("--final-delay-ms")?)?)
            }
            "-h" | "--help" => return Err(HELP.to_owned()),
            other => return Err(format!("unknown option {other:?}\n\n{HELP}")),
        }
    }
    if dynamodb {
        config.store = StoreChoice::DynamoDb { table };
    }
    if let Some(key) = env("IDENFY_API_KEY") {
        config.api_key = key;
    }
    if let Some(secret) = env("IDENFY_API_SECRET") {
        config.api_secret = secret;
    }
    if let Some(keys) = env("IDENFY_SIGNING_KEYS") {
        config.signing_key = keys.split(',').next().unwrap_or_default().trim().to_owned();
    }
    if config.simulator_port.is_none() {
        for (name, present) in [
            ("IDENFY_API_KEY", env("IDENFY_API_KEY").is_some()),
            ("IDENFY_API_SECRET", env("IDENFY_API_SECRET").is_some()),
            ("IDENFY_SIGNING_KEYS", env("IDENFY_SIGNING_KEYS").is_some()),
            ("--callback-url", config.callback_url.is_some()),
        ] {
            if !present {
                return Err(format!(
                    "--no-simulator needs {name} (real iDenfy must reach and trust this machine)"
                ));
            }
        }
    }
    Ok(config)
}

#[tokio::main]
async fn main() -> ExitCode {
    shared::logging::init_with_writer(std::io::stderr);
    let args: Vec<String> = std::env::args().skip(1).collect();
    let config = match parse(&args) {
        Ok(config) => config,
        Err(message) => {
            eprintln!("{message}");
            return ExitCode::from(2);
        }
    };
    let running = match local::start(config).await {
        Ok(running) => running,
        Err(error) => {
            eprintln!("idenfy-pair local stack could not start: {error}");
            return ExitCode::FAILURE;
        }
    };
    println!("idenfy-pair local stack: open {}", running.site_url);
    if let Some(simulator) = &running.simulator_url {
        tracing::info!(simulator, "iDenfy sandbox simulator running");
    }
    tokio::select! {
        _ = tokio::signal::ctrl_c() => ExitCode::SUCCESS,
        _ = running.wait() => ExitCode::FAILURE,
    }
}
