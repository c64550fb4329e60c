//! The pairs table itself, as the SAM template declares it: created for tests and the local
//! stack, dropped by tests.

use super::attributes::{
    CLIENT_ID, ERASURE_INDEX, ERASURE_PENDING, EXPIRES_AT, EXPIRY_DUE, EXPIRY_INDEX, EXPIRY_WATCH,
};
use super::{DynamoStore, unavailable};
use crate::store::StoreError;
use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, GlobalSecondaryIndex, KeySchemaElement, KeyType, Projection,
    ProjectionType, ScalarAttributeType, StreamSpecification, StreamViewType,
    TimeToLiveSpecification,
};

impl DynamoStore {
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
                    .attribute_name(CLIENT_ID)
                    .key_type(KeyType::Hash)
                    .build()
                    .map_err(key)?,
            )
            .attribute_definitions(
                AttributeDefinition::builder()
                    .attribute_name(CLIENT_ID)
                    .attribute_type(ScalarAttributeType::S)
                    .build()
                    .map_err(key)?,
            )
            .attribute_definitions(
                AttributeDefinition::builder()
                    .attribute_name(ERASURE_PENDING)
                    .attribute_type(ScalarAttributeType::S)
                    .build()
                    .map_err(key)?,
            )
            // Sparse: only records whose erasure waits for iDenfy carry its key.
            .global_secondary_indexes(
                GlobalSecondaryIndex::builder()
                    .index_name(ERASURE_INDEX)
                    .key_schema(
                        KeySchemaElement::builder()
                            .attribute_name(ERASURE_PENDING)
                            .key_type(KeyType::Hash)
                            .build()
                            .map_err(key)?,
                    )
                    .projection(
                        Projection::builder()
                            .projection_type(ProjectionType::KeysOnly)
                            .build(),
                    )
                    .build()
                    .map_err(key)?,
            )
            .attribute_definitions(
                AttributeDefinition::builder()
                    .attribute_name(EXPIRY_WATCH)
                    .attribute_type(ScalarAttributeType::N)
                    .build()
                    .map_err(key)?,
            )
            .attribute_definitions(
                AttributeDefinition::builder()
                    .attribute_name(EXPIRY_DUE)
                    .attribute_type(ScalarAttributeType::S)
                    .build()
                    .map_err(key)?,
            )
            // Sparse: only watched pairs carry its keys (the next threshold, the day it is due).
            .global_secondary_indexes(
                GlobalSecondaryIndex::builder()
                    .index_name(EXPIRY_INDEX)
                    .key_schema(
                        KeySchemaElement::builder()
                            .attribute_name(EXPIRY_WATCH)
                            .key_type(KeyType::Hash)
                            .build()
                            .map_err(key)?,
                    )
                    .key_schema(
                        KeySchemaElement::builder()
                            .attribute_name(EXPIRY_DUE)
                            .key_type(KeyType::Range)
                            .build()
                            .map_err(key)?,
                    )
                    .projection(
                        Projection::builder()
                            .projection_type(ProjectionType::KeysOnly)
                            .build(),
                    )
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
                    .attribute_name(EXPIRES_AT)
                    .enabled(true)
                    .build()
                    .map_err(key)?,
            )
            .send()
            .await
            .map_err(unavailable)?;
        Ok(())
    }

    /// Creates the table unless it exists (the local stack's DynamoDB mode).
    pub async fn ensure_table(&self) -> Result<(), StoreError> {
        let described = self
            .client
            .describe_table()
            .table_name(&self.table)
            .send()
            .await;
        match described {
            Ok(_) => Ok(()),
            Err(error) => {
                if error
                    .as_service_error()
                    .is_some_and(|e| e.is_resource_not_found_exception())
                {
                    self.create_table().await
                } else {
                    Err(unavailable(error))
                }
            }
        }
    }

    /// Turns on the table's stream with old and new images, as the template does when a
    /// notifier is configured, unless it is on already; returns the stream's ARN.
    pub async fn ensure_stream(&self) -> Result<String, StoreError> {
        let described = self
            .client
            .describe_table()
            .table_name(&self.table)
            .send()
            .await
            .map_err(unavailable)?;
        let table = described.table();
        let enabled = table
            .and_then(|t| t.stream_specification())
            .is_some_and(|s| {
                s.stream_enabled() && s.stream_view_type() == Some(&StreamViewType::NewAndOldImages)
            });
        if let Some(arn) = table
            .and_then(|t| t.latest_stream_arn())
            .filter(|_| enabled)
        {
            return Ok(arn.to_owned());
        }
        let specification = StreamSpecification::builder()
            .stream_enabled(true)
            .stream_view_type(StreamViewType::NewAndOldImages)
            .build()
            .map_err(|e| StoreError::Unavailable(e.to_string()))?;
        let updated = self
            .client
            .update_table()
            .table_name(&self.table)
            .stream_specification(specification)
            .send()
            .await
            .map_err(unavailable)?;
        updated
            .table_description()
            .and_then(|t| t.latest_stream_arn())
            .map(str::to_owned)
            .ok_or_else(|| {
                StoreError::Unavailable("the table has no stream after enabling it".into())
            })
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
