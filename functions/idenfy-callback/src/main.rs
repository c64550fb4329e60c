//! Composition root: configuration, the DynamoDB client and the handler are built once per
//! cold start. Without a signing key the function refuses to start (unless told it is a
//! development setup).

use idenfy_callback::{FUNCTION, IdenfyCallback, STORE_TIMEOUTS};
use lambda_http::{Error, run, service_fn};
use pair_adapters::env::std_env;
use pair_adapters::metrics::Metrics;
use pair_adapters::store::DynamoStore;
use pair_app::config::CallbackConfig;
use std::sync::Arc;

#[tokio::main]
async fn main() -> Result<(), Error> {
    pair_adapters::logging::init();
    let config = CallbackConfig::from_env(&std_env())?;
    let store = DynamoStore::from_env(&config.table_name, STORE_TIMEOUTS).await;
    let handler = &IdenfyCallback::build(config, Arc::new(store), Metrics::emf(FUNCTION));
    run(service_fn(move |request| async move {
        Ok::<_, Error>(handler.handle(request).await)
    }))
    .await
}
