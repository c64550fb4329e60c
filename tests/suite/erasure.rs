//! Erasure end to end on moto_server, through both handlers as API Gateway and iDenfy call
//! them: a person verified, restarted and erased; iDenfy refuses one deletion once (a live
//! token) and the scheduled retry finishes it; afterwards a raw scan of the table holds none
//! of the person's data, the status is gone, and a late signed webhook stores nothing.

use integration_tests::api::{self, ISSUER, answer};
use integration_tests::callbacks::{
    SAMPLE_PERSONAL_DATA, call, handler as callback_handler, payload, sample_id_card,
    sample_permit, signed,
};
use integration_tests::{
    IdenfyStub, T0, events, issue_tokens_handler_with, moto_ledger, moto_table,
};
use pair_adapters::http_api::Caller;
use pair_core::clock::{Clock, ManualClock};
use pair_core::ports::ledger::SessionLedger;
use serde_json::{Value, json};
use std::sync::Arc;
use std::time::Duration;
use wiremock::matchers::{method, path};
use wiremock::{Mock, ResponseTemplate};

const CLIENT: &str = "USER_ERASED";
const ERASER: Caller<'static> = Caller::Jwt {
    subject: "dpo-7",
    scopes: &["idenfy-pair/erase"],
};

/// Every attribute of every item, as DynamoDB holds it.
async fn raw_scan(table: &integration_tests::MotoTable) -> String {
    let scanned = table
        .store
        .client()
        .await
        .scan()
        .table_name(table.store.table())
        .send()
        .await
        .expect("a scan");
    format!("{:?}", scanned.items.unwrap_or_default())
}

fn assert_nothing_personal(scan: &str) {
    for personal in SAMPLE_PERSONAL_DATA {
        assert!(!scan.contains(personal), "{personal} still stored: {scan}");
    }
    // No name, no document digest, no result digest, no tag: no results at all.
    for attribute in [
        "firstName",
        "docNumberHash",
        "finalDigests",
        "digest",
        "results",
    ] {
        assert!(
            !scan.contains(&format!("\"{attribute}\"")),
            "{attribute}: {scan}"
        );
    }
}

async fn deliver(
    callbacks: &idenfy_callback::IdenfyCallback,
    scan_ref: &str,
    fields: &integration_tests::callbacks::DocFields,
) -> Value {
    let body = payload(CLIENT, scan_ref, true, fields).to_string();
    let (status, answer) = call(callbacks, signed(&body, "IDENTIFICATION_MANUAL_FINISHED")).await;
    assert_eq!(status, 200, "{answer}");
    answer
}

#[tokio::test]
async fn an_erasure_removes_the_person_everywhere_and_idenfy_deletes_every_session() {
    let table = moto_table().await;
    let store = Arc::new(table.store.clone());
    let ledger = Arc::new(moto_ledger(&table).await);
    let stub = IdenfyStub::minting().await;
    // iDenfy refuses the first deletion (the token still live), then deletes.
    Mock::given(method("POST"))
        .and(path("/api/v2/delete"))
        .respond_with(ResponseTemplate::new(400).set_body_json(
            json!({"identifier": "PARTNER_ERROR", "message": "Token has not expired yet."}),
        ))
        .up_to_n_times(1)
        .mount(&stub.server)
        .await;
    Mock::given(method("POST"))
        .and(path("/api/v2/delete"))
        .respond_with(ResponseTemplate::new(200))
        .mount(&stub.server)
        .await;
    let clock = Arc::new(ManualClock::at(T0));
    let issuing = issue_tokens_handler_with(
        store.clone(),
        ledger.clone(),
        Arc::new(stub.client()),
        clock.clone(),
    );
    let callbacks = callback_handler(store.clone(), clock.clone());

    // A pair decided on the person's documents, then replaced by a restart whose identity
    // session has a result too.
    let (status, first) = answer(&issuing, api::issue(&json!({"clientId": CLIENT}))).await;
    assert_eq!(status, 201, "{first}");
    let first_identity = first["identityScanRef"]
        .as_str()
        .expect("a scanRef")
        .to_owned();
    let first_document = first["documentScanRef"]
        .as_str()
        .expect("a scanRef")
        .to_owned();
    let first_pair = answer(&issuing, api::get_as(CLIENT, "", ISSUER)).await.1["pairId"].clone();
    deliver(&callbacks, &first_identity, &sample_id_card()).await;
    let decided = deliver(&callbacks, &first_document, &sample_permit()).await;
    assert_eq!(decided["decided"], true, "{decided}");
    clock.advance(Duration::from_secs(60));
    let (status, second) = answer(
        &issuing,
        api::issue(&json!({"clientId": CLIENT, "restart": true})),
    )
    .await;
    assert_eq!(status, 201, "{second}");
    let second_identity = second["identityScanRef"]
        .as_str()
        .expect("a scanRef")
        .to_owned();
    let second_document = second["documentScanRef"]
        .as_str()
        .expect("a scanRef")
        .to_owned();
    let second_pair = answer(&issuing, api::get_as(CLIENT, "", ISSUER)).await.1["pairId"].clone();
    assert_ne!(first_pair, second_pair);
    deliver(&callbacks, &second_identity, &sample_id_card()).await;
    let before = raw_scan(&table).await;
    assert!(
        SAMPLE_PERSONAL_DATA.iter().any(|p| before.contains(p)),
        "the control: before the erasure the table holds the person's data"
    );

    // The issuer's token may not erase; no caller at all is refused too.
    let (status, _) = answer(&issuing, api::erase_as(CLIENT, Caller::Anonymous)).await;
    assert_eq!(status, 401);

    let (status, erased) = answer(&issuing, api::erase_as(CLIENT, ERASER)).await;
    assert_eq!(status, 202, "one session still with iDenfy: {erased}");
    assert_eq!(erased["erasedBy"], "dpo-7");
    let pairs: Vec<&Value> = erased["pairs"].as_array().expect("pairs").iter().collect();
    assert_eq!(pairs.len(), 2, "{erased}");
    assert_eq!(pairs[0]["pairId"], first_pair);
    assert_eq!(
        pairs[0]["status"], "VERIFIED",
        "the outcome stays in the audit"
    );
    assert_eq!(pairs[1]["pairId"], second_pair);
    let sessions = erased["sessions"].as_array().expect("sessions");
    let scan_refs: Vec<&str> = sessions
        .iter()
        .filter_map(|s| s["scanRef"].as_str())
        .collect();
    for scan_ref in [
        &first_identity,
        &first_document,
        &second_identity,
        &second_document,
    ] {
        assert!(
            scan_refs.contains(&scan_ref.as_str()),
            "{scan_ref}: {erased}"
        );
    }
    let pending: Vec<&Value> = sessions
        .iter()
        .filter(|s| s["idenfy"] == "PENDING")
        .collect();
    assert_eq!(pending.len(), 1, "{erased}");
    assert_eq!(pending[0]["lastRefusal"], "TOKEN_NOT_EXPIRED");
    // Our copy is gone at once, whatever iDenfy said.
    assert_nothing_personal(&raw_scan(&table).await);
    let pending = ledger
        .pending_deletions(clock.now())
        .await
        .expect("readable");
    assert_eq!(pending.count, 1, "{pending:?}");

    // The schedule's event once the refused session's token lapsed (iDenfy would refuse it
    // again before): it is asked again and deleted.
    clock.advance(Duration::from_secs(2 * 3600));
    let scheduled =
        lambda_http::request::from_str(&events::text("issue-tokens", "erasure-retries"))
            .expect("an HTTP API event");
    let (status, retried) = answer(&issuing, scheduled).await;
    assert_eq!(status, 200, "{retried}");
    assert_eq!(
        (&retried["asked"], &retried["deleted"], &retried["pending"]),
        (&json!(1), &json!(1), &json!(0)),
        "{retried}"
    );
    let pending = ledger
        .pending_deletions(clock.now())
        .await
        .expect("readable");
    assert_eq!(pending.count, 0, "{pending:?}");
    let deletes = stub.deletions_asked().await;
    assert_eq!(
        deletes.len(),
        5,
        "four sessions, one asked twice: {deletes:?}"
    );
    for scan_ref in [
        &first_identity,
        &first_document,
        &second_identity,
        &second_document,
    ] {
        assert!(deletes.contains(scan_ref), "{scan_ref}: {deletes:?}");
    }
    // Asked again, the erasure is complete.
    let (status, again) = answer(&issuing, api::erase_as(CLIENT, ERASER)).await;
    assert_eq!(status, 200, "{again}");

    // The status is gone; a late signed webhook for the erased sessions is ignored, and the
    // table still holds nothing personal.
    let (status, gone) = answer(&issuing, api::get_as(CLIENT, "", ISSUER)).await;
    assert_eq!(
        (status, gone["code"].as_str()),
        (410, Some("ERASED")),
        "{gone}"
    );
    let late = deliver(&callbacks, &second_document, &sample_permit()).await;
    assert_eq!(late["result"], "IGNORED", "{late}");
    assert_nothing_personal(&raw_scan(&table).await);
    table
        .store
        .delete_table()
        .await
        .expect("dropping the test table");
    ledger.delete_table().await.expect("dropping the ledger");
}
