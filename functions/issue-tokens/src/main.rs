//! Composition root: configuration, clients and the handler are built once per cold start.

use issue_tokens::IssueTokens;
use lambda_http::{Error, run, service_fn};
use shared::clock::SystemClock;
use shared::config::{IssueTokensConfig, std_env};
use shared::idenfy::IdenfyClient;
use shared::issuance::IssuanceService;
use shared::store::DynamoStore;
use shared::store::dynamo::{DynamoTimeouts, sdk_config};
use std::sync::Arc;

#[tokio::main]
async fn main() -> Result<(), Error> {
    shared::logging::init();
    let config = IssueTokensConfig::from_env(&std_env())?;
    let sdk = sdk_config(DynamoTimeouts::default()).await;
    let store = DynamoStore::new(aws_sdk_dynamodb::Client::new(&sdk), config.table_name);
    let tokens = IdenfyClient::new(config.idenfy)?;
    let service = IssuanceService::new(
        Arc::new(store),
        Arc::new(tokens),
        Arc::new(SystemClock),
        config.policy,
    );
    let handler = &IssueTokens::new(service);
    run(service_fn(move |request| async move {
        Ok::<_, Error>(handler.handle(request).await)
    }))
    .await
}
