//! Load and race: many pairs, every half final, some preliminaries first, a share of the
//! deliveries duplicated, all shuffled and sent from many tasks at once through the callback
//! handler. Counts what must never happen: lost halves and double verdicts.

use integration_tests::callbacks::{
    callback_clock, callback_service, event_type, numbered_pair, payload, pending_record, person,
    preliminary, signed, signing_keys,
};
use integration_tests::stores::CountingStore;
use serde_json::{Value, json};
use shared::clock::{Clock, SystemClock};
use shared::pair::{ClientId, Rank, Role};
use shared::store::{Expected, PairStore};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

pub struct LoadPlan {
    pub pairs: usize,
    pub concurrency: usize,
    /// Share of deliveries sent twice.
    pub duplicate_share: f64,
    /// Share of halves whose preliminary result comes first.
    pub preliminary_share: f64,
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

pub async fn run(
    store: Arc<dyn PairStore>,
    requests: Option<Arc<AtomicUsize>>,
    plan: &LoadPlan,
) -> Result<Value, String> {
    let now = SystemClock.now();
    let records: Vec<_> = (0..plan.pairs)
        .map(|i| {
            let (client, pair, identity, document) = numbered_pair("LOAD", i);
            let mut record = pending_record(&client, &pair, &identity, &document);
            record.expires_at = now.plus(Duration::from_secs(86_400));
            record
        })
        .collect();
    let seeding = store.clone();
    in_parallel(records, plan.concurrency, move |record| {
        let store = seeding.clone();
        tokio::spawn(async move {
            store
                .save(&record, Expected::Absent)
                .await
                .map_err(|e| e.to_string())
        })
    })
    .await?;

    let mut rng = fastrand::Rng::with_seed(20_261_126);
    let mut deliveries = Vec::new();
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
    }
    let originals = deliveries.len();
    for index in 0..originals {
        if rng.f64() < plan.duplicate_share {
            deliveries.push(deliveries[index].clone());
        }
    }
    rng.shuffle(&mut deliveries);
    let callbacks = deliveries.len();

    let counting = Arc::new(CountingStore::new(store.clone()));
    let handler = Arc::new(idenfy_callback::IdenfyCallback::new(
        callback_service(counting.clone(), callback_clock()),
        Some(signing_keys()),
        512 * 1024,
    ));
    let latencies = Arc::new(Mutex::new(Vec::with_capacity(callbacks)));
    let failures = Arc::new(AtomicUsize::new(0));
    let before = requests.as_ref().map(|r| r.load(Ordering::SeqCst));
    let started = Instant::now();
    let (sink, failed) = (latencies.clone(), failures.clone());
    in_parallel(deliveries, plan.concurrency, move |(body, is_final)| {
        let (handler, sink, failed) = (handler.clone(), sink.clone(), failed.clone());
        tokio::spawn(async move {
            let sent = Instant::now();
            let response = handler.handle(signed(&body, event_type(is_final))).await;
            let elapsed = sent.elapsed().as_secs_f64() * 1000.0;
            if response.status().as_u16() != 200 {
                failed.fetch_add(1, Ordering::SeqCst);
            }
            sink.lock().map_err(|_| "poisoned")?.push(elapsed);
            Ok(())
        })
    })
    .await?;
    let seconds = started.elapsed().as_secs_f64();
    let store_requests = match (&requests, before) {
        (Some(r), Some(before)) => Some(r.load(Ordering::SeqCst) - before),
        _ => None,
    };

    let (mut lost_halves, mut double_verdicts, mut missing_verdicts, mut wrong_verdicts) =
        (0, 0, 0, 0);
    for i in 0..plan.pairs {
        let (client, _, _, _) = numbered_pair("LOAD", i);
        let client_id = ClientId::parse(&client).map_err(|e| e.to_string())?;
        let (_, _, outcome, reasons) = person(i);
        let pair = store
            .load(&client_id)
            .await
            .map_err(|e| e.to_string())?
            .and_then(|r| r.pair)
            .ok_or("a seeded pair vanished")?;
        for role in [Role::Identity, Role::Document] {
            if pair.half(role).map(|h| h.rank) != Some(Rank::Final) {
                lost_halves += 1;
            }
        }
        match counting.verdict_writes_for(&client_id) {
            0 => missing_verdicts += 1,
            1 => {}
            _ => double_verdicts += 1,
        }
        if pair.verdict.map(|v| (v.outcome, v.reasons)) != Some((outcome, reasons)) {
            wrong_verdicts += 1;
        }
    }

    let mut latencies = latencies.lock().map_err(|_| "poisoned")?.clone();
    latencies.sort_by(f64::total_cmp);
    Ok(json!({
        "pairs": plan.pairs,
        "callbacks": callbacks,
        "concurrency": plan.concurrency,
        "seconds": crate::round(seconds),
        "callbacks_per_second": crate::round(callbacks as f64 / seconds),
        "latency_ms": {
            "p50": crate::round(crate::percentile(&latencies, 50.0)),
            "p99": crate::round(crate::percentile(&latencies, 99.0)),
        },
        "non_200": failures.load(Ordering::SeqCst),
        "dynamodb_requests": store_requests,
        "dynamodb_requests_per_callback": store_requests.map(|n| crate::round(n as f64 / callbacks as f64)),
        "lost_halves": lost_halves,
        "double_verdicts": double_verdicts,
        "missing_verdicts": missing_verdicts,
        "wrong_verdicts": wrong_verdicts,
    }))
}
