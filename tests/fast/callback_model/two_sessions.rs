//! Two-session pairs: re-reviews of either session, retries of older finals, preliminaries,
//! faults, and a restart part-way through.

use super::*;
use minting::Minting;
use schedule::{Delivery, ROLES, Schedule, role_index, schedule};

mod minting;
mod schedule;

/// What a delivery sends: the callback for its generation's session, built from the schedule.
fn callback_of(
    schedule: &Schedule,
    service: &CallbackService,
    pairs: &[(String, String, String)],
    delivery: Delivery,
) -> Option<Callback> {
    let (generation, role, is_final, variant) = match delivery {
        Delivery::Restart | Delivery::Follow { .. } => return None,
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
        Role::Identity => &identity_variants()[variant],
        Role::Document => &document_variants()[variant],
    };
    let scan_ref = match role {
        Role::Identity => &pairs[generation].0,
        Role::Document => &pairs[generation].1,
    };
    let body = payload(EVENTS_CLIENT_ID, scan_ref, is_final, fields).to_string();
    Some(
        service
            .read(body.as_bytes(), Some(event_type(is_final)), &hasher())
            .ok()
            .and_then(|webhook| webhook.into_result())
            .expect("a session's result"),
    )
}

fn generation_of(delivery: Delivery) -> Option<usize> {
    match delivery {
        Delivery::Final { generation, .. } | Delivery::Preliminary { generation, .. } => {
            Some(generation)
        }
        Delivery::Restart | Delivery::Follow { .. } => None,
    }
}

#[test]
fn any_schedule_ends_with_one_verdict_per_set_of_current_finals() {
    let client_id = ClientId::parse(EVENTS_CLIENT_ID).unwrap();
    for_every_schedule(schedule(), async |schedule: Schedule| {
        let (memory, counting, service) =
            faulty_service(events_record(), schedule.faults.clone()).await;
        let clock = callback_clock();
        let minting = Arc::new(Minting::default());
        let _ = minting.service.set(service.clone());
        let _ = minting.memory.set(memory.clone());
        let issuance = integration_tests::service(counting.clone(), minting.clone(), clock.clone());
        // Each generation's scanRefs (identity, document) and pair id.
        let mut pairs: Vec<(String, String, String)> = vec![(
            EVENTS_IDENTITY_SCAN_REF.to_owned(),
            EVENTS_DOCUMENT_SCAN_REF.to_owned(),
            events_record().pair.unwrap().pair_id,
        )];
        let mut halves: HashMap<String, HalfResult> = HashMap::new();
        let mut writes_before_restart = 0;
        // Results of the first pair delivered after it was replaced: its history keeps them.
        let mut late: Vec<String> = Vec::new();

        let mut queue: VecDeque<Delivery> = schedule.deliveries.iter().copied().collect();
        let mut attempts = 0;
        while let Some(delivery) = queue.pop_front() {
            attempts += 1;
            prop_assert!(attempts < 300, "deliveries never settle");
            if let Delivery::Follow { in_use } = delivery {
                let token = minting.continuation.lock().unwrap().clone();
                if let Some(token) = token {
                    minting
                        .in_use
                        .store(in_use, std::sync::atomic::Ordering::SeqCst);
                    clock.advance(
                        integration_tests::policy().document_expiry()
                            + std::time::Duration::from_secs(60),
                    );
                    let before = memory.load(&client_id).await.unwrap().unwrap();
                    let followed = issuance
                        .follow(&client_id, &token, integration_tests::soon())
                        .await;
                    let after = memory.load(&client_id).await.unwrap().unwrap();
                    let document = |r: &PairRecord| {
                        r.pair
                            .as_ref()
                            .and_then(|p| p.document.clone())
                            .map(|d| d.scan_ref)
                    };
                    if in_use || followed.is_err() {
                        prop_assert_eq!(
                            document(&before),
                            document(&after),
                            "a session iDenfy says may be in use was replaced"
                        );
                    }
                }
                continue;
            }
            let Some(generation) = generation_of(delivery) else {
                // Some of the first pair's deliveries land while the new tokens are minted.
                let mut landing = Vec::new();
                while landing.len() < schedule.during_restart {
                    let Some(position) = queue.iter().position(|d| generation_of(*d) == Some(0))
                    else {
                        break;
                    };
                    let during = queue.remove(position).unwrap();
                    let callback = callback_of(&schedule, &service, &pairs, during).unwrap();
                    landing.push((during, callback));
                }
                *minting.landing.lock().unwrap() = landing;
                let old = memory
                    .load(&client_id)
                    .await
                    .unwrap()
                    .unwrap()
                    .pair
                    .unwrap();
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
                let landed = std::mem::take(&mut *minting.landed.lock().unwrap());
                for (during, callback, receipt) in landed {
                    if callback.half.is_final() {
                        halves.insert(callback.half.digest.clone(), callback.half.clone());
                    }
                    if receipt.is_err() {
                        queue.push_back(during);
                    }
                }
                // The verdict the site was last told of (the stream tells it of every one
                // recorded), one recorded while the tokens were minted included.
                let told = minting
                    .outcome_after_landing
                    .lock()
                    .unwrap()
                    .take()
                    .unwrap_or(old.verdict.as_ref().map(|v| v.outcome));
                let after = memory.load(&client_id).await.unwrap().unwrap();
                let kept = after.previous_pairs.last().expect("the old pair is kept");
                prop_assert_eq!(&kept.pair_id, &old.pair_id);
                prop_assert_eq!(
                    kept.outcome,
                    told,
                    "the history lost a verdict the site was told"
                );
                writes_before_restart = counting.verdict_writes();
                pairs.push((
                    pair.identity.scan_ref.clone(),
                    pair.document.as_ref().unwrap().scan_ref.clone(),
                    pair.pair_id,
                ));
                continue;
            };
            let callback = callback_of(&schedule, &service, &pairs, delivery).unwrap();
            if callback.half.is_final() {
                // A preliminary with a final's data has the final's digest: keep the final.
                halves.insert(callback.half.digest.clone(), callback.half.clone());
            }
            let live_before = memory.load(&client_id).await.unwrap().unwrap().pair;
            match service.receive(&callback).await {
                // A non-2xx: iDenfy delivers it again later.
                Err(_) => queue.push_back(delivery),
                Ok(receipt) if generation + 1 < pairs.len() => {
                    prop_assert!(
                        matches!(receipt, Receipt::KeptInHistory { .. }),
                        "a replaced pair's result not kept in its history: {:?}",
                        receipt
                    );
                    let live_after = memory.load(&client_id).await.unwrap().unwrap().pair;
                    prop_assert_eq!(
                        live_before,
                        live_after,
                        "a replaced pair's callback changed the live pair"
                    );
                    late.push(callback.half.digest.clone());
                }
                Ok(_) => {}
            }
            queued_as_its_verdict_says(&memory, &client_id).await?;
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

        let record = memory.load(&client_id).await.unwrap().unwrap();
        let pair = record.pair.clone().unwrap();
        let generation = schedule.generations() - 1;
        prop_assert_eq!(&pair.pair_id, &pairs[generation].2);
        // No result of a session minted for the client is dropped: the replaced pair's late
        // results are all on its history entry.
        if generation == 1 {
            let kept: Vec<&str> = record
                .previous_pairs
                .last()
                .map(|p| p.late_results.iter().map(|l| l.digest.as_str()).collect())
                .unwrap_or_default();
            for digest in &late {
                prop_assert!(
                    kept.contains(&digest.as_str()),
                    "a late result dropped: {}",
                    digest
                );
            }
        }
        // No half lost: every distinct final is in the pair's history, the current one of each
        // role (over every document session, a replaced one included) the one accepted last.
        for role in ROLES {
            let scan_refs: Vec<&str> = match role {
                Role::Identity => vec![pair.identity.scan_ref.as_str()],
                Role::Document => pair.document_scan_refs().collect(),
            };
            let distinct = schedule.finals[generation][role_index(role)].len();
            prop_assert_eq!(
                pair.finals
                    .iter()
                    .filter(|f| scan_refs.contains(&f.scan_ref.as_str()))
                    .count(),
                distinct,
                "a final of the {:?} session lost or stored twice",
                role
            );
            let current = pair.half(role).expect("a current result");
            prop_assert!(current.is_final(), "a preliminary outlived the finals");
            let last = pair
                .final_digests
                .iter()
                .zip(&pair.finals)
                .rfind(|(_, f)| scan_refs.contains(&f.scan_ref.as_str()))
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
