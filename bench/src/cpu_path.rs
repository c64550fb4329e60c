//! The callback's CPU path: verify the signature, parse the payload, decide (store the half
//! into the pair and check whether a verdict is due) — on the sample identity callback, no
//! I/O. Timed per call for p50/p99, and with criterion for its median.

use criterion::Criterion;
use integration_tests::callbacks::{at, events_record, hasher, signing_keys};
use serde_json::{Value, json};
use shared::callback::{DocumentHasher, SigningKeys, payload::parse};
use shared::clock::Timestamp;
use shared::pair::machine::{accept_half, verdict_due};
use shared::pair::verdict::VerdictPolicy;
use shared::pair::{PairRecord, Verdict};
use std::hint::black_box;
use std::time::{Duration, Instant};

const CRITERION_ID: &str = "callback_cpu_path";

pub struct CpuPath {
    body: Vec<u8>,
    signature: String,
    keys: SigningKeys,
    hasher: DocumentHasher,
    policy: VerdictPolicy,
    record: PairRecord,
    now: Timestamp,
}

impl CpuPath {
    pub fn load() -> Result<Self, String> {
        let path = crate::workspace().join("events/idenfy-callback/identity-final.json");
        let text =
            std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
        let event: Value = serde_json::from_str(&text).map_err(|e| e.to_string())?;
        Ok(Self {
            body: event["body"].as_str().ok_or("no body")?.as_bytes().to_vec(),
            signature: event["headers"]["idenfy-signature"]
                .as_str()
                .ok_or("no signature")?
                .to_owned(),
            keys: signing_keys(),
            hasher: hasher(),
            policy: VerdictPolicy::default(),
            record: events_record(),
            now: at(3600),
        })
    }

    /// One pass of the path; `None` from the decision (one half only: no verdict yet).
    fn run(&self) -> Result<Option<Verdict>, String> {
        self.keys
            .verify(black_box(&self.body), Some(&self.signature))
            .map_err(|e| e.to_string())?;
        let callback = parse(
            &self.body,
            Some("IDENTIFICATION_MANUAL_FINISHED"),
            self.now,
            &self.hasher,
            &self.policy.permit_step,
        )
        .map_err(|e| e.to_string())?;
        let next = accept_half(&self.record, &callback.scan_ref, &callback.half, self.now)
            .ok_or("not accepted")?;
        let pair = next.live_pair(self.now).ok_or("no pair")?;
        Ok(verdict_due(pair, &self.policy, self.now))
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
