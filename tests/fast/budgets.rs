//! Time budgets that add up: an issuance — store calls, both token calls with their retries,
//! the final write — ends inside the invocation's time, read from the Lambda context, whatever
//! iDenfy does; the clientId is given back for the caller's retry.

use integration_tests::{IdenfyStub, issue_tokens_config};
use issue_tokens::VerificationsApi;
use lambda_http::{Context, RequestExt};
use pair_adapters::idenfy::IdenfyClient;
use pair_adapters::store::MemoryStore;
use pair_core::clock::SystemClock;
use serde_json::Value;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};
use wiremock::matchers::{method, path};
use wiremock::{Mock, ResponseTemplate};

/// `POST /verifications` for `client_id`, in an invocation that times out `after` from now.
fn issue(client_id: &str, after: Duration) -> lambda_http::Request {
    let mut context = Context::default();
    context.request_id = "budget-test".to_owned();
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    context.deadline = u64::try_from((now + after).as_millis()).unwrap_or(u64::MAX);
    integration_tests::api::issue(&serde_json::json!({ "clientId": client_id }))
        .with_lambda_context(context)
}

#[tokio::test]
async fn an_issuance_ends_inside_the_invocation_and_gives_the_client_id_back() {
    let stub = IdenfyStub::bare().await;
    // iDenfy hangs: each answer would come after 30 s.
    Mock::given(method("POST"))
        .and(path("/api/v2/token"))
        .respond_with(ResponseTemplate::new(200).set_delay(Duration::from_secs(30)))
        .up_to_n_times(10)
        .mount(&stub.server)
        .await;
    // The function as deployed: its own timeouts (5 s per attempt, 3 attempts).
    let config = issue_tokens_config(&stub.uri());
    let idenfy = Arc::new(IdenfyClient::new(config.idenfy.clone()));
    let handler = VerificationsApi::build(
        config,
        integration_tests::api_ports(
            Arc::new(MemoryStore::new()),
            Arc::new(pair_adapters::store::MemoryLedger::new()),
            pair_core::ports::idenfy::IdenfyPorts::of(idenfy),
            Arc::new(SystemClock),
        ),
    );
    // 9 s left: 1 s kept for the answer, 4 s for the final write, so the token calls get 4 s.
    let started = Instant::now();
    let response = handler
        .handle(issue("USER_BUDGET", Duration::from_secs(9)))
        .await;
    let took = started.elapsed();
    let body: Value = serde_json::from_slice(response.body().as_ref()).unwrap_or(Value::Null);
    assert_eq!(response.status().as_u16(), 503, "{body}");
    assert_eq!(body["code"], "IDENFY_UNAVAILABLE", "{body}");
    assert_eq!(body["idenfy"]["kind"], "TIMEOUT", "{body}");
    // Well inside the 9 s (without the budget it waited 3 attempts of 5 s).
    assert!(took < Duration::from_secs(8), "took {took:?}");
    assert!(took >= Duration::from_secs(3), "gave up early: {took:?}");

    // The claim was given back: iDenfy answers now, and the retry mints.
    stub.server.reset().await;
    stub.mount_minting().await;
    let response = handler
        .handle(issue("USER_BUDGET", Duration::from_secs(25)))
        .await;
    assert_eq!(response.status().as_u16(), 201);

    // An invocation already out of time sends nothing.
    let before = stub.token_requests().await.len();
    let response = handler
        .handle(issue("USER_LATE", Duration::from_millis(500)))
        .await;
    assert_eq!(response.status().as_u16(), 503);
    assert_eq!(stub.token_requests().await.len(), before);
}
