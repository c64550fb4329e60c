//! The two-session model's schedules: which deliveries, restarts and continuations happen,
//! in which order, with which faults.

use super::*;

/// One webhook delivery, or the site restarting the clientId's verification.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Delivery {
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
    /// The person reloads the continuation once the document link lapsed; iDenfy says the
    /// session is in use (kept) or lapsed unused (a fresh one minted). The replaced session's
    /// deliveries still come: they are the pair's.
    Follow {
        in_use: bool,
    },
}

pub(super) const ROLES: [Role; 2] = [Role::Identity, Role::Document];

pub(super) fn role_index(role: Role) -> usize {
    match role {
        Role::Identity => 0,
        Role::Document => 1,
    }
}

#[derive(Debug, Clone)]
pub(super) struct Schedule {
    /// Per generation and role (identity, document): the variants of its distinct finals,
    /// in the order iDenfy first sends them.
    pub(super) finals: [[Vec<usize>; 2]; 2],
    /// Per generation and role: what a preliminary says (other data than the finals).
    pub(super) preliminaries: [[usize; 2]; 2],
    pub(super) deliveries: Vec<Delivery>,
    pub(super) faults: Vec<Fault>,
    /// How many of the deliveries queued after a restart land while its tokens are minted
    /// (between the restart's read and its install).
    pub(super) during_restart: usize,
}

impl Schedule {
    pub(super) fn generations(&self) -> usize {
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
pub(super) fn schedule() -> impl Strategy<Value = Schedule> {
    let fault = prop_oneof![3 => Just(Fault::None), 1 => Just(Fault::FailBefore), 1 => Just(Fault::FailAfter)];
    (
        generation(0),
        generation(1),
        prop_oneof![2 => Just(false), 1 => Just(true)],
        any::<proptest::sample::Index>(),
        proptest::collection::vec(fault, 0..12),
        (0..=3usize, proptest::collection::vec(any::<bool>(), 0..=2)),
    )
        .prop_flat_map(
            |(
                (finals0, pre0, first),
                (finals1, pre1, mut second),
                restart,
                cut,
                faults,
                (during, follows),
            )| {
                second.extend(
                    follows
                        .into_iter()
                        .map(|in_use| Delivery::Follow { in_use }),
                );
                let schedule = move |deliveries: Vec<Delivery>| Schedule {
                    finals: [finals0.clone(), finals1.clone()],
                    preliminaries: [pre0, pre1],
                    deliveries: in_order_of_first_appearance(deliveries),
                    faults: faults.clone(),
                    during_restart: during,
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
