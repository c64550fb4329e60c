//! The iDenfy token client against a local HTTP stub of iDenfy.

use integration_tests::IdenfyStub;
use pair_adapters::idenfy::{TokenRequest, TokenType};
use pair_core::ports::idenfy::IdenfyError;
use serde_json::json;
use std::collections::HashSet;
use std::time::{Duration, Instant};
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, ResponseTemplate};

fn request() -> TokenRequest {
    let mut request = TokenRequest::new("USER_12345", TokenType::Document);
    request.documents = Some(vec!["RESIDENCE_PERMIT".into()]);
    request.success_url = Some("https://shop.example.com/verification/complete".into());
    request.expiry_time = Some(4500);
    request.session_length = Some(600);
    request.external_ref = Some("idp-0123456789abcdef01234567-document".into());
    request
}

fn token_body() -> serde_json::Value {
    json!({"authToken": "TOKEN_XYZ789", "scanRef": "scan-ref-document", "clientId": "USER_12345",
           "redirectUrl": null, "someFieldAddedLater": {"x": 1}})
}

async fn answer(stub: &IdenfyStub, response: ResponseTemplate) {
    Mock::given(method("POST"))
        .and(path("/api/v2/token"))
        .respond_with(response)
        .mount(&stub.server)
        .await;
}

#[tokio::test]
async fn accepts_201_and_200() {
    for status in [201, 200] {
        let stub = IdenfyStub::bare().await;
        answer(
            &stub,
            ResponseTemplate::new(status).set_body_json(token_body()),
        )
        .await;
        let token = stub
            .client()
            .create_token(&request(), integration_tests::soon())
            .await
            .unwrap();
        assert_eq!(token.auth_token, "TOKEN_XYZ789", "status {status}");
        assert_eq!(token.scan_ref, "scan-ref-document");
    }
}

#[tokio::test]
async fn sends_basic_auth_and_idenfys_json_fields() {
    let stub = IdenfyStub::bare().await;
    // base64("test-key:test-secret")
    Mock::given(method("POST"))
        .and(path("/api/v2/token"))
        .and(header(
            "authorization",
            "Basic dGVzdC1rZXk6dGVzdC1zZWNyZXQ=",
        ))
        .and(header("content-type", "application/json"))
        .respond_with(ResponseTemplate::new(201).set_body_json(token_body()))
        .expect(1)
        .mount(&stub.server)
        .await;
    stub.client()
        .create_token(&request(), integration_tests::soon())
        .await
        .unwrap();
    assert_eq!(
        stub.token_requests().await,
        vec![json!({
            "clientId": "USER_12345",
            "tokenType": "DOCUMENT",
            "documents": ["RESIDENCE_PERMIT"],
            "successUrl": "https://shop.example.com/verification/complete",
            "expiryTime": 4500,
            "sessionLength": 600,
            "externalRef": "idp-0123456789abcdef01234567-document"
        })]
    );
}

#[tokio::test]
async fn each_refusal_is_a_distinct_error_carrying_idenfys_words() {
    let cases: Vec<(ResponseTemplate, &str, Option<&str>, &str)> = vec![
        (
            ResponseTemplate::new(400).set_body_json(json!({"identifier": "BAD_VALUE", "message": "Invalid value for field expiryTime."})),
            "BAD_REQUEST", Some("BAD_VALUE"), "Invalid value for field expiryTime.",
        ),
        (
            ResponseTemplate::new(401).set_body_json(json!({"message": "Invalid authorization credentials"})),
            "UNAUTHORIZED", None, "Invalid authorization credentials",
        ),
        (
            ResponseTemplate::new(402).set_body_json(json!({"identifier": "PAYMENT_REQUIRED", "message": "Lack of funds or exceeded limit."})),
            "PAYMENT_REQUIRED", Some("PAYMENT_REQUIRED"), "Lack of funds or exceeded limit.",
        ),
        (
            ResponseTemplate::new(403).set_body_json(json!({"identifier": "PERMISSIONS_ERROR", "message": "Partner is not active."})),
            "FORBIDDEN", Some("PERMISSIONS_ERROR"), "Partner is not active.",
        ),
        (
            ResponseTemplate::new(429).set_body_json(json!({"identifier": "TOO_MANY_REQUESTS", "message": "Request was throttled."})),
            "RATE_LIMITED", Some("TOO_MANY_REQUESTS"), "Request was throttled.",
        ),
        (
            ResponseTemplate::new(500).set_body_string("<html>Internal Server Error</html>"),
            "SERVER_ERROR", None, "<html>Internal Server Error</html>",
        ),
    ];
    let mut kinds = HashSet::new();
    for (response, kind, identifier, message) in cases {
        let stub = IdenfyStub::bare().await;
        answer(&stub, response).await;
        let error = stub
            .client()
            .create_token(&request(), integration_tests::soon())
            .await
            .unwrap_err();
        assert_eq!(error.kind(), kind, "{error}");
        let upstream = error.upstream().expect("iDenfy's words kept");
        assert_eq!(upstream.identifier.as_deref(), identifier);
        assert_eq!(upstream.message, message);
        assert!(error.to_string().contains(message), "{error}");
        kinds.insert(kind);
    }

    let stub = IdenfyStub::bare().await;
    answer(
        &stub,
        ResponseTemplate::new(201)
            .set_body_json(token_body())
            .set_delay(Duration::from_secs(2)),
    )
    .await;
    let error = stub
        .client()
        .create_token(&request(), integration_tests::soon())
        .await
        .unwrap_err();
    assert!(matches!(error, IdenfyError::Timeout), "{error}");
    kinds.insert(error.kind());
    assert_eq!(kinds.len(), 7);
}

#[tokio::test]
async fn a_429_with_retry_after_is_retried_after_waiting_then_succeeds() {
    let stub = IdenfyStub::bare().await;
    Mock::given(method("POST"))
        .and(path("/api/v2/token"))
        .respond_with(
            ResponseTemplate::new(429)
                .insert_header("Retry-After", "1")
                .set_body_json(json!({"identifier": "TOO_MANY_REQUESTS", "message": "slow down"})),
        )
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&stub.server)
        .await;
    answer(
        &stub,
        ResponseTemplate::new(201).set_body_json(token_body()),
    )
    .await;
    let started = Instant::now();
    let token = stub
        .client()
        .create_token(&request(), integration_tests::soon())
        .await
        .unwrap();
    assert_eq!(token.scan_ref, "scan-ref-document");
    assert_eq!(stub.token_requests().await.len(), 2);
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "Retry-After: 1 was not honoured ({:?})",
        started.elapsed()
    );
}

#[tokio::test]
async fn a_400_is_sent_exactly_once() {
    let stub = IdenfyStub::bare().await;
    answer(
        &stub,
        ResponseTemplate::new(400).set_body_json(
            json!({"identifier": "MISSING_VALUE", "message": "clientId is missing"}),
        ),
    )
    .await;
    let error = stub
        .client()
        .create_token(&request(), integration_tests::soon())
        .await
        .unwrap_err();
    assert!(matches!(error, IdenfyError::BadRequest(_)));
    assert_eq!(stub.token_requests().await.len(), 1);
}

#[tokio::test]
async fn server_errors_are_retried_up_to_the_attempt_limit() {
    let stub = IdenfyStub::bare().await;
    answer(&stub, ResponseTemplate::new(503)).await;
    let error = stub
        .client()
        .create_token(&request(), integration_tests::soon())
        .await
        .unwrap_err();
    assert!(matches!(error, IdenfyError::ServerError(_)), "{error}");
    assert_eq!(stub.token_requests().await.len(), 3);
}

#[tokio::test]
async fn a_5xx_then_success_recovers() {
    let stub = IdenfyStub::bare().await;
    Mock::given(method("POST"))
        .and(path("/api/v2/token"))
        .respond_with(ResponseTemplate::new(502))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&stub.server)
        .await;
    answer(
        &stub,
        ResponseTemplate::new(201).set_body_json(token_body()),
    )
    .await;
    assert!(
        stub.client()
            .create_token(&request(), integration_tests::soon())
            .await
            .is_ok()
    );
    assert_eq!(stub.token_requests().await.len(), 2);
}

#[tokio::test]
async fn an_unreachable_idenfy_is_a_connection_error() {
    // Bind then drop a listener: the port is free and nothing answers there.
    let port = integration_tests::free_port();
    let mut config = pair_adapters::idenfy::IdenfyClientConfig::new(
        &format!("http://127.0.0.1:{port}"),
        "k",
        "s",
    );
    config.retry.base_backoff = Duration::from_millis(1);
    config.retry.max_backoff = Duration::from_millis(2);
    let client = pair_adapters::idenfy::IdenfyClient::new(config);
    let error = client
        .create_token(&request(), integration_tests::soon())
        .await
        .unwrap_err();
    assert!(matches!(error, IdenfyError::Connection(_)), "{error}");
}

#[tokio::test]
async fn a_request_breaking_idenfys_limits_is_never_sent() {
    let stub = IdenfyStub::minting().await;
    let mut bad = request();
    bad.external_ref = Some("x".repeat(41));
    bad.session_length = Some(7200);
    let error = stub
        .client()
        .create_token(&bad, integration_tests::soon())
        .await
        .unwrap_err();
    match error {
        IdenfyError::InvalidRequest(problems) => assert_eq!(problems.len(), 2, "{problems:?}"),
        other => panic!("expected InvalidRequest, got {other}"),
    }
    assert!(stub.token_requests().await.is_empty());
}

#[tokio::test]
async fn a_2xx_without_a_token_is_an_invalid_response() {
    let stub = IdenfyStub::bare().await;
    answer(
        &stub,
        ResponseTemplate::new(201).set_body_json(json!({"message": "ok"})),
    )
    .await;
    let error = stub
        .client()
        .create_token(&request(), integration_tests::soon())
        .await
        .unwrap_err();
    assert!(matches!(error, IdenfyError::InvalidResponse(_)), "{error}");
}

#[test]
fn redirect_url_is_built_from_the_base_url() {
    let config =
        pair_adapters::idenfy::IdenfyClientConfig::new("https://ivs.idenfy.com/", "k", "s");
    let client = pair_adapters::idenfy::IdenfyClient::new(config);
    assert_eq!(
        client.redirect_url("TOKEN_XYZ789"),
        "https://ivs.idenfy.com/api/v2/redirect?authToken=TOKEN_XYZ789"
    );
}

#[tokio::test]
async fn a_redirect_from_idenfy_is_an_error_and_never_followed() {
    let elsewhere = IdenfyStub::bare().await;
    answer(
        &elsewhere,
        ResponseTemplate::new(201).set_body_json(token_body()),
    )
    .await;
    let stub = IdenfyStub::bare().await;
    for status in [301, 307, 308] {
        Mock::given(method("POST"))
            .and(path("/api/v2/token"))
            .respond_with(ResponseTemplate::new(status).insert_header(
                "location",
                format!("{}/api/v2/token", elsewhere.uri()).as_str(),
            ))
            .up_to_n_times(1)
            .mount(&stub.server)
            .await;
        let result = stub
            .client()
            .create_token(&request(), integration_tests::soon())
            .await;
        assert!(result.is_err(), "{status}: {result:?}");
    }
    let followed = elsewhere
        .server
        .received_requests()
        .await
        .unwrap_or_default();
    assert!(
        followed.is_empty(),
        "our credentials went to the redirect's target: {} requests",
        followed.len()
    );
}
