//! Additional-step pairs: one session, its re-reviews, retries, preliminaries and callbacks
//! for a scanRef it does not have.

use super::*;

/// One delivery to an additional-step pair: its session (a preliminary, or its `revision`th
/// distinct final), or a foreign scanRef.
#[derive(Debug, Clone, Copy, PartialEq)]
enum StepDelivery {
    Final { revision: usize },
    Preliminary,
    Foreign,
}

#[derive(Debug, Clone)]
struct StepSchedule {
    /// The variants of the session's distinct finals (a re-review or two), in the order
    /// iDenfy first sends them.
    finals: Vec<usize>,
    preliminary_variant: usize,
    deliveries: Vec<StepDelivery>,
    faults: Vec<Fault>,
}

/// The session's possible results: its status and data, and what became of the upload.
fn step_variants() -> Vec<(DocFields, &'static str)> {
    let denied = identity_variants()[2].clone();
    let suspected = identity_variants()[1].clone();
    vec![
        (sample_id_card(), "image"),
        (sample_id_card(), "pdf"),
        (sample_id_card(), "none"),
        (sample_id_card(), "invalid"),
        (denied, "image"),
        (suspected, "pdf"),
        (DocFields::new("EXPIRED", "", "", "", "", ""), "none"),
    ]
}

fn step_schedule() -> impl Strategy<Value = StepSchedule> {
    let fault = prop_oneof![3 => Just(Fault::None), 1 => Just(Fault::FailBefore), 1 => Just(Fault::FailAfter)];
    (
        (
            1..=3usize,
            Just((0..step_variants().len()).collect::<Vec<_>>()).prop_shuffle(),
        ),
        0..step_variants().len(),
        (
            proptest::collection::vec(1..=3usize, 3),
            0..=2usize,
            0..=2usize,
        ),
        proptest::collection::vec(fault, 0..8),
    )
        .prop_flat_map(
            |((k, order), preliminary_variant, (copies, preliminaries, foreign), faults)| {
                let finals: Vec<usize> = order.into_iter().take(k).collect();
                let mut deliveries = Vec::new();
                for (revision, n) in copies.iter().take(finals.len()).enumerate() {
                    deliveries.extend(vec![StepDelivery::Final { revision }; *n]);
                }
                deliveries.extend(vec![StepDelivery::Preliminary; preliminaries]);
                deliveries.extend(vec![StepDelivery::Foreign; foreign]);
                Just(deliveries).prop_shuffle().prop_map(move |deliveries| {
                    // Revisions labelled by first appearance: each first sent after the one it
                    // revises, while retries of older ones may still come later.
                    let mut order: Vec<usize> = Vec::new();
                    let deliveries = deliveries
                        .into_iter()
                        .map(|delivery| match delivery {
                            StepDelivery::Final { revision } => {
                                let label = order
                                    .iter()
                                    .position(|r| *r == revision)
                                    .unwrap_or_else(|| {
                                        order.push(revision);
                                        order.len() - 1
                                    });
                                StepDelivery::Final { revision: label }
                            }
                            other => other,
                        })
                        .collect();
                    StepSchedule {
                        finals: finals.clone(),
                        preliminary_variant,
                        deliveries,
                        faults: faults.clone(),
                    }
                })
            },
        )
}

#[test]
fn any_schedule_decides_an_additional_step_pair_once_per_set_of_current_finals() {
    let variants = step_variants();
    let client_id = ClientId::parse(STEP_EVENTS_CLIENT_ID).unwrap();
    for_every_schedule(step_schedule(), async |schedule: StepSchedule| {
        let (memory, counting, service) =
            faulty_service(step_events_record(), schedule.faults.clone()).await;

        let callback = |delivery: StepDelivery| -> Callback {
            let (scan_ref, is_final, variant) = match delivery {
                StepDelivery::Final { revision } => {
                    (STEP_EVENTS_SCAN_REF, true, schedule.finals[revision])
                }
                StepDelivery::Preliminary => {
                    (STEP_EVENTS_SCAN_REF, false, schedule.preliminary_variant)
                }
                StepDelivery::Foreign => ("not-a-session-of-this-pair", true, 0),
            };
            let (fields, upload) = &variants[variant];
            let body =
                step_payload(STEP_EVENTS_CLIENT_ID, scan_ref, is_final, fields, upload).to_string();
            service
                .read(body.as_bytes(), Some(event_type(is_final)), &hasher())
                .ok()
                .and_then(|webhook| webhook.into_result())
                .expect("a session's result")
        };
        // Every final by digest; two variants may be one result (an image or a PDF upload).
        let halves: HashMap<String, HalfResult> = (0..schedule.finals.len())
            .map(|revision| callback(StepDelivery::Final { revision }).half)
            .map(|half| (half.digest.clone(), half))
            .collect();

        let mut queue: VecDeque<StepDelivery> = schedule.deliveries.iter().copied().collect();
        let mut attempts = 0;
        while let Some(delivery) = queue.pop_front() {
            attempts += 1;
            prop_assert!(attempts < 200, "deliveries never settle");
            if service.receive(&callback(delivery)).await.is_err() {
                queue.push_back(delivery);
            }
            queued_as_its_verdict_says(&memory, &client_id).await?;
            let pair = current_pair(&memory, &client_id).await;
            prop_assert!(pair.results.len() <= 1, "a foreign scanRef was stored");
            if pair.verdict.is_some() {
                prop_assert!(
                    pair.half(Role::Identity).is_some_and(|h| h.is_final()),
                    "a verdict before the session was final"
                );
            }
        }

        let pair = current_pair(&memory, &client_id).await;
        prop_assert_eq!(
            pair.finals.len(),
            halves.len(),
            "a final lost or stored twice"
        );
        let current = pair.half(Role::Identity).expect("a result");
        prop_assert_eq!(
            Some(&current.digest),
            pair.final_digests.last(),
            "the current result is the last accepted"
        );
        let recorded = check_verdict_history(&pair, &halves).map_err(TestCaseError::fail)?;
        prop_assert_eq!(
            recorded,
            counting.verdict_writes(),
            "one write per verdict recorded"
        );
        Ok(())
    });
}
