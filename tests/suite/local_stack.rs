//! The local stack: the guide's journeys over plain HTTP (embedded store and moto_server), in
//! headless Chromium, and the binary started the way the README and docs/local.md say.

use integration_tests::browser::Browser;
use integration_tests::journeys::{
    earlier_of, expiration_notice_over_http, journeys, reasons_of, review_again_over_http,
    run_over_http, status_of,
};
use local::{LocalConfig, StoreChoice};
use serde_json::Value;
use std::io::{BufRead, BufReader};
use std::os::unix::process::CommandExt;
use std::process::{Command, Stdio};
use std::time::Duration;
mod expiry;
use expiry::notifications_received;
mod reviewer;
mod simulator;

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
            .unwrap_or_else(|e| panic!("{}: {e}", journey.name))
            .statuses;
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

/// A table name the stack creates for itself on the DynamoDB API the rest of the suite uses
/// (make test starts moto_server).
async fn fresh_dynamodb() -> StoreChoice {
    let table = integration_tests::moto_table().await;
    let name = table.store.table().to_owned();
    table.store.delete_table().await.expect("a clean slate");
    StoreChoice::DynamoDb {
        table: name,
        streams_endpoint: std::env::var("AWS_ENDPOINT_URL_DYNAMODB").ok(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn journeys_over_http_with_dynamodb() {
    all_journeys_over_http(fresh_dynamodb().await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn journeys_in_a_real_browser() {
    let running = local::start(config(StoreChoice::Memory))
        .await
        .expect("the local stack starts");
    let browser = Browser::start().await;
    let mut failures = Vec::new();
    let http = integration_tests::http();
    for journey in journeys() {
        match browser.run_journey(&running.site_url, &journey).await {
            Ok(ran) => {
                // A two-session journey goes from the first session to the second through the
                // API's continuation, which records the arrival.
                let status: Value = http
                    .get(format!(
                        "{}verifications/{}",
                        running.site_url, ran.client_id
                    ))
                    .send()
                    .await
                    .expect("an answer")
                    .json()
                    .await
                    .expect("JSON");
                let continued = status["continuedAt"].is_string();
                if continued != (journey.mode == "twoSessions") {
                    failures.push(format!(
                        "{}: continuedAt {:?} in {status}",
                        journey.name, status["continuedAt"]
                    ));
                }
                let seen = ran.statuses;
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

/// The stack's default permit policy goes through the functions' own parser; with one
/// accepted country the permit's session preselects it (the simulator's page offers it), and
/// each pair is decided by the policy it was issued with.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_default_permit_policy_reaches_the_pairs() {
    let refused = local::start(LocalConfig {
        permit_issuing_countries: Some("DE;AT".into()),
        ..config(StoreChoice::Memory)
    })
    .await
    .err()
    .expect("a list that is not alpha-2 codes is refused");
    assert!(
        refused.to_string().contains("PERMIT_ISSUING_COUNTRIES"),
        "{refused}"
    );
    let running = local::start(LocalConfig {
        permit_issuing_countries: Some("AT".into()),
        permit_min_valid_days: Some("30".into()),
        ..config(StoreChoice::Memory)
    })
    .await
    .expect("the local stack starts");
    let preselected = run_over_http(&running.site_url, &matching())
        .await
        .expect("the preselected country's permit: VERIFIED");
    let shown: Value = integration_tests::http()
        .get(format!(
            "{}verifications/{}",
            running.site_url, preselected.client_id
        ))
        .send()
        .await
        .expect("the status route answers")
        .json()
        .await
        .expect("JSON");
    assert_eq!(
        shown["permitPolicy"],
        serde_json::json!({"issuingCountries": ["AT"], "minValidDays": 30})
    );
    let mut lithuanian = matching();
    lithuanian.name = "permit-of-another-country";
    if let Some(document) = lithuanian.document.as_mut() {
        document.facts = &[("issuingCountry", "LT")];
    }
    lithuanian.expected_status = "REQUIRES_REVIEW";
    lithuanian.expected_reasons = &["PERMIT_COUNTRY_NOT_ACCEPTED"];
    run_over_http(&running.site_url, &lithuanian)
        .await
        .expect("another country's permit: review");
    running.stop();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_local_stack_serves_the_http_contract() {
    let running = local::start(config(StoreChoice::Memory))
        .await
        .expect("the local stack starts");
    let response = integration_tests::http()
        .get(format!("{}openapi.yaml", running.site_url))
        .send()
        .await
        .expect("an answer");
    assert_eq!(response.status(), 200);
    assert_eq!(
        response.headers().get("content-type").map(|v| v.as_bytes()),
        Some(&b"application/yaml"[..])
    );
    let served = response.text().await.expect("its text");
    let file = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/openapi.yaml"),
    )
    .expect("docs/openapi.yaml");
    assert_eq!(served, file);
    running.stop();
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
        let page = integration_tests::http()
            .get(&url)
            .send()
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

/// The "matching" journey to VERIFIED, then iDenfy reviews the identity session again: to
/// DENIED (REJECTED), back to APPROVED (the result seen first: nothing changes), to SUSPECTED
/// (more lenient than REJECTED: REQUIRES_REVIEW). The final page shows the earlier outcomes.
fn matching() -> integration_tests::journeys::Journey {
    journeys()
        .into_iter()
        .find(|j| j.name == "matching")
        .expect("the matching journey")
}

fn additional_step_uploaded() -> integration_tests::journeys::Journey {
    journeys()
        .into_iter()
        .find(|j| j.name == "additional-step-uploaded")
        .expect("the additional-step journey")
}

/// A verified pair whose permit ends within the warning window: the site's final page offers
/// the renewal, the person goes through one DOCUMENT session only (no selfie, no ID), and the
/// page shows the pair still VERIFIED, on the new permit's end.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_permit_near_its_end_is_renewed_in_a_real_browser() {
    let running = local::start(config(StoreChoice::Memory))
        .await
        .expect("the local stack starts");
    let browser = Browser::start().await;
    // The permit ends in ten days (today by the machine's clock, as the stack's); the ID later.
    let soon = pair_core::clock::Clock::now(&pair_core::clock::SystemClock)
        .plus(Duration::from_secs(10 * 86_400));
    let soon = pair_core::pair::dates::format(pair_core::pair::dates::day_of(soon));
    let soon: &'static str = Box::leak(soon.into_boxed_str());
    let facts: &'static [(&'static str, &'static str)] =
        Box::leak(vec![("docExpiry", soon)].into_boxed_slice());
    let journey = integration_tests::journeys::two_sessions(
        "renewal",
        integration_tests::journeys::SessionInput {
            facts: &[("docExpiry", "2036-01-31")],
            ..integration_tests::journeys::id_card()
        },
        integration_tests::journeys::SessionInput {
            facts,
            ..integration_tests::journeys::permit()
        },
        "VERIFIED",
        &[],
    );
    let renewed = async {
        let ran = browser.run_journey(&running.site_url, &journey).await?;
        let validity = browser.attribute("#validity", "data-validity").await?;
        if validity != "EXPIRING" {
            return Err(format!("validity {validity} before the renewal"));
        }
        let new_permit = integration_tests::journeys::SessionInput {
            facts: &[("docExpiry", "2033-01-31")],
            ..integration_tests::journeys::permit()
        };
        browser.renew_permit(&ran, &journey, &new_permit).await?;
        let shown = (
            browser.attribute("#renewal", "data-status").await?,
            browser.text("#status").await?,
            browser.attribute("#validity", "data-validity").await?,
            browser.text("#validity").await?,
        );
        Ok::<_, String>((ran, shown))
    }
    .await;
    let outcome = match renewed {
        Ok(outcome) => Ok(outcome),
        Err(error) => Err(format!(
            "{error} (screenshot: {:?})",
            browser.screenshot("renewal").await
        )),
    };
    browser.quit().await;
    running.stop();
    let (_, (renewal, status, validity, text)) = outcome.expect("the renewal went through");
    assert_eq!(
        (renewal.as_str(), status.as_str(), validity.as_str()),
        ("DECIDED", "VERIFIED", "VALID")
    );
    assert!(text.contains("2033-01-31"), "{text}");
}
