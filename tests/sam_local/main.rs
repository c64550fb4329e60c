//! The built functions under `sam local`, as docs/local.md tells a user to run them: every event in
//! `events/` through `sam local invoke` with `events/sam-local-env.json`, then the three routes
//! through `sam local start-api`. The functions reach moto_server, the iDenfy simulator and a
//! site receiver on this machine through Docker's `host.docker.internal`; each answer is checked
//! against `tests/src/events.rs`, the table the in-process suite uses.
//!
//! Run by `make sam-local` (scripts/sam-local), which provides Docker, the built template and
//! moto_server on the Docker bridge; not part of `cargo test`.

use integration_tests::callbacks::{
    EVENTS_CLIENT_ID, events_record, issued_at, pending_record, step_events_record,
};
use integration_tests::events;
use integration_tests::streams::{bus_into_queue, sqs_messages};
use pair_adapters::idenfy::{IdenfyClient, IdenfyClientConfig, TokenRequest, TokenType};
use pair_adapters::secret::Secret;
use pair_adapters::store::DynamoStore;
use pair_app::notify::standard_webhooks::WebhookSecrets;
use pair_core::clock::{Clock, SystemClock};
use pair_core::pair::PairRecord;
use serde_json::{Value, json};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, ResponseTemplate};

mod start_api;
use start_api::start_api_routes;
mod setup;
use setup::*;

const REGION: &str = "eu-west-1";
/// The pair `status-found` asks about.
const STATUS_FOUND_CLIENT_ID: &str = "USER_30001";

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn required(name: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| {
        panic!(
            "{name} is not set: run this test with `make sam-local` (scripts/sam-local sets it up)"
        )
    })
}

/// How `sam` is called: the built template, the env file with this run's ports, the Docker
/// bridge as `host.docker.internal`.
struct Sam {
    template: String,
    env_file: PathBuf,
    bridge: String,
    architecture: String,
    skip_pull: bool,
}

impl Sam {
    fn command(&self, subcommand: &str) -> Command {
        let sam = repo().join(".venv/bin/sam");
        assert!(
            sam.exists(),
            "{} is missing: `make venv` installs the SAM CLI",
            sam.display()
        );
        let mut command = Command::new(sam);
        command
            .args(["local", subcommand, "--template", &self.template])
            .arg("--env-vars")
            .arg(&self.env_file)
            .args(["--region", REGION])
            .args([
                "--add-host",
                &format!("host.docker.internal:{}", self.bridge),
            ])
            .args([
                "--parameter-overrides",
                &format!("Architecture={}", self.architecture),
            ])
            .env("SAM_CLI_TELEMETRY", "0")
            // With credentials in its environment SAM asks STS for the account id, which on a
            // machine without internet waits ~8 s per call; without them it hands the containers
            // its stand-in keys, which moto_server accepts like any other.
            .env_remove("AWS_ACCESS_KEY_ID")
            .env_remove("AWS_SECRET_ACCESS_KEY")
            .env_remove("AWS_SESSION_TOKEN");
        if self.skip_pull {
            command.arg("--skip-pull-image");
        }
        command
    }

    /// The function's answer to the event file (the last line SAM prints on stdout).
    async fn invoke(&self, function: &str, event: &Path) -> Result<Value, String> {
        let mut command = self.command("invoke");
        command.arg(function).arg("--event").arg(event);
        let output = tokio::task::spawn_blocking(move || command.output())
            .await
            .map_err(|e| e.to_string())?
            .map_err(|e| format!("sam local invoke: {e}"))?;
        let stdout = String::from_utf8_lossy(&output.stdout);
        let answer = stdout.lines().rev().find(|l| !l.trim().is_empty());
        match answer.map(serde_json::from_str::<Value>) {
            Some(Ok(value)) if output.status.success() => Ok(value),
            _ => Err(format!(
                "sam local invoke {function} failed ({}): {stdout}\n{}",
                output.status,
                String::from_utf8_lossy(&output.stderr)
            )),
        }
    }
}

/// One line of the report, and whether it matched.
struct Report {
    text: String,
    failures: usize,
}

impl Report {
    fn line(&mut self, what: &str, expected: &str, actual: &str, ok: bool) {
        let mark = if ok { "ok" } else { "MISMATCH" };
        let line = format!("{what:<58} expected {expected:<34} got {actual:<34} {mark}");
        // As it happens (CI shows progress), and again in the summary.
        println!("{line}");
        let _ = writeln!(self.text, "{line}");
        if !ok {
            self.failures += 1;
        }
    }
}

fn status_and_body(answer: &Value) -> (u16, Value) {
    let status = answer["statusCode"].as_u64().unwrap_or_default() as u16;
    let body = answer["body"]
        .as_str()
        .and_then(|b| serde_json::from_str(b).ok())
        .unwrap_or(Value::Null);
    (status, body)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_event_under_sam_local_invoke_and_the_routes_under_start_api() {
    let bridge = required("SAM_LOCAL_BRIDGE");
    let template = required("SAM_LOCAL_TEMPLATE");
    let architecture = required("SAM_LOCAL_ARCHITECTURE");
    let skip_pull = std::env::var("SAM_LOCAL_SKIP_PULL").is_ok_and(|v| v == "1");
    let moto = url::Url::parse(&required("AWS_ENDPOINT_URL_DYNAMODB")).expect("moto's URL");

    // The iDenfy simulator as `cargo run -- --simulator-only --host <bridge>` runs it.
    let simulator = local::start_simulator_only(
        local::LocalConfig {
            simulator_port: Some(0),
            api_key: secret_value("apiKey"),
            api_secret: Secret::new(secret_value("apiSecret")),
            signing_key: Secret::new(secret_value("signingKeys")),
            ..local::LocalConfig::default()
        },
        bridge.parse().expect("the bridge's address"),
    )
    .await
    .expect("the simulator starts on the bridge");
    let simulator_port = simulator
        .simulator_url
        .as_deref()
        .and_then(|u| url::Url::parse(u).ok()?.port())
        .expect("the simulator's port");
    // The site's webhook receiver.
    let site = MockServer::builder()
        .listener(std::net::TcpListener::bind((bridge.as_str(), 0)).expect("a port on the bridge"))
        .start()
        .await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(204))
        .mount(&site)
        .await;
    let site_port = site.address().port();

    let env_file = env_file_for(&[
        ("AWS_ENDPOINT_URL", moto.port().expect("moto's port")),
        ("IDENFY_BASE_URL", simulator_port),
        ("SITE_WEBHOOK_URL", site_port),
    ]);
    let sam = Sam {
        template,
        env_file,
        bridge,
        architecture,
        skip_pull,
    };

    // The table named in the env file, on the same moto_server the containers use.
    let store = DynamoStore::from_env(env_value("Parameters", "TABLE_NAME"), Default::default());
    store.create_table().await.expect("moto creates the table");
    pair_adapters::store::DynamoLedger::new(
        store.shared_client(),
        env_value("IssueTokensFunction", "LEDGER_TABLE_NAME"),
    )
    .create_table()
    .await
    .expect("moto creates the ledger's table");
    create_local_secret().await;
    let (_, queue) = bus_into_queue(&env_value("NotifyDecisionsFunction", "EVENT_BUS_NAME")).await;

    let mut report = Report {
        text: String::new(),
        failures: 0,
    };
    let started = Instant::now();

    // issue-tokens: one table, as in the suite; status-found's pair issued first, on sessions
    // the simulator opened (status-evidence asks it for their files).
    let idenfy = IdenfyClient::new(IdenfyClientConfig::new(
        simulator
            .simulator_url
            .as_deref()
            .expect("the simulator's URL"),
        &secret_value("apiKey"),
        &secret_value("apiSecret"),
    ));
    let mut scan_refs = Vec::new();
    for token_type in [TokenType::Identification, TokenType::Document] {
        let token = idenfy
            .create_token(
                &TokenRequest::new(STATUS_FOUND_CLIENT_ID, token_type),
                Instant::now() + Duration::from_secs(30),
            )
            .await
            .expect("the simulator opens a session");
        scan_refs.push(token.scan_ref);
    }
    put(
        &store,
        &[issued_at(
            pending_record(
                STATUS_FOUND_CLIENT_ID,
                "0a1b2c3d4e5f60718293a4b5",
                &scan_refs[0],
                &scan_refs[1],
            ),
            SystemClock.now(),
        )],
    )
    .await;
    let function = "issue-tokens";
    for name in events::names(function) {
        let (status, code, _) = events::issue_tokens(&name);
        let path = events::dir(function).join(format!("{name}.json"));
        let what = format!("IssueTokensFunction {name}");
        let expected = format!("{status} {}", code.unwrap_or(""));
        match sam.invoke("IssueTokensFunction", &path).await {
            Ok(answer) => {
                let (got, body) = status_and_body(&answer);
                let got_code = body["code"].as_str().unwrap_or("");
                // A new pair's link is the simulator's: the function reached it.
                let reached_idenfy = status != 201
                    || body["verificationUrl"].as_str().is_some_and(|u| {
                        u.starts_with(&format!("http://host.docker.internal:{simulator_port}/"))
                    });
                let actual = format!("{got} {got_code}");
                report.line(
                    &what,
                    &expected,
                    &actual,
                    got == status && got_code == code.unwrap_or("") && reached_idenfy,
                );
            }
            Err(error) => report.line(&what, &expected, &error, false),
        }
    }

    // idenfy-callback: each event alone on fresh sample pairs, as in the suite.
    let function = "idenfy-callback";
    for name in events::names(function) {
        put(&store, &sample_pairs()).await;
        let (status, body) = events::idenfy_callback(&name);
        let path = events::dir(function).join(format!("{name}.json"));
        let what = format!("IdenfyCallbackFunction {name}");
        let expected = if status == 200 {
            format!("200 {}", body["result"].as_str().unwrap_or(""))
        } else {
            format!("{status} {}", body.as_str().unwrap_or(""))
        };
        match sam.invoke("IdenfyCallbackFunction", &path).await {
            Ok(answer) => {
                let (got, got_body) = status_and_body(&answer);
                let ok = got == status
                    && if status == 200 {
                        got_body == body
                    } else {
                        got_body["code"] == body
                    };
                let label = got_body["result"]
                    .as_str()
                    .or(got_body["code"].as_str())
                    .unwrap_or("");
                report.line(&what, &expected, &format!("{got} {label}"), ok);
            }
            Err(error) => report.line(&what, &expected, &error, false),
        }
    }

    // notify-decisions: a decision is a signed webhook to the site and an event on the bus.
    let secrets =
        WebhookSecrets::parse(&secret_value("siteWebhookSecrets")).expect("the env file's secrets");
    let function = "notify-decisions";
    for name in events::names(function) {
        let kind = events::notify_decisions(&name);
        let path = events::dir(function).join(format!("{name}.json"));
        let what = format!("NotifyDecisionsFunction {name}");
        let expected = format!("no failures, {}", kind.unwrap_or("nothing sent"));
        site.reset().await;
        Mock::given(method("POST"))
            .respond_with(ResponseTemplate::new(204))
            .mount(&site)
            .await;
        match sam.invoke("NotifyDecisionsFunction", &path).await {
            Ok(answer) => {
                let failures = answer["batchItemFailures"].as_array().map(Vec::len);
                let received = site.received_requests().await.unwrap_or_default();
                let sent: Vec<String> = received
                    .iter()
                    .filter_map(|request| {
                        let header = |n: &str| request.headers.get(n)?.to_str().ok();
                        let body = std::str::from_utf8(&request.body).ok()?;
                        secrets
                            .verify(
                                header("webhook-id")?,
                                header("webhook-timestamp")?,
                                header("webhook-signature")?,
                                body,
                                SystemClock.now().unix_seconds(),
                            )
                            .ok()?;
                        serde_json::from_str::<Value>(body).ok()?["type"]
                            .as_str()
                            .map(str::to_owned)
                    })
                    .collect();
                let on_bus: Vec<String> = sqs_messages(&queue)
                    .await
                    .iter()
                    .filter_map(|m| m["detail-type"].as_str().map(str::to_owned))
                    .collect();
                let want: Vec<String> = kind.map(str::to_owned).into_iter().collect();
                let ok = failures == Some(0)
                    && received.len() == sent.len()
                    && sent == want
                    && on_bus == want;
                let actual = format!("{failures:?} failures, site {sent:?}, bus {on_bus:?}");
                report.line(&what, &expected, &actual, ok);
            }
            Err(error) => report.line(&what, &expected, &error, false),
        }
    }
    let invoked = started.elapsed();

    // start-api: the three routes on 127.0.0.1, issuance on a clientId without a pair.
    integration_tests::remove_record(&store, EVENTS_CLIENT_ID)
        .await
        .expect("moto deletes the pair");
    let started = Instant::now();
    start_api_routes(&sam, &mut report).await;

    println!(
        "sam local invoke, every event (in {:.0} s), then start-api (in {:.0} s):\n{}",
        invoked.as_secs_f64(),
        started.elapsed().as_secs_f64(),
        report.text
    );
    simulator.stop();
    store.delete_table().await.expect("dropped");
    assert_eq!(
        report.failures, 0,
        "answers differ from tests/src/events.rs"
    );
}
