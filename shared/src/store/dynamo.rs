//! The DynamoDB adapter. Table: partition key `clientId` (S), TTL attribute `expiresAt`.
//! The SDK honours `AWS_ENDPOINT_URL_DYNAMODB`, which points it at a local DynamoDB API.

use super::{Expected, PairStore, StoreError};
use crate::pair::{ClientId, PairRecord};
use async_trait::async_trait;
use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::error::DisplayErrorContext;
use aws_sdk_dynamodb::types::{
    AttributeDefinition, AttributeValue, BillingMode, KeySchemaElement, KeyType,
    ScalarAttributeType, TimeToLiveSpecification,
};
use std::time::Duration;

pub const KEY_ATTRIBUTE: &str = "clientId";
pub const TTL_ATTRIBUTE: &str = "expiresAt";

#[derive(Debug, Clone)]
pub struct DynamoStore {
    client: Client,
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
    aws_config::defaults(aws_config::BehaviorVersion::latest())
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
    pub fn new(client: Client, table: impl Into<String>) -> Self {
        Self {
            client,
            table: table.into(),
        }
    }

    pub fn table(&self) -> &str {
        &self.table
    }

    /// Creates the pairs table as the SAM template declares it (tests, local stack).
    pub async fn create_table(&self) -> Result<(), StoreError> {
        let key = |builder_error: aws_sdk_dynamodb::error::BuildError| {
            StoreError::Unavailable(builder_error.to_string())
        };
        self.client
            .create_table()
            .table_name(&self.table)
            .billing_mode(BillingMode::PayPerRequest)
            .key_schema(
                KeySchemaElement::builder()
                    .attribute_name(KEY_ATTRIBUTE)
                    .key_type(KeyType::Hash)
                    .build()
                    .map_err(key)?,
            )
            .attribute_definitions(
                AttributeDefinition::builder()
                    .attribute_name(KEY_ATTRIBUTE)
                    .attribute_type(ScalarAttributeType::S)
                    .build()
                    .map_err(key)?,
            )
            .send()
            .await
            .map_err(unavailable)?;
        self.client
            .update_time_to_live()
            .table_name(&self.table)
            .time_to_live_specification(
                TimeToLiveSpecification::builder()
                    .attribute_name(TTL_ATTRIBUTE)
                    .enabled(true)
                    .build()
                    .map_err(key)?,
            )
            .send()
            .await
            .map_err(unavailable)?;
        Ok(())
    }

    pub async fn delete_table(&self) -> Result<(), StoreError> {
        self.client
            .delete_table()
            .table_name(&self.table)
            .send()
            .await
            .map_err(unavailable)?;
        Ok(())
    }
}

fn unavailable<E: std::error::Error + 'static>(error: E) -> StoreError {
    StoreError::Unavailable(DisplayErrorContext(error).to_string())
}

#[async_trait]
impl PairStore for DynamoStore {
    async fn load(&self, client_id: &ClientId) -> Result<Option<PairRecord>, StoreError> {
        let output = self
            .client
            .get_item()
            .table_name(&self.table)
            .key(
                KEY_ATTRIBUTE,
                AttributeValue::S(client_id.as_str().to_owned()),
            )
            .consistent_read(true)
            .send()
            .await
            .map_err(unavailable)?;
        output
            .item
            .map(|item| {
                serde_dynamo::from_item(item).map_err(|e| StoreError::Corrupt(e.to_string()))
            })
            .transpose()
    }

    async fn save(&self, record: &PairRecord, expected: Expected) -> Result<(), StoreError> {
        let item: std::collections::HashMap<String, AttributeValue> =
            serde_dynamo::to_item(record).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let request = self
            .client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(item));
        let request = match expected {
            Expected::Absent => {
                request.condition_expression(format!("attribute_not_exists({KEY_ATTRIBUTE})"))
            }
            Expected::Version(version) => request
                .condition_expression("version = :expected")
                .expression_attribute_values(":expected", AttributeValue::N(version.to_string())),
        };
        match request.send().await {
            Ok(_) => Ok(()),
            Err(error) => {
                let error = error.into_service_error();
                if error.is_conditional_check_failed_exception() {
                    Err(StoreError::Conflict)
                } else {
                    Err(unavailable(error))
                }
            }
        }
    }
}
