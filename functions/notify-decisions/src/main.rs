//! Composition root: configuration and the sinks are built once per cold start.

use lambda_runtime::{Error, LambdaEvent, run, service_fn};
use notify_decisions::{FUNCTION, NotifyDecisions};
use pair_adapters::env::std_env;
use pair_adapters::metrics::Metrics;
use pair_app::config::NotifyConfig;

#[tokio::main]
async fn main() -> Result<(), Error> {
    pair_adapters::logging::init();
    let config = NotifyConfig::from_env(&std_env())?;
    let handler = &NotifyDecisions::build(config, Metrics::emf(FUNCTION)).await?;
    run(service_fn(move |event: LambdaEvent<_>| async move {
        Ok::<_, Error>(handler.handle(event.payload).await)
    }))
    .await
}
