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
        if journey.shows_pending_first() {
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
                if journey.shows_pending_first()
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

#[tokio::test]
async fn the_simulator_answers_like_idenfys_token_api() {
    use shared::idenfy::{
        IdenfyClient, IdenfyClientConfig, IdenfyError, TokenIssuer, TokenRequest, TokenType,
    };
    let running = local::start(config(StoreChoice::Memory))
        .await
        .expect("the local stack starts");
    let simulator = running.simulator_url.clone().expect("simulator on");
    let defaults = LocalConfig::default();

    let client = IdenfyClient::new(IdenfyClientConfig::new(
        &simulator,
        &defaults.api_key,
        &defaults.api_secret,
    ))
    .unwrap();
    let token = client
        .create_token(&TokenRequest::new("USER_1", TokenType::Document))
        .await
        .expect("201 with a token");
    assert_eq!(token.auth_token.len(), 40);
    let page = reqwest::get(client.redirect_url(&token.auth_token))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains(r#"data-kind="document""#), "{page}");

    let wrong = IdenfyClient::new(IdenfyClientConfig::new(&simulator, "key", "wrong")).unwrap();
    match wrong
        .create_token(&TokenRequest::new("USER_1", TokenType::Document))
        .await
    {
        Err(IdenfyError::Unauthorized(upstream)) => {
            assert_eq!(upstream.identifier, None);
            assert_eq!(upstream.message, "Invalid authorization credentials");
        }
        other => panic!("expected 401, got {other:?}"),
    }

    let http = reqwest::Client::new();
    let raw = |body: &'static str| {
        http.post(format!("{simulator}/api/v2/token"))
            .basic_auth(&defaults.api_key, Some(&defaults.api_secret))
            .header("content-type", "application/json")
            .body(body)
            .send()
    };
    for (body, identifier) in [
        (
            r#"{"clientId": "USER_1", "expiryTime": 9999999}"#,
            "BAD_VALUE",
        ),
        (r#"{"clientId": "USER_1", "sessionLength": 5}"#, "BAD_VALUE"),
        (r#"{"tokenType": "DOCUMENT"}"#, "MISSING_VALUE"),
        (r#"{"clientId": "#, "JSON_ERROR"),
    ] {
        let response = raw(body).await.unwrap();
        assert_eq!(response.status().as_u16(), 400, "{body}");
        let error: serde_json::Value = response.json().await.unwrap();
        assert_eq!(error["identifier"], identifier, "{body}");
        assert!(error["message"].as_str().is_some_and(|m| !m.is_empty()));
    }
    running.stop();
}
