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
    let http = reqwest::Client::new();
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
    let shown: Value = reqwest::get(format!(
        "{}verifications/{}",
        running.site_url, preselected.client_id
    ))
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

/// The "matching" journey to VERIFIED, then iDenfy reviews the identity session again: to
/// DENIED (REJECTED), back to APPROVED (the result seen first: nothing changes), to SUSPECTED
/// (more lenient than REJECTED: REQUIRES_REVIEW). The final page shows the earlier outcomes.
fn matching() -> integration_tests::journeys::Journey {
    journeys()
        .into_iter()
        .find(|j| j.name == "matching")
        .expect("the matching journey")
}

async fn review_again_over_http_on(store: StoreChoice) {
    let running = local::start(config(store.clone()))
        .await
        .expect("the local stack starts");
    let ran = run_over_http(&running.site_url, &matching())
        .await
        .expect("VERIFIED first");
    let page = review_again_over_http(&ran, "identity", "DENIED")
        .await
        .expect("reviewed again");
    assert_eq!(status_of(&page.html).as_deref(), Ok("REJECTED"));
    assert_eq!(reasons_of(&page.html), vec!["IDENTITY_DENIED"]);
    assert_eq!(earlier_of(&page.html), vec!["VERIFIED"]);
    // Back to APPROVED with the very data sent first: a body seen before changes nothing.
    let page = review_again_over_http(&ran, "identity", "APPROVED")
        .await
        .expect("reviewed again");
    assert_eq!(status_of(&page.html).as_deref(), Ok("REJECTED"));
    assert_eq!(earlier_of(&page.html), vec!["VERIFIED"]);
    // SUSPECTED: more lenient than REJECTED, so a person decides.
    let page = review_again_over_http(&ran, "identity", "SUSPECTED")
        .await
        .expect("reviewed again");
    assert_eq!(status_of(&page.html).as_deref(), Ok("REQUIRES_REVIEW"));
    assert_eq!(
        reasons_of(&page.html),
        vec!["IDENTITY_SUSPECTED", "RESULT_REVISED"]
    );
    assert_eq!(earlier_of(&page.html), vec!["REJECTED", "VERIFIED"]);
    // The notifier runs beside the callbacks, fed by the embedded store's change feed or by
    // the table's stream (DynamoDB Streams API): the site received each decision once, signed,
    // and its final page lists them.
    let notified = notifications_received(&running.site_url, &ran.client_id, 3).await;
    let seen: Vec<(&str, &str, u64)> = notified
        .iter()
        .map(|n| {
            (
                n["type"].as_str().unwrap_or_default(),
                n["status"].as_str().unwrap_or_default(),
                n["version"].as_u64().unwrap_or_default(),
            )
        })
        .collect();
    assert_eq!(
        seen,
        vec![
            ("verification.decided", "VERIFIED", 1),
            ("verification.revised", "REJECTED", 2),
            ("verification.revised", "REQUIRES_REVIEW", 3),
        ]
    );
    let page = reqwest::get(&ran.final_url)
        .await
        .expect("the final page")
        .text()
        .await
        .expect("its text");
    assert!(
        page.contains(r#"id="notifications" data-count="3""#),
        "{page}"
    );
    running.stop();
}

/// What the local site's receiver accepted for `client_id`, once it holds `count` messages
/// (the notifier runs beside the callbacks, a moment later).
async fn notifications_received(site_url: &str, client_id: &str, count: usize) -> Vec<Value> {
    let url = format!("{site_url}notifications/{client_id}");
    for _ in 0..100 {
        let list: Vec<Value> = reqwest::get(&url)
            .await
            .expect("the receiver answers")
            .json()
            .await
            .expect("a JSON list");
        if list.len() >= count {
            return list;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("fewer than {count} notifications reached the site within 10 s");
}

/// A verified pair's end on the site's final page; iDenfy's expiration notice sent from the
/// simulator's dashboard makes it EXPIRED there, and the notifier tells the site once.
async fn an_expiration_notice_reaches_the_site_on(store: StoreChoice) {
    let running = local::start(config(store))
        .await
        .expect("the local stack starts");
    let ran = run_over_http(&running.site_url, &matching())
        .await
        .expect("VERIFIED first");
    let page = reqwest::get(&ran.final_url)
        .await
        .expect("the final page")
        .text()
        .await
        .expect("its text");
    // The simulator's sample documents expire 2031-04-30.
    assert!(
        page.contains(r#"data-validity="VALID">Valid until 2031-04-30"#),
        "{page}"
    );
    let page = expiration_notice_over_http(&ran, "document", "DOCUMENT_EXPIRED")
        .await
        .expect("the notice sent");
    assert_eq!(status_of(&page.html).as_deref(), Ok("VERIFIED"));
    assert!(
        page.html.contains(r#"data-validity="EXPIRED""#),
        "{}",
        page.html
    );
    let notified = notifications_received(&running.site_url, &ran.client_id, 2).await;
    let kinds: Vec<&str> = notified
        .iter()
        .map(|n| n["type"].as_str().unwrap_or_default())
        .collect();
    assert_eq!(kinds, ["verification.decided", "verification.expired"]);
    // The same notice again: recorded once, told once.
    expiration_notice_over_http(&ran, "document", "DOCUMENT_EXPIRED")
        .await
        .expect("sent again");
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(
        notifications_received(&running.site_url, &ran.client_id, 2)
            .await
            .len(),
        2
    );
    running.stop();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_expiration_notice_reaches_the_site_with_the_embedded_store() {
    an_expiration_notice_reaches_the_site_on(StoreChoice::Memory).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_expiration_notice_reaches_the_site_with_dynamodb() {
    an_expiration_notice_reaches_the_site_on(fresh_dynamodb().await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_local_stack_serves_the_http_contract() {
    let running = local::start(config(StoreChoice::Memory))
        .await
        .expect("the local stack starts");
    let response = reqwest::get(format!("{}openapi.yaml", running.site_url))
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn review_again_over_http_with_the_embedded_store() {
    review_again_over_http_on(StoreChoice::Memory).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn review_again_over_http_with_dynamodb() {
    review_again_over_http_on(fresh_dynamodb().await).await;
}

/// In Chromium, on the DynamoDB API: a review at iDenfy's dashboard, then — while the person
/// only looks at the final page — another one; the page shows it when the notification (read
/// from the table's stream) reaches the site, without a navigation by the test.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn review_again_in_a_real_browser() {
    let running = local::start(config(fresh_dynamodb().await))
        .await
        .expect("the local stack starts");
    let browser = Browser::start().await;
    let result = async {
        let ran = browser.run_journey(&running.site_url, &matching()).await?;
        if ran.statuses.last().map(String::as_str) != Some("VERIFIED") {
            return Err(format!("not VERIFIED first: {:?}", ran.statuses));
        }
        browser.review_again(&ran, "identity", "DENIED").await?;
        let status = browser.text("#status").await?;
        let earlier = browser.text("#earlier").await?;
        if status != "REJECTED" || !earlier.starts_with("VERIFIED") {
            return Err(format!("final page shows {status}, earlier {earlier:?}"));
        }
        review_again_over_http(&ran, "identity", "SUSPECTED").await?;
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        loop {
            // Errors while the page reloads itself count as "not yet".
            let count = browser.attribute("#notifications", "data-count").await;
            let status = browser.text("#status").await;
            if count.as_deref() == Ok("3") && status.as_deref() == Ok("REQUIRES_REVIEW") {
                return Ok(());
            }
            if std::time::Instant::now() > deadline {
                return Err(format!(
                    "the final page did not update: {count:?} notifications, status {status:?}"
                ));
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }
    .await;
    if result.is_err() {
        let shot = browser.screenshot("review-again").await;
        eprintln!("screenshot: {shot:?}");
    }
    browser.quit().await;
    running.stop();
    result.unwrap();
}

/// The simulator's redirects follow iDenfy's docs: successUrl when approved, errorUrl when the
/// verification failed, unverifiedUrl when the session was not analysed.
#[tokio::test]
async fn the_simulator_redirects_as_idenfy_documents() {
    use shared::idenfy::{IdenfyClient, IdenfyClientConfig, TokenRequest, TokenType};
    let running = local::start(config(StoreChoice::Memory))
        .await
        .expect("the local stack starts");
    let simulator = running.simulator_url.clone().expect("simulator on");
    let defaults = LocalConfig::default();
    let client = IdenfyClient::new(IdenfyClientConfig::new(
        &simulator,
        &defaults.api_key,
        defaults.api_secret.expose(),
    ))
    .unwrap();
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    for (outcome, ending, expected) in [
        ("APPROVED", "finished", "https://shop.example.com/success"),
        ("DENIED", "finished", "https://shop.example.com/error"),
        ("SUSPECTED", "finished", "https://shop.example.com/error"),
        ("EXPIRED", "finished", "https://shop.example.com/unverified"),
        ("APPROVED", "expired", "https://shop.example.com/unverified"),
        (
            "APPROVED",
            "cancelled",
            "https://shop.example.com/unverified",
        ),
    ] {
        let mut request = TokenRequest::new("USER_REDIRECTS", TokenType::Document);
        request.success_url = Some("https://shop.example.com/success".into());
        request.error_url = Some("https://shop.example.com/error".into());
        request.unverified_url = Some("https://shop.example.com/unverified".into());
        // No webhook receiver for this clientId matters here: it is ignored as unknown.
        let token = client
            .create_token(&request, integration_tests::soon())
            .await
            .unwrap();
        let form = url::form_urlencoded::Serializer::new(String::new())
            .append_pair("authToken", &token.auth_token)
            .append_pair("outcome", outcome)
            .append_pair("ending", ending)
            .append_pair("docType", "RESIDENCE_PERMIT")
            .finish();
        let response = http
            .post(format!("{simulator}/api/v2/redirect"))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(form)
            .send()
            .await
            .unwrap();
        assert_eq!(
            response
                .headers()
                .get("location")
                .and_then(|l| l.to_str().ok()),
            Some(expected),
            "{outcome} {ending}"
        );
    }
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
    use shared::idenfy::{IdenfyClient, IdenfyClientConfig, IdenfyError, TokenRequest, TokenType};
    let running = local::start(config(StoreChoice::Memory))
        .await
        .expect("the local stack starts");
    let simulator = running.simulator_url.clone().expect("simulator on");
    let defaults = LocalConfig::default();

    let client = IdenfyClient::new(IdenfyClientConfig::new(
        &simulator,
        &defaults.api_key,
        defaults.api_secret.expose(),
    ))
    .unwrap();
    let token = client
        .create_token(
            &TokenRequest::new("USER_1", TokenType::Document),
            integration_tests::soon(),
        )
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
        .create_token(
            &TokenRequest::new("USER_1", TokenType::Document),
            integration_tests::soon(),
        )
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
            .basic_auth(&defaults.api_key, Some(defaults.api_secret.expose()))
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

fn additional_step_uploaded() -> integration_tests::journeys::Journey {
    journeys()
        .into_iter()
        .find(|j| j.name == "additional-step-uploaded")
        .expect("the additional-step journey")
}

/// A person's additional-step pair ends REQUIRES_REVIEW; on the site's reviewer pages a
/// reviewer finds it, sees the permit the simulator serves, and approves; the person's final
/// page then shows VERIFIED, the earlier verdict kept.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reviewer_approves_in_a_real_browser() {
    let running = local::start(config(StoreChoice::Memory))
        .await
        .expect("the local stack starts");
    let browser = Browser::start().await;
    let result = async {
        let ran = browser
            .run_journey(&running.site_url, &additional_step_uploaded())
            .await?;
        let listed = format!(r#"#awaiting li[data-client-id="{}"] a"#, ran.client_id);
        // The decision's notification reaches the site a moment after the verdict.
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        loop {
            browser.goto(&format!("{}review", running.site_url)).await?;
            if browser.text(&listed).await.is_ok() {
                break;
            }
            if std::time::Instant::now() > deadline {
                return Err("the pair never appeared on the reviewer's list".to_owned());
            }
            tokio::time::sleep(Duration::from_millis(300)).await;
        }
        browser.click(&listed).await?;
        browser.wait_for("#decide").await?;
        let permit = r#"img.file[data-name="RESIDENCE_PERMIT"]"#;
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        while browser.property(permit, "naturalWidth").await? == serde_json::json!(0) {
            if std::time::Instant::now() > deadline {
                return Err("the permit image never loaded".to_owned());
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        browser.fill("#reviewer", "reviewer-7").await?;
        browser
            .fill("#note", "permit checked against the ID")
            .await?;
        browser.click("#approve").await?;
        browser.wait_for("#decided").await?;
        let decided = browser.text("#decided").await?;
        if decided != "Decided: VERIFIED" {
            return Err(format!("the reviewer's page says {decided:?}"));
        }
        browser.goto(&ran.final_url).await?;
        let status = browser.text("#status").await?;
        let earlier = browser.text("#earlier").await?;
        if status != "VERIFIED" || !earlier.starts_with("REQUIRES_REVIEW") {
            return Err(format!("final page shows {status}, earlier {earlier:?}"));
        }
        // The site was told: the first verdict, then the reviewer's.
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        loop {
            let count = browser.attribute("#notifications", "data-count").await;
            let last = browser
                .attribute("#notifications li:last-child", "data-status")
                .await;
            if count.as_deref() == Ok("2") && last.as_deref() == Ok("VERIFIED") {
                break;
            }
            if std::time::Instant::now() > deadline {
                return Err(format!("notifications: {count:?}, last {last:?}"));
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        // Decided: the list no longer offers it.
        browser.goto(&format!("{}review", running.site_url)).await?;
        match browser.text(&listed).await {
            Ok(_) => Err("a decided pair is still listed".to_owned()),
            Err(_) => Ok(()),
        }
    }
    .await;
    if result.is_err() {
        let shot = browser.screenshot("reviewer-approves").await;
        eprintln!("screenshot: {shot:?}");
    }
    browser.quit().await;
    running.stop();
    result.unwrap();
}

/// The evidence route through the local stack: links the simulator made for this session,
/// each serving its file for an hour and refused once expired.
#[tokio::test]
async fn the_simulators_file_links_serve_the_files_until_they_expire() {
    let running = local::start(config(StoreChoice::Memory))
        .await
        .expect("the local stack starts");
    let ran = run_over_http(&running.site_url, &additional_step_uploaded())
        .await
        .expect("the journey runs");
    let http = reqwest::Client::new();
    let evidence_url = format!(
        "{}verifications/{}/evidence",
        running.site_url, ran.client_id
    );
    // No caller named: as deployed without an authorizer's principal, refused.
    let anonymous = http.get(&evidence_url).send().await.expect("an answer");
    assert_eq!(anonymous.status().as_u16(), 401);
    let evidence: Value = http
        .get(&evidence_url)
        .header(local::bridge::LOCAL_PRINCIPAL_HEADER, "reviewer-7")
        .send()
        .await
        .expect("an answer")
        .json()
        .await
        .expect("JSON");
    let files = evidence["sessions"][0]["files"]
        .as_object()
        .cloned()
        .unwrap_or_default();
    assert_eq!(
        files.keys().collect::<Vec<_>>(),
        ["BACK", "FACE", "FRONT", "RESIDENCE_PERMIT"],
        "{evidence}"
    );
    let simulator = running.simulator_url.clone().expect("simulator on");
    for link in files.values().filter_map(Value::as_str) {
        assert!(link.starts_with(&simulator), "{link}");
        let answer = http.get(link).send().await.expect("an answer");
        assert_eq!(answer.status().as_u16(), 200, "{link}");
        assert_eq!(
            answer
                .headers()
                .get("content-type")
                .and_then(|v| v.to_str().ok()),
            Some("image/svg+xml")
        );
        let mut expired = url::Url::parse(link).expect("a URL");
        let kept: Vec<(String, String)> = expired
            .query_pairs()
            .filter(|(k, _)| k != "expires")
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect();
        expired
            .query_pairs_mut()
            .clear()
            .extend_pairs(kept)
            .append_pair("expires", "1");
        let answer = http.get(expired.as_str()).send().await.expect("an answer");
        assert_eq!(answer.status().as_u16(), 403, "{expired}");
    }
    running.stop();
}

/// Erasure through the local stack, as a curl would do it: the caller named, the simulator's
/// session deleted (its files gone), the status gone.
#[tokio::test]
async fn an_erasure_through_the_local_stack_deletes_the_simulators_session_too() {
    let running = local::start(config(StoreChoice::Memory))
        .await
        .expect("the local stack starts");
    let ran = run_over_http(&running.site_url, &additional_step_uploaded())
        .await
        .expect("the journey runs");
    let http = reqwest::Client::new();
    let url = format!("{}verifications/{}", running.site_url, ran.client_id);
    let evidence: Value = http
        .get(format!("{url}/evidence"))
        .header(local::bridge::LOCAL_PRINCIPAL_HEADER, "reviewer-7")
        .send()
        .await
        .expect("an answer")
        .json()
        .await
        .expect("JSON");
    let link = evidence["sessions"][0]["files"]["FACE"]
        .as_str()
        .expect("a file link")
        .to_owned();
    assert_eq!(
        http.get(&link).send().await.expect("an answer").status(),
        200
    );
    let anonymous = http.delete(&url).send().await.expect("an answer");
    assert_eq!(anonymous.status().as_u16(), 401);
    let erased = http
        .delete(&url)
        .header(local::bridge::LOCAL_PRINCIPAL_HEADER, "dpo-1")
        .send()
        .await
        .expect("an answer");
    assert_eq!(erased.status().as_u16(), 200);
    let erased: Value = erased.json().await.expect("JSON");
    assert_eq!(erased["sessions"][0]["idenfy"], "DELETED", "{erased}");
    assert_eq!(erased["erasedBy"], "dpo-1");
    let gone = http.get(&url).send().await.expect("an answer");
    assert_eq!(gone.status().as_u16(), 410);
    // The simulator no longer has the session: its files are gone too.
    assert_eq!(
        http.get(&link).send().await.expect("an answer").status(),
        404
    );
    running.stop();
}

/// A two-session pair the rules send to review: the reviewer's page shows each rule with both
/// documents' values side by side and the pair's permit policy, and the reviewer rejects it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reviewer_sees_the_compared_fields_in_a_real_browser() {
    let running = local::start(config(StoreChoice::Memory))
        .await
        .expect("the local stack starts");
    let browser = Browser::start().await;
    let journey = journeys()
        .into_iter()
        .find(|j| j.name == "permit-expired-and-idenfy-mismatch")
        .expect("the journey");
    let result = async {
        let ran = browser.run_journey(&running.site_url, &journey).await?;
        browser
            .goto(&format!("{}review/{}", running.site_url, ran.client_id))
            .await?;
        browser.wait_for("#checks").await?;
        let row = |rule: &str, cell: &str| format!(r#"#checks tr[data-rule="{rule}"] {cell}"#);
        let shown = [
            (row("FIRST_NAME", "td.identity"), "JOHN"),
            (row("LAST_NAME", "td.identity"), "MÜLLER"),
            (row("LAST_NAME", "td.permit"), "MUELLER"),
            (row("DATE_OF_BIRTH", "td.permit"), "1990-05-15"),
            (row("PERMIT_EXPIRY", "td.permit"), "2025-01-31"),
            (row("PERMIT_EXPIRY", "td.reason"), "PERMIT_EXPIRED"),
            (row("IDENFY_MISMATCH_TAGS", "td.identity"), "NAME"),
            (row("PERMIT_ISSUER_NOT_NATIONALITY", "td.permit"), "LT"),
        ];
        for (css, expected) in shown {
            let text = browser.text(&css).await?;
            if text != expected {
                return Err(format!("{css} shows {text:?}, expected {expected:?}"));
            }
        }
        let finding = browser
            .attribute(r#"#checks tr[data-rule="LAST_NAME"]"#, "data-finding")
            .await?;
        let policy = browser.text("#permit-policy").await?;
        if finding != "PASS" || !policy.contains("any country") {
            return Err(format!("LAST_NAME {finding}, policy {policy:?}"));
        }
        browser.fill("#reviewer", "reviewer-9").await?;
        browser.click("#reject").await?;
        browser.wait_for("#decided").await?;
        let decided = browser.text("#decided").await?;
        if decided == "Decided: REJECTED" {
            Ok(())
        } else {
            Err(format!("the reviewer's page says {decided:?}"))
        }
    }
    .await;
    if result.is_err() {
        let shot = browser.screenshot("reviewer-sees-checks").await;
        eprintln!("screenshot: {shot:?}");
    }
    browser.quit().await;
    running.stop();
    result.unwrap();
}
