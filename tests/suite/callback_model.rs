//! Model-based property test of the pair state machine on the in-memory store: random
//! delivery schedules (preliminary then final per half, duplicated, reordered, interleaved)
//! with store failures and crashes injected, each failed delivery retried later as iDenfy
//! does. Whatever the schedule: no verdict before both halves are final, exactly one verdict
//! in the end, equal to the policy applied to the final halves, and no half lost. The same for
//! the additional-step mode's one session, with callbacks for a scanRef it does not have.

use integration_tests::callbacks::{
    DocFields, EVENTS_CLIENT_ID, EVENTS_DOCUMENT_SCAN_REF, EVENTS_IDENTITY_SCAN_REF,
    STEP_EVENTS_CLIENT_ID, STEP_EVENTS_SCAN_REF, callback_clock, callback_service, event_type,
    events_record, payload, sample_id_card, sample_permit, step_events_record, step_payload,
};
use integration_tests::stores::{CountingStore, Fault, FaultyStore};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use shared::callback::{Callback, CallbackService};
use shared::pair::verdict::{VerdictPolicy, decide, decide_additional_step};
use shared::pair::{ClientId, PairRecord, Role};
use shared::store::{Expected, MemoryStore, PairStore};
use std::collections::VecDeque;
use std::sync::Arc;

fn identity_variants() -> Vec<DocFields> {
    vec![
        sample_id_card(),
        DocFields::new(
            "SUSPECTED",
            "JOHN",
            "MÜLLER",
            "1990-05-15",
            "PASSPORT",
            "C4J7K2",
        ),
        DocFields::new(
            "DENIED",
            "JOHN",
            "MÜLLER",
            "1990-05-15",
            "ID_CARD",
            "L01X00T47",
        ),
        DocFields::new("EXPIRED", "", "", "", "", ""),
        DocFields::new(
            "APPROVED",
            "JOHN PAUL",
            "MÜLLER",
            "",
            "ID_CARD",
            "L01X00T47",
        ),
    ]
}

fn document_variants() -> Vec<DocFields> {
    vec![
        sample_permit(),
        DocFields::new(
            "APPROVED",
            "JOHN",
            "MULLER",
            "1991-05-15",
            "RESIDENCE_PERMIT",
            "RP4471932",
        ),
        DocFields::new(
            "APPROVED",
            "JOHN",
            "MÜLLER",
            "1990-05-15",
            "PASSPORT",
            "C4J7K2",
        ),
        sample_id_card(),
        DocFields::new(
            "DENIED",
            "JOHN",
            "MUELLER",
            "1990-05-15",
            "RESIDENCE_PERMIT",
            "RP4471932",
        ),
        DocFields::new(
            "REVIEWING",
            "JANE",
            "DOE",
            "1980-01-01",
            "RESIDENCE_PERMIT",
            "X1",
        ),
    ]
}

#[derive(Debug, Clone, Copy)]
struct Delivery {
    role: Role,
    is_final: bool,
}

#[derive(Debug, Clone)]
struct Schedule {
    identity_final: usize,
    document_final: usize,
    /// Preliminary results carry other data than the final ones (manual review changes it).
    identity_preliminary: usize,
    document_preliminary: usize,
    deliveries: Vec<Delivery>,
    faults: Vec<Fault>,
}

fn copies(role: Role, is_final: bool, count: usize) -> Vec<Delivery> {
    vec![Delivery { role, is_final }; count]
}

fn schedule() -> impl Strategy<Value = Schedule> {
    let fault = prop_oneof![3 => Just(Fault::None), 1 => Just(Fault::FailBefore), 1 => Just(Fault::FailAfter)];
    (
        0..identity_variants().len(),
        0..document_variants().len(),
        0..identity_variants().len(),
        0..document_variants().len(),
        (1..=3usize, 1..=3usize, 0..=2usize, 0..=2usize),
        proptest::collection::vec(fault, 0..10),
    )
        .prop_flat_map(
            |(i_final, d_final, i_pre, d_pre, (i_n, d_n, i_pre_n, d_pre_n), faults)| {
                let mut deliveries = copies(Role::Identity, true, i_n);
                deliveries.extend(copies(Role::Document, true, d_n));
                deliveries.extend(copies(Role::Identity, false, i_pre_n));
                deliveries.extend(copies(Role::Document, false, d_pre_n));
                Just(deliveries)
                    .prop_shuffle()
                    .prop_map(move |deliveries| Schedule {
                        identity_final: i_final,
                        document_final: d_final,
                        identity_preliminary: i_pre,
                        document_preliminary: d_pre,
                        deliveries,
                        faults: faults.clone(),
                    })
            },
        )
}

/// A fresh store holding `record`, its writes counted and `faults` injected, and the callback
/// service over it.
async fn faulty_service(
    record: PairRecord,
    faults: Vec<Fault>,
) -> (Arc<MemoryStore>, Arc<CountingStore>, CallbackService) {
    let memory = Arc::new(MemoryStore::new());
    memory.save(&record, Expected::Absent).await.unwrap();
    let counting = Arc::new(CountingStore::new(memory.clone()));
    let store = Arc::new(FaultyStore::new(counting.clone(), faults));
    (memory, counting, callback_service(store, callback_clock()))
}

/// Runs `case` on PAIR_MODEL_CASES schedules drawn from `strategy`.
fn for_every_schedule<S: Strategy>(
    strategy: S,
    case: impl AsyncFn(S::Value) -> Result<(), TestCaseError>,
) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let mut runner = TestRunner::new(Config {
        cases: cases(),
        failure_persistence: None,
        ..Config::default()
    });
    runner
        .run(&strategy, |schedule| runtime.block_on(case(schedule)))
        .unwrap();
}

fn cases() -> u32 {
    std::env::var("PAIR_MODEL_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10_000)
}

#[test]
fn any_schedule_ends_with_one_verdict_from_the_final_halves() {
    let identities = identity_variants();
    let documents = document_variants();
    let client_id = ClientId::parse(EVENTS_CLIENT_ID).unwrap();
    for_every_schedule(schedule(), async |schedule: Schedule| {
        let (memory, counting, service) =
            faulty_service(events_record(), schedule.faults.clone()).await;

        let callback = |role: Role, is_final: bool| -> Callback {
            let (scan_ref, fields) = match (role, is_final) {
                (Role::Identity, true) => (
                    EVENTS_IDENTITY_SCAN_REF,
                    &identities[schedule.identity_final],
                ),
                (Role::Identity, false) => (
                    EVENTS_IDENTITY_SCAN_REF,
                    &identities[schedule.identity_preliminary],
                ),
                (Role::Document, true) => (
                    EVENTS_DOCUMENT_SCAN_REF,
                    &documents[schedule.document_final],
                ),
                (Role::Document, false) => (
                    EVENTS_DOCUMENT_SCAN_REF,
                    &documents[schedule.document_preliminary],
                ),
            };
            let body = payload(EVENTS_CLIENT_ID, scan_ref, is_final, fields).to_string();
            service
                .parse(body.as_bytes(), Some(event_type(is_final)))
                .unwrap()
        };
        let final_identity = callback(Role::Identity, true).half;
        let final_document = callback(Role::Document, true).half;

        let mut queue: VecDeque<Delivery> = schedule.deliveries.iter().copied().collect();
        let mut attempts = 0;
        while let Some(delivery) = queue.pop_front() {
            attempts += 1;
            prop_assert!(attempts < 100, "deliveries never settle");
            if service
                .receive(&callback(delivery.role, delivery.is_final))
                .await
                .is_err()
            {
                // A non-2xx: iDenfy delivers it again later.
                queue.push_back(delivery);
            }
            let pair = memory
                .load(&client_id)
                .await
                .unwrap()
                .unwrap()
                .pair
                .unwrap();
            if pair.verdict.is_some() {
                prop_assert!(
                    pair.half(Role::Identity).is_some_and(|h| h.is_final())
                        && pair.half(Role::Document).is_some_and(|h| h.is_final()),
                    "a verdict before both halves were final"
                );
            }
        }

        let pair = memory
            .load(&client_id)
            .await
            .unwrap()
            .unwrap()
            .pair
            .unwrap();
        prop_assert_eq!(counting.verdict_writes(), 1, "exactly one verdict write");
        prop_assert_eq!(
            pair.half(Role::Identity),
            Some(&final_identity),
            "identity half lost"
        );
        prop_assert_eq!(
            pair.half(Role::Document),
            Some(&final_document),
            "document half lost"
        );
        let verdict = pair.verdict.expect("decided");
        let expected = decide(&final_identity, &final_document, &VerdictPolicy::default());
        prop_assert_eq!((verdict.outcome, verdict.reasons), expected);
        Ok(())
    });
}

/// One delivery to an additional-step pair: its session (final or not), or a foreign scanRef.
#[derive(Debug, Clone, Copy, PartialEq)]
enum StepDelivery {
    Session { is_final: bool },
    Foreign,
}

#[derive(Debug, Clone)]
struct StepSchedule {
    final_variant: usize,
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
        0..step_variants().len(),
        0..step_variants().len(),
        (1..=3usize, 0..=2usize, 0..=2usize),
        proptest::collection::vec(fault, 0..8),
    )
        .prop_flat_map(
            |(final_variant, preliminary_variant, (finals, preliminaries, foreign), faults)| {
                let mut deliveries = vec![StepDelivery::Session { is_final: true }; finals];
                deliveries.extend(vec![
                    StepDelivery::Session { is_final: false };
                    preliminaries
                ]);
                deliveries.extend(vec![StepDelivery::Foreign; foreign]);
                Just(deliveries)
                    .prop_shuffle()
                    .prop_map(move |deliveries| StepSchedule {
                        final_variant,
                        preliminary_variant,
                        deliveries,
                        faults: faults.clone(),
                    })
            },
        )
}

#[test]
fn any_schedule_decides_an_additional_step_pair_once_from_its_final_session() {
    let variants = step_variants();
    let client_id = ClientId::parse(STEP_EVENTS_CLIENT_ID).unwrap();
    for_every_schedule(step_schedule(), async |schedule: StepSchedule| {
        let (memory, counting, service) =
            faulty_service(step_events_record(), schedule.faults.clone()).await;

        let callback = |delivery: StepDelivery| -> Callback {
            let (scan_ref, is_final, variant) = match delivery {
                StepDelivery::Session { is_final: true } => {
                    (STEP_EVENTS_SCAN_REF, true, schedule.final_variant)
                }
                StepDelivery::Session { is_final: false } => {
                    (STEP_EVENTS_SCAN_REF, false, schedule.preliminary_variant)
                }
                StepDelivery::Foreign => ("not-a-session-of-this-pair", true, 0),
            };
            let (fields, upload) = &variants[variant];
            let body =
                step_payload(STEP_EVENTS_CLIENT_ID, scan_ref, is_final, fields, upload).to_string();
            service
                .parse(body.as_bytes(), Some(event_type(is_final)))
                .unwrap()
        };
        let final_session = callback(StepDelivery::Session { is_final: true }).half;

        let mut queue: VecDeque<StepDelivery> = schedule.deliveries.iter().copied().collect();
        let mut attempts = 0;
        while let Some(delivery) = queue.pop_front() {
            attempts += 1;
            prop_assert!(attempts < 100, "deliveries never settle");
            if service.receive(&callback(delivery)).await.is_err() {
                queue.push_back(delivery);
            }
            let pair = memory
                .load(&client_id)
                .await
                .unwrap()
                .unwrap()
                .pair
                .unwrap();
            prop_assert!(pair.results.len() <= 1, "a foreign scanRef was stored");
            if pair.verdict.is_some() {
                prop_assert!(
                    pair.half(Role::Identity).is_some_and(|h| h.is_final()),
                    "a verdict before the session was final"
                );
            }
        }

        let pair = memory
            .load(&client_id)
            .await
            .unwrap()
            .unwrap()
            .pair
            .unwrap();
        prop_assert_eq!(counting.verdict_writes(), 1, "exactly one verdict write");
        prop_assert_eq!(
            pair.half(Role::Identity),
            Some(&final_session),
            "session lost"
        );
        let verdict = pair.verdict.expect("decided");
        prop_assert_eq!(
            (verdict.outcome, verdict.reasons),
            decide_additional_step(&final_session)
        );
        Ok(())
    });
}
