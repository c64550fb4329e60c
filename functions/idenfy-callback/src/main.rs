//! Composition root: configuration, the DynamoDB client and the handler are built once per
//! cold start. Without a signing key the function refuses to start (unless told it is a
//! development setup).

use idenfy_callback::{FUNCTION, IdenfyCallback, STORE_TIMEOUTS};
use lambda_http::{Error, run, service_fn};
use shared::config::{CallbackConfig, std_env};
use shared::metrics::Metrics;
use shared::store::DynamoStore;
use std::sync::Arc;

#[tokio::main]
async fn main() -> Result<(), Error> {
    shared::logging::init();
    let config = CallbackConfig::from_env(&std_env())?;
    let store = DynamoStore::from_env(&config.table_name, STORE_TIMEOUTS).await;
    let handler = &IdenfyCallback::build(config, Arc::new(store), Metrics::emf(FUNCTION));
    run(service_fn(move |request| async move {
        Ok::<_, Error>(handler.handle(request).await)
    }))
    .await
}
