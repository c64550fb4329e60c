//! The signature table: what is refused with 401 costs zero DynamoDB requests; rotation keeps
//! the old key valid while both are configured. Then the checks before it: 405, 415, 413, 400.

use integration_tests::callbacks::{
    EVENTS_CLIENT_ID, EVENTS_IDENTITY_SCAN_REF, TEST_SIGNING_KEY, call, callback_clock,
    events_record, request,
};
use integration_tests::moto_table;
use integration_tests::stores::AnyStore;
use pair_adapters::idenfy::SigningKeys;
use pair_adapters::idenfy::signature::sign;
use pair_adapters::secret::runtime::Secrets;
use pair_app::callback::CallbackSecrets;
use pair_core::ports::store::{Expected, PairReader, SeedStore};
use serde_json::Value;
use std::sync::Arc;

fn body() -> String {
    let fields = integration_tests::callbacks::sample_id_card();
    integration_tests::callbacks::payload(EVENTS_CLIENT_ID, EVENTS_IDENTITY_SCAN_REF, true, &fields)
        .to_string()
}

#[tokio::test]
async fn signature_table_with_zero_store_requests_for_every_refusal() {
    let table = moto_table().await;
    table
        .store
        .save(&events_record(), Expected::Absent)
        .await
        .unwrap();
    let store: Arc<dyn AnyStore> = Arc::new(table.store.clone());
    let keys = SigningKeys::parse(&format!(
        "new-rotated-signing-key-0123456789,{TEST_SIGNING_KEY}"
    ))
    .unwrap();
    let handler = integration_tests::callbacks::callback_with_secrets(
        store,
        callback_clock(),
        Secrets::fixed(CallbackSecrets {
            signing_keys: Some(keys),
            document_hasher: integration_tests::callbacks::hasher(),
        }),
    );

    let body = body();
    let good = sign(TEST_SIGNING_KEY, body.as_bytes());
    let mut flipped = body.clone().into_bytes();
    flipped[body.len() / 2] ^= 0x01;
    let flipped = String::from_utf8(flipped).unwrap();
    let reserialised =
        serde_json::to_string_pretty(&serde_json::from_str::<Value>(&body).unwrap()).unwrap();

    let refused: Vec<(&str, String, Option<String>)> = vec![
        ("one flipped body bit", flipped, Some(good.clone())),
        (
            "wrong key",
            body.clone(),
            Some(sign("another-key", body.as_bytes())),
        ),
        ("missing header", body.clone(), None),
        ("empty", body.clone(), Some(String::new())),
        ("truncated", body.clone(), Some(good[..62].to_owned())),
        ("over-long", body.clone(), Some(format!("{good}00"))),
        (
            "non-hex",
            body.clone(),
            Some(good.replace(&good[..2], "zz")),
        ),
        ("v1,-style junk", body.clone(), Some(format!("v1,{good}"))),
        (
            "sha256=-prefixed",
            body.clone(),
            Some(format!("sha256={good}")),
        ),
        ("re-serialised JSON", reserialised, Some(good.clone())),
    ];
    for (case, body, signature) in refused {
        let before = table.requests();
        let (status, response) = call(
            &handler,
            request(&body, signature.as_deref(), "IDENTIFICATION"),
        )
        .await;
        assert_eq!(status, 401, "{case}: {response}");
        assert_eq!(response["code"], "BAD_SIGNATURE", "{case}");
        assert_eq!(
            table.requests(),
            before,
            "{case}: no DynamoDB request for a refused signature"
        );
    }

    let accepted = [
        ("lower-case hex, old key", good.clone()),
        ("upper-case hex, old key", good.to_uppercase()),
        (
            "new key",
            sign("new-rotated-signing-key-0123456789", body.as_bytes()),
        ),
    ];
    for (case, signature) in accepted {
        let (status, response) =
            call(&handler, request(&body, Some(&signature), "IDENTIFICATION")).await;
        assert_eq!(status, 200, "{case}: {response}");
    }
    table.store.delete_table().await.unwrap();
}

#[tokio::test]
async fn refusals_before_the_signature_and_unusable_bodies_ignored_after_it() {
    let store = Arc::new(pair_adapters::store::MemoryStore::new());
    store
        .save(&events_record(), Expected::Absent)
        .await
        .unwrap();
    let handler = integration_tests::callbacks::handler(store.clone(), callback_clock());

    let get = lambda_http::http::Request::builder()
        .method("GET")
        .uri("https://api.example.com/webhooks/idenfy")
        .body(lambda_http::Body::Empty)
        .unwrap();
    let response = handler.handle(get).await;
    assert_eq!(response.status().as_u16(), 405);
    assert_eq!(response.headers().get("allow").unwrap(), "POST");

    let body = body();
    let signature = sign(TEST_SIGNING_KEY, body.as_bytes());
    let form = lambda_http::http::Request::builder()
        .method("POST")
        .uri("https://api.example.com/webhooks/idenfy")
        .header("content-type", "application/x-www-form-urlencoded")
        .header("idenfy-signature", &signature)
        .body(lambda_http::Body::from(body.clone()))
        .unwrap();
    assert_eq!(call(&handler, form).await.0, 415);

    let huge = format!("{{\"pad\":\"{}\"}}", "x".repeat(600 * 1024));
    let (status, response) = call(
        &handler,
        request(
            &huge,
            Some(&sign(TEST_SIGNING_KEY, huge.as_bytes())),
            "IDENTIFICATION",
        ),
    )
    .await;
    assert_eq!(
        (status, response["code"].as_str()),
        (413, Some("PAYLOAD_TOO_LARGE"))
    );

    // Signed bodies we cannot use: iDenfy gets 200 (a retry would not change them), nothing
    // is stored, and the answer says why.
    let long_client_id = "A".repeat(101);
    for (case, unusable, reason) in [
        (
            "not JSON",
            "{\"clientId\": \"USER_12345\",".to_owned(),
            "NOT_JSON",
        ),
        ("array", "[1, 2]".to_owned(), "NOT_JSON"),
        (
            "no scanRef",
            "{\"clientId\": \"USER_12345\", \"final\": true}".to_owned(),
            "NO_SCAN_REF",
        ),
        (
            "no clientId",
            format!("{{\"scanRef\": \"{EVENTS_IDENTITY_SCAN_REF}\"}}"),
            "NO_CLIENT_ID",
        ),
        (
            "another kind of webhook, clientId null",
            r#"{"clientId": null, "ageEstimate": {"age": 31}, "scanRef": "x"}"#.to_owned(),
            "NO_CLIENT_ID",
        ),
        (
            "clientId with spaces",
            format!(
                "{{\"clientId\": \"USER 12345\", \"scanRef\": \"{EVENTS_IDENTITY_SCAN_REF}\"}}"
            ),
            "CLIENT_ID_NOT_OURS",
        ),
        (
            "clientId of 101 characters",
            format!(
                "{{\"clientId\": \"{long_client_id}\", \"scanRef\": \"{EVENTS_IDENTITY_SCAN_REF}\"}}"
            ),
            "CLIENT_ID_NOT_OURS",
        ),
    ] {
        let (status, response) = call(
            &handler,
            request(
                &unusable,
                Some(&sign(TEST_SIGNING_KEY, unusable.as_bytes())),
                "IDENTIFICATION",
            ),
        )
        .await;
        assert_eq!(status, 200, "{case}: {response}");
        assert_eq!(
            (response["result"].as_str(), response["reason"].as_str()),
            (Some("IGNORED"), Some(reason)),
            "{case}"
        );
        // Unsigned, the same body is still refused before it is read.
        let (status, _) = call(&handler, request(&unusable, None, "IDENTIFICATION")).await;
        assert_eq!(status, 401, "{case}");
    }
    let record = store
        .load(&pair_core::pair::ClientId::parse(EVENTS_CLIENT_ID).unwrap())
        .await
        .unwrap()
        .unwrap();
    assert!(
        record.pair.unwrap().results.is_empty(),
        "nothing refused was stored"
    );
}

#[tokio::test]
async fn unsigned_callbacks_pass_only_when_no_key_is_configured() {
    let store = Arc::new(pair_adapters::store::MemoryStore::new());
    store
        .save(&events_record(), Expected::Absent)
        .await
        .unwrap();
    let insecure = integration_tests::callbacks::callback_with_secrets(
        store.clone(),
        callback_clock(),
        Secrets::fixed(CallbackSecrets {
            signing_keys: None,
            document_hasher: integration_tests::callbacks::hasher(),
        }),
    );
    let (status, _) = call(&insecure, request(&body(), None, "IDENTIFICATION")).await;
    assert_eq!(status, 200);
}
