//! The callback's CPU path: verify the signature, parse the payload, decide (store the half
//! into the pair and check whether a verdict is due) — on the sample identity callback, no
//! I/O. Timed per call for p50/p99, and with criterion for its median.

use async_trait::async_trait;
use criterion::Criterion;
use integration_tests::callbacks::{at, callback_service, events_record, hasher, signing_keys};
use pair_adapters::idenfy::SigningKeys;
use pair_app::callback::{CallbackService, Receipt};
use pair_core::clock::ManualClock;
use pair_core::pair::machine::accept_half;
use pair_core::pair::validity::ExpiryUpdate;
use pair_core::pair::{ClientId, DocumentHasher, PairRecord, PreviousPair};
use pair_core::ports::store::{
    Arrival, Decision, ExpiryStore, HalfWrite, HalfWritten, HistoryStore, PairReader, ResultStore,
    StoreError, VerdictStore, Written,
};
use serde_json::{Value, json};
use std::hint::black_box;
use std::sync::Arc;
use std::task::{Context, Poll, Waker};
use std::time::{Duration, Instant};

const CRITERION_ID: &str = "callback_cpu_path";

/// The store as the rules would leave it, without I/O: every half is judged against the same
/// pending record (so each pass takes the same path), every verdict is taken.
struct Unchanging(PairRecord);

#[async_trait]
impl ResultStore for Unchanging {
    async fn record_half(&self, _: &ClientId, arrival: Arrival<'_>) -> HalfWritten {
        Ok(
            match accept_half(&self.0, arrival.scan_ref, arrival.half, arrival.now) {
                Some(next) => HalfWrite::Stored(next),
                None => HalfWrite::Refused(Some(self.0.clone())),
            },
        )
    }
}

/// Expiration notices are not on this path.
#[async_trait]
impl PairReader for Unchanging {
    async fn load(&self, _: &ClientId) -> Result<Option<PairRecord>, StoreError> {
        Ok(Some(self.0.clone()))
    }
}

#[async_trait]
impl ExpiryStore for Unchanging {
    async fn record_expiry(&self, _: &ClientId, _: &ExpiryUpdate) -> Result<(), StoreError> {
        Err(StoreError::Conflict)
    }
}

/// Late results of replaced pairs are not on this path either.
#[async_trait]
impl HistoryStore for Unchanging {
    async fn record_late(
        &self,
        _: &ClientId,
        _: u64,
        _: &[PreviousPair],
    ) -> Result<(), StoreError> {
        Err(StoreError::Conflict)
    }
}

#[async_trait]
impl VerdictStore for Unchanging {
    async fn record_verdict(&self, _: &ClientId, _: Decision<'_>) -> Written {
        Ok(true)
    }
}

/// The output of a future that never waits (no I/O on this path), without a runtime: one
/// poll, so the figures are the path's own.
fn ready<F: Future>(future: F) -> Result<F::Output, String> {
    let mut future = std::pin::pin!(future);
    match future
        .as_mut()
        .poll(&mut Context::from_waker(Waker::noop()))
    {
        Poll::Ready(output) => Ok(output),
        Poll::Pending => Err("the CPU path waited on something".into()),
    }
}

pub struct CpuPath {
    body: Vec<u8>,
    signature: String,
    keys: SigningKeys,
    hasher: DocumentHasher,
    service: CallbackService,
}

impl CpuPath {
    pub fn load() -> Result<Self, String> {
        let path = crate::workspace().join("events/idenfy-callback/identity-final.json");
        let text =
            std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
        let event: Value = serde_json::from_str(&text).map_err(|e| e.to_string())?;
        let store = Arc::new(Unchanging(events_record()));
        Ok(Self {
            body: event["body"].as_str().ok_or("no body")?.as_bytes().to_vec(),
            signature: event["headers"]["idenfy-signature"]
                .as_str()
                .ok_or("no signature")?
                .to_owned(),
            keys: signing_keys(),
            hasher: hasher(),
            service: callback_service(store, Arc::new(ManualClock::at(at(3600)))),
        })
    }

    /// One pass of the path: the signature, then the callback service itself (parse, the
    /// half judged by the rules, the verdict check) over a store that does no I/O.
    fn run(&self) -> Result<Receipt, String> {
        self.keys
            .verify(black_box(&self.body), Some(&self.signature))
            .map_err(|e| e.to_string())?;
        let receipt = ready(self.service.handle(
            &self.body,
            Some("IDENTIFICATION_MANUAL_FINISHED"),
            &self.hasher,
        ))?
        .map_err(|e| e.to_string())?;
        match receipt {
            Receipt::Stored { decided: None, .. } => Ok(receipt),
            other => Err(format!("not the path measured: {other:?}")),
        }
    }

    /// Each call timed on its own: p50, p99, max.
    pub fn timed(&self, iterations: usize) -> Result<Value, String> {
        let mut samples = Vec::with_capacity(iterations);
        for _ in 0..iterations {
            let started = Instant::now();
            black_box(self.run()?);
            samples.push(started.elapsed().as_secs_f64() * 1e6);
        }
        samples.sort_by(f64::total_cmp);
        Ok(json!({
            "iterations": iterations,
            "payload_bytes": self.body.len(),
            "p50_us": crate::round(crate::percentile(&samples, 50.0)),
            "p99_us": crate::round(crate::percentile(&samples, 99.0)),
            "max_us": crate::round(samples.last().copied().unwrap_or(f64::NAN)),
        }))
    }

    /// Criterion's median, in µs (its report goes to target/criterion as usual).
    pub fn criterion_median_us(&self) -> Result<f64, String> {
        self.run()?;
        let directory = crate::workspace().join("target/criterion");
        let mut criterion = Criterion::default()
            .output_directory(&directory)
            .warm_up_time(Duration::from_secs(3))
            .measurement_time(Duration::from_secs(5));
        criterion.bench_function(CRITERION_ID, |b| b.iter(|| self.run()));
        criterion.final_summary();
        let path = directory.join(CRITERION_ID).join("new/estimates.json");
        let text =
            std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
        let estimates: Value = serde_json::from_str(&text).map_err(|e| e.to_string())?;
        estimates["median"]["point_estimate"]
            .as_f64()
            .map(|ns| ns / 1000.0)
            .ok_or_else(|| format!("{}: no median", path.display()))
    }
}
