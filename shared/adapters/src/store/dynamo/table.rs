//! The pairs table itself, as the SAM template declares it: created for tests and the local
//! stack, dropped by tests.

use super::attributes::{
    CLIENT_ID, EXPIRES_AT, EXPIRY_DUE, EXPIRY_INDEX, EXPIRY_WATCH, QUEUE, REVIEW_CLAIM,
    REVIEW_INDEX, WAITING, WAITING_SINCE,
};
use super::{DynamoStore, unavailable};
use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, GlobalSecondaryIndex, KeySchemaElement, KeyType, Projection,
    ProjectionType, ScalarAttributeType, StreamSpecification, StreamViewType,
    TimeToLiveSpecification,
};
use pair_core::ports::store::StoreError;

impl DynamoStore {
    /// Creates the pairs table as the SAM template declares it (tests, local stack).
    pub async fn create_table(&self) -> Result<(), StoreError> {
        use ScalarAttributeType::{N, S};
        let mut request = self
            .client()
            .await
            .create_table()
            .table_name(&self.table)
            .billing_mode(BillingMode::PayPerRequest)
            .key_schema(key(CLIENT_ID, KeyType::Hash)?);
        let keys = [
            (CLIENT_ID, S),
            (EXPIRY_WATCH, N),
            (EXPIRY_DUE, S),
            (QUEUE, S),
            (WAITING_SINCE, N),
        ];
        for (name, kind) in keys {
            request = request.attribute_definitions(
                AttributeDefinition::builder()
                    .attribute_name(name)
                    .attribute_type(kind)
                    .build()
                    .map_err(built)?,
            );
        }
        request
            // Sparse: only watched pairs carry its keys (the next threshold, the day it is due).
            .global_secondary_indexes(index(EXPIRY_INDEX, EXPIRY_WATCH, EXPIRY_DUE, &[])?)
            // Sparse: only pairs waiting for review carry its keys; it holds what the queue
            // shows, never the pair.
            .global_secondary_indexes(index(
                REVIEW_INDEX,
                QUEUE,
                WAITING_SINCE,
                &[WAITING, REVIEW_CLAIM, EXPIRES_AT],
            )?)
            .send()
            .await
            .map_err(unavailable)?;
        expire_on_ttl(self.client().await, &self.table).await
    }

    /// Creates the table unless it exists (the local stack's DynamoDB mode).
    pub async fn ensure_table(&self) -> Result<(), StoreError> {
        if exists(self.client().await, &self.table).await? {
            return Ok(());
        }
        self.create_table().await
    }

    /// Turns on the table's stream with old and new images, as the template does when a
    /// notifier is configured, unless it is on already; returns the stream's ARN.
    pub async fn ensure_stream(&self) -> Result<String, StoreError> {
        let described = self
            .client()
            .await
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
            .client()
            .await
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
        drop_table(self.client().await, &self.table).await
    }
}

/// Turns on `table`'s TTL on `expiresAt`, as the template declares it for both tables.
pub(super) async fn expire_on_ttl(client: &Client, table: &str) -> Result<(), StoreError> {
    client
        .update_time_to_live()
        .table_name(table)
        .time_to_live_specification(
            TimeToLiveSpecification::builder()
                .attribute_name(EXPIRES_AT)
                .enabled(true)
                .build()
                .map_err(built)?,
        )
        .send()
        .await
        .map_err(unavailable)?;
    Ok(())
}

/// Whether `table` exists (the local stack creates a missing one).
pub(super) async fn exists(client: &Client, table: &str) -> Result<bool, StoreError> {
    match client.describe_table().table_name(table).send().await {
        Ok(_) => Ok(true),
        Err(error)
            if error
                .as_service_error()
                .is_some_and(|e| e.is_resource_not_found_exception()) =>
        {
            Ok(false)
        }
        Err(error) => Err(unavailable(error)),
    }
}

pub(super) async fn drop_table(client: &Client, table: &str) -> Result<(), StoreError> {
    client
        .delete_table()
        .table_name(table)
        .send()
        .await
        .map_err(unavailable)?;
    Ok(())
}

pub(super) fn built(error: aws_sdk_dynamodb::error::BuildError) -> StoreError {
    StoreError::Unavailable(error.to_string())
}

pub(super) fn key(name: &str, kind: KeyType) -> Result<KeySchemaElement, StoreError> {
    KeySchemaElement::builder()
        .attribute_name(name)
        .key_type(kind)
        .build()
        .map_err(built)
}

/// A global secondary index by `hash` and `range`, projecting the keys (the table's and its
/// own) and `include`.
fn index(
    name: &str,
    hash: &str,
    range: &str,
    include: &[&str],
) -> Result<GlobalSecondaryIndex, StoreError> {
    let projection = if include.is_empty() {
        Projection::builder().projection_type(ProjectionType::KeysOnly)
    } else {
        include.iter().fold(
            Projection::builder().projection_type(ProjectionType::Include),
            |projection, name| projection.non_key_attributes(*name),
        )
    };
    GlobalSecondaryIndex::builder()
        .index_name(name)
        .key_schema(key(hash, KeyType::Hash)?)
        .key_schema(key(range, KeyType::Range)?)
        .projection(projection.build())
        .build()
        .map_err(built)
}
