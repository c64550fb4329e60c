//! Model-based property test of the pair state machine on the in-memory store: random
//! delivery schedules (preliminary then final per half, duplicated, reordered, interleaved)
//! with store failures and crashes injected, each failed delivery retried later as iDenfy
//! does. Whatever the schedule: no verdict before both halves are final, exactly one verdict
//! in the end, equal to the policy applied to the final halves, and no half lost. The same for
//! the additional-step mode's one session, with callbacks for a scanRef it does not have.

use integration_tests::callbacks::{
    DocFields, EVENTS_CLIENT_ID, EVENTS_DOCUMENT_SCAN_REF, EVENTS_IDENTITY_SCAN_REF,
    STEP_EVENTS_CLIENT_ID, STEP_EVENTS_SCAN_REF, callback_clock, callback_service,
    check_verdict_history, event_type, events_record, payload, sample_id_card, sample_permit,
    step_events_record, step_payload,
};
use integration_tests::stores::{CountingStore, Fault, FaultyStore};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use serde_json::json;
use shared::callback::{Callback, CallbackService, IgnoredBecause, Receipt};
use shared::idenfy::{IdenfyError, IssuedToken, TokenIssuer, TokenRequest};
use shared::issuance::IssueRequest;
use shared::pair::{ClientId, HalfResult, PairRecord, Role};
use shared::store::{Expected, MemoryStore, PairStore};
use std::collections::{HashMap, VecDeque};
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

/// One webhook delivery, or the site restarting the clientId's verification.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Delivery {
    /// The `revision`th distinct final result of `role` in pair `generation` (0: its first
    /// final; each later one a re-review). Copies of one revision are retries.
    Final {
        generation: usize,
        role: Role,
        revision: usize,
    },
    Preliminary {
        generation: usize,
        role: Role,
    },
    /// `POST /verifications` with `restart: true`: generation 1 replaces generation 0.
    Restart,
}

const ROLES: [Role; 2] = [Role::Identity, Role::Document];

fn role_index(role: Role) -> usize {
    match role {
        Role::Identity => 0,
        Role::Document => 1,
    }
}

#[derive(Debug, Clone)]
struct Schedule {
    /// Per generation and role (identity, document): the variants of its distinct finals,
    /// in the order iDenfy first sends them.
    finals: [[Vec<usize>; 2]; 2],
    /// Per generation and role: what a preliminary says (other data than the finals).
    preliminaries: [[usize; 2]; 2],
    deliveries: Vec<Delivery>,
    faults: Vec<Fault>,
}

impl Schedule {
    fn generations(&self) -> usize {
        if self.deliveries.contains(&Delivery::Restart) {
            2
        } else {
            1
        }
    }
}

/// One generation's deliveries: 1–3 distinct finals per role (a re-review or two), each
/// delivered 1–3 times, and 0–2 preliminaries per role, shuffled. Revisions are labelled in
/// order of first appearance, so a revision is first sent after the one it revises while
/// retries of older finals may still come later.
fn generation(
    generation: usize,
) -> impl Strategy<Value = ([Vec<usize>; 2], [usize; 2], Vec<Delivery>)> {
    let variants = |n: usize| {
        (1..=3usize, Just((0..n).collect::<Vec<_>>()).prop_shuffle())
            .prop_map(|(k, order)| order.into_iter().take(k).collect::<Vec<_>>())
    };
    (
        variants(identity_variants().len()),
        variants(document_variants().len()),
        0..identity_variants().len(),
        0..document_variants().len(),
        proptest::collection::vec(1..=3usize, 6),
        (0..=2usize, 0..=2usize),
    )
        .prop_flat_map(
            move |(identity, document, i_pre, d_pre, copies, (i_pre_n, d_pre_n))| {
                let mut deliveries = Vec::new();
                for (role, finals) in [(Role::Identity, &identity), (Role::Document, &document)] {
                    for revision in 0..finals.len() {
                        let n = copies[role_index(role) * 3 + revision];
                        deliveries.extend(vec![
                            Delivery::Final {
                                generation,
                                role,
                                revision,
                            };
                            n
                        ]);
                    }
                }
                deliveries.extend(vec![
                    Delivery::Preliminary {
                        generation,
                        role: Role::Identity
                    };
                    i_pre_n
                ]);
                deliveries.extend(vec![
                    Delivery::Preliminary {
                        generation,
                        role: Role::Document
                    };
                    d_pre_n
                ]);
                let finals = [identity.clone(), document.clone()];
                Just(deliveries)
                    .prop_shuffle()
                    .prop_map(move |deliveries| (finals.clone(), [i_pre, d_pre], deliveries))
            },
        )
}

/// Relabels each (generation, role)'s revisions by first appearance in `deliveries`.
fn in_order_of_first_appearance(deliveries: Vec<Delivery>) -> Vec<Delivery> {
    let mut seen: std::collections::HashMap<(usize, usize), Vec<usize>> = Default::default();
    deliveries
        .into_iter()
        .map(|delivery| match delivery {
            Delivery::Final {
                generation,
                role,
                revision,
            } => {
                let order = seen.entry((generation, role_index(role))).or_default();
                let label = match order.iter().position(|r| *r == revision) {
                    Some(label) => label,
                    None => {
                        order.push(revision);
                        order.len() - 1
                    }
                };
                Delivery::Final {
                    generation,
                    role,
                    revision: label,
                }
            }
            other => other,
        })
        .collect()
}

/// One pair's deliveries, or (one case in three) a restart part-way through: the first pair's
/// remaining deliveries (now stale) interleaved with the second pair's.
fn schedule() -> impl Strategy<Value = Schedule> {
    let fault = prop_oneof![3 => Just(Fault::None), 1 => Just(Fault::FailBefore), 1 => Just(Fault::FailAfter)];
    (
        generation(0),
        generation(1),
        prop_oneof![2 => Just(false), 1 => Just(true)],
        any::<proptest::sample::Index>(),
        proptest::collection::vec(fault, 0..12),
    )
        .prop_flat_map(
            |((finals0, pre0, first), (finals1, pre1, second), restart, cut, faults)| {
                let schedule = move |deliveries: Vec<Delivery>| Schedule {
                    finals: [finals0.clone(), finals1.clone()],
                    preliminaries: [pre0, pre1],
                    deliveries: in_order_of_first_appearance(deliveries),
                    faults: faults.clone(),
                };
                if !restart {
                    return Just(schedule(first)).boxed();
                }
                let cut = cut.index(first.len() + 1);
                let mut after = first[cut..].to_vec();
                after.extend(second);
                let before = first[..cut].to_vec();
                Just(after)
                    .prop_shuffle()
                    .prop_map(move |after| {
                        let mut deliveries = before.clone();
                        deliveries.push(Delivery::Restart);
                        deliveries.extend(after);
                        schedule(deliveries)
                    })
                    .boxed()
            },
        )
}

/// Mints tokens for restarts: `scan-<n>`, one per token.
struct Minting(std::sync::atomic::AtomicUsize);

#[async_trait::async_trait]
impl TokenIssuer for Minting {
    async fn create_token(&self, _request: &TokenRequest) -> Result<IssuedToken, IdenfyError> {
        let n = self.0.fetch_add(1, std::sync::atomic::Ordering::SeqCst) + 1;
        Ok(IssuedToken {
            auth_token: format!("tok-{n}"),
            scan_ref: format!("scan-{n}"),
        })
    }

    fn redirect_url(&self, auth_token: &str) -> String {
        format!("https://ivs.idenfy.com/api/v2/redirect?authToken={auth_token}")
    }
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
fn any_schedule_ends_with_one_verdict_per_set_of_current_finals() {
    let identities = identity_variants();
    let documents = document_variants();
    let client_id = ClientId::parse(EVENTS_CLIENT_ID).unwrap();
    for_every_schedule(schedule(), async |schedule: Schedule| {
        let (memory, counting, service) =
            faulty_service(events_record(), schedule.faults.clone()).await;
        let clock = callback_clock();
        let issuance = integration_tests::service(
            counting.clone(),
            Arc::new(Minting(Default::default())),
            clock,
        );
        // Each generation's scanRefs (identity, document) and pair id.
        let mut pairs: Vec<(String, String, String)> = vec![(
            EVENTS_IDENTITY_SCAN_REF.to_owned(),
            EVENTS_DOCUMENT_SCAN_REF.to_owned(),
            events_record().pair.unwrap().pair_id,
        )];
        let mut halves: HashMap<String, HalfResult> = HashMap::new();
        let mut writes_before_restart = 0;

        let mut queue: VecDeque<Delivery> = schedule.deliveries.iter().copied().collect();
        let mut attempts = 0;
        while let Some(delivery) = queue.pop_front() {
            attempts += 1;
            prop_assert!(attempts < 300, "deliveries never settle");
            let (generation, role, is_final, variant) = match delivery {
                Delivery::Restart => {
                    let before = memory.load(&client_id).await.unwrap().unwrap();
                    let old = before.pair.clone().unwrap();
                    let restarted = issuance
                        .issue(
                            &IssueRequest::from_json(
                                &json!({"clientId": EVENTS_CLIENT_ID, "restart": true}),
                                &integration_tests::policy().allowed_origins,
                            )
                            .unwrap(),
                        )
                        .await;
                    let pair = restarted.expect("a restart lands").pair;
                    let after = memory.load(&client_id).await.unwrap().unwrap();
                    let kept = after.previous_pairs.last().expect("the old pair is kept");
                    prop_assert_eq!(&kept.pair_id, &old.pair_id);
                    prop_assert_eq!(kept.outcome, old.verdict.as_ref().map(|v| v.outcome));
                    writes_before_restart = counting.verdict_writes();
                    pairs.push((
                        pair.identity.scan_ref.clone(),
                        pair.document.as_ref().unwrap().scan_ref.clone(),
                        pair.pair_id,
                    ));
                    continue;
                }
                Delivery::Final {
                    generation,
                    role,
                    revision,
                } => (
                    generation,
                    role,
                    true,
                    schedule.finals[generation][role_index(role)][revision],
                ),
                Delivery::Preliminary { generation, role } => (
                    generation,
                    role,
                    false,
                    schedule.preliminaries[generation][role_index(role)],
                ),
            };
            let fields = match role {
                Role::Identity => &identities[variant],
                Role::Document => &documents[variant],
            };
            let scan_ref = match role {
                Role::Identity => &pairs[generation].0,
                Role::Document => &pairs[generation].1,
            };
            let body = payload(EVENTS_CLIENT_ID, scan_ref, is_final, fields).to_string();
            let callback = service
                .parse(body.as_bytes(), Some(event_type(is_final)))
                .unwrap();
            if is_final {
                // A preliminary with a final's data has the final's digest: keep the final.
                halves.insert(callback.half.digest.clone(), callback.half.clone());
            }
            match service.receive(&callback).await {
                // A non-2xx: iDenfy delivers it again later.
                Err(_) => queue.push_back(delivery),
                Ok(receipt) if generation + 1 < pairs.len() => prop_assert_eq!(
                    receipt,
                    Receipt::Ignored(IgnoredBecause::ScanRefNotInPair),
                    "a replaced pair's callback changed something"
                ),
                Ok(_) => {}
            }
            let pair = memory
                .load(&client_id)
                .await
                .unwrap()
                .unwrap()
                .pair
                .unwrap();
            if let Some(verdict) = &pair.verdict {
                prop_assert!(
                    verdict.basis.len() == 2
                        && verdict
                            .basis
                            .keys()
                            .all(|scan| pair.role_of(scan).is_some()),
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
        let generation = schedule.generations() - 1;
        prop_assert_eq!(&pair.pair_id, &pairs[generation].2);
        // No half lost: every distinct final is in the pair's history, the current one of each
        // session being the one accepted last.
        for role in ROLES {
            let scan_ref = pair.session(role).unwrap().scan_ref.clone();
            let distinct = schedule.finals[generation][role_index(role)].len();
            prop_assert_eq!(
                pair.finals
                    .iter()
                    .filter(|f| f.scan_ref == scan_ref)
                    .count(),
                distinct,
                "a final of the {:?} session lost or stored twice",
                role
            );
            let current = pair.results.get(&scan_ref).expect("a current result");
            prop_assert!(current.is_final(), "a preliminary outlived the finals");
            let last = pair
                .final_digests
                .iter()
                .zip(&pair.finals)
                .rfind(|(_, f)| f.scan_ref == scan_ref)
                .map(|(digest, _)| digest);
            prop_assert_eq!(
                Some(&current.digest),
                last,
                "the current result is the last accepted"
            );
        }
        check_verdict_history(
            &pair,
            &halves,
            counting.verdict_writes() - writes_before_restart,
        )
        .map_err(TestCaseError::fail)?;
        Ok(())
    });
}

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
                .parse(body.as_bytes(), Some(event_type(is_final)))
                .unwrap()
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
        check_verdict_history(&pair, &halves, counting.verdict_writes())
            .map_err(TestCaseError::fail)?;
        Ok(())
    });
}
