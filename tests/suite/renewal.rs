//! Renewing a verified pair's permit on moto_server, through both handlers as API Gateway and
//! iDenfy call them: one DOCUMENT token per renewal, its permit judged against the identity
//! already proven (a new verdict version and a new end, or review — never a rejection), each
//! refusal without an iDenfy call, duplicates and reordered webhooks deciding once.

use integration_tests::api::{self, ISSUER, answer};
use integration_tests::callbacks::{
    DocFields, call, handler as callback_handler, payload, sample_id_card, sample_permit, signed,
};
use integration_tests::{IdenfyStub, T0, issue_tokens_handler, moto_table};
use pair_core::clock::ManualClock;
use serde_json::{Value, json};
use std::sync::Arc;

/// `POST /verifications/{clientId}/renewal` as API Gateway delivers it, for the issuer.
fn renew(client_id: &str, body: Option<Value>) -> lambda_http::Request {
    let request = lambda_http::http::Request::builder()
        .method("POST")
        .uri(format!(
            "https://api.example.com/verifications/{client_id}/renewal"
        ))
        .header("content-type", "application/json")
        .body(match body {
            Some(body) => lambda_http::Body::from(body.to_string()),
            None => lambda_http::Body::Empty,
        })
        .expect("a request");
    lambda_http::RequestExt::with_path_parameters(
        pair_adapters::http_api::routed(request, "POST /verifications/{clientId}/renewal", ISSUER),
        std::collections::HashMap::from([("clientId".to_owned(), client_id.to_owned())]),
    )
}

struct World {
    table: integration_tests::MotoTable,
    stub: IdenfyStub,
    issuing: issue_tokens::VerificationsApi,
    callbacks: idenfy_callback::IdenfyCallback,
}

impl World {
    async fn new() -> Self {
        let table = moto_table().await;
        let store = Arc::new(table.store.clone());
        let stub = IdenfyStub::minting().await;
        let clock = Arc::new(ManualClock::at(T0));
        let issuing = issue_tokens_handler(store.clone(), Arc::new(stub.client()), clock.clone());
        let callbacks = callback_handler(store, clock);
        Self {
            table,
            stub,
            issuing,
            callbacks,
        }
    }

    async fn deliver(
        &self,
        client: &str,
        scan_ref: &str,
        fields: &DocFields,
        expiry: &str,
    ) -> Value {
        self.deliver_as(client, scan_ref, fields, expiry, true)
            .await
    }

    async fn deliver_as(
        &self,
        client: &str,
        scan_ref: &str,
        fields: &DocFields,
        expiry: &str,
        is_final: bool,
    ) -> Value {
        let mut body = payload(client, scan_ref, is_final, fields);
        body["data"]["docExpiry"] = json!(expiry);
        let event = if is_final {
            "IDENTIFICATION_MANUAL_FINISHED"
        } else {
            "PROCESSING"
        };
        let (status, answer) = call(&self.callbacks, signed(&body.to_string(), event)).await;
        assert_eq!(status, 200, "{answer}");
        answer
    }

    /// A pair issued for `client` and decided on `identity` and `permit` (with these ends).
    async fn decided(
        &self,
        client: &str,
        identity: (&DocFields, &str),
        permit: (&DocFields, &str),
    ) -> Value {
        let (status, issued) =
            answer(&self.issuing, api::issue(&json!({"clientId": client}))).await;
        assert_eq!(status, 201, "{issued}");
        let identity_scan = issued["identityScanRef"]
            .as_str()
            .expect("a scanRef")
            .to_owned();
        let document_scan = issued["documentScanRef"]
            .as_str()
            .expect("a scanRef")
            .to_owned();
        self.deliver(client, &identity_scan, identity.0, identity.1)
            .await;
        self.deliver(client, &document_scan, permit.0, permit.1)
            .await;
        issued
    }

    async fn status(&self, client: &str) -> Value {
        let (code, shown) = answer(&self.issuing, api::get_as(client, "", ISSUER)).await;
        assert_eq!(code, 200, "{shown}");
        shown
    }

    async fn tokens(&self) -> Vec<Value> {
        self.stub.token_requests().await
    }
}

#[tokio::test]
async fn a_renewal_opens_one_document_token_and_the_matching_permit_moves_the_end_once() {
    let world = World::new().await;
    let client = "USER_RENEWS";
    world
        .decided(
            client,
            (&sample_id_card(), "2036-01-31"),
            (&sample_permit(), "2027-01-15"),
        )
        .await;
    let before = world.status(client).await;
    assert_eq!(
        (
            &before["status"],
            &before["validUntil"],
            &before["verdictVersion"]
        ),
        (&json!("VERIFIED"), &json!("2027-01-15"), &json!(1)),
        "{before}"
    );
    let minted = world.tokens().await.len();

    let (status, opened) = answer(&world.issuing, renew(client, None)).await;
    assert_eq!(status, 201, "{opened}");
    let tokens = world.tokens().await;
    assert_eq!(tokens.len(), minted + 1, "exactly one token");
    assert_eq!(tokens[minted]["tokenType"], "DOCUMENT");
    assert_eq!(tokens[minted]["clientId"], client);
    let renewal_scan = opened["documentScanRef"]
        .as_str()
        .expect("a scanRef")
        .to_owned();
    assert_eq!(opened["renewal"]["status"], "OPEN");
    // Asked again: the open renewal, no second token.
    let (status, again) = answer(&world.issuing, renew(client, Some(json!({})))).await;
    assert_eq!(status, 200, "{again}");
    assert_eq!(again["verificationUrl"], opened["verificationUrl"]);
    assert_eq!(world.tokens().await.len(), minted + 1);
    // While open, the pair keeps its verdict and its end.
    let during = world.status(client).await;
    assert_eq!(
        (
            &during["status"],
            &during["validUntil"],
            &during["renewal"]["status"]
        ),
        (&json!("VERIFIED"), &json!("2027-01-15"), &json!("OPEN")),
        "{during}"
    );

    // The new permit's result, reordered and duplicated: decided once, on the new end.
    let preliminary = world
        .deliver_as(client, &renewal_scan, &sample_permit(), "2031-01-15", false)
        .await;
    assert_eq!(preliminary["decided"], false, "{preliminary}");
    let decided = world
        .deliver(client, &renewal_scan, &sample_permit(), "2031-01-15")
        .await;
    assert_eq!(decided["decided"], true, "{decided}");
    for _ in 0..2 {
        let replay = world
            .deliver(client, &renewal_scan, &sample_permit(), "2031-01-15")
            .await;
        assert_eq!(
            (&replay["result"], &replay["decided"]),
            (&json!("UNCHANGED"), &json!(false)),
            "{replay}"
        );
    }
    let late_preliminary = world
        .deliver_as(client, &renewal_scan, &sample_permit(), "2031-01-15", false)
        .await;
    assert_eq!(late_preliminary["result"], "UNCHANGED");
    let after = world.status(client).await;
    assert_eq!(
        (
            &after["status"],
            &after["validUntil"],
            &after["verdictVersion"],
            &after["renewal"]["status"]
        ),
        (
            &json!("VERIFIED"),
            &json!("2031-01-15"),
            &json!(2),
            &json!("DECIDED")
        ),
        "{after}"
    );
    assert_eq!(
        after["earlierVerdicts"][0]["status"], "VERIFIED",
        "the previous verified permit stays in the history: {after}"
    );
    // The expiry watch follows the new end: its first threshold, 30 days before it.
    let record = pair_core::ports::store::PairReader::load(
        &world.table.store,
        &pair_core::pair::ClientId::parse(client).expect("an id"),
    )
    .await
    .expect("readable")
    .expect("a record");
    assert_eq!(
        (record.expiry_watch, record.expiry_due.as_deref()),
        (Some(pair_core::pair::Threshold::Days30), Some("2030-12-16"))
    );
    world.table.store.delete_table().await.expect("dropped");
}

#[tokio::test]
async fn a_renewed_permit_naming_someone_else_goes_to_review_and_is_never_a_rejection() {
    let world = World::new().await;
    let mut someone_else = sample_permit();
    someone_else.first_name = Some("PETER".into());
    let mut denied = sample_permit();
    denied.overall = "DENIED";
    for (client, permit, reason) in [
        ("USER_RENEWS_OTHER", someone_else, Some("NAME_MISMATCH")),
        ("USER_RENEWS_DENIED", denied, None),
    ] {
        world
            .decided(
                client,
                (&sample_id_card(), "2036-01-31"),
                (&sample_permit(), "2027-01-15"),
            )
            .await;
        let (status, opened) = answer(&world.issuing, renew(client, None)).await;
        assert_eq!(status, 201, "{opened}");
        let scan = opened["documentScanRef"].as_str().expect("a scanRef");
        world.deliver(client, scan, &permit, "2031-01-15").await;
        let after = world.status(client).await;
        assert_eq!(
            (&after["status"], &after["verdictVersion"]),
            (&json!("REQUIRES_REVIEW"), &json!(2)),
            "{client}: {after}"
        );
        if let Some(reason) = reason {
            let reasons = after["reasons"].as_array().expect("reasons");
            assert!(reasons.contains(&json!(reason)), "{after}");
        }
    }
    world.table.store.delete_table().await.expect("dropped");
}

#[tokio::test]
async fn every_refusal_is_a_conflict_without_an_idenfy_call() {
    let world = World::new().await;
    // Undecided.
    let (status, _) = answer(
        &world.issuing,
        api::issue(&json!({"clientId": "USER_PENDING"})),
    )
    .await;
    assert_eq!(status, 201);
    // REJECTED.
    let mut denied = sample_id_card();
    denied.overall = "DENIED";
    world
        .decided(
            "USER_REJECTED",
            (&denied, "2036-01-31"),
            (&sample_permit(), "2027-01-15"),
        )
        .await;
    // Verified, but the identity document ends within the warning window (30 days of T0).
    world
        .decided(
            "USER_ID_ENDING",
            (&sample_id_card(), "2026-12-10"),
            (&sample_permit(), "2026-12-20"),
        )
        .await;
    let minted = world.tokens().await.len();
    for (client, code, why) in [
        ("USER_PENDING", "RENEWAL_NOT_POSSIBLE", Some("NOT_DECIDED")),
        ("USER_REJECTED", "RENEWAL_NOT_POSSIBLE", Some("REJECTED")),
        ("USER_ID_ENDING", "IDENTITY_DOCUMENT_EXPIRING", None),
    ] {
        let (status, refused) = answer(&world.issuing, renew(client, None)).await;
        assert_eq!(
            (status, refused["code"].as_str(), refused["why"].as_str()),
            (409, Some(code), why),
            "{client}: {refused}"
        );
    }
    let (status, _) = answer(&world.issuing, renew("USER_NEVER_SEEN", None)).await;
    assert_eq!(status, 404);
    let (status, invalid) = answer(
        &world.issuing,
        renew("USER_PENDING", Some(json!({"locale": "english"}))),
    )
    .await;
    assert_eq!(status, 400, "{invalid}");
    assert_eq!(
        world.tokens().await.len(),
        minted,
        "no iDenfy call for a refusal"
    );
    world.table.store.delete_table().await.expect("dropped");
}

#[tokio::test]
async fn an_abandoned_renewal_leaves_the_pair_as_it_was() {
    let world = World::new().await;
    let client = "USER_ABANDONS";
    world
        .decided(
            client,
            (&sample_id_card(), "2036-01-31"),
            (&sample_permit(), "2027-01-15"),
        )
        .await;
    let (status, opened) = answer(&world.issuing, renew(client, None)).await;
    assert_eq!(status, 201, "{opened}");
    let scan = opened["documentScanRef"].as_str().expect("a scanRef");
    let expired = DocFields::new("EXPIRED", "", "", "", "", "");
    let answered = world.deliver(client, scan, &expired, "").await;
    assert_eq!(answered["decided"], false, "{answered}");
    let after = world.status(client).await;
    assert_eq!(
        (
            &after["status"],
            &after["validUntil"],
            &after["verdictVersion"],
            &after["renewal"]["status"]
        ),
        (
            &json!("VERIFIED"),
            &json!("2027-01-15"),
            &json!(1),
            &json!("EXPIRED")
        ),
        "{after}"
    );
    // Another renewal may open now.
    let (status, reopened) = answer(&world.issuing, renew(client, None)).await;
    assert_eq!(status, 201, "{reopened}");
    world.table.store.delete_table().await.expect("dropped");
}
