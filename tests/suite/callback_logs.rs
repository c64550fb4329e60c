//! Logs carry clientId, scanRef and reasons, never names, dates of birth or document
//! numbers: every sample callback (and the refusals) runs with logs captured, then the
//! captured text is searched for every such value the fixtures hold.

use crate::callback_events::{event, event_names};
use integration_tests::callbacks::{
    EVENTS_CLIENT_ID, EVENTS_DOCUMENT_SCAN_REF, callback_clock, events_record, handler, payload,
    sample_id_card, signed, step_events_record,
};
use integration_tests::logs::Capture;
use integration_tests::moto_table;
use integration_tests::stores::AnyStore;
use pair_adapters::store::MemoryStore;
use pair_core::ports::store::{Expected, SeedStore};
use serde_json::Value;
use std::sync::Arc;
use tracing::Level;

/// Every sample webhook event, parsed.
fn sample_events() -> Vec<Value> {
    event_names()
        .iter()
        .map(|name| {
            serde_json::from_str(&integration_tests::events::text("idenfy-callback", name)).unwrap()
        })
        .collect()
}

/// Names, dates of birth and document numbers in every sample event's body.
fn personal_values() -> Vec<String> {
    let mut values = Vec::new();
    for event in sample_events() {
        let body = event["body"].as_str().unwrap();
        let body = if event["isBase64Encoded"] == true {
            continue; // the same payload as its plain twin
        } else {
            body
        };
        let payload: Value = serde_json::from_str(body).unwrap();
        for field in [
            "docFirstName",
            "docLastName",
            "fullName",
            "docDob",
            "docNumber",
            "docPersonalCode",
        ] {
            if let Some(value) = payload["data"][field].as_str() {
                values.push(value.to_owned());
            }
        }
    }
    values.sort();
    values.dedup();
    values
}

/// What must never reach a log at any level: the personal values, the file URLs and the
/// signatures of every sample webhook.
pub fn values_never_logged() -> Vec<String> {
    let mut values = personal_values();
    for event in sample_events() {
        if let Some(signature) = event["headers"]["idenfy-signature"].as_str() {
            values.push(signature.to_owned());
        }
        if event["isBase64Encoded"] == true {
            continue;
        }
        let payload: Value = serde_json::from_str(event["body"].as_str().unwrap()).unwrap();
        for urls in ["fileUrls", "additionalStepPdfUrls"] {
            if let Some(urls) = payload[urls].as_object() {
                values.extend(urls.values().filter_map(|u| u.as_str().map(str::to_owned)));
            }
        }
    }
    values.sort();
    values.dedup();
    values
}

async fn run_everything(store: Arc<dyn AnyStore>) {
    let handler = handler(store, callback_clock());
    for name in ["identity-preliminary", "identity-final", "document-final"] {
        handler.handle(event(name)).await;
    }
    for name in event_names() {
        handler.handle(event(&name)).await;
    }
    // Refusals and a callback for a clientId never issued.
    let odd = sample_id_card();
    handler
        .handle(signed(
            &payload("USER_UNKNOWN", EVENTS_DOCUMENT_SCAN_REF, true, &odd).to_string(),
            "X",
        ))
        .await;
    handler
        .handle(signed(
            "{\"clientId\": \"JOHN MÜLLER\", \"scanRef\": \"L01X00T47\"}",
            "X",
        ))
        .await;
    handler
        .handle(signed("{\"docFirstName\": \"JOHN\",", "X"))
        .await;
}

fn assert_clean(logs: &str, values: &[String]) {
    assert!(logs.contains("pair decided"), "logs were captured: {logs}");
    assert!(logs.contains(EVENTS_CLIENT_ID), "clientId is logged");
    for value in values {
        assert!(
            !logs.contains(value.as_str()) && !logs.to_lowercase().contains(&value.to_lowercase()),
            "personal value {value:?} found in the logs:\n{logs}"
        );
    }
}

#[tokio::test]
async fn no_personal_data_in_logs_memory_store() {
    let values = personal_values();
    assert!(values.len() >= 10, "{values:?}");
    let store = Arc::new(MemoryStore::new());
    for record in [events_record(), step_events_record()] {
        store.save(&record, Expected::Absent).await.unwrap();
    }
    let capture = Capture::start(Level::TRACE);
    run_everything(store).await;
    assert_clean(&capture.text(), &values);
}

/// With DynamoDB the SDK logs too, and at TRACE it prints request bodies: the functions'
/// filter keeps every crate but ours at INFO even when an operator asks for TRACE.
#[tokio::test]
async fn no_personal_data_in_logs_dynamodb_even_at_trace() {
    let values = personal_values();
    let table = moto_table().await;
    for record in [events_record(), step_events_record()] {
        table.store.save(&record, Expected::Absent).await.unwrap();
    }
    let capture = Capture::start(Level::TRACE);
    run_everything(Arc::new(table.store.clone())).await;
    let logs = capture.text();
    drop(capture);
    assert_clean(&logs, &values);
    table.store.delete_table().await.unwrap();
}
