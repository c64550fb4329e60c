//! The race: 200 pairs on moto_server, each half delivered three times plus a preliminary, and
//! for every fourth pair a re-review of the identity delivered three times too, all at once
//! from 32 tasks through the real handler. One verdict write per recorded verdict (counted at
//! the store), one verdict per set of current finals, fail-safe after a revision; every half
//! stored, every verdict right, ≤ 2 DynamoDB requests per callback.

use integration_tests::callbacks::{
    callback_clock, callback_service, check_verdict_history, event_type, numbered_pair, payload,
    pending_record, person, preliminary, signed, signing_keys,
};
use integration_tests::moto_table;
use integration_tests::stores::CountingStore;
use shared::pair::{ClientId, HalfResult, Rank, Role};
use shared::store::{Expected, PairStore};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

const PAIRS: usize = 200;

/// The pairs whose identity is re-reviewed (to DENIED) after its first final.
fn revised(i: usize) -> bool {
    i % 4 == 1
}
const TASKS: usize = 32;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_hundred_pairs_delivered_all_at_once() {
    let table = moto_table().await;
    let ids = |i: usize| numbered_pair("RACE", i);
    for i in 0..PAIRS {
        let (client, pair, identity, document) = ids(i);
        table
            .store
            .save(
                &pending_record(&client, &pair, &identity, &document),
                Expected::Absent,
            )
            .await
            .unwrap();
    }

    let mut deliveries = Vec::new();
    for i in 0..PAIRS {
        let (client, _, identity, document) = ids(i);
        let (identity_fields, document_fields, _, _) = person(i);
        for (scan_ref, fields) in [(&identity, &identity_fields), (&document, &document_fields)] {
            deliveries.push((
                payload(&client, scan_ref, false, &preliminary()).to_string(),
                false,
            ));
            for _ in 0..3 {
                deliveries.push((payload(&client, scan_ref, true, fields).to_string(), true));
            }
        }
        if revised(i) {
            let mut re_reviewed = identity_fields.clone();
            re_reviewed.overall = "DENIED";
            for _ in 0..3 {
                deliveries.push((
                    payload(&client, &identity, true, &re_reviewed).to_string(),
                    true,
                ));
            }
        }
    }
    // Every final by its digest, to check each verdict against the results it names.
    let digests = callback_service(
        Arc::new(shared::store::MemoryStore::new()),
        callback_clock(),
    );
    let halves: HashMap<String, HalfResult> = deliveries
        .iter()
        .filter(|(_, is_final)| *is_final)
        .map(|(body, _)| {
            let half = digests.parse(body.as_bytes(), None).unwrap().half;
            (half.digest.clone(), half)
        })
        .collect();
    let callbacks = deliveries.len();
    fastrand::Rng::with_seed(20261126).shuffle(&mut deliveries);

    let counting = Arc::new(CountingStore::new(Arc::new(table.store.clone())));
    let handler = Arc::new(idenfy_callback::IdenfyCallback::new(
        callback_service(counting.clone(), callback_clock()),
        Some(signing_keys()),
        512 * 1024,
    ));
    let before = table.requests();
    let queue = Arc::new(Mutex::new(deliveries));
    let workers: Vec<_> = (0..TASKS)
        .map(|_| {
            let queue = queue.clone();
            let handler = handler.clone();
            tokio::spawn(async move {
                loop {
                    let Some((body, is_final)) = queue.lock().unwrap().pop() else {
                        break;
                    };
                    let response = handler.handle(signed(&body, event_type(is_final))).await;
                    assert_eq!(response.status().as_u16(), 200, "{:?}", response.body());
                }
            })
        })
        .collect();
    for worker in workers {
        worker.await.unwrap();
    }
    let requests = table.requests() - before;
    println!(
        "race: {callbacks} callbacks, {requests} DynamoDB requests ({:.2} per callback)",
        requests as f64 / callbacks as f64
    );
    assert!(requests <= 2 * callbacks);

    let mut verdicts = 0;
    for i in 0..PAIRS {
        let (client, _, _, _) = ids(i);
        let client_id = ClientId::parse(&client).unwrap();
        let (_, _, outcome, reasons) = person(i);
        let pair = table
            .store
            .load(&client_id)
            .await
            .unwrap()
            .unwrap()
            .pair
            .unwrap();
        for role in [Role::Identity, Role::Document] {
            assert_eq!(
                pair.half(role).map(|h| h.rank),
                Some(Rank::Final),
                "{client} {role:?}"
            );
        }
        let writes = counting.verdict_writes_for(&client_id);
        if let Err(problem) = check_verdict_history(&pair, &halves, writes) {
            panic!("{client}: {problem}");
        }
        if revised(i) {
            assert_eq!(
                pair.finals.len(),
                3,
                "{client}: both identity finals and the document's"
            );
            verdicts += writes;
        } else {
            let verdict = pair.verdict.expect("decided");
            assert_eq!(
                (writes, verdict.outcome, verdict.reasons),
                (1, outcome, reasons),
                "{client}"
            );
            verdicts += 1;
        }
    }
    assert_eq!(counting.verdict_writes(), verdicts);
    table.store.delete_table().await.unwrap();
}
