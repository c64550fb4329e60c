//! One round trip to start: both tokens asked for at once, the identity session ending on the
//! API's signed continuation, which leads into the document session — renewing its token,
//! once, when it has expired — and refuses anything forged, tampered, expired or replaced
//! without reaching iDenfy.

use async_trait::async_trait;
use integration_tests::api::{self, ISSUER};
use integration_tests::callbacks::{
    call, handler as callback_handler, payload, sample_id_card, sample_permit, signed,
};
use integration_tests::{IdenfyStub, PUBLIC_API_URL, SHOP, T0, issue_tokens_handler, moto_table};
use pair_adapters::http_api::{Caller, routed};
use pair_adapters::store::MemoryStore;
use pair_core::clock::ManualClock;
use pair_core::pair::ClientId;
use pair_core::ports::idenfy::{IdenfyError, OpenedSession, SessionIssuer, SessionOrder};
use pair_core::ports::store::PairReader;
use serde_json::{Value, json};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Barrier;
use wiremock::matchers::{method, path};
use wiremock::{Mock, ResponseTemplate};

const ERROR_PAGE: &str = "https://shop.example.com/verification/failed";

/// Answers a session only once both are asked for: a chain minted one after the other would
/// wait for ever (and fail after a second).
struct BothAtOnce(Barrier);

#[async_trait]
impl SessionIssuer for BothAtOnce {
    async fn open_session(&self, order: &SessionOrder) -> Result<OpenedSession, IdenfyError> {
        tokio::time::timeout(Duration::from_secs(1), self.0.wait())
            .await
            .map_err(|_| IdenfyError::Timeout)?;
        let role = order.role.as_str();
        Ok(OpenedSession {
            scan_ref: format!("scan-{role}"),
            external_ref: format!("idp-{}-{role}", order.pair_id),
            url: format!("https://ivs.example/redirect?authToken=tok-{role}"),
        })
    }

    /// Never asked: this double serves only the minting of a pair.
    async fn session_use(
        &self,
        _: &str,
        _: std::time::Instant,
    ) -> Result<pair_core::ports::idenfy::SessionUse, IdenfyError> {
        Ok(pair_core::ports::idenfy::SessionUse::Unknown)
    }
}

#[tokio::test]
async fn both_tokens_are_asked_for_at_once() {
    let service = integration_tests::service(
        Arc::new(MemoryStore::new()),
        Arc::new(BothAtOnce(Barrier::new(2))),
        Arc::new(ManualClock::at(T0)),
    );
    let request = issue_tokens::parse_issue_request(
        &json!({"clientId": "USER_AT_ONCE"}),
        &service.policy().allowed_origins,
    )
    .expect("valid");
    let issued = service
        .issue(&request)
        .await
        .expect("issued with both tokens at once");
    let link = issued.pair.document_link.expect("a continuation pair");
    assert_eq!(
        link.url,
        "https://ivs.example/redirect?authToken=tok-document"
    );
}

/// The identity and document token requests the stub received (by type, not arrival).
async fn token_requests(stub: &IdenfyStub) -> (Vec<Value>, Vec<Value>) {
    stub.token_requests()
        .await
        .into_iter()
        .partition(|r| r["tokenType"] == "IDENTIFICATION")
}

/// `GET` of `url` (the continuation) as API Gateway routes it, no authorizer.
pub(crate) fn follow(url: &str, client_id: &str) -> lambda_http::Request {
    let request = lambda_http::http::Request::builder()
        .method("GET")
        .uri(url)
        .body(lambda_http::Body::Empty)
        .expect("a request");
    lambda_http::RequestExt::with_path_parameters(
        routed(
            request,
            "GET /verifications/{clientId}/continue",
            Caller::Anonymous,
        ),
        std::collections::HashMap::from([("clientId".to_owned(), client_id.to_owned())]),
    )
}

pub(crate) async fn location(
    handler: &issue_tokens::VerificationsApi,
    url: &str,
    client_id: &str,
) -> (u16, String) {
    let response = integration_tests::contract::issue_tokens(handler, follow(url, client_id)).await;
    let location = response
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    (response.status().as_u16(), location)
}

#[tokio::test]
async fn the_continuation_leads_into_the_document_session_and_renews_it_once() {
    let table = moto_table().await;
    let store = Arc::new(table.store.clone());
    let stub = IdenfyStub::minting().await;
    let clock = Arc::new(ManualClock::at(T0));
    let handler = issue_tokens_handler(store.clone(), Arc::new(stub.client()), clock.clone());
    let client = "USER_CONTINUES";
    let (status, issued) = api::answer(&handler, api::issue(&json!({"clientId": client}))).await;
    assert_eq!(status, 201, "{issued}");

    // The identity session ends on the API's continuation, all three ways; the document
    // session on the shop's pages.
    let (identity, document) = token_requests(&stub).await;
    let (identity, document) = (&identity[0], &document[0]);
    let continue_url = identity["successUrl"].as_str().expect("a URL").to_owned();
    assert!(
        continue_url.starts_with(&format!(
            "{PUBLIC_API_URL}/verifications/{client}/continue?c="
        )),
        "{continue_url}"
    );
    assert_eq!(identity["errorUrl"], identity["successUrl"]);
    assert_eq!(identity["unverifiedUrl"], identity["successUrl"]);
    assert_eq!(
        document["successUrl"],
        format!("{SHOP}/verification/complete")
    );
    let load = async || {
        store
            .load(&ClientId::parse(client).expect("an id"))
            .await
            .expect("readable")
            .and_then(|r| r.pair)
            .expect("the pair")
    };
    let document_url = load().await.document_link.expect("a continuation pair").url;
    assert!(document_url.starts_with(&format!("{}/api/v2/redirect?authToken=tok-", stub.uri())));
    let status_of = async || {
        api::answer(&handler, api::get_as(client, "", ISSUER))
            .await
            .1
    };
    assert_eq!(status_of().await.get("continuedAt"), None);

    // The person arrives: sent into the document session, the arrival recorded; a reload
    // goes to the same place and records nothing new.
    clock.advance(Duration::from_secs(300));
    let followed = location(&handler, &continue_url, client).await;
    let minted_before = stub.token_requests().await.len();
    assert_eq!(minted_before, 2);
    assert_eq!(followed, (302, document_url.clone()));
    let arrived = status_of().await["continuedAt"].clone();
    assert_eq!(arrived, "2026-11-26T14:48:17Z", "{}", status_of().await);
    clock.advance(Duration::from_secs(5));
    assert_eq!(location(&handler, &continue_url, client).await, followed);
    assert_eq!(status_of().await["continuedAt"], arrived);

    // Forged and tampered continuations go to the site's error page; iDenfy hears nothing.
    let forged = format!("{PUBLIC_API_URL}/verifications/{client}/continue?c=forged");
    let mut tampered = url::Url::parse(&continue_url).expect("a URL");
    let token = tampered
        .query_pairs()
        .find(|(k, _)| k == "c")
        .map(|(_, v)| v.into_owned())
        .expect("a token");
    let mut parts: Vec<&str> = token.split('.').collect();
    let later = (T0.unix_seconds() + 999_999).to_string();
    parts[1] = &later;
    tampered
        .query_pairs_mut()
        .clear()
        .append_pair("c", &parts.join("."));
    let other_client = continue_url.replace(client, "USER_SOMEONE_ELSE");
    for refused in [forged.as_str(), tampered.as_str()] {
        assert_eq!(
            location(&handler, refused, client).await,
            (302, ERROR_PAGE.into()),
            "{refused}"
        );
    }
    assert_eq!(
        location(&handler, &other_client, "USER_SOMEONE_ELSE").await,
        (302, ERROR_PAGE.into())
    );
    assert_eq!(stub.token_requests().await.len(), minted_before);

    // Past the document token's life (not the continuation's, which outlives it by a token's
    // life) — but iDenfy says the session is live: it may be in use, so it is kept.
    clock.advance(Duration::from_secs(3600 + 600 + 300 - 305 + 60));
    Mock::given(method("POST"))
        .and(path("/api/v2/status"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"status": "ACTIVE"})))
        .with_priority(1)
        .up_to_n_times(1)
        .mount(&stub.server)
        .await;
    assert_eq!(location(&handler, &continue_url, client).await, followed);
    assert_eq!(
        stub.token_requests().await.len(),
        minted_before,
        "kept: nothing minted"
    );
    // Once iDenfy says it lapsed unused, two tabs at once get one fresh token between them,
    // and the pair follows its new session.
    stub.mount_status("EXPIRED").await;
    let (first, second) = tokio::join!(
        location(&handler, &continue_url, client),
        location(&handler, &continue_url, client)
    );
    assert_eq!(first.0, 302);
    assert_eq!(first, second, "both tabs go to the one fresh session");
    assert_ne!(first, followed);
    let (_, documents) = token_requests(&stub).await;
    assert_eq!(documents.len(), 2, "exactly one fresh document token");
    let fresh = &documents[1];
    assert_eq!(fresh["successUrl"], format!("{SHOP}/verification/complete"));
    assert_eq!(fresh["externalRef"], document["externalRef"]);
    let pair = load().await;
    assert_eq!(first.1, pair.document_link.as_ref().expect("a link").url);
    let new_scan = pair.document.expect("a document session").scan_ref;
    assert_ne!(Some(new_scan.as_str()), issued["documentScanRef"].as_str());
    assert_eq!(
        status_of().await["continuedAt"],
        arrived,
        "the first arrival stays"
    );

    // A result of the replaced session still counts (it is the pair's), and so does the new
    // one's: each lands in the pair as the document half.
    let callbacks = callback_handler(store.clone(), clock.clone());
    let old_scan = issued["documentScanRef"].as_str().expect("a scanRef");
    let body = payload(client, old_scan, false, &sample_permit()).to_string();
    let (status, stored) = call(&callbacks, signed(&body, "PROCESSING")).await;
    assert_eq!(
        (status, &stored["result"], &stored["role"]),
        (200, &json!("STORED"), &json!("document")),
        "{stored}"
    );
    let body = payload(client, &new_scan, true, &sample_permit()).to_string();
    let (status, stored) = call(&callbacks, signed(&body, "IDENTIFICATION_MANUAL_FINISHED")).await;
    assert_eq!(
        (status, &stored["role"]),
        (200, &json!("document")),
        "{stored}"
    );

    // A restart replaces the pair: its old continuation no longer leads anywhere.
    let (status, _) = api::answer(
        &handler,
        api::issue(&json!({"clientId": client, "restart": true})),
    )
    .await;
    assert_eq!(status, 201);
    let minted = stub.token_requests().await.len();
    assert_eq!(
        location(&handler, &continue_url, client).await,
        (302, ERROR_PAGE.into())
    );
    assert_eq!(stub.token_requests().await.len(), minted);

    // Past the continuation's own life (the document token's, plus a token's): refused too.
    let (restarted, _) = token_requests(&stub).await;
    let new_continue = restarted
        .last()
        .and_then(|r| r["successUrl"].as_str())
        .expect("the new pair's continuation")
        .to_owned();
    clock.advance(Duration::from_secs(3600 + 600 + 300 + 3600 + 1));
    assert_eq!(
        location(&handler, &new_continue, client).await,
        (302, ERROR_PAGE.into())
    );
    table
        .store
        .delete_table()
        .await
        .expect("dropping the test table");
}

/// A person who opened the document session at its link's last moment is still in it (or
/// waiting for iDenfy's review) when they reload the continuation: the session is kept, no
/// token minted, and its result decides the pair.
#[tokio::test]
async fn a_document_session_in_use_is_never_replaced_and_its_result_decides() {
    let table = moto_table().await;
    let store = Arc::new(table.store.clone());
    let stub = IdenfyStub::minting().await;
    stub.mount_status("REVIEWING").await;
    let clock = Arc::new(ManualClock::at(T0));
    let handler = issue_tokens_handler(store.clone(), Arc::new(stub.client()), clock.clone());
    let client = "USER_IN_SESSION";
    let (status, issued) = api::answer(&handler, api::issue(&json!({"clientId": client}))).await;
    assert_eq!(status, 201, "{issued}");
    let (identities, _) = token_requests(&stub).await;
    let continue_url = identities[0]["successUrl"]
        .as_str()
        .expect("a URL")
        .to_owned();
    let followed = location(&handler, &continue_url, client).await;
    let callbacks = callback_handler(store.clone(), clock.clone());
    let identity_scan = issued["identityScanRef"].as_str().expect("a scanRef");
    let body = payload(client, identity_scan, true, &sample_id_card()).to_string();
    assert_eq!(
        call(&callbacks, signed(&body, "IDENTIFICATION_MANUAL_FINISHED"))
            .await
            .0,
        200
    );

    // Past the document link's life, a reload: iDenfy is reviewing the session, so it stays.
    clock.advance(Duration::from_secs(3600 + 600 + 300 + 60));
    let minted = stub.token_requests().await.len();
    assert_eq!(location(&handler, &continue_url, client).await, followed);
    assert_eq!(stub.token_requests().await.len(), minted, "no fresh token");
    let asked = stub
        .server
        .received_requests()
        .await
        .unwrap_or_default()
        .iter()
        .filter(|r| r.url.path() == "/api/v2/status")
        .count();
    assert_eq!(asked, 1, "iDenfy asked once, not polled");

    // The permit's result for that session decides the pair.
    let document_scan = issued["documentScanRef"].as_str().expect("a scanRef");
    let body = payload(client, document_scan, true, &sample_permit()).to_string();
    let (status, decided) = call(&callbacks, signed(&body, "IDENTIFICATION_MANUAL_FINISHED")).await;
    assert_eq!(
        (status, &decided["result"], &decided["decided"]),
        (200, &json!("STORED"), &json!(true)),
        "{decided}"
    );
    let (_, shown) = api::answer(&handler, api::get_as(client, "", ISSUER)).await;
    assert_eq!(shown["status"], "VERIFIED", "{shown}");
    table
        .store
        .delete_table()
        .await
        .expect("dropping the test table");
}
