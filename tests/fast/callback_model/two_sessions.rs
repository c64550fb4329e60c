//! Two-session pairs: re-reviews of either session, retries of older finals, preliminaries,
//! faults, and a restart part-way through.

use super::*;

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
impl SessionIssuer for Minting {
    async fn open_session(&self, order: &SessionOrder) -> Result<OpenedSession, IdenfyError> {
        let n = self.0.fetch_add(1, std::sync::atomic::Ordering::SeqCst) + 1;
        Ok(OpenedSession {
            scan_ref: format!("scan-{n}"),
            external_ref: format!("idp-{}-{}", order.pair_id, order.role.as_str()),
            url: format!("https://ivs.idenfy.com/api/v2/redirect?authToken=tok-{n}"),
        })
    }
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
                            &issue_tokens::parse_issue_request(
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
                .parse(body.as_bytes(), Some(event_type(is_final)), &hasher())
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
            let pair = current_pair(&memory, &client_id).await;
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

        let pair = current_pair(&memory, &client_id).await;
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
        let recorded = check_verdict_history(&pair, &halves).map_err(TestCaseError::fail)?;
        prop_assert_eq!(
            recorded,
            counting.verdict_writes() - writes_before_restart,
            "one write per verdict recorded"
        );
        Ok(())
    });
}
