//! Composition root: configuration, then each client once (built at its first use).

use lambda_runtime::{Error, LambdaEvent, run, service_fn};
use notify_decisions::{FUNCTION, NotifyDecisions, NotifyPorts};
use pair_adapters::env::std_env;
use pair_adapters::metrics::Metrics;
use pair_app::config::NotifyConfig;
use pair_core::clock::SystemClock;
use std::sync::Arc;

#[tokio::main]
async fn main() -> Result<(), Error> {
    pair_adapters::logging::init();
    let config = NotifyConfig::from_env(&std_env())?;
    let ports = NotifyPorts::from_env(Arc::new(SystemClock), Metrics::emf(FUNCTION));
    let handler = &NotifyDecisions::build(config, ports);
    run(service_fn(move |event: LambdaEvent<_>| async move {
        Ok::<_, Error>(handler.handle(event.payload).await)
    }))
    .await
}
