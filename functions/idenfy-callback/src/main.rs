//! Composition root: configuration, then each client once (the store's is built at its first
//! request). Without a signing key the function refuses to start (unless told it is a
//! development setup).

use idenfy_callback::{CallbackPorts, FUNCTION, IdenfyCallback, STORE_TIMEOUTS};
use lambda_http::{Error, run, service_fn};
use pair_adapters::env::std_env;
use pair_adapters::metrics::Metrics;
use pair_adapters::store::DynamoStore;
use pair_app::config::CallbackConfig;
use pair_core::clock::SystemClock;
use std::sync::Arc;

#[tokio::main]
async fn main() -> Result<(), Error> {
    pair_adapters::logging::init();
    let config = CallbackConfig::from_env(&std_env())?;
    let ports = CallbackPorts {
        store: Arc::new(DynamoStore::from_env(&config.table_name, STORE_TIMEOUTS)),
        clock: Arc::new(SystemClock),
        metrics: Metrics::emf(FUNCTION),
    };
    let handler = &IdenfyCallback::build(config, ports);
    run(service_fn(move |request| async move {
        Ok::<_, Error>(handler.handle(request).await)
    }))
    .await
}
