//! The deployed schedules' jobs, run on this machine: each route's event, as its schedule
//! sends it.

use issue_tokens::VerificationsApi;
use std::time::Duration;
use tokio::task::JoinHandle;

use crate::bridge;

/// How often the local stack runs the erasure retries and the review queue's gauges the
/// template schedules every 15 minutes, and the expiry watch it schedules daily (each run is
/// idempotent: a pair is told once).
const SCHEDULE_INTERVAL: Duration = Duration::from_secs(60);

/// The deployed schedules' jobs: each route's event, as its schedule sends it.
pub(crate) fn run_schedules(issue_tokens: VerificationsApi) -> JoinHandle<()> {
    tokio::spawn(async move {
        let mut ticks = tokio::time::interval(SCHEDULE_INTERVAL);
        ticks.tick().await;
        loop {
            ticks.tick().await;
            for route in [
                issue_tokens::ERASURE_RETRY_ROUTE,
                issue_tokens::EXPIRY_WATCH_ROUTE,
                issue_tokens::QUEUE_GAUGES_ROUTE,
            ] {
                let path = route.split_once(' ').map_or(route, |(_, path)| path);
                let request = lambda_http::http::Request::builder()
                    .method("POST")
                    .uri(format!("http://127.0.0.1{path}"))
                    .body(lambda_http::Body::Empty);
                let Ok(request) = request else { return };
                let request = bridge::as_invoked(
                    request,
                    route,
                    pair_adapters::http_api::Caller::Anonymous,
                    Default::default(),
                );
                issue_tokens.handle(request).await;
            }
        }
    })
}
