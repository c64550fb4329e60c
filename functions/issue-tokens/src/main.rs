//! Composition root: configuration, clients and the handler are built once per cold start.

use issue_tokens::{FUNCTION, IssueTokens};
use lambda_http::{Error, run, service_fn};
use pair_adapters::env::std_env;
use pair_adapters::metrics::Metrics;
use pair_adapters::store::dynamo::DynamoTimeouts;
use pair_adapters::store::{DynamoLedger, DynamoStore};
use pair_app::config::IssueTokensConfig;
use std::sync::Arc;

#[tokio::main]
async fn main() -> Result<(), Error> {
    pair_adapters::logging::init();
    let config = IssueTokensConfig::from_env(&std_env())?;
    let store = DynamoStore::from_env(&config.table_name, DynamoTimeouts::default()).await;
    let ledger = DynamoLedger::new(store.client().clone(), &config.ledger_table_name);
    let handler = &IssueTokens::build(
        config,
        Arc::new(store),
        Arc::new(ledger),
        Metrics::emf(FUNCTION),
    )?;
    run(service_fn(move |request| async move {
        Ok::<_, Error>(handler.handle(request).await)
    }))
    .await
}
