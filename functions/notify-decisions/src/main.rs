//! Composition root: configuration and the sinks are built once per cold start.

use lambda_runtime::{Error, LambdaEvent, run, service_fn};
use notify_decisions::{FUNCTION, NotifyDecisions};
use shared::clock::SystemClock;
use shared::config::{NotifyConfig, std_env};
use shared::metrics::Metrics;
use std::sync::Arc;

#[tokio::main]
async fn main() -> Result<(), Error> {
    shared::logging::init();
    let config = NotifyConfig::from_env(&std_env())?;
    let handler = &NotifyDecisions::compose(config, Arc::new(SystemClock))
        .await?
        .with_metrics(Metrics::emf(FUNCTION));
    run(service_fn(move |event: LambdaEvent<_>| async move {
        Ok::<_, Error>(handler.handle(event.payload).await)
    }))
    .await
}
