//! The session ledger on DynamoDB: its own table (partition key `clientId`, sort key
//! `scanRef`, TTL `expiresAt`), kept for the audit's retention — far longer than the pairs
//! table. A local index by `mintedAt` answers the pair cap with a consistent read; a sparse
//! global index by `queue` and `dueAt` lists what waits for a deletion or a retention check.

use super::attributes::{
    CLIENT_ID, DUE_AT, DUE_INDEX, MINTED_AT, MINTED_INDEX, QUEUE, SCAN_REF, VERSION,
};
use super::table::{built, drop_table, exists, expire_on_ttl, key};
use super::{conditional, corrupt, number, unavailable};
use crate::outbound::OnFirstUse;
use async_trait::async_trait;
use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::operation::query::builders::QueryFluentBuilder;
use aws_sdk_dynamodb::types::{
    AttributeDefinition, AttributeValue, BillingMode, GlobalSecondaryIndex, KeyType,
    LocalSecondaryIndex, Projection, ProjectionType, ScalarAttributeType,
};
use pair_core::clock::Timestamp;
use pair_core::pair::ClientId;
use pair_core::pair::ledger::{Entry, Queue};
use pair_core::ports::ledger::{PendingDeletions, SessionLedger};
use pair_core::ports::store::StoreError;
use std::collections::HashMap;

#[derive(Debug, Clone)]
pub struct DynamoLedger {
    client: OnFirstUse<Client>,
    table: String,
}

type Item = HashMap<String, AttributeValue>;

impl DynamoLedger {
    /// The ledger on `table` through `client` (the store's: [`super::DynamoStore::shared_client`]).
    pub fn new(client: OnFirstUse<Client>, table: impl Into<String>) -> Self {
        Self {
            client,
            table: table.into(),
        }
    }

    async fn client(&self) -> &Client {
        self.client.get().await
    }

    pub fn table(&self) -> &str {
        &self.table
    }

    /// Every page of `query`, decoded.
    async fn all(&self, query: QueryFluentBuilder) -> Result<Vec<Entry>, StoreError> {
        let mut entries = Vec::new();
        let mut start = None;
        loop {
            let output = query
                .clone()
                .set_exclusive_start_key(start)
                .send()
                .await
                .map_err(unavailable)?;
            for item in output.items.unwrap_or_default() {
                entries.push(entry_from(item)?);
            }
            start = output.last_evaluated_key;
            if start.is_none() {
                return Ok(entries);
            }
        }
    }

    async fn of_client(&self, client_id: &ClientId) -> QueryFluentBuilder {
        self.client()
            .await
            .query()
            .table_name(&self.table)
            .consistent_read(true)
            .expression_attribute_names(format!("#{CLIENT_ID}"), CLIENT_ID)
            .expression_attribute_values(":client", AttributeValue::S(client_id.as_str().into()))
    }

    /// Creates the ledger's table as the SAM template declares it (tests, local stack).
    pub async fn create_table(&self) -> Result<(), StoreError> {
        use ScalarAttributeType::{N, S};
        let mut request = self
            .client()
            .await
            .create_table()
            .table_name(&self.table)
            .billing_mode(BillingMode::PayPerRequest)
            .key_schema(key(CLIENT_ID, KeyType::Hash)?)
            .key_schema(key(SCAN_REF, KeyType::Range)?);
        for (name, kind) in [
            (CLIENT_ID, S),
            (SCAN_REF, S),
            (MINTED_AT, N),
            (QUEUE, S),
            (DUE_AT, N),
        ] {
            request = request.attribute_definitions(
                AttributeDefinition::builder()
                    .attribute_name(name)
                    .attribute_type(kind)
                    .build()
                    .map_err(built)?,
            );
        }
        let all = || {
            Projection::builder()
                .projection_type(ProjectionType::All)
                .build()
        };
        request
            .local_secondary_indexes(
                LocalSecondaryIndex::builder()
                    .index_name(MINTED_INDEX)
                    .key_schema(key(CLIENT_ID, KeyType::Hash)?)
                    .key_schema(key(MINTED_AT, KeyType::Range)?)
                    .projection(all())
                    .build()
                    .map_err(built)?,
            )
            .global_secondary_indexes(
                GlobalSecondaryIndex::builder()
                    .index_name(DUE_INDEX)
                    .key_schema(key(QUEUE, KeyType::Hash)?)
                    .key_schema(key(DUE_AT, KeyType::Range)?)
                    .projection(all())
                    .build()
                    .map_err(built)?,
            )
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

    pub async fn delete_table(&self) -> Result<(), StoreError> {
        drop_table(self.client().await, &self.table).await
    }
}

fn entry_from(item: Item) -> Result<Entry, StoreError> {
    serde_dynamo::from_item(item).map_err(corrupt)
}

fn item_of(entry: &Entry) -> Result<Item, StoreError> {
    serde_dynamo::to_item(entry).map_err(corrupt)
}

#[async_trait]
impl SessionLedger for DynamoLedger {
    async fn record(&self, entry: &Entry) -> Result<(), StoreError> {
        let put = self
            .client()
            .await
            .put_item()
            .table_name(&self.table)
            .set_item(Some(item_of(entry)?))
            .condition_expression(format!("attribute_not_exists(#{SCAN_REF})"))
            .expression_attribute_names(format!("#{SCAN_REF}"), SCAN_REF)
            .send()
            .await;
        match conditional(put) {
            // Recorded before: the first entry stands.
            Err(StoreError::Conflict) => Ok(()),
            other => other,
        }
    }

    async fn sessions(&self, client_id: &ClientId) -> Result<Vec<Entry>, StoreError> {
        self.all(
            self.of_client(client_id)
                .await
                .key_condition_expression(format!("#{CLIENT_ID} = :client")),
        )
        .await
    }

    async fn minted_since(
        &self,
        client_id: &ClientId,
        since: Timestamp,
    ) -> Result<Vec<Entry>, StoreError> {
        self.all(
            self.of_client(client_id)
                .await
                .index_name(MINTED_INDEX)
                .key_condition_expression(format!(
                    "#{CLIENT_ID} = :client AND #{MINTED_AT} > :since"
                ))
                .expression_attribute_names(format!("#{MINTED_AT}"), MINTED_AT)
                .expression_attribute_values(":since", number(since.unix_seconds())),
        )
        .await
    }

    async fn entry(
        &self,
        client_id: &ClientId,
        scan_ref: &str,
    ) -> Result<Option<Entry>, StoreError> {
        let output = self
            .client()
            .await
            .get_item()
            .table_name(&self.table)
            .key(CLIENT_ID, AttributeValue::S(client_id.as_str().into()))
            .key(SCAN_REF, AttributeValue::S(scan_ref.into()))
            .consistent_read(true)
            .send()
            .await
            .map_err(unavailable)?;
        output.item.map(entry_from).transpose()
    }

    async fn update(&self, entry: &Entry, expected_version: u64) -> Result<(), StoreError> {
        let put = self
            .client()
            .await
            .put_item()
            .table_name(&self.table)
            .set_item(Some(item_of(entry)?))
            .condition_expression(format!("#{VERSION} = :expected"))
            .expression_attribute_names(format!("#{VERSION}"), VERSION)
            .expression_attribute_values(":expected", number(expected_version))
            .send()
            .await;
        conditional(put)
    }

    async fn due(
        &self,
        queue: Queue,
        now: Timestamp,
        limit: usize,
    ) -> Result<Vec<(ClientId, String)>, StoreError> {
        let mut found = Vec::new();
        let mut start = None;
        // DynamoDB refuses a Limit of 0: the loop asks for at least one.
        while found.len() < limit {
            let output = self
                .client()
                .await
                .query()
                .table_name(&self.table)
                .index_name(DUE_INDEX)
                .key_condition_expression(format!("#{QUEUE} = :queue AND #{DUE_AT} <= :now"))
                .expression_attribute_names(format!("#{QUEUE}"), QUEUE)
                .expression_attribute_names(format!("#{DUE_AT}"), DUE_AT)
                .expression_attribute_values(":queue", AttributeValue::S(queue.as_str().into()))
                .expression_attribute_values(":now", number(now.unix_seconds()))
                .limit(i32::try_from(limit - found.len()).unwrap_or(i32::MAX))
                .set_exclusive_start_key(start)
                .send()
                .await
                .map_err(unavailable)?;
            for item in output.items.unwrap_or_default() {
                let entry = entry_from(item)?;
                found.push((entry.client_id, entry.scan_ref));
            }
            start = output.last_evaluated_key;
            if start.is_none() {
                break;
            }
        }
        Ok(found)
    }

    async fn pending_deletions(&self, now: Timestamp) -> Result<PendingDeletions, StoreError> {
        let waiting = self
            .all(
                self.client()
                    .await
                    .query()
                    .table_name(&self.table)
                    .index_name(DUE_INDEX)
                    .key_condition_expression(format!("#{QUEUE} = :queue"))
                    .expression_attribute_names(format!("#{QUEUE}"), QUEUE)
                    .expression_attribute_values(
                        ":queue",
                        AttributeValue::S(Queue::Deletion.as_str().into()),
                    ),
            )
            .await?;
        let mut pending = PendingDeletions::default();
        for entry in &waiting {
            pending.add(entry, now);
        }
        Ok(pending)
    }
}
