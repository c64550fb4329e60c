//! A pair decided before revisions were recorded (no verdict history): decided again, fail-safe,
//! when a revision lands.

use super::*;

/// A pair decided before results had digests and verdicts versions (as an earlier release
/// stored it), its halves final and its verdict VERIFIED.
fn decided_before_revisions() -> pair_core::pair::PairRecord {
    let parser = integration_tests::callbacks::callback_service(
        Arc::new(pair_adapters::store::MemoryStore::new()),
        callback_clock(),
    );
    let mut record = events_record();
    if let Some(pair) = record.pair.as_mut() {
        for (scan_ref, fields) in [
            (EVENTS_IDENTITY_SCAN_REF, sample_id_card()),
            (EVENTS_DOCUMENT_SCAN_REF, sample_permit()),
        ] {
            let body = payload(EVENTS_CLIENT_ID, scan_ref, true, &fields).to_string();
            let mut half = parser
                .read(
                    body.as_bytes(),
                    None,
                    &integration_tests::callbacks::hasher(),
                )
                .ok()
                .and_then(|webhook| webhook.into_result())
                .expect("a session's result")
                .half;
            half.digest = String::new();
            pair.results.insert(scan_ref.to_owned(), half);
        }
        pair.verdict = Some(pair_core::pair::Verdict {
            outcome: Outcome::Verified,
            reasons: vec![],
            decided_at: integration_tests::T0,
            version: 1,
            basis: Default::default(),
            review: None,
        });
    }
    record
}

/// A re-review reaches a pair an earlier release decided: decided again, fail-safe, in two
/// requests; the old verdict kept.
async fn re_review_of_a_pair_decided_before_revisions(
    store: Arc<dyn AnyStore>,
    requests: Requests,
) {
    let callbacks = handler(store.clone(), callback_clock());
    let mut denied = sample_id_card();
    denied.overall = "DENIED";
    let body = payload(EVENTS_CLIENT_ID, EVENTS_IDENTITY_SCAN_REF, true, &denied).to_string();
    let before = requests();
    let (code, answer) = call(&callbacks, signed(&body, "IDENTIFICATION_MANUAL_FINISHED")).await;
    assert!(
        requests() - before <= 2,
        "{} DynamoDB requests",
        requests() - before
    );
    assert_eq!(code, 200, "{answer}");
    assert_eq!(
        (answer["result"].as_str(), answer["decided"].as_bool()),
        (Some("STORED"), Some(true))
    );
    let pair = stored_pair(store.as_ref(), EVENTS_CLIENT_ID).await;
    let verdict = pair.verdict.expect("decided");
    assert_eq!(
        (verdict.outcome, verdict.reasons, verdict.version),
        (Outcome::Rejected, vec![Reason::IdentityDenied], 2)
    );
    assert_eq!(
        pair.earlier_verdicts
            .iter()
            .map(|v| (v.outcome, v.version))
            .collect::<Vec<_>>(),
        vec![(Outcome::Verified, 1)]
    );
    let (_, again) = call(&callbacks, signed(&body, "IDENTIFICATION_MANUAL_FINISHED")).await;
    assert_eq!(again["result"], "UNCHANGED");
}

#[tokio::test]
async fn a_pair_decided_before_revisions_is_decided_again_memory() {
    let store = Arc::new(pair_adapters::store::MemoryStore::new());
    store
        .save(&decided_before_revisions(), Expected::Absent)
        .await
        .unwrap();
    re_review_of_a_pair_decided_before_revisions(store, Arc::new(|| 0)).await;
}

#[tokio::test]
async fn a_pair_decided_before_revisions_is_decided_again_dynamodb() {
    use aws_sdk_dynamodb::types::AttributeValue;
    let table = integration_tests::moto_table().await;
    // The item as the earlier release wrote it: none of the attributes revisions added.
    let mut item: std::collections::HashMap<String, AttributeValue> =
        serde_dynamo::to_item(decided_before_revisions()).unwrap();
    let Some(AttributeValue::M(pair)) = item.get_mut("pair") else {
        panic!("a pair map");
    };
    for added in ["finals", "finalDigests", "resultsDueBy", "earlierVerdicts"] {
        pair.remove(added);
    }
    if let Some(AttributeValue::M(verdict)) = pair.get_mut("verdict") {
        verdict.remove("version");
        verdict.remove("basis");
    }
    if let Some(AttributeValue::M(results)) = pair.get_mut("results") {
        for half in results.values_mut() {
            if let AttributeValue::M(half) = half {
                half.remove("digest");
            }
        }
    }
    table
        .store
        .client()
        .await
        .put_item()
        .table_name(table.store.table())
        .set_item(Some(item))
        .send()
        .await
        .unwrap();
    let requests = table.requests.clone();
    re_review_of_a_pair_decided_before_revisions(
        Arc::new(table.store.clone()),
        Arc::new(move || requests.load(std::sync::atomic::Ordering::SeqCst)),
    )
    .await;
    table.store.delete_table().await.unwrap();
}
