//! Composition root: configuration, then each client once (each built at its first use: a
//! route that never calls iDenfy never builds its client).

use issue_tokens::{ApiPorts, FUNCTION, VerificationsApi};
use lambda_http::{Error, run, service_fn};
use pair_adapters::env::std_env;
use pair_adapters::idenfy::IdenfyClient;
use pair_adapters::metrics::Metrics;
use pair_adapters::store::dynamo::DynamoTimeouts;
use pair_adapters::store::{DynamoLedger, DynamoStore};
use pair_app::config::VerificationsApiConfig;
use pair_core::clock::SystemClock;
use pair_core::ports::idenfy::IdenfyPorts;
use std::sync::Arc;

#[tokio::main]
async fn main() -> Result<(), Error> {
    pair_adapters::logging::init();
    let config = VerificationsApiConfig::from_env(&std_env())?;
    let store = DynamoStore::from_env(&config.table_name, DynamoTimeouts::default());
    let ledger = DynamoLedger::new(store.shared_client(), &config.ledger_table_name);
    let ports = ApiPorts {
        store: Arc::new(store),
        ledger: Arc::new(ledger),
        idenfy: IdenfyPorts::of(Arc::new(IdenfyClient::new(config.idenfy.clone()))),
        clock: Arc::new(SystemClock),
        metrics: Metrics::emf(FUNCTION),
    };
    let handler = &VerificationsApi::build(config, ports);
    run(service_fn(move |request| async move {
        Ok::<_, Error>(handler.handle(request).await)
    }))
    .await
}
