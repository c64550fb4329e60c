//! The local stack: the seed's journeys over plain HTTP (embedded store and moto_server), in
//! headless Chromium, and the binary started the way the README says.

use integration_tests::browser::Browser;
use integration_tests::journeys::{journeys, run_over_http};
use local::{LocalConfig, StoreChoice};
use std::io::{BufRead, BufReader};
use std::os::unix::process::CommandExt;
use std::process::{Command, Stdio};
use std::time::Duration;

fn config(store: StoreChoice) -> LocalConfig {
    LocalConfig {
        port: 0,
        simulator_port: Some(0),
        store,
        final_delay: Duration::from_millis(1200),
        ..LocalConfig::default()
    }
}

async fn all_journeys_over_http(store: StoreChoice) {
    let running = local::start(config(store))
        .await
        .expect("the local stack starts");
    for journey in journeys() {
        let seen = run_over_http(&running.site_url, &journey)
            .await
            .unwrap_or_else(|e| panic!("{}: {e}", journey.name));
        if journey.name == "preliminary-then-final" {
            assert_eq!(
                seen.first().map(String::as_str),
                Some("PENDING"),
                "the final page waited: {seen:?}"
            );
        }
    }
    running.stop();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn journeys_over_http_with_the_embedded_store() {
    all_journeys_over_http(StoreChoice::Memory).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn journeys_over_http_with_dynamodb() {
    // The same DynamoDB API the rest of the suite uses (make test starts moto_server).
    let table = integration_tests::moto_table().await;
    let name = table.store.table().to_owned();
    table.store.delete_table().await.expect("a clean slate");
    all_journeys_over_http(StoreChoice::DynamoDb { table: name }).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn journeys_in_a_real_browser() {
    let running = local::start(config(StoreChoice::Memory))
        .await
        .expect("the local stack starts");
    let browser = Browser::start().await;
    let mut failures = Vec::new();
    for journey in journeys() {
        match browser.run_journey(&running.site_url, &journey).await {
            Ok(seen) => {
                if journey.name == "preliminary-then-final"
                    && seen.first().map(String::as_str) != Some("PENDING")
                {
                    failures.push(format!("{}: never showed PENDING: {seen:?}", journey.name));
                }
            }
            Err(error) => {
                let shot = browser
                    .screenshot(&format!("journey-{}", journey.name))
                    .await;
                failures.push(format!("{}: {error} (screenshot: {shot:?})", journey.name));
            }
        }
    }
    browser.quit().await;
    running.stop();
    assert!(failures.is_empty(), "{failures:#?}");
}

#[tokio::test]
async fn cargo_run_prints_the_url_of_the_start_page() {
    let workspace = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    // Its own process group, so that the stack cargo starts goes down with it.
    let mut child = Command::new(env!("CARGO"))
        .process_group(0)
        .args([
            "run",
            "--quiet",
            "--",
            "--port",
            "0",
            "--simulator-port",
            "0",
        ])
        .current_dir(&workspace)
        .env_remove("AWS_ENDPOINT_URL_DYNAMODB")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("cargo run starts");
    let stdout = child.stdout.take().expect("stdout");
    let line = tokio::task::spawn_blocking(move || {
        let mut line = String::new();
        BufReader::new(stdout).read_line(&mut line).map(|_| line)
    });
    let line = tokio::time::timeout(Duration::from_secs(300), line).await;
    let result = async {
        let line = line
            .map_err(|_| "no line within 300 s".to_owned())?
            .map_err(|e| e.to_string())?
            .map_err(|e| e.to_string())?;
        let url = line
            .trim()
            .strip_prefix("idenfy-pair local stack: open ")
            .ok_or_else(|| format!("unexpected first line {line:?}"))?
            .to_owned();
        if !url.starts_with("http://127.0.0.1:") {
            return Err(format!("not on 127.0.0.1: {url}"));
        }
        let page = reqwest::get(&url)
            .await
            .map_err(|e| e.to_string())?
            .text()
            .await
            .map_err(|e| e.to_string())?;
        if !page.contains("Verify your identity") || !page.contains(r#"id="clientId""#) {
            return Err(format!("not the start page: {page}"));
        }
        Ok::<_, String>(())
    }
    .await;
    let _ = Command::new("kill")
        .args(["-TERM", "--", &format!("-{}", child.id())])
        .status();
    let _ = child.wait();
    result.unwrap();
}
