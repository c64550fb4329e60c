//! The two-session chain: DOCUMENT and IDENTIFICATION asked for at once, the identity session
//! ending on the API's continuation into the document session, and no half chain left behind
//! when a token fails.

use integration_tests::{CALLBACK_URL, IdenfyStub, SHOP, T0, issue_tokens_handler, service};
use issue_tokens::VerificationsApi;
use pair_adapters::store::MemoryStore;
use pair_app::issuance::{IssueRequest, StatusError};
use pair_core::clock::ManualClock;
use pair_core::pair::ClientId;
use pair_core::ports::store::PairReader;
use serde_json::{Value, json};
use std::sync::Arc;
use wiremock::matchers::{body_partial_json, method, path};
use wiremock::{Mock, ResponseTemplate};

fn issue_request(client_id: &str) -> IssueRequest {
    issue_tokens::parse_issue_request(
        &json!({"clientId": client_id, "firstName": "John", "lastName": "Smith", "dateOfBirth": "1990-05-15"}),
        &integration_tests::policy().allowed_origins,
    )
    .unwrap()
}

#[tokio::test]
async fn both_tokens_with_the_identity_session_ending_on_the_continuation() {
    let stub = IdenfyStub::minting().await;
    let store = Arc::new(MemoryStore::new());
    let service = service(
        store,
        Arc::new(stub.client()),
        Arc::new(ManualClock::at(T0)),
    );
    let issued = service.issue(&issue_request("USER_12345")).await.unwrap();

    let requests = stub.token_requests().await;
    assert_eq!(requests.len(), 2);
    let by_type = |kind: &str| {
        requests
            .iter()
            .find(|r| r["tokenType"] == kind)
            .unwrap_or_else(|| panic!("a {kind} token request"))
    };
    let (document, identity) = (by_type("DOCUMENT"), by_type("IDENTIFICATION"));

    // The document session ends on the shop's pages and accepts a residence permit, and it
    // outlives an identity session opened at the last moment.
    assert_eq!(
        document["successUrl"],
        format!("{SHOP}/verification/complete")
    );
    assert_eq!(document["errorUrl"], format!("{SHOP}/verification/failed"));
    assert_eq!(
        document["unverifiedUrl"],
        format!("{SHOP}/verification/review")
    );
    assert_eq!(document["documents"], json!(["RESIDENCE_PERMIT"]));
    assert_eq!(document["expiryTime"], 3600 + 600 + 300);
    assert_eq!(identity["expiryTime"], 3600);
    for token in [document, identity] {
        assert_eq!(token["clientId"], "USER_12345");
        assert_eq!(token["sessionLength"], 600);
        assert_eq!(token["callbackUrl"], CALLBACK_URL);
        assert_eq!(token["firstName"], "John");
        assert_eq!(token["dateOfBirth"], "1990-05-15");
        assert!(token.get("tokenType").is_some());
    }

    // All three of the identity session's exits lead to the API's continuation, which leads
    // into the document session.
    let pair = &issued.pair;
    let continuation = format!(
        "{}/verifications/USER_12345/continue?c={}.",
        integration_tests::PUBLIC_API_URL,
        pair.pair_id
    );
    for field in ["successUrl", "errorUrl", "unverifiedUrl"] {
        assert!(
            identity[field]
                .as_str()
                .is_some_and(|url| url.starts_with(&continuation)),
            "{field}: {identity}"
        );
    }

    assert!(issued.created);
    let session_url = |scan: &str| {
        format!(
            "{}/api/v2/redirect?authToken=tok-{}",
            stub.uri(),
            scan.trim_start_matches("scan-")
        )
    };
    let document_session = pair.document.as_ref().expect("a document session");
    assert_eq!(pair.verification_url, session_url(&pair.identity.scan_ref));
    assert_eq!(
        pair.document_link.as_ref().map(|l| l.url.clone()),
        Some(session_url(&document_session.scan_ref))
    );
    assert_ne!(document_session.scan_ref, pair.identity.scan_ref);
    assert_eq!(
        document["externalRef"],
        format!("idp-{}-document", pair.pair_id)
    );
    assert_eq!(
        identity["externalRef"],
        format!("idp-{}-identity", pair.pair_id)
    );
    assert_eq!(
        pair.document.as_ref().unwrap().external_ref,
        format!("idp-{}-document", pair.pair_id)
    );
    assert_eq!(
        pair.identity.external_ref,
        format!("idp-{}-identity", pair.pair_id)
    );
}

async fn issue_via_handler(
    handler: &VerificationsApi,
    client_id: &str,
) -> (u16, Option<String>, Value) {
    let request = integration_tests::api::issue(&json!({"clientId": client_id}));
    let response = handler.handle(request).await;
    let retry_after = response
        .headers()
        .get("retry-after")
        .map(|v| v.to_str().unwrap().to_owned());
    let body: Value = serde_json::from_slice(response.body().as_ref()).unwrap();
    (response.status().as_u16(), retry_after, body)
}

async fn refuse_identity_tokens(stub: &IdenfyStub, response: ResponseTemplate) {
    Mock::given(method("POST"))
        .and(path("/api/v2/token"))
        .and(body_partial_json(json!({"tokenType": "IDENTIFICATION"})))
        .respond_with(response)
        .with_priority(1)
        .mount(&stub.server)
        .await;
}

#[tokio::test]
async fn second_token_refused_is_a_clear_502_and_no_pair_points_at_half_a_chain() {
    let stub = IdenfyStub::minting().await;
    refuse_identity_tokens(
        &stub,
        ResponseTemplate::new(402)
            .set_body_json(json!({"identifier": "PAYMENT_REQUIRED", "message": "Lack of funds."})),
    )
    .await;
    let store = Arc::new(MemoryStore::new());
    let clock = Arc::new(ManualClock::at(T0));
    let service = service(store.clone(), Arc::new(stub.client()), clock.clone());
    let handler = issue_tokens_handler(store.clone(), Arc::new(stub.client()), clock);

    let (status, _, body) = issue_via_handler(&handler, "USER_40001").await;
    assert_eq!(status, 502, "{body}");
    assert_eq!(body["code"], "IDENFY_REFUSED");
    assert_eq!(body["idenfy"]["status"], 402);
    assert_eq!(body["idenfy"]["identifier"], "PAYMENT_REQUIRED");
    // iDenfy's own words stay in the log: a 5xx body carries codes and the request id only.
    assert!(body["idenfy"].get("message").is_none(), "{body}");
    assert!(!body.to_string().contains("Lack of funds"), "{body}");
    assert!(body["requestId"].is_string(), "{body}");

    let client_id = ClientId::parse("USER_40001").unwrap();
    assert!(matches!(
        service.status(&client_id).await,
        Err(StatusError::NotFound)
    ));
    let record = store.load(&client_id).await.unwrap().expect("claim record");
    assert_eq!(record.pair, None, "no pair may point at half a chain");
    assert_eq!(record.claim, None, "the claim is given back at once");

    // Once iDenfy takes it, a retry gets a whole chain.
    stub.server.reset().await;
    stub.mount_minting().await;
    let (status, _, body) = issue_via_handler(&handler, "USER_40001").await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(body["status"], "PENDING");
}

#[tokio::test]
async fn second_token_unavailable_is_a_503_with_retry_after() {
    let stub = IdenfyStub::minting().await;
    refuse_identity_tokens(
        &stub,
        ResponseTemplate::new(429)
            .insert_header("Retry-After", "30")
            .set_body_json(
                json!({"identifier": "TOO_MANY_REQUESTS", "message": "Too many requests."}),
            ),
    )
    .await;
    let store = Arc::new(MemoryStore::new());
    let handler = issue_tokens_handler(
        store.clone(),
        Arc::new(stub.client()),
        Arc::new(ManualClock::at(T0)),
    );
    let (status, retry_after, body) = issue_via_handler(&handler, "USER_40002").await;
    assert_eq!(status, 503, "{body}");
    assert_eq!(retry_after.as_deref(), Some("30"));
    assert_eq!(body["code"], "IDENFY_UNAVAILABLE");
    assert_eq!(body["idenfy"]["identifier"], "TOO_MANY_REQUESTS");
    // Retry-After (30 s) is beyond the client's budget: one identity attempt, no retry.
    let kinds: Vec<Value> = stub
        .token_requests()
        .await
        .iter()
        .map(|r| r["tokenType"].clone())
        .collect();
    let mut kinds = kinds;
    kinds.sort_by_key(|k| k.to_string());
    assert_eq!(kinds, vec![json!("DOCUMENT"), json!("IDENTIFICATION")]);
    let record = store
        .load(&ClientId::parse("USER_40002").unwrap())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(record.pair, None);
}

/// iDenfy's 2021 docs: standard errors may all come as HTTP 400 with an identifier. The
/// identifier decides what the caller is told, and is passed on.
#[tokio::test]
async fn documented_400_errors_are_told_apart_by_their_identifier() {
    let cases = [
        (
            "UNAUTHORIZED",
            "Invalid authorization credentials",
            502,
            "UNAUTHORIZED",
        ),
        (
            "PERMISSIONS_ERROR",
            "Partner reached token limit",
            502,
            "PAYMENT_REQUIRED",
        ),
        (
            "TOO_MANY_REQUESTS",
            "Too many requests.",
            503,
            "RATE_LIMITED",
        ),
        (
            "BAD_VALUE",
            "Invalid value for field locale.",
            502,
            "BAD_REQUEST",
        ),
    ];
    for (n, (identifier, message, status, kind)) in cases.into_iter().enumerate() {
        let stub = IdenfyStub::minting().await;
        refuse_identity_tokens(
            &stub,
            ResponseTemplate::new(400)
                .set_body_json(json!({"identifier": identifier, "message": message})),
        )
        .await;
        let handler = issue_tokens_handler(
            Arc::new(MemoryStore::new()),
            Arc::new(stub.client()),
            Arc::new(ManualClock::at(T0)),
        );
        let (got, retry_after, body) = issue_via_handler(&handler, &format!("USER_4010{n}")).await;
        assert_eq!(got, status, "{identifier}: {body}");
        assert_eq!(body["idenfy"]["kind"], kind, "{identifier}");
        assert_eq!(body["idenfy"]["status"], 400, "{identifier}");
        assert_eq!(body["idenfy"]["identifier"], identifier);
        assert!(!body.to_string().contains(message), "{identifier}: {body}");
        assert_eq!(retry_after.is_some(), status == 503, "{identifier}");
    }
}
