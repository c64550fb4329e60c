//! Verdict and revision writes, held to both store adapters: a verdict lands only on the current
//! finals, revisions stop at the bound.

use super::*;

on_both_stores!(
    a_verdict_lands_only_on_the_current_finals_after_the_verdict_it_follows,
    revisions_are_accepted_once_each_and_stop_at_the_bound,
);

/// The interleaving a race may produce, made certain: two re-reviews stored one after the
/// other, then the verdicts their callbacks computed arrive in the wrong order.
async fn a_verdict_lands_only_on_the_current_finals_after_the_verdict_it_follows(
    store: Arc<dyn AnyStore>,
    _: crate::Requests,
) {
    use integration_tests::callbacks::{
        EVENTS_CLIENT_ID, EVENTS_DOCUMENT_SCAN_REF, EVENTS_IDENTITY_SCAN_REF, callback_clock,
        callback_service, events_record, hasher, payload, sample_id_card, sample_permit,
    };
    use pair_core::pair::machine::verdict_due;
    use pair_core::pair::permit::VerdictPolicy;
    use pair_core::ports::store::HalfWrite;
    store
        .save(&events_record(), Expected::Absent)
        .await
        .unwrap();
    let clock = callback_clock();
    let parser = callback_service(store.clone(), clock.clone());
    let now = pair_core::clock::Clock::now(clock.as_ref());
    let client_id = id(EVENTS_CLIENT_ID);
    let half =
        |scan_ref: &str, overall: &'static str, fields: integration_tests::callbacks::DocFields| {
            let mut fields = fields;
            fields.overall = overall;
            let body = payload(EVENTS_CLIENT_ID, scan_ref, true, &fields).to_string();
            parser
                .read(body.as_bytes(), None, &hasher())
                .ok()
                .and_then(|webhook| webhook.into_result())
                .expect("a session's result")
                .half
        };
    let store_half = async |scan_ref: &str, half: &pair_core::pair::HalfResult| match store
        .record_half(
            &client_id,
            Arrival {
                scan_ref,
                half,
                now,
            },
        )
        .await
        .unwrap()
    {
        HalfWrite::Stored(record) => record.pair.unwrap(),
        HalfWrite::Refused(_) => panic!("refused"),
    };
    let policy = VerdictPolicy::default();
    store_half(
        EVENTS_IDENTITY_SCAN_REF,
        &half(EVENTS_IDENTITY_SCAN_REF, "APPROVED", sample_id_card()),
    )
    .await;
    let both = store_half(
        EVENTS_DOCUMENT_SCAN_REF,
        &half(EVENTS_DOCUMENT_SCAN_REF, "APPROVED", sample_permit()),
    )
    .await;
    let first = verdict_due(&both, &policy, now).unwrap();
    assert!(
        store
            .record_verdict(
                &client_id,
                Decision {
                    pair_id: &both.pair_id,
                    verdict: &first,
                    replaces: None,
                    watch: None,
                    keep_until: None,
                    waiting: None,
                },
            )
            .await
            .unwrap()
    );
    assert!(
        !store
            .record_verdict(
                &client_id,
                Decision {
                    pair_id: &both.pair_id,
                    verdict: &first,
                    replaces: None,
                    watch: None,
                    keep_until: None,
                    waiting: None,
                },
            )
            .await
            .unwrap(),
        "the first verdict is recorded once"
    );

    let suspected = store_half(
        EVENTS_IDENTITY_SCAN_REF,
        &half(EVENTS_IDENTITY_SCAN_REF, "SUSPECTED", sample_id_card()),
    )
    .await;
    let denied = store_half(
        EVENTS_IDENTITY_SCAN_REF,
        &half(EVENTS_IDENTITY_SCAN_REF, "DENIED", sample_id_card()),
    )
    .await;
    let stale = verdict_due(&suspected, &policy, now).unwrap();
    let current = verdict_due(&denied, &policy, now).unwrap();
    assert_eq!((stale.version, current.version), (2, 2));
    assert!(
        !store
            .record_verdict(
                &client_id,
                Decision {
                    pair_id: &both.pair_id,
                    verdict: &stale,
                    replaces: Some(&first),
                    watch: None,
                    keep_until: None,
                    waiting: None,
                },
            )
            .await
            .unwrap(),
        "a verdict on finals that are no longer current"
    );
    assert!(
        !store
            .record_verdict(
                &client_id,
                Decision {
                    pair_id: "another-pair",
                    verdict: &current,
                    replaces: Some(&first),
                    watch: None,
                    keep_until: None,
                    waiting: None,
                },
            )
            .await
            .unwrap(),
        "a verdict for a pair that was replaced"
    );
    let skipping = Verdict {
        version: 3,
        ..current.clone()
    };
    assert!(
        !store
            .record_verdict(
                &client_id,
                Decision {
                    pair_id: &both.pair_id,
                    verdict: &skipping,
                    replaces: Some(&current),
                    watch: None,
                    keep_until: None,
                    waiting: None,
                },
            )
            .await
            .unwrap(),
        "a verdict that does not follow the current one"
    );
    assert!(
        store
            .record_verdict(
                &client_id,
                Decision {
                    pair_id: &both.pair_id,
                    verdict: &current,
                    replaces: Some(&first),
                    watch: None,
                    keep_until: None,
                    waiting: None,
                },
            )
            .await
            .unwrap()
    );
    let pair = store.load(&client_id).await.unwrap().unwrap().pair.unwrap();
    assert_eq!(pair.verdict, Some(current));
    assert_eq!(pair.earlier_verdicts, vec![first]);
    assert_eq!(verdict_due(&pair, &policy, now), None);
}

async fn revisions_are_accepted_once_each_and_stop_at_the_bound(
    store: Arc<dyn AnyStore>,
    _: crate::Requests,
) {
    use integration_tests::callbacks::{
        EVENTS_CLIENT_ID, EVENTS_IDENTITY_SCAN_REF, callback_clock, callback_service,
        events_record, hasher, payload, sample_id_card,
    };
    use pair_core::pair::machine::MAX_FINALS;
    use pair_core::ports::store::HalfWrite;
    store
        .save(&events_record(), Expected::Absent)
        .await
        .unwrap();
    let clock = callback_clock();
    let parser = callback_service(store.clone(), clock.clone());
    let now = pair_core::clock::Clock::now(clock.as_ref());
    let client_id = id(EVENTS_CLIENT_ID);
    let revision = |n: usize, is_final: bool| {
        let mut body = payload(
            EVENTS_CLIENT_ID,
            EVENTS_IDENTITY_SCAN_REF,
            is_final,
            &sample_id_card(),
        );
        body["status"]["fraudTags"] = json!([format!("REVIEW_{n}")]);
        parser
            .read(body.to_string().as_bytes(), None, &hasher())
            .ok()
            .and_then(|webhook| webhook.into_result())
            .expect("a session's result")
            .half
    };
    let write = async |half: &pair_core::pair::HalfResult| {
        matches!(
            store
                .record_half(
                    &client_id,
                    Arrival {
                        scan_ref: EVENTS_IDENTITY_SCAN_REF,
                        half,
                        now,
                    },
                )
                .await
                .unwrap(),
            HalfWrite::Stored(_)
        )
    };
    for n in 0..MAX_FINALS {
        assert!(write(&revision(n, true)).await, "revision {n}");
        assert!(!write(&revision(n, true)).await, "revision {n} again");
        assert!(!write(&revision(0, true)).await, "the first final again");
        assert!(
            !write(&revision(n + 100, false)).await,
            "a preliminary after a final"
        );
    }
    assert!(!write(&revision(MAX_FINALS, true)).await, "past the bound");
    let pair = store.load(&client_id).await.unwrap().unwrap().pair.unwrap();
    assert_eq!(pair.finals.len(), MAX_FINALS);
    assert_eq!(pair.final_digests.len(), MAX_FINALS);
    assert_eq!(
        pair.results[EVENTS_IDENTITY_SCAN_REF],
        revision(MAX_FINALS - 1, true),
        "the last revision accepted is current"
    );
}
