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
use serde_json::{Value, json};
use shared::clock::{Clock, SystemClock};
use shared::idenfy::{IdenfyClient, IdenfyClientConfig, TokenRequest, TokenType};
use shared::notify::standard_webhooks::WebhookSecrets;
use shared::pair::PairRecord;
use shared::secret::Secret;
use shared::store::DynamoStore;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, ResponseTemplate};

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
            .env("SAM_CLI_TELEMETRY", "0");
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

/// The repository's env file with this run's addresses: the same keys and values, the ports
/// of the services this test started.
fn env_file_for(ports: &[(&str, u16)]) -> PathBuf {
    let path = repo().join("events/sam-local-env.json");
    let mut file: Value =
        serde_json::from_str(&std::fs::read_to_string(&path).expect("the env file"))
            .expect("the env file is JSON");
    let mut replaced = 0;
    for section in file.as_object_mut().expect("an object").values_mut() {
        for (name, value) in section.as_object_mut().expect("sections are objects") {
            let Some(port) = ports.iter().find(|(n, _)| n == name).map(|(_, p)| *p) else {
                continue;
            };
            let mut url = url::Url::parse(value.as_str().expect("a URL")).expect("a URL");
            assert_eq!(url.host_str(), Some("host.docker.internal"), "{name}");
            url.set_port(Some(port)).expect("a port");
            // Url adds a slash to a bare origin; the file's form is kept.
            let text = url.to_string();
            *value = json!(if value.as_str().is_some_and(|v| !v.ends_with('/')) {
                text.trim_end_matches('/').to_owned()
            } else {
                text
            });
            replaced += 1;
        }
    }
    assert_eq!(
        replaced,
        ports.len(),
        "every service's address is in the env file"
    );
    let out = repo().join(".tmp/sam-local-env.json");
    std::fs::write(&out, serde_json::to_string_pretty(&file).expect("JSON")).expect("written");
    out
}

/// The local secrets, `events/sam-local-secrets.json`: each function's by its name.
fn local_secrets() -> serde_json::Map<String, Value> {
    serde_json::from_str(
        &std::fs::read_to_string(repo().join("events/sam-local-secrets.json"))
            .expect("the secrets file"),
    )
    .expect("a JSON object of secrets")
}

/// A value of the local secrets, whichever function's secret holds it.
fn secret_value(key: &str) -> String {
    local_secrets()
        .values()
        .find_map(|secret| secret[key].as_str().map(str::to_owned))
        .unwrap_or_else(|| panic!("{key} in events/sam-local-secrets.json"))
}

/// Each function's secret on moto_server, where it reads it (its SECRET_ID): one per role.
async fn create_local_secret() {
    let secrets = local_secrets();
    let client = integration_tests::moto_secrets().await;
    for function in [
        "IssueTokensFunction",
        "IdenfyCallbackFunction",
        "NotifyDecisionsFunction",
    ] {
        let name = env_value(function, "SECRET_ID");
        let secret = secrets.get(&name).unwrap_or_else(|| {
            panic!("{name} ({function}'s SECRET_ID) in events/sam-local-secrets.json")
        });
        integration_tests::create_secret(&client, &name, &secret.to_string()).await;
    }
}

fn env_value(section: &str, name: &str) -> String {
    let file: Value = serde_json::from_str(
        &std::fs::read_to_string(repo().join("events/sam-local-env.json")).expect("the env file"),
    )
    .expect("JSON");
    file[section][name]
        .as_str()
        .unwrap_or_else(|| panic!("{section}.{name} in events/sam-local-env.json"))
        .to_owned()
}

/// Writes the records as they are, over whatever was there (each event gets fresh pairs).
async fn put(store: &DynamoStore, records: &[PairRecord]) {
    for record in records {
        let item = serde_dynamo::to_item(record).expect("a record serialises");
        store
            .client()
            .put_item()
            .table_name(store.table())
            .set_item(Some(item))
            .send()
            .await
            .expect("moto stores the record");
    }
}

fn sample_pairs() -> Vec<PairRecord> {
    let now = SystemClock.now();
    vec![
        issued_at(events_record(), now),
        issued_at(step_events_record(), now),
    ]
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
    let store =
        DynamoStore::from_env(env_value("Parameters", "TABLE_NAME"), Default::default()).await;
    store.create_table().await.expect("moto creates the table");
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
    ))
    .expect("an iDenfy client");
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
    store
        .client()
        .delete_item()
        .table_name(store.table())
        .key(
            "clientId",
            aws_sdk_dynamodb::types::AttributeValue::S(EVENTS_CLIENT_ID.to_owned()),
        )
        .send()
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

/// `sam local start-api`, stopped on drop: SIGINT first, on which SAM removes the containers
/// it started; SIGKILL if it has not ended 20 s later.
struct StartApi(Child);

impl Drop for StartApi {
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .args(["-INT", &self.0.id().to_string()])
            .status();
        let deadline = Instant::now() + Duration::from_secs(20);
        while Instant::now() < deadline {
            if matches!(self.0.try_wait(), Ok(Some(_))) {
                return;
            }
            std::thread::sleep(Duration::from_millis(200));
        }
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

async fn start_api_routes(sam: &Sam, report: &mut Report) {
    let port = integration_tests::free_port();
    let log = repo().join(".tmp/sam-local-start-api.log");
    let mut command = sam.command("start-api");
    command
        .args(["--host", "127.0.0.1", "--port", &port.to_string()])
        .arg("--disable-authorizer")
        .stdout(Stdio::from(
            std::fs::File::create(&log).expect("a log file"),
        ))
        .stderr(Stdio::from(
            std::fs::File::create(log.with_extension("err.log")).expect("a log file"),
        ));
    let _api = StartApi(command.spawn().expect("sam local start-api starts"));
    let base = format!("http://127.0.0.1:{port}");
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(60))
        .build()
        .expect("a client");
    let deadline = Instant::now() + Duration::from_secs(120);
    while tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .is_err()
    {
        assert!(
            Instant::now() < deadline,
            "sam local start-api did not listen within 120 s; see {}",
            log.display()
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
    }

    let issue = event_request("issue-tokens", "issue-valid");
    let answer = http
        .post(format!("{base}/verifications"))
        .header("content-type", "application/json")
        .body(issue.body)
        .send()
        .await;
    let client_id = EVENTS_CLIENT_ID;
    route_line(report, "start-api POST /verifications", 201, answer).await;
    let answer = http
        .get(format!("{base}/verifications/{client_id}"))
        .send()
        .await;
    route_line(
        report,
        &format!("start-api GET /verifications/{client_id}"),
        200,
        answer,
    )
    .await;
    put_for_callback().await;
    let webhook = event_request("idenfy-callback", "identity-final");
    let mut request = http
        .post(format!("{base}/webhooks/idenfy"))
        .body(webhook.body);
    for (name, value) in webhook.headers {
        request = request.header(name, value);
    }
    route_line(
        report,
        "start-api POST /webhooks/idenfy",
        200,
        request.send().await,
    )
    .await;
}

/// The identity-final event's pair in place of the one start-api just issued.
async fn put_for_callback() {
    let store =
        DynamoStore::from_env(env_value("Parameters", "TABLE_NAME"), Default::default()).await;
    put(&store, &sample_pairs()).await;
}

async fn route_line(
    report: &mut Report,
    what: &str,
    expected: u16,
    answer: Result<reqwest::Response, reqwest::Error>,
) {
    match answer {
        Ok(response) => {
            let status = response.status().as_u16();
            let body = response.text().await.unwrap_or_default();
            let code = serde_json::from_str::<Value>(&body)
                .ok()
                .and_then(|b| {
                    b["code"]
                        .as_str()
                        .or(b["result"].as_str())
                        .map(str::to_owned)
                })
                .unwrap_or_default();
            report.line(
                what,
                &expected.to_string(),
                &format!("{status} {code}"),
                status == expected,
            );
        }
        Err(error) => report.line(what, &expected.to_string(), &error.to_string(), false),
    }
}

/// An HTTP API event's body and the headers worth sending again.
struct EventRequest {
    body: Vec<u8>,
    headers: Vec<(String, String)>,
}

fn event_request(function: &str, name: &str) -> EventRequest {
    let event: Value = serde_json::from_str(&events::text(function, name)).expect("JSON");
    let text = event["body"].as_str().unwrap_or_default();
    let body = if event["isBase64Encoded"].as_bool() == Some(true) {
        use base64::Engine as _;
        base64::engine::general_purpose::STANDARD
            .decode(text)
            .expect("base64")
    } else {
        text.as_bytes().to_vec()
    };
    let headers = event["headers"]
        .as_object()
        .map(|headers| {
            headers
                .iter()
                .filter(|(name, _)| {
                    name.as_str() == "content-type"
                        || name.as_str() == shared::idenfy::webhook::SIGNATURE_HEADER
                        || name.as_str() == shared::idenfy::webhook::EVENT_TYPE_HEADER
                })
                .filter_map(|(name, value)| Some((name.clone(), value.as_str()?.to_owned())))
                .collect()
        })
        .unwrap_or_default();
    EventRequest { body, headers }
}
