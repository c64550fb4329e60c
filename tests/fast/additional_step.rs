//! Method 2, the additional-step mode: one IDENTIFICATION token carrying the permit's UPLOAD
//! step, a one-session pair, and the modes kept apart for a clientId.

use integration_tests::{IdenfyStub, SHOP, T0, api_ports, issue_tokens_config};
use issue_tokens::VerificationsApi;
use pair_adapters::store::MemoryStore;
use pair_app::issuance::PermitStepPolicy;
use pair_core::clock::ManualClock;
use pair_core::pair::{ClientId, Mode};
use pair_core::ports::idenfy::IdenfyPorts;
use pair_core::ports::store::PairReader;
use serde_json::{Value, json};
use std::sync::Arc;

fn handler(
    stub: &IdenfyStub,
    store: Arc<MemoryStore>,
    permit_step: PermitStepPolicy,
) -> VerificationsApi {
    let mut config = issue_tokens_config("https://ivs.idenfy.com");
    config.policy.permit_step = permit_step;
    VerificationsApi::build(
        config,
        api_ports(
            store,
            Arc::new(pair_adapters::store::MemoryLedger::new()),
            IdenfyPorts::of(Arc::new(stub.client())),
            Arc::new(ManualClock::at(T0)),
        ),
    )
}

async fn post(handler: &VerificationsApi, body: Value) -> (u16, Value) {
    let request = integration_tests::api::issue(&body);
    let response = handler.handle(request).await;
    let body = serde_json::from_slice(response.body().as_ref()).unwrap();
    (response.status().as_u16(), body)
}

#[tokio::test]
async fn one_identification_token_carries_the_upload_step() {
    let stub = IdenfyStub::minting().await;
    let store = Arc::new(MemoryStore::new());
    let handler = handler(&stub, store.clone(), PermitStepPolicy::default());

    let (status, body) = post(
        &handler,
        json!({"clientId": "USER_70001", "mode": "additionalStep"}),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(body["mode"], "additionalStep");
    assert_eq!(body["documentScanRef"], Value::Null);
    assert_eq!(body["identityScanRef"], "scan-1");

    let requests = stub.token_requests().await;
    assert_eq!(requests.len(), 1, "one token only: {requests:?}");
    let token = &requests[0];
    assert_eq!(token["tokenType"], "IDENTIFICATION");
    // The shape of docs/idenfy.md: every country, every document, one UPLOAD step.
    assert_eq!(
        token["additionalSteps"],
        json!({"ALL": {"ALL": {"RESIDENCE_PERMIT": {
            "type": "UPLOAD", "texts": {"en": {"name": "Residence permit"}}
        }}}})
    );
    // The one session ends on the shop's own pages; it accepts any identity document.
    assert_eq!(token["successUrl"], format!("{SHOP}/verification/complete"));
    assert_eq!(token["errorUrl"], format!("{SHOP}/verification/failed"));
    assert_eq!(
        token["unverifiedUrl"],
        format!("{SHOP}/verification/review")
    );
    assert!(token.get("documents").is_none(), "{token}");
    assert_eq!(token["expiryTime"], 3600);

    let pair = store
        .load(&ClientId::parse("USER_70001").unwrap())
        .await
        .unwrap()
        .unwrap()
        .pair
        .unwrap();
    assert_eq!(pair.mode, Mode::AdditionalStep);
    assert_eq!(pair.document, None);
    assert_eq!(
        token["externalRef"],
        format!("idp-{}-identity", pair.pair_id)
    );
}

#[tokio::test]
async fn a_step_configured_on_the_account_is_not_sent_with_the_token() {
    let stub = IdenfyStub::minting().await;
    let handler = handler(
        &stub,
        Arc::new(MemoryStore::new()),
        PermitStepPolicy {
            name: "PERMIT_UPLOAD".into(),
            on_token: false,
        },
    );
    let (status, body) = post(
        &handler,
        json!({"clientId": "USER_70002", "mode": "additionalStep"}),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    let requests = stub.token_requests().await;
    assert_eq!(requests.len(), 1);
    assert!(
        requests[0].get("additionalSteps").is_none(),
        "{}",
        requests[0]
    );
}

#[tokio::test]
async fn a_pending_pair_is_handed_out_only_in_its_own_mode() {
    let stub = IdenfyStub::minting().await;
    let handler = handler(
        &stub,
        Arc::new(MemoryStore::new()),
        PermitStepPolicy::default(),
    );
    let (status, first) = post(
        &handler,
        json!({"clientId": "USER_70003", "mode": "additionalStep"}),
    )
    .await;
    assert_eq!(status, 201);

    let (status, again) = post(
        &handler,
        json!({"clientId": "USER_70003", "mode": "additionalStep"}),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(again["verificationUrl"], first["verificationUrl"]);

    let (status, refused) = post(&handler, json!({"clientId": "USER_70003"})).await;
    assert_eq!(status, 409, "{refused}");
    assert_eq!(refused["code"], "PENDING_IN_OTHER_MODE");
    assert_eq!(refused["mode"], "additionalStep");
    assert_eq!(stub.token_requests().await.len(), 1, "nothing minted");

    let (status, chain) = post(
        &handler,
        json!({"clientId": "USER_70003", "mode": "twoSessions", "restart": true}),
    )
    .await;
    assert_eq!(status, 201, "{chain}");
    assert_eq!(chain["mode"], "twoSessions");
    assert!(chain["documentScanRef"].is_string());
    assert_eq!(stub.token_requests().await.len(), 3);

    let (status, invalid) = post(
        &handler,
        json!({"clientId": "USER_70004", "mode": "upload"}),
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(invalid["fieldErrors"][0]["field"], "mode");
}
