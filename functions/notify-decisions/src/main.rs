//! Composition root: configuration, then each client once (built at its first use).

use lambda_runtime::{Error, LambdaEvent, run, service_fn};
use notify_decisions::{FUNCTION, NotifyDecisions, NotifyPorts, event_bus};
use pair_adapters::env::std_env;
use pair_adapters::metrics::Metrics;
use pair_adapters::outbound::http_on_first_use;
use pair_app::config::NotifyConfig;
use pair_core::clock::SystemClock;
use std::sync::Arc;

#[tokio::main]
async fn main() -> Result<(), Error> {
    pair_adapters::logging::init();
    let config = NotifyConfig::from_env(&std_env())?;
    let ports = NotifyPorts {
        http: http_on_first_use(|builder| builder),
        event_bridge: event_bus::client_from_env(),
        clock: Arc::new(SystemClock),
        metrics: Metrics::emf(FUNCTION),
    };
    let handler = &NotifyDecisions::build(config, ports);
    run(service_fn(move |event: LambdaEvent<_>| async move {
        Ok::<_, Error>(handler.handle(event.payload).await)
    }))
    .await
}
