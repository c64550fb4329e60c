//! Composition root: configuration and the sinks are built once per cold start.

use lambda_runtime::{Error, LambdaEvent, run, service_fn};
use notify_decisions::NotifyDecisions;
use shared::clock::SystemClock;
use shared::config::{NotifyConfig, std_env};
use std::sync::Arc;

#[tokio::main]
async fn main() -> Result<(), Error> {
    shared::logging::init();
    let config = NotifyConfig::from_env(&std_env())?;
    let handler = &NotifyDecisions::compose(config, Arc::new(SystemClock)).await?;
    run(service_fn(move |event: LambdaEvent<_>| async move {
        Ok::<_, Error>(handler.handle(event.payload).await)
    }))
    .await
}
