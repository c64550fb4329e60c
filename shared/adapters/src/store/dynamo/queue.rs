//! The reviewers' queue: a page is one Query of the sparse review-queue index (only waiting
//! pairs carry its keys; it projects what the queue shows, never the pair), and a claim is
//! `machine::claimed_review` as an UpdateItem under the version read.

use super::attributes::{
    CLIENT_ID, EXPIRES_AT, PAIR, QUEUE, REVIEW_CLAIM, REVIEW_CLAIMS, REVIEW_INDEX, VERSION,
    WAITING_SINCE,
};
use super::{DynamoStore, conditional, corrupt, number, unavailable, value};
use async_trait::async_trait;
use aws_sdk_dynamodb::types::AttributeValue;
use pair_core::clock::Timestamp;
use pair_core::pair::ClientId;
use pair_core::pair::machine::ClaimReview;
use pair_core::pair::queue::{Queue, QueuePage, QueuePosition, QueuedPair, ReviewClaim, Waiting};
use pair_core::ports::store::{ReviewQueueStore, StoreError};
use serde::Deserialize;
use std::collections::HashMap;

const IN_QUEUE: &str = "#queue = :queue";
/// Expired records stay in the index until TTL deletes them: they are not listed.
const LIVE: &str = "#expiresAt > :now";
const CLAIM_IT: &str =
    "SET #reviewClaim = :claim, #pair.#reviewClaims = :claims, #version = #version + :one";
const SAME_VERSION: &str = "#version = :read";

/// An entry of the index, as projected.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Entry {
    client_id: ClientId,
    waiting_since: Timestamp,
    waiting: Waiting,
    review_claim: Option<ReviewClaim>,
}

#[async_trait]
impl ReviewQueueStore for DynamoStore {
    async fn waiting(
        &self,
        queue: Queue,
        after: Option<&QueuePosition>,
        limit: usize,
        now: Timestamp,
    ) -> Result<QueuePage, StoreError> {
        let start = after.map(|position| {
            HashMap::from([
                (
                    QUEUE.to_owned(),
                    AttributeValue::S(queue.as_str().to_owned()),
                ),
                (
                    WAITING_SINCE.to_owned(),
                    number(position.since.unix_seconds()),
                ),
                (
                    CLIENT_ID.to_owned(),
                    AttributeValue::S(position.client_id.as_str().to_owned()),
                ),
            ])
        });
        let output = self
            .client()
            .await
            .query()
            .table_name(&self.table)
            .index_name(REVIEW_INDEX)
            .key_condition_expression(IN_QUEUE)
            .filter_expression(LIVE)
            .expression_attribute_names(format!("#{QUEUE}"), QUEUE)
            .expression_attribute_names(format!("#{EXPIRES_AT}"), EXPIRES_AT)
            .expression_attribute_values(":queue", value(queue)?)
            .expression_attribute_values(":now", number(now.unix_seconds()))
            .scan_index_forward(true)
            .limit(i32::try_from(limit).unwrap_or(i32::MAX))
            .set_exclusive_start_key(start)
            .send()
            .await
            .map_err(unavailable)?;
        let pairs = output
            .items
            .unwrap_or_default()
            .into_iter()
            .map(|item| {
                let entry: Entry = serde_dynamo::from_item(item).map_err(corrupt)?;
                Ok(QueuedPair {
                    client_id: entry.client_id,
                    since: entry.waiting_since,
                    waiting: entry.waiting,
                    claim: ReviewClaim::holding(entry.review_claim.as_ref(), now).cloned(),
                })
            })
            .collect::<Result<_, StoreError>>()?;
        let next = output
            .last_evaluated_key
            .map(|key| position_of(&key))
            .transpose()?;
        Ok(QueuePage { pairs, next })
    }

    async fn claim_review(
        &self,
        client_id: &ClientId,
        write: &ClaimReview,
    ) -> Result<(), StoreError> {
        let result = self
            .update(client_id, &[REVIEW_CLAIM, PAIR, REVIEW_CLAIMS, VERSION])
            .await
            .update_expression(CLAIM_IT)
            .condition_expression(SAME_VERSION)
            .expression_attribute_values(":claim", value(&write.claim)?)
            .expression_attribute_values(":claims", value(&write.claims)?)
            .expression_attribute_values(":read", number(write.read_version))
            .expression_attribute_values(":one", number(1))
            .send()
            .await;
        conditional(result)
    }
}

/// The position a page's last evaluated key names.
fn position_of(key: &HashMap<String, AttributeValue>) -> Result<QueuePosition, StoreError> {
    let since = key
        .get(WAITING_SINCE)
        .and_then(|v| v.as_n().ok())
        .and_then(|n| n.parse::<i64>().ok())
        .ok_or_else(|| StoreError::Corrupt("a queue key without waitingSince".into()))?;
    Ok(QueuePosition {
        since: Timestamp::from_unix_seconds(since),
        client_id: super::expiry::client_id_of(key)?,
    })
}
