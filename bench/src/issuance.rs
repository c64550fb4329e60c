//! Issuance against an iDenfy stand-in that answers each token request after a fixed delay:
//! how many of iDenfy's round trips a person waits for, as (median issuance at 200 ms − median
//! at 0 ms) / 200 ms. Two tokens minted one after the other make 2.0; at once, 1.0.

use integration_tests::{IdenfyStub, T0, service};
use pair_adapters::store::MemoryStore;
use pair_app::issuance::IssueRequest;
use pair_core::clock::ManualClock;
use pair_core::pair::ClientId;
use serde_json::{Value, json};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// The most round trips an issuance may wait for.
pub const TARGET_ROUND_TRIPS: f64 = 1.2;
const DELAY: Duration = Duration::from_millis(200);
const RUNS: usize = 15;

pub async fn round_trips() -> Result<Value, String> {
    let at_zero = median_issuance_ms(Duration::ZERO).await?;
    let at_delay = median_issuance_ms(DELAY).await?;
    let trips = (at_delay - at_zero) / (DELAY.as_secs_f64() * 1000.0);
    Ok(json!({
        "stand_in_delay_ms": DELAY.as_millis() as u64,
        "runs": RUNS,
        "median_ms_at_0": round(at_zero),
        "median_ms_at_delay": round(at_delay),
        "round_trips": round(trips),
        "target": TARGET_ROUND_TRIPS,
    }))
}

/// The median time of a two-session issuance (store, both tokens, install) in process, on the
/// embedded store, against a stand-in answering after `delay`.
async fn median_issuance_ms(delay: Duration) -> Result<f64, String> {
    let stub = IdenfyStub::bare().await;
    stub.mount_minting_after(delay).await;
    let issuance = service(
        Arc::new(MemoryStore::new()),
        Arc::new(stub.client()),
        Arc::new(ManualClock::at(T0)),
    );
    let mut times = Vec::with_capacity(RUNS);
    for run in 0..RUNS {
        let client_id =
            ClientId::parse(&format!("BENCH_ISSUE_{run}")).map_err(|e| e.to_string())?;
        let request = IssueRequest::new(client_id);
        let started = Instant::now();
        issuance
            .issue(&request)
            .await
            .map_err(|e| format!("issuance at {} ms: {e}", delay.as_millis()))?;
        times.push(started.elapsed().as_secs_f64() * 1000.0);
    }
    times.sort_by(f64::total_cmp);
    Ok(times[RUNS / 2])
}

fn round(value: f64) -> f64 {
    (value * 100.0).round() / 100.0
}
