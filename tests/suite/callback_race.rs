//! The race: 200 pairs on moto_server, each half delivered three times plus a preliminary, all
//! at once from 32 tasks through the real handler. Exactly one verdict write per pair (counted
//! at the store), every half stored, every verdict right, ≤ 2 DynamoDB requests per callback.

use integration_tests::callbacks::{
    DocFields, callback_clock, callback_service, event_type, payload, pending_record, signed,
    signing_keys,
};
use integration_tests::moto_table;
use integration_tests::stores::CountingStore;
use shared::pair::{ClientId, Outcome, Rank, Reason, Role};
use shared::store::{Expected, PairStore};
use std::sync::{Arc, Mutex};

const PAIRS: usize = 200;
const TASKS: usize = 32;

/// Four kinds of person, with the verdict each must get.
fn kind(i: usize) -> (DocFields, DocFields, Outcome, Vec<Reason>) {
    let id_card = DocFields::new(
        "APPROVED",
        "ANNA",
        "ŠIMKUTĖ",
        "1988-02-29",
        "ID_CARD",
        &format!("ID{i:06}"),
    );
    let permit = DocFields::new(
        "APPROVED",
        "ANNA",
        "SIMKUTE",
        "1988-02-29",
        "RESIDENCE_PERMIT",
        &format!("RP{i:06}"),
    );
    match i % 4 {
        0 => (id_card, permit, Outcome::Verified, vec![]),
        1 => {
            let mut other_dob = permit;
            other_dob.date_of_birth = Some("1988-03-01".into());
            (
                id_card,
                other_dob,
                Outcome::RequiresReview,
                vec![Reason::DobMismatch],
            )
        }
        2 => {
            let mut denied = id_card;
            denied.overall = "DENIED";
            (
                denied,
                permit,
                Outcome::Rejected,
                vec![Reason::IdentityDenied],
            )
        }
        _ => {
            let passport = DocFields::new(
                "APPROVED",
                "ANNA",
                "ŠIMKUTĖ",
                "1988-02-29",
                "PASSPORT",
                &format!("P{i:06}"),
            );
            (
                passport.clone(),
                passport,
                Outcome::RequiresReview,
                vec![Reason::DocumentNotAPermit, Reason::SameDocumentTwice],
            )
        }
    }
}

/// What a preliminary says: something else, so a verdict taken from it would be wrong.
fn preliminary() -> DocFields {
    DocFields::new(
        "REVIEWING",
        "ANA",
        "SIMKUTE",
        "1988-02-28",
        "RESIDENCE_PERMIT",
        "X",
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_hundred_pairs_delivered_all_at_once() {
    let table = moto_table().await;
    let ids = |i: usize| {
        (
            format!("RACE_{i:04}"),
            format!("{i:024x}"),
            format!("00000000-0000-4000-8000-{i:012}"),
            format!("00000000-0000-4000-9000-{i:012}"),
        )
    };
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
        let (identity_fields, document_fields, _, _) = kind(i);
        for (scan_ref, fields) in [(&identity, &identity_fields), (&document, &document_fields)] {
            deliveries.push((
                payload(&client, scan_ref, false, &preliminary()).to_string(),
                false,
            ));
            for _ in 0..3 {
                deliveries.push((payload(&client, scan_ref, true, fields).to_string(), true));
            }
        }
    }
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

    for i in 0..PAIRS {
        let (client, _, _, _) = ids(i);
        let client_id = ClientId::parse(&client).unwrap();
        let (_, _, outcome, reasons) = kind(i);
        assert_eq!(
            counting.verdict_writes_for(&client_id),
            1,
            "{client}: one verdict write"
        );
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
        let verdict = pair.verdict.expect("decided");
        assert_eq!(
            (verdict.outcome, verdict.reasons),
            (outcome, reasons),
            "{client}"
        );
    }
    assert_eq!(counting.verdict_writes(), PAIRS);
    table.store.delete_table().await.unwrap();
}
