//! The DynamoDB adapter. Table: partition key `clientId` (S), TTL attribute `expiresAt`.
//! The SDK honours `AWS_ENDPOINT_URL_DYNAMODB`, which points it at a local DynamoDB API.
//!
//! Each rule of `pair::machine` is stated here as a condition expression: [`issuance`] (claim,
//! release, install), [`results`] (a half, a late result), [`verdict`] (a verdict and what it sets), [`expiry`] (notices, alerts, the
//! watch's index) and [`queue`] (the reviewers' queue's index, a claim), over the names of
//! [`attributes`].

pub mod attributes;
mod expiry;
mod issuance;
mod ledger;
mod queue;
mod results;
mod table;
mod verdict;

pub use ledger::DynamoLedger;

use crate::outbound::OnFirstUse;
use async_trait::async_trait;
use attributes::{CLIENT_ID, VERSION};
use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::config::http::HttpResponse;
use aws_sdk_dynamodb::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};
use aws_sdk_dynamodb::operation::update_item::builders::UpdateItemFluentBuilder;
use aws_sdk_dynamodb::types::AttributeValue;
use pair_core::pair::{ClientId, PairRecord};
use pair_core::ports::store::{
    ErasureStore, Expected, PairReader, ReplaceStore, SeedStore, StoreError,
};
use serde::Serialize;
use std::collections::HashMap;
use std::time::Duration;

#[derive(Debug, Clone)]
pub struct DynamoStore {
    client: OnFirstUse<Client>,
    table: String,
}

/// How long the SDK may spend on one store call, retries included. Sized so that a handler
/// answers well inside its caller's budget (iDenfy waits 10 s for a webhook answer).
#[derive(Debug, Clone, Copy)]
pub struct DynamoTimeouts {
    pub connect: Duration,
    pub attempt: Duration,
    pub operation: Duration,
    pub max_attempts: u32,
}

impl Default for DynamoTimeouts {
    fn default() -> Self {
        Self {
            connect: Duration::from_secs(1),
            attempt: Duration::from_millis(1500),
            operation: Duration::from_secs(4),
            max_attempts: 3,
        }
    }
}

/// The SDK configuration from the environment (credentials, region, endpoint override) with
/// our timeouts and retries. Built once per process.
pub async fn sdk_config(timeouts: DynamoTimeouts) -> aws_config::SdkConfig {
    crate::outbound::aws_config()
        .timeout_config(
            aws_config::timeout::TimeoutConfig::builder()
                .connect_timeout(timeouts.connect)
                .operation_attempt_timeout(timeouts.attempt)
                .operation_timeout(timeouts.operation)
                .build(),
        )
        .retry_config(
            aws_config::retry::RetryConfig::standard().with_max_attempts(timeouts.max_attempts),
        )
        .load()
        .await
}

impl DynamoStore {
    /// A store on `table` through `client` (tests point one at moto_server).
    pub fn new(client: Client, table: impl Into<String>) -> Self {
        Self {
            client: OnFirstUse::ready(client),
            table: table.into(),
        }
    }

    /// A store on `table` whose client is built from the environment and `timeouts` at its
    /// first request.
    pub fn from_env(table: impl Into<String>, timeouts: DynamoTimeouts) -> Self {
        Self {
            client: OnFirstUse::new(
                move || async move { Client::new(&sdk_config(timeouts).await) },
            ),
            table: table.into(),
        }
    }

    pub fn table(&self) -> &str {
        &self.table
    }

    pub async fn client(&self) -> &Client {
        self.client.get().await
    }

    /// The store's client, for another table's adapter to share ([`DynamoLedger`]).
    pub fn shared_client(&self) -> OnFirstUse<Client> {
        self.client.clone()
    }

    fn key(client_id: &ClientId) -> AttributeValue {
        AttributeValue::S(client_id.as_str().to_owned())
    }

    /// An UpdateItem on `client_id`'s record, with `#name` declared for each of `names`.
    async fn update(&self, client_id: &ClientId, names: &[&str]) -> UpdateItemFluentBuilder {
        let request = self
            .client()
            .await
            .update_item()
            .table_name(&self.table)
            .key(CLIENT_ID, Self::key(client_id));
        attributes::named(request, names)
    }
}

/// Ok, `Conflict` when the condition failed, `Unavailable` otherwise.
fn conditional<T, E>(result: Result<T, SdkError<E, HttpResponse>>) -> Result<(), StoreError>
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
{
    match result {
        Ok(_) => Ok(()),
        Err(error) if error.code() == Some("ConditionalCheckFailedException") => {
            Err(StoreError::Conflict)
        }
        Err(error) => Err(unavailable(error)),
    }
}

fn number(value: impl ToString) -> AttributeValue {
    AttributeValue::N(value.to_string())
}

fn value<T: Serialize>(value: T) -> Result<AttributeValue, StoreError> {
    serde_dynamo::to_attribute_value(value).map_err(corrupt)
}

fn corrupt(error: serde_dynamo::Error) -> StoreError {
    StoreError::Corrupt(error.to_string())
}

fn record_from(item: HashMap<String, AttributeValue>) -> Result<PairRecord, StoreError> {
    serde_dynamo::from_item(item).map_err(corrupt)
}

fn unavailable<E: std::error::Error + 'static>(error: E) -> StoreError {
    StoreError::Unavailable(DisplayErrorContext(error).to_string())
}

#[async_trait]
impl PairReader for DynamoStore {
    async fn load(&self, client_id: &ClientId) -> Result<Option<PairRecord>, StoreError> {
        let output = self
            .client()
            .await
            .get_item()
            .table_name(&self.table)
            .key(CLIENT_ID, Self::key(client_id))
            .consistent_read(true)
            .send()
            .await
            .map_err(unavailable)?;
        output.item.map(record_from).transpose()
    }
}

#[async_trait]
impl ReplaceStore for DynamoStore {
    async fn replace(&self, record: &PairRecord, expected_version: u64) -> Result<(), StoreError> {
        self.save(record, Expected::Version(expected_version)).await
    }
}

#[async_trait]
impl ErasureStore for DynamoStore {
    async fn create(&self, record: &PairRecord) -> Result<(), StoreError> {
        self.save(record, Expected::Absent).await
    }
}

#[async_trait]
impl SeedStore for DynamoStore {
    async fn save(&self, record: &PairRecord, expected: Expected) -> Result<(), StoreError> {
        let item: HashMap<String, AttributeValue> =
            serde_dynamo::to_item(record).map_err(corrupt)?;
        let request = self
            .client()
            .await
            .put_item()
            .table_name(&self.table)
            .set_item(Some(item));
        let request = match expected {
            Expected::Absent => request
                .condition_expression(format!("attribute_not_exists(#{CLIENT_ID})"))
                .expression_attribute_names(format!("#{CLIENT_ID}"), CLIENT_ID),
            Expected::Version(version) => request
                .condition_expression(format!("#{VERSION} = :expected"))
                .expression_attribute_names(format!("#{VERSION}"), VERSION)
                .expression_attribute_values(":expected", number(version)),
        };
        conditional(request.send().await)
    }
}
