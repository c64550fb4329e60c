//! `make bench`: figures anyone can reproduce, written to bench/results.json.
//!
//! - Cold start: each function's release binary and the floor started BENCH_COLD_STARTS (50)
//!   times, in interleaved rounds, under our Lambda Runtime API emulator against moto_server:
//!   exec → first `/next` poll (init), exec → first response, peak RSS (VmHWM).
//! - The callback's CPU path: verify + parse + decide on the sample identity callback,
//!   timed per call (p50, p99) and with criterion (median).
//! - Load and race: BENCH_PAIRS (10 000) pairs, 20 % duplicate deliveries, preliminaries,
//!   shuffled, through BENCH_PROCESSES (16) callback processes against moto_server beside the
//!   Node.js peer, and through the handler, 64 at once, on the embedded store.

mod counting_proxy;
mod cpu_path;
mod issuance;
mod load;
mod notifier;
mod pool;
mod report;
mod runtime_api;

use integration_tests::callbacks::{TEST_DOCUMENT_HASH_KEY, TEST_SIGNING_KEY, events_record};
use pair_core::clock::{Clock, SystemClock};
use pair_core::ports::store::{Expected, SeedStore};
use runtime_api::Emulator;
use serde_json::{Value, json};

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};
mod cold_start;
use cold_start::{ColdStart, cold_starts, machine};
use pair_app::config::MAX_PAIRS_PER_DAY;

/// Runs of the embedded-store load; the median one is reported.
const EMBEDDED_RUNS: usize = 5;

pub(crate) fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

pub(crate) fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let rank = ((p / 100.0) * (sorted.len() - 1) as f64).round() as usize;
    sorted[rank.min(sorted.len() - 1)]
}

/// A progress line on stderr: what finished, and how long it took.
pub(crate) fn progress(what: &str, started: Instant) {
    eprintln!("bench: {what} in {:.1} s", started.elapsed().as_secs_f64());
}

pub(crate) fn round(value: f64) -> f64 {
    (value * 100.0).round() / 100.0
}

/// The clientId of `events/issue-tokens/issue-restart.json`, issued on every cold start.
const ISSUANCE_CLIENT_ID: &str = "USER_20002";
/// The event every callback cold start answers (the floor's too).
const CALLBACK_EVENT: &str = "idenfy-callback/identity-final.json";

async fn run() -> Result<Value, String> {
    if std::env::var_os("AWS_ENDPOINT_URL_DYNAMODB").is_none() {
        return Err(
            "AWS_ENDPOINT_URL_DYNAMODB is not set: run `make bench`, which starts moto_server"
                .into(),
        );
    }
    let runs: usize = std::env::var("BENCH_COLD_STARTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(50);
    if u64::try_from(runs).unwrap_or(u64::MAX) > MAX_PAIRS_PER_DAY {
        return Err(format!(
            "BENCH_COLD_STARTS is at most {MAX_PAIRS_PER_DAY}: each issue-tokens start issues a pair for one clientId, which may have {MAX_PAIRS_PER_DAY} a day"
        ));
    }
    let release = std::env::current_exe()
        .map_err(|e| e.to_string())?
        .parent()
        .ok_or("no target dir")?
        .to_path_buf();

    let table = integration_tests::moto_table().await;
    let ledger = integration_tests::moto_ledger(&table).await;
    let store = table.store;
    let mut pair = events_record();
    pair.expires_at = SystemClock.now().plus(Duration::from_secs(86_400));
    store
        .save(&pair, Expected::Absent)
        .await
        .map_err(|e| e.to_string())?;

    // The functions read their keys from Secrets Manager as deployed (SECRET_ID, one secret
    // per role), so each cold first response below includes that read.
    let secrets = integration_tests::moto_secrets().await;
    let run_id = pair_core::pair::new_id();
    let mut secret_names = Vec::new();
    for (role, secret) in [
        (
            "callback",
            json!({"signingKeys": TEST_SIGNING_KEY, "documentHashKey": TEST_DOCUMENT_HASH_KEY}),
        ),
        (
            "idenfy-api",
            json!({"apiKey": "bench", "apiSecret": "bench",
                   "continuationKeys": "bench-continuation-key-0123456789abcdef"}),
        ),
        (
            "site-webhook",
            json!({"siteWebhookSecrets": notifier::SECRET}),
        ),
    ] {
        let name = format!("idenfy-pair-bench/{run_id}/{role}");
        integration_tests::create_secret(&secrets, &name, &secret.to_string()).await;
        secret_names.push(name);
    }
    let moto = std::env::var("AWS_ENDPOINT_URL_DYNAMODB").unwrap_or_default();
    let env: Vec<(String, String)> = [
        ("TABLE_NAME", store.table().to_owned()),
        ("LEDGER_TABLE_NAME", ledger.table().to_owned()),
        // The callback's own secret; issuance and the notifier get theirs below.
        ("SECRET_ID", secret_names[0].clone()),
        ("AWS_ENDPOINT_URL", moto),
        ("AWS_LAMBDA_FUNCTION_NAME", "bench".into()),
        ("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128".into()),
        ("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST".into()),
        ("AWS_LAMBDA_LOG_GROUP_NAME", "/aws/lambda/bench".into()),
        ("AWS_LAMBDA_LOG_STREAM_NAME", "bench".into()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect();

    // Issuance in full: the secret read, two token calls to an iDenfy that mints tokens, the
    // writes. A restart issues a fresh pair on every run.
    let idenfy = integration_tests::IdenfyStub::minting().await;
    let issue_env = [
        ("IDENFY_BASE_URL", idenfy.uri()),
        (
            "ALLOWED_REDIRECT_ORIGINS",
            integration_tests::SHOP.to_owned(),
        ),
        ("CALLBACK_URL", integration_tests::CALLBACK_URL.to_owned()),
        // Every run restarts the same clientId: the daily cap must not stop the runs.
        (
            "MAX_PAIRS_PER_CLIENT_PER_DAY",
            MAX_PAIRS_PER_DAY.to_string(),
        ),
    ]
    .iter()
    .fold(
        load::with_var(&env, "SECRET_ID", &secret_names[1]),
        |env, (name, value)| load::with_var(&env, name, value),
    );
    // The notifier: a decision from the sample stream event, delivered to a site on this
    // machine that answers at once.
    let site = notifier::Site::start().await?;
    let notify_env = load::with_var(
        &load::with_var(&env, "SECRET_ID", &secret_names[2]),
        "SITE_WEBHOOK_URL",
        &site.url,
    );
    let program = |binary: &str, event_file, expected, env: &[(String, String)]| ColdStart {
        command: vec![release.join(binary)],
        event_file,
        expected,
        env: env.to_vec(),
        fresh_client: None,
    };
    let starts = cold_starts(
        &[
            program(
                "runtime-floor",
                CALLBACK_EVENT,
                ("floor", json!(true)),
                &env,
            ),
            ColdStart {
                fresh_client: Some((&store, ISSUANCE_CLIENT_ID)),
                ..program(
                    "issue-tokens",
                    "issue-tokens/issue-restart.json",
                    ("statusCode", json!(201)),
                    &issue_env,
                )
            },
            program(
                "idenfy-callback",
                CALLBACK_EVENT,
                ("statusCode", json!(200)),
                &env,
            ),
            program(
                "notify-decisions",
                "notify-decisions/decided.json",
                ("batchItemFailures", json!([])),
                &notify_env,
            ),
        ],
        runs,
    )
    .await?;
    let [floor, issue_tokens, callback, notify] =
        <[Value; 4]>::try_from(starts).map_err(|_| "four programs, four results")?;
    let mut cold_start = json!({
        "runtime-floor": floor,
        "issue-tokens": issue_tokens,
        "idenfy-callback": callback,
        "notify-decisions": notify,
    });
    if std::env::var("BENCH_ONLY").as_deref() == Ok("cold-start") {
        site.stop();
        let _ = store.delete_table().await;
        let _ = ledger.delete_table().await;
        delete_secrets(&secrets, &secret_names).await;
        return Ok(json!({ "machine": machine(), "cold_start": cold_start }));
    }
    let notify_per_record = notifier::per_record(&site.url, 2_000).await?;
    let issuance_round_trips = issuance::round_trips().await?;
    site.stop();
    // The peer answers the same webhook event under the same emulator, on a table of its own
    // (its records have the shape of the guide's JavaScript).
    let peer_table = integration_tests::moto_table().await.store;
    let peer_env = load::with_var(&env, "TABLE_NAME", peer_table.table());
    let peer = ColdStart {
        command: vec![
            PathBuf::from("node"),
            workspace().join("bench/peers/node-webhook/index.mjs"),
        ],
        event_file: CALLBACK_EVENT,
        expected: ("statusCode", json!(200)),
        env: peer_env,
        fresh_client: None,
    };
    cold_start["peer-node-webhook"] = cold_starts(std::slice::from_ref(&peer), runs)
        .await?
        .pop()
        .ok_or("no figures for the peer")?;
    let _ = peer_table.delete_table().await;
    let _ = store.delete_table().await;
    let _ = ledger.delete_table().await;
    let cpu_path = cpu_path::CpuPath::load()?;
    let mut cpu = cpu_path.timed(20_000)?;
    cpu["criterion_median_us"] = json!(round(cpu_path.criterion_median_us()?));

    let pairs: usize = std::env::var("BENCH_PAIRS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10_000);
    let plan = load::LoadPlan {
        pairs,
        concurrency: 64,
        duplicate_share: 0.2,
        preliminary_share: 0.25,
        revision_share: 0.05,
    };
    let processes: usize = std::env::var("BENCH_PROCESSES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(16);
    let on_moto = load::OnMoto {
        env: &env,
        plan: &plan,
        processes,
    };
    let callback_binary = release.join("idenfy-callback");
    let functions =
        load::on_fresh_table(async |store| on_moto.functions(&callback_binary, store).await)
            .await?;
    let peer_script = workspace().join("bench/peers/node-webhook/index.mjs");
    let peer_load =
        load::on_fresh_table(async |store| on_moto.peer(&peer_script, store).await).await?;
    // A run on the embedded store lasts a fraction of a second, so one run is mostly noise:
    // report the median of several, each on a fresh store.
    let mut embedded_runs = Vec::with_capacity(EMBEDDED_RUNS);
    for _ in 0..EMBEDDED_RUNS {
        embedded_runs.push(
            load::run_in_process(Arc::new(pair_adapters::store::MemoryStore::new()), &plan).await?,
        );
    }
    embedded_runs.sort_by(|a, b| {
        a["callbacks_per_second"]
            .as_f64()
            .unwrap_or(0.0)
            .total_cmp(&b["callbacks_per_second"].as_f64().unwrap_or(0.0))
    });
    let all_rates: Vec<Value> = embedded_runs
        .iter()
        .map(|run| run["callbacks_per_second"].clone())
        .collect();
    delete_secrets(&secrets, &secret_names).await;
    let mut embedded = embedded_runs.swap_remove(EMBEDDED_RUNS / 2);
    embedded["runs"] = json!(EMBEDDED_RUNS);
    embedded["callbacks_per_second_of_each_run"] = json!(all_rates);
    Ok(json!({
        "machine": machine(),
        "cold_start": cold_start,
        "callback_cpu_path": cpu,
        "notifier_per_record": notify_per_record,
        "issuance_round_trips": issuance_round_trips,
        "load": {
            "functions_on_moto": functions,
            "peer_on_moto": peer_load,
            "handler_in_process_embedded_store": embedded,
        },
    }))
}

#[tokio::main]
async fn main() -> ExitCode {
    match run().await {
        // `BENCH_ONLY=cold-start`: the cold starts' table alone, nothing written.
        Ok(results) if results.get("load").is_none() => {
            println!("{}", report::cold_start_table(&results));
            let missed = report::missed_targets(&results);
            if missed.is_empty() {
                ExitCode::SUCCESS
            } else {
                eprintln!("bench: cold start targets missed by {}", missed.join(", "));
                ExitCode::FAILURE
            }
        }
        Ok(results) => {
            let text = serde_json::to_string_pretty(&results).unwrap_or_default();
            let path = workspace().join("bench/results.json");
            if let Err(e) = std::fs::write(&path, format!("{text}\n")) {
                eprintln!("{}: {e}", path.display());
                return ExitCode::FAILURE;
            }
            let page_path = workspace().join("docs/benchmarks.md");
            let updated = std::fs::read_to_string(&page_path)
                .map_err(|e| e.to_string())
                .and_then(|page| report::update_page(&page, &results));
            match updated
                .and_then(|page| std::fs::write(&page_path, page).map_err(|e| e.to_string()))
            {
                Ok(()) => {
                    println!("{}", report::table(&results));
                    let missed = report::missed_targets(&results);
                    let trips = results["issuance_round_trips"]["round_trips"]
                        .as_f64()
                        .unwrap_or(f64::INFINITY);
                    if trips > issuance::TARGET_ROUND_TRIPS {
                        eprintln!(
                            "bench: an issuance waits for {trips} of iDenfy's round trips (target ≤ {})",
                            issuance::TARGET_ROUND_TRIPS
                        );
                        ExitCode::FAILURE
                    } else if missed.is_empty() {
                        ExitCode::SUCCESS
                    } else {
                        eprintln!(
                            "bench: cold start targets (init ≤ {} ms and ≤ {}× the floor's, median; peak RSS ≤ {} MB) missed by {}",
                            report::INIT_TARGET_MS,
                            report::INIT_TARGET_FLOORS,
                            report::RSS_TARGET_MB,
                            missed.join(", ")
                        );
                        ExitCode::FAILURE
                    }
                }
                Err(error) => {
                    eprintln!("docs/benchmarks.md: {error}");
                    ExitCode::FAILURE
                }
            }
        }
        Err(error) => {
            eprintln!("bench: {error}");
            ExitCode::FAILURE
        }
    }
}

async fn delete_secrets(secrets: &aws_sdk_secretsmanager::Client, names: &[String]) {
    for name in names {
        let _ = secrets
            .delete_secret()
            .secret_id(name)
            .force_delete_without_recovery(true)
            .send()
            .await;
    }
}
