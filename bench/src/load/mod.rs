//! Load and race: many pairs, every half final, some preliminaries first, some identities
//! reviewed again (a second, different final), a share of the deliveries duplicated, all
//! shuffled — through a pool of function processes against moto_server (ours and the Node.js
//! peer's), or through the callback handler in-process on the embedded store. Counts what must
//! never happen: lost halves, double verdicts, pairs undecided or decided wrongly.

use crate::counting_proxy::CountingProxy;
use aws_sdk_dynamodb::types::{AttributeValue, KeysAndAttributes, PutRequest, WriteRequest};
use integration_tests::callbacks::{
    callback_clock, callback_secrets, callback_service, check_verdict_history, event_type, hasher,
    numbered_pair, payload, pending_record, person, preliminary, signed,
};
use integration_tests::stores::CountingStore;
use pair_adapters::store::{DynamoStore, MemoryStore};
use pair_core::clock::{Clock, SystemClock};
use pair_core::pair::{ClientId, HalfResult, PairRecord, Rank, Role};
use pair_core::ports::store::{Expected, PairReader, SeedStore};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

mod moto;

pub use moto::OnMoto;

/// Deliveries of one webhook in all, the first included, when answers are non-2xx.
const MAX_DELIVERIES: u32 = 5;

pub struct LoadPlan {
    pub pairs: usize,
    pub concurrency: usize,
    /// Share of deliveries sent twice.
    pub duplicate_share: f64,
    /// Share of halves whose preliminary result comes first.
    pub preliminary_share: f64,
    /// Share of pairs whose identity is reviewed again (to SUSPECTED) after its first final.
    pub revision_share: f64,
}

/// A plan's deliveries (body, is final), and which pairs got a revision.
struct Schedule {
    deliveries: Vec<(String, bool)>,
    revised: std::collections::HashSet<usize>,
}

impl Schedule {
    /// Every final sent, by its digest: what each verdict's basis names.
    fn finals(&self) -> Result<HashMap<String, HalfResult>, String> {
        let parser = callback_service(Arc::new(MemoryStore::new()), callback_clock());
        self.deliveries
            .iter()
            .filter(|(_, is_final)| *is_final)
            .map(|(body, _)| {
                let half = parser
                    .read(body.as_bytes(), None, &hasher())
                    .map_err(|e| e.to_string())?
                    .into_result()
                    .ok_or("an expiration notice in the load")?
                    .half;
                Ok((half.digest.clone(), half))
            })
            .collect()
    }
}

async fn in_parallel<T: Send + 'static>(
    items: Vec<T>,
    concurrency: usize,
    work: impl Fn(T) -> tokio::task::JoinHandle<Result<(), String>> + Send + Sync + 'static,
) -> Result<(), String> {
    let queue = Arc::new(Mutex::new(items));
    let work = Arc::new(work);
    let workers: Vec<_> = (0..concurrency)
        .map(|_| {
            let queue = queue.clone();
            let work = work.clone();
            tokio::spawn(async move {
                loop {
                    let next = queue.lock().map_err(|_| "poisoned")?.pop();
                    let Some(item) = next else {
                        return Ok::<(), String>(());
                    };
                    work(item).await.map_err(|e| e.to_string())??;
                }
            })
        })
        .collect();
    for worker in workers {
        worker.await.map_err(|e| e.to_string())??;
    }
    Ok(())
}

/// Every pair of the plan, pending and live.
fn seeded_records(plan: &LoadPlan) -> Vec<PairRecord> {
    let now = SystemClock.now();
    (0..plan.pairs)
        .map(|i| {
            let (client, pair, identity, document) = numbered_pair("LOAD", i);
            let mut record = pending_record(&client, &pair, &identity, &document);
            record.expires_at = now.plus(Duration::from_secs(86_400));
            record
        })
        .collect()
}

/// Each half final once, a share preceded by a preliminary, a share of identities reviewed
/// again, a share of deliveries sent twice; shuffled with a fixed seed so reruns send the same
/// schedule.
fn schedule(plan: &LoadPlan) -> Schedule {
    let mut rng = fastrand::Rng::with_seed(20_261_126);
    let mut deliveries = Vec::new();
    let mut revised = std::collections::HashSet::new();
    for i in 0..plan.pairs {
        let (client, _, identity, document) = numbered_pair("LOAD", i);
        let (identity_fields, document_fields, _, _) = person(i);
        for (scan_ref, fields) in [(&identity, &identity_fields), (&document, &document_fields)] {
            if rng.f64() < plan.preliminary_share {
                deliveries.push((
                    payload(&client, scan_ref, false, &preliminary()).to_string(),
                    false,
                ));
            }
            deliveries.push((payload(&client, scan_ref, true, fields).to_string(), true));
        }
        if rng.f64() < plan.revision_share {
            let mut re_reviewed = identity_fields.clone();
            re_reviewed.overall = "SUSPECTED";
            deliveries.push((
                payload(&client, &identity, true, &re_reviewed).to_string(),
                true,
            ));
            revised.insert(i);
        }
    }
    let originals = deliveries.len();
    for index in 0..originals {
        if rng.f64() < plan.duplicate_share {
            deliveries.push(deliveries[index].clone());
        }
    }
    rng.shuffle(&mut deliveries);
    Schedule {
        deliveries,
        revised,
    }
}

/// What must never happen, read back from the store: a final not kept, pairs undecided,
/// decided other than by the policy (made fail-safe after a revision) or not on their current
/// finals, more verdict writes than verdicts recorded.
fn check(
    mut records: HashMap<String, PairRecord>,
    plan: &LoadPlan,
    schedule: &Schedule,
    verdict_writes: impl Fn(&String) -> usize,
) -> Result<Value, String> {
    let finals = schedule.finals()?;
    let (mut lost_halves, mut double_verdicts, mut missing_verdicts, mut wrong_verdicts) =
        (0, 0, 0, 0);
    let mut revisions = 0;
    for i in 0..plan.pairs {
        let (client, _, identity, _) = numbered_pair("LOAD", i);
        let (_, _, outcome, reasons) = person(i);
        let pair = records
            .remove(&client)
            .and_then(|r| r.pair)
            .ok_or("a seeded pair vanished")?;
        for role in [Role::Identity, Role::Document] {
            if pair.half(role).map(|h| h.rank) != Some(Rank::Final) {
                lost_halves += 1;
            }
        }
        let revised = schedule.revised.contains(&i);
        let identity_finals = pair
            .finals
            .iter()
            .filter(|f| f.scan_ref == identity)
            .count();
        if identity_finals != 1 + usize::from(revised) {
            lost_halves += 1;
        }
        // Undecided and wrong are read from the record; double verdicts from the writes seen
        // (a write whose acknowledgement was lost is in the record but may not be counted).
        let recorded = pair.earlier_verdicts.len() + usize::from(pair.verdict.is_some());
        revisions += recorded.saturating_sub(1);
        if verdict_writes(&client) > recorded {
            double_verdicts += 1;
        }
        let by_policy = check_verdict_history(&pair, &finals).is_ok();
        match pair.verdict.map(|v| (v.outcome, v.reasons)) {
            None => missing_verdicts += 1,
            Some(_) if !by_policy => wrong_verdicts += 1,
            Some(verdict) if !revised && verdict != (outcome, reasons) => wrong_verdicts += 1,
            Some(_) => {}
        }
    }
    Ok(json!({
        "revised_pairs": schedule.revised.len(),
        "verdicts_after_a_revision": revisions,
        "lost_halves": lost_halves,
        "double_verdicts": double_verdicts,
        "missing_verdicts": missing_verdicts,
        "wrong_verdicts": wrong_verdicts,
    }))
}

/// The callback handler called in-process by `concurrency` tasks: the functions' own ceiling,
/// on the embedded store.
pub async fn run_in_process(store: Arc<MemoryStore>, plan: &LoadPlan) -> Result<Value, String> {
    for record in seeded_records(plan) {
        store
            .save(&record, Expected::Absent)
            .await
            .map_err(|e| e.to_string())?;
    }
    let schedule = schedule(plan);
    let deliveries = schedule.deliveries.clone();
    let callbacks = deliveries.len();
    let counting = Arc::new(CountingStore::new(store.clone()));
    let handler = Arc::new(integration_tests::callbacks::callback_with_secrets(
        counting.clone(),
        callback_clock(),
        callback_secrets(),
    ));
    let latencies = Arc::new(Mutex::new(Vec::with_capacity(callbacks)));
    let failures = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let (sink, failed) = (latencies.clone(), failures.clone());
    in_parallel(deliveries, plan.concurrency, move |(body, is_final)| {
        let (handler, sink, failed) = (handler.clone(), sink.clone(), failed.clone());
        tokio::spawn(async move {
            // A non-2xx answer is delivered again, as iDenfy does.
            for attempt in 1..=MAX_DELIVERIES {
                let sent = Instant::now();
                let response = handler.handle(signed(&body, event_type(is_final))).await;
                sink.lock()
                    .map_err(|_| "poisoned")?
                    .push(sent.elapsed().as_secs_f64() * 1000.0);
                if response.status().as_u16() == 200 {
                    return Ok(());
                }
                failed.fetch_add(1, Ordering::SeqCst);
                tokio::time::sleep(Duration::from_millis(100 * u64::from(attempt))).await;
            }
            Ok(())
        })
    })
    .await?;
    let seconds = started.elapsed().as_secs_f64();
    let mut records = HashMap::new();
    for i in 0..plan.pairs {
        let (client, _, _, _) = numbered_pair("LOAD", i);
        let client_id = ClientId::parse(&client).map_err(|e| e.to_string())?;
        if let Some(record) = store.load(&client_id).await.map_err(|e| e.to_string())? {
            records.insert(client, record);
        }
    }
    let checked = check(records, plan, &schedule, |client| {
        ClientId::parse(client).map_or(0, |id| counting.verdict_writes_for(&id))
    })?;
    let latencies = latencies.lock().map_err(|_| "poisoned")?.clone();
    let mut report = json!({
        "pairs": plan.pairs,
        "callbacks": callbacks,
        "concurrency": plan.concurrency,
        "seconds": crate::round(seconds),
        "callbacks_per_second": crate::round(callbacks as f64 / seconds),
        "latency_ms": latency_summary(latencies),
        "non_200_answers": failures.load(Ordering::SeqCst),
    });
    merge(&mut report, checked);
    Ok(report)
}

fn latency_summary(mut latencies: Vec<f64>) -> Value {
    latencies.sort_by(f64::total_cmp);
    json!({
        "p50": crate::round(crate::percentile(&latencies, 50.0)),
        "p99": crate::round(crate::percentile(&latencies, 99.0)),
    })
}

/// The environment with `name` set to `value`, replacing any earlier value.
pub fn with_var(env: &[(String, String)], name: &str, value: &str) -> Vec<(String, String)> {
    let mut env: Vec<_> = env.iter().filter(|(n, _)| n != name).cloned().collect();
    env.push((name.to_owned(), value.to_owned()));
    env
}

fn merge(into: &mut Value, from: Value) {
    if let (Some(into), Value::Object(from)) = (into.as_object_mut(), from) {
        into.extend(from);
    }
}

/// `run` on a fresh moto_server table, dropped afterwards.
pub(crate) async fn on_fresh_table(
    run: impl AsyncFnOnce(&pair_adapters::store::DynamoStore) -> Result<Value, String>,
) -> Result<Value, String> {
    let table = integration_tests::moto_table().await;
    let result = run(&table.store).await;
    let _ = table.store.delete_table().await;
    result
}
