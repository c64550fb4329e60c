//! A rotation of the document-hash key, on moto.

use super::*;

/// The callback over `store` hashing document numbers under `keys`, current first.
fn hashing_under(
    store: Arc<pair_adapters::store::DynamoStore>,
    keys: &[&str],
) -> idenfy_callback::IdenfyCallback {
    use integration_tests::callbacks::{callback_clock, signing_keys};
    let document_hasher =
        pair_core::pair::DocumentHasher::with_keys(keys.iter().map(|k| k.as_bytes()))
            .expect("keys");
    integration_tests::callbacks::callback_with_secrets(
        store,
        callback_clock(),
        Secrets::fixed(CallbackSecrets {
            signing_keys: Some(signing_keys()),
            document_hasher,
        }),
    )
}

/// The verdict stored for `client`'s pair.
async fn verdict_of(
    store: &pair_adapters::store::DynamoStore,
    client: &str,
) -> pair_core::pair::Verdict {
    use pair_core::ports::store::PairReader;
    store
        .load(&pair_core::pair::ClientId::parse(client).unwrap())
        .await
        .unwrap()
        .and_then(|r| r.pair)
        .and_then(|p| p.verdict)
        .expect("decided")
}

/// A rotation of DOCUMENT_HASH_KEY (`new,old`) on moto: a final seen under the old key and
/// replayed after is UNCHANGED (not a revision), and the same document shown as both halves
/// is caught when one half was hashed under the old key and the other under the new.
#[tokio::test]
async fn a_document_hash_key_rotation_keeps_replays_unchanged_and_same_documents_caught() {
    use integration_tests::callbacks::{DocFields, pending_record, sample_permit, signed};
    use pair_core::ports::store::{Expected, PairReader, SeedStore};
    const OLD: &str = "old-document-hash-key-0123456789";
    const NEW: &str = "new-document-hash-key-0123456789";
    let store = Arc::new(integration_tests::moto_table().await.store);
    fn final_of(client: &str, scan: &str, fields: &DocFields) -> lambda_http::Request {
        let body = payload(client, scan, true, fields).to_string();
        signed(&body, "IDENTIFICATION_MANUAL_FINISHED")
    }

    // A decided pair, both halves under the old key; then the key rotates.
    store
        .save(
            &pending_record("ROT_1", "pair-rot-1", "id-1", "doc-1"),
            Expected::Absent,
        )
        .await
        .expect("seeded");
    let before = hashing_under(store.clone(), &[OLD]);
    for (scan, fields) in [("id-1", sample_id_card()), ("doc-1", sample_permit())] {
        let (status, body) = call(&before, final_of("ROT_1", scan, &fields)).await;
        assert_eq!((status, &body["result"]), (200, &json!("STORED")), "{body}");
    }
    let rotated = hashing_under(store.clone(), &[NEW, OLD]);
    let (status, body) = call(&rotated, final_of("ROT_1", "id-1", &sample_id_card())).await;
    assert_eq!(
        (status, &body["result"]),
        (200, &json!("UNCHANGED")),
        "{body}"
    );
    let stored = store
        .load(&pair_core::pair::ClientId::parse("ROT_1").unwrap())
        .await
        .unwrap()
        .unwrap();
    let pair = stored.pair.expect("the pair");
    assert_eq!(pair.finals.len(), 2, "no revision recorded");
    assert_eq!(pair.verdict.expect("decided").version, 1);
    // Without the old key in the list, the same replay would be taken for a revision.
    let forgot_old = hashing_under(store.clone(), &[NEW]);
    let (_, body) = call(&forgot_old, final_of("ROT_1", "id-1", &sample_id_card())).await;
    assert_eq!(body["result"], "STORED", "the control: {body}");

    // One permit shown in both sessions, hashed under the old key and then under the new.
    store
        .save(
            &pending_record("ROT_2", "pair-rot-2", "id-2", "doc-2"),
            Expected::Absent,
        )
        .await
        .expect("seeded");
    let (_, body) = call(&before, final_of("ROT_2", "id-2", &sample_permit())).await;
    assert_eq!(body["result"], "STORED");
    let (_, body) = call(&rotated, final_of("ROT_2", "doc-2", &sample_permit())).await;
    assert_eq!(body["decided"], true, "{body}");
    let verdict = verdict_of(&store, "ROT_2").await;
    assert!(
        verdict
            .reasons
            .contains(&pair_core::pair::Reason::SameDocumentTwice),
        "{verdict:?}"
    );
    // The control: hashed under the new key alone, the two numbers no longer meet.
    store
        .save(
            &pending_record("ROT_3", "pair-rot-3", "id-3", "doc-3"),
            Expected::Absent,
        )
        .await
        .expect("seeded");
    call(&before, final_of("ROT_3", "id-3", &sample_permit())).await;
    call(&forgot_old, final_of("ROT_3", "doc-3", &sample_permit())).await;
    let missed = verdict_of(&store, "ROT_3").await;
    assert!(
        !missed
            .reasons
            .contains(&pair_core::pair::Reason::SameDocumentTwice),
        "{missed:?}"
    );
}
