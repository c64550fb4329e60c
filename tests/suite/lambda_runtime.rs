//! Both functions through the real Lambda runtime API: `cargo lambda watch -A 127.0.0.1`
//! serving them against moto_server, and `cargo lambda invoke --data-file events/…` — the
//! same event files `sam local invoke -e` takes.

use integration_tests::callbacks::{TEST_DOCUMENT_HASH_KEY, TEST_SIGNING_KEY, events_record};
use integration_tests::{IdenfyStub, free_port, moto_table};
use pair_core::clock::{Clock, SystemClock};
use pair_core::pair::{ClientId, Outcome};
use pair_core::ports::store::{Expected, PairReader, SeedStore};
use serde_json::Value;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// `cargo lambda watch` in its own process group, stopped with everything it started.
struct Watch(Child);

impl Drop for Watch {
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .args(["-TERM", "--", &format!("-{}", self.0.id())])
            .status();
        let _ = self.0.wait();
    }
}

/// Where a watcher's output (the function's logs included) goes.
fn log_file(name: &str) -> PathBuf {
    let dir = workspace().join(".tmp");
    std::fs::create_dir_all(&dir).expect("the .tmp folder");
    dir.join(format!("{name}-{}.log", pair_core::pair::new_id()))
}

fn watch(package: &str, port: u16, env: &[String], log: &Path) -> Watch {
    let output = std::fs::File::create(log).expect("a log file");
    let mut command = Command::new("cargo");
    command
        .process_group(0)
        .args([
            "lambda",
            "watch",
            "--invoke-address",
            "127.0.0.1",
            "--invoke-port",
        ])
        .arg(port.to_string())
        .args(["--package", package, "--ignore-changes"])
        .current_dir(workspace())
        .stdout(Stdio::from(output.try_clone().expect("the log file")))
        .stderr(Stdio::from(output));
    for variable in env {
        command.arg("--env-var").arg(variable);
    }
    Watch(command.spawn().expect("cargo lambda watch starts"))
}

/// An invocation that gets no answer in this long failed: a function that cannot start (its
/// configuration refused, see the watcher's log) leaves `cargo lambda invoke` waiting for ever.
const INVOKE_TIMEOUT: Duration = Duration::from_secs(300);

fn invoke(port: u16, function: &str, event: &str) -> Value {
    let mut command = Command::new("cargo");
    command
        .args([
            "lambda",
            "invoke",
            function,
            "--invoke-address",
            "127.0.0.1",
            "--invoke-port",
        ])
        .arg(port.to_string())
        .arg("--data-file")
        .arg(workspace().join("events").join(event))
        .args(["--output-format", "json"])
        .current_dir(workspace());
    let (sender, answer) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = sender.send(command.output());
    });
    let output = answer
        .recv_timeout(INVOKE_TIMEOUT)
        .unwrap_or_else(|_| {
            panic!(
                "cargo lambda invoke {function} {event}: no answer in {INVOKE_TIMEOUT:?} \
                 (did the function start? see its watcher's log under target/)"
            )
        })
        .expect("cargo lambda invoke runs");
    assert!(
        output.status.success(),
        "cargo lambda invoke {function} {event}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
        panic!(
            "{function}: not JSON ({e}): {}",
            String::from_utf8_lossy(&output.stdout)
        )
    })
}

fn body(response: &Value) -> Value {
    serde_json::from_str(response["body"].as_str().unwrap_or("null")).unwrap_or(Value::Null)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn both_functions_through_cargo_lambda_against_moto_server() {
    let available = Command::new("cargo").args(["lambda", "--version"]).output();
    assert!(
        available.is_ok_and(|o| o.status.success()),
        "cargo-lambda is needed: `make venv` installs it into .venv (tools/requirements.txt), \
         and `make test` puts .venv/bin on PATH"
    );
    let table = moto_table().await;
    let ledger = integration_tests::moto_ledger(&table).await;
    let stub = IdenfyStub::minting().await;
    let env = [
        format!("TABLE_NAME={}", table.store.table()),
        format!("LEDGER_TABLE_NAME={}", ledger.table()),
        format!("IDENFY_BASE_URL={}", stub.uri()),
        "IDENFY_API_KEY=test-key".to_owned(),
        "IDENFY_API_SECRET=test-secret".to_owned(),
        format!(
            "CONTINUATION_KEYS={}",
            integration_tests::TEST_CONTINUATION_KEY
        ),
        "ALLOWED_REDIRECT_ORIGINS=https://shop.example.com".to_owned(),
        format!("IDENFY_SIGNING_KEYS={TEST_SIGNING_KEY}"),
        format!("DOCUMENT_HASH_KEY={TEST_DOCUMENT_HASH_KEY}"),
        // As verbose as an operator can ask: the real binaries' filter still keeps the
        // runtime's raw events and the SDK's bodies out (checked at the end).
        "AWS_LAMBDA_LOG_LEVEL=TRACE".to_owned(),
    ];
    // One watcher per function: with `default-members` (for `cargo run`), cargo lambda
    // needs --package to find a binary outside it.
    let issue_port = free_port();
    let callback_port = free_port();
    let issue_log = log_file("issue-tokens");
    let callback_log = log_file("idenfy-callback");
    let issue_watch = watch("issue-tokens", issue_port, &env, &issue_log);
    let callback_watch = watch("idenfy-callback", callback_port, &env, &callback_log);
    for port in [issue_port, callback_port] {
        let deadline = Instant::now() + Duration::from_secs(120);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                Instant::now() < deadline,
                "cargo lambda watch did not listen on 127.0.0.1:{port}"
            );
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }

    // Issuance: the valid event reaches the iDenfy stub twice and records the pair.
    let issued = tokio::task::spawn_blocking(move || {
        invoke(issue_port, "issue-tokens", "issue-tokens/issue-valid.json")
    })
    .await
    .unwrap();
    assert_eq!(issued["statusCode"], 201, "{issued}");
    let issued_body = body(&issued);
    assert_eq!(issued_body["status"], "PENDING");
    assert_eq!(stub.token_requests().await.len(), 2);
    let client_id = ClientId::parse("USER_12345").unwrap();
    let record = table
        .store
        .load(&client_id)
        .await
        .unwrap()
        .expect("the pair is in the table");
    let pair = record.pair.clone().expect("a pair");
    assert_eq!(
        Some(pair.identity.scan_ref.as_str()),
        issued_body["identityScanRef"].as_str()
    );
    assert_eq!(pair.verdict, None);

    // Callbacks: the sample events belong to the events' own pair; put it in place, live now.
    let now = SystemClock.now();
    let mut seeded = events_record();
    seeded.version = record.version + 1;
    seeded.expires_at = now.plus(Duration::from_secs(86_400));
    table
        .store
        .save(&seeded, Expected::Version(record.version))
        .await
        .unwrap();
    for (event, decided) in [
        ("idenfy-callback/identity-final.json", false),
        ("idenfy-callback/document-final.json", true),
    ] {
        let response =
            tokio::task::spawn_blocking(move || invoke(callback_port, "idenfy-callback", event))
                .await
                .unwrap();
        assert_eq!(response["statusCode"], 200, "{event}: {response}");
        assert_eq!(body(&response)["decided"], decided, "{event}: {response}");
    }
    let refused = tokio::task::spawn_blocking(move || {
        invoke(
            callback_port,
            "idenfy-callback",
            "idenfy-callback/bad-signature.json",
        )
    })
    .await
    .unwrap();
    assert_eq!(refused["statusCode"], 401);

    let pair = table
        .store
        .load(&client_id)
        .await
        .unwrap()
        .unwrap()
        .pair
        .unwrap();
    assert_eq!(pair.results.len(), 2);
    assert_eq!(pair.verdict.map(|v| v.outcome), Some(Outcome::Verified));

    // Every sample webhook through the binary, then its TRACE logs searched for what the
    // bodies and headers carry: names, dates of birth, document numbers, file URLs, signatures.
    for name in crate::callback_events::event_names() {
        let event = format!("idenfy-callback/{name}.json");
        tokio::task::spawn_blocking(move || invoke(callback_port, "idenfy-callback", &event))
            .await
            .unwrap();
    }
    drop(callback_watch);
    drop(issue_watch);
    let logs = std::fs::read_to_string(&callback_log).unwrap_or_default()
        + &std::fs::read_to_string(&issue_log).unwrap_or_default();
    assert!(
        logs.contains("webhook verified and parsed"),
        "the callback logged below INFO (its DEBUG line is missing): {logs}"
    );
    for value in crate::callback_logs::values_never_logged() {
        assert!(!logs.contains(&value), "{value:?} is in the TRACE logs");
    }
    // The binary's counts, in CloudWatch's embedded metric format on its own lines.
    let counted: Vec<Value> = logs
        .lines()
        .filter_map(|line| serde_json::from_str::<Value>(line.trim()).ok())
        .filter(|document| document.get("_aws").is_some())
        .collect();
    assert!(
        counted.iter().any(|m| m["Verdicts"] == 1
            && m["Outcome"] == "VERIFIED"
            && m["Function"] == "idenfy-callback"),
        "no Verdicts metric in the callback's output: {counted:?}"
    );
    assert!(
        counted.iter().any(|m| m["RefusedSignatures"] == 1),
        "{counted:?}"
    );
    assert!(
        counted
            .iter()
            .any(|m| m["PairsIssued"] == 1 && m["Function"] == "issue-tokens"),
        "{counted:?}"
    );
    let _ = std::fs::remove_file(callback_log);
    let _ = std::fs::remove_file(issue_log);
    table.store.delete_table().await.unwrap();
    ledger.delete_table().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_notifier_through_cargo_lambda_with_the_sample_stream_events() {
    use wiremock::matchers::method;
    use wiremock::{Mock, MockServer, ResponseTemplate};
    let site = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(204))
        .mount(&site)
        .await;
    let env = [
        format!("SITE_WEBHOOK_URL={}/hooks", site.uri()),
        "SITE_WEBHOOK_SECRETS=whsec_aWRlbmZ5LXBhaXItdGVzdC1zaXRlLXNlY3JldC1uZXc=".to_owned(),
    ];
    let port = free_port();
    let log = log_file("notify-decisions");
    let _watch = watch("notify-decisions", port, &env, &log);
    let deadline = Instant::now() + Duration::from_secs(120);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            Instant::now() < deadline,
            "cargo lambda watch did not listen"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    for event in ["decided", "not-a-decision", "revised"] {
        let response = tokio::task::spawn_blocking(move || {
            invoke(
                port,
                "notify-decisions",
                &format!("notify-decisions/{event}.json"),
            )
        })
        .await
        .unwrap();
        assert_eq!(
            response["batchItemFailures"],
            serde_json::json!([]),
            "{event}: {response}"
        );
    }
    let ids: Vec<String> = site
        .received_requests()
        .await
        .unwrap_or_default()
        .iter()
        .filter_map(|r| {
            r.headers
                .get("webhook-id")?
                .to_str()
                .ok()
                .map(str::to_owned)
        })
        .collect();
    assert_eq!(
        ids,
        vec![
            "msg_5f0c2b9e4a7d13c8e6b1f2a0_v1",
            "msg_5f0c2b9e4a7d13c8e6b1f2a0_v2"
        ]
    );
    // The binary counts each delivery (EMF, from its main).
    let output = std::fs::read_to_string(&log).unwrap_or_default();
    let delivered = output
        .lines()
        .filter_map(|line| serde_json::from_str::<Value>(line.trim()).ok())
        .filter(|m| m["Notifications"] == 1 && m["Function"] == "notify-decisions")
        .count();
    assert_eq!(delivered, 2, "{output}");
    let _ = std::fs::remove_file(log);
}
