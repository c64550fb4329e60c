//! The DynamoDB adapter. Table: partition key `clientId` (S), TTL attribute `expiresAt`.
//! The SDK honours `AWS_ENDPOINT_URL_DYNAMODB`, which points it at a local DynamoDB API.

mod table;

use super::{Expected, HalfWrite, PairStore, StoreError};
use crate::clock::Timestamp;
use crate::pair::machine::{ClaimCondition, ClaimWrite, Install, MAX_FINALS, claimed};
use crate::pair::{ClientId, FinalEntry, HalfResult, PairRecord, Verdict};
use async_trait::async_trait;
use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::config::http::HttpResponse;
use aws_sdk_dynamodb::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};
use aws_sdk_dynamodb::types::{AttributeValue, ReturnValue, ReturnValuesOnConditionCheckFailure};
use std::collections::HashMap;
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

    pub fn client(&self) -> &Client {
        &self.client
    }

    fn update(
        &self,
        client_id: &ClientId,
    ) -> aws_sdk_dynamodb::operation::update_item::builders::UpdateItemFluentBuilder {
        self.client.update_item().table_name(&self.table).key(
            KEY_ATTRIBUTE,
            AttributeValue::S(client_id.as_str().to_owned()),
        )
    }
}

/// `machine::accept_half` as DynamoDB conditions: a live pair owning the scanRef, and no
/// stored result of the same or higher rank — or, for a final, a stored final and a digest the
/// pair has not seen, while it takes revisions (`MAX_FINALS`).
const ACCEPT_HALF: &str = "#expiresAt > :now \
    AND (#pair.#identity.#scanRef = :scan OR #pair.#document.#scanRef = :scan) \
    AND (attribute_not_exists(#pair.#results.#scan) OR #pair.#results.#scan.#rank < :rank";
const OR_REVISION: &str = " OR (#pair.#results.#scan.#rank = :rank \
    AND (attribute_not_exists(#pair.#finalDigests) \
    OR (NOT contains(#pair.#finalDigests, :digest) AND size(#pair.#finalDigests) < :maxFinals)))";
const STORE_HALF: &str =
    "SET #pair.#results.#scan = :half, #pair.#updatedAt = :now, #version = #version + :one";
/// A final is also appended to the pair's history of finals.
const AND_LOG_FINAL: &str = ", #pair.#finals = list_append(if_not_exists(#pair.#finals, :empty), :final), \
    #pair.#finalDigests = list_append(if_not_exists(#pair.#finalDigests, :empty), :digests)";

/// `machine::accept_verdict` as DynamoDB conditions: the same pair, its current verdict the
/// one this follows (or none), and its current finals those this was decided on (one
/// `AND #pair.#results.#basisN.#digest = :basisN` per session, added per call).
const ACCEPT_VERDICT: &str = "#pair.#pairId = :pairId";
const FIRST_VERDICT: &str = " AND attribute_not_exists(#pair.#verdict)";
const NEXT_VERDICT: &str = " AND #pair.#verdict.#verdictVersion = :follows";
/// A first verdict recorded before verdicts had versions has none: it is version 1.
const NEXT_TO_FIRST_VERDICT: &str = " AND (#pair.#verdict.#verdictVersion = :follows \
    OR (attribute_exists(#pair.#verdict) AND attribute_not_exists(#pair.#verdict.#verdictVersion)))";
const STORE_VERDICT: &str =
    "SET #pair.#verdict = :verdict, #pair.#updatedAt = :decidedAt, #version = #version + :one";
const AND_KEEP_EARLIER: &str =
    ", #pair.#earlier = list_append(if_not_exists(#pair.#earlier, :empty), :earlier)";

/// `machine::claimed`: the claim, the expiry and the version; nothing of a live pair.
const CLAIM: &str = "SET #claim = :claim, #expiresAt = :expiresAt, #version = #version + :one";
const AND_DROP_EXPIRED_PAIR: &str = " REMOVE #pair, #previousPairs";
const NO_LIVE_CLAIM: &str = "(attribute_not_exists(#claim) OR #claim.#until <= :now)";
/// `machine::installed` and `machine::released`: the claim is still this request's.
const HOLDS_CLAIM: &str = "#claim.#id = :claimId";

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
        output.item.map(record_from).transpose()
    }

    async fn save(&self, record: &PairRecord, expected: Expected) -> Result<(), StoreError> {
        let item: HashMap<String, AttributeValue> =
            serde_dynamo::to_item(record).map_err(corrupt)?;
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
        conditional(request.send().await)
    }

    async fn claim(
        &self,
        client_id: &ClientId,
        write: &ClaimWrite,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        let claim: AttributeValue =
            serde_dynamo::to_attribute_value(&write.claim).map_err(corrupt)?;
        let mut update = CLAIM.to_owned();
        if write.drop_expired_pair {
            update.push_str(AND_DROP_EXPIRED_PAIR);
        }
        let request = self
            .update(client_id)
            .update_expression(update)
            .expression_attribute_names("#claim", "claim")
            .expression_attribute_names("#expiresAt", TTL_ATTRIBUTE)
            .expression_attribute_names("#version", "version")
            .expression_attribute_values(":claim", claim)
            .expression_attribute_values(":expiresAt", number(write.expires_at.unix_seconds()))
            .expression_attribute_values(":one", number(1));
        let request = if write.drop_expired_pair {
            request
                .expression_attribute_names("#pair", "pair")
                .expression_attribute_names("#previousPairs", "previousPairs")
        } else {
            request
        };
        let request = match &write.condition {
            ClaimCondition::Absent => {
                // A new item is written whole (an update that creates an item is not atomic
                // for concurrent readers under moto_server).
                let record = claimed(None, client_id, write, now).ok_or(StoreError::Conflict)?;
                return self.save(&record, Expected::Absent).await;
            }
            ClaimCondition::Version(version) => request
                .condition_expression("#version = :expected")
                .expression_attribute_values(":expected", number(version)),
            ClaimCondition::SamePair(pair_id) => {
                let request = request
                    .expression_attribute_names("#until", "until")
                    .expression_attribute_names("#pair", "pair")
                    .expression_attribute_values(":now", number(now.unix_seconds()));
                match pair_id {
                    Some(pair_id) => request
                        .condition_expression(format!("#pair.#pairId = :pairId AND {NO_LIVE_CLAIM}"))
                        .expression_attribute_names("#pairId", "pairId")
                        .expression_attribute_values(":pairId", AttributeValue::S(pair_id.clone())),
                    None => request.condition_expression(format!(
                        "attribute_exists({KEY_ATTRIBUTE}) AND attribute_not_exists(#pair) AND {NO_LIVE_CLAIM}"
                    )),
                }
            }
        };
        conditional(request.send().await)
    }

    async fn release(&self, client_id: &ClientId, claim_id: &str) -> Result<(), StoreError> {
        let result = self
            .update(client_id)
            .update_expression("REMOVE #claim SET #version = #version + :one")
            .condition_expression(HOLDS_CLAIM)
            .expression_attribute_names("#claim", "claim")
            .expression_attribute_names("#id", "id")
            .expression_attribute_names("#version", "version")
            .expression_attribute_values(":claimId", AttributeValue::S(claim_id.to_owned()))
            .expression_attribute_values(":one", number(1))
            .send()
            .await;
        match conditional(result) {
            // Not ours any more: nothing to give back.
            Ok(()) | Err(StoreError::Conflict) => Ok(()),
            Err(other) => Err(other),
        }
    }

    async fn install(&self, client_id: &ClientId, install: &Install) -> Result<(), StoreError> {
        let pair: AttributeValue =
            serde_dynamo::to_attribute_value(&install.pair).map_err(corrupt)?;
        let previous: AttributeValue =
            serde_dynamo::to_attribute_value(&install.previous_pairs).map_err(corrupt)?;
        let result = self
            .update(client_id)
            .update_expression(
                "SET #pair = :pair, #expiresAt = :expiresAt, #previousPairs = :previous, \
                 #version = #version + :one REMOVE #claim",
            )
            .condition_expression(HOLDS_CLAIM)
            .expression_attribute_names("#pair", "pair")
            .expression_attribute_names("#expiresAt", TTL_ATTRIBUTE)
            .expression_attribute_names("#previousPairs", "previousPairs")
            .expression_attribute_names("#version", "version")
            .expression_attribute_names("#claim", "claim")
            .expression_attribute_names("#id", "id")
            .expression_attribute_values(":pair", pair)
            .expression_attribute_values(":expiresAt", number(install.expires_at.unix_seconds()))
            .expression_attribute_values(":previous", previous)
            .expression_attribute_values(":one", number(1))
            .expression_attribute_values(":claimId", AttributeValue::S(install.claim_id.clone()))
            .send()
            .await;
        conditional(result)
    }

    async fn record_half(
        &self,
        client_id: &ClientId,
        scan_ref: &str,
        half: &HalfResult,
        now: Timestamp,
    ) -> Result<HalfWrite, StoreError> {
        let half_value: AttributeValue = serde_dynamo::to_attribute_value(half).map_err(corrupt)?;
        let request = self
            .update(client_id)
            .expression_attribute_names("#expiresAt", TTL_ATTRIBUTE)
            .expression_attribute_names("#pair", "pair")
            .expression_attribute_names("#identity", "identity")
            .expression_attribute_names("#document", "document")
            .expression_attribute_names("#scanRef", "scanRef")
            .expression_attribute_names("#results", "results")
            .expression_attribute_names("#scan", scan_ref)
            .expression_attribute_names("#rank", "rank")
            .expression_attribute_names("#updatedAt", "updatedAt")
            .expression_attribute_names("#version", "version")
            .expression_attribute_values(":half", half_value)
            .expression_attribute_values(":now", number(now.unix_seconds()))
            .expression_attribute_values(":scan", AttributeValue::S(scan_ref.to_owned()))
            .expression_attribute_values(":rank", number(u8::from(half.rank)))
            .expression_attribute_values(":one", number(1))
            .return_values(ReturnValue::AllNew)
            .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld);
        let request = if half.is_final() {
            let entry = FinalEntry {
                scan_ref: scan_ref.to_owned(),
                overall: half.overall.clone(),
                received_at: half.received_at,
            };
            let entry: AttributeValue = serde_dynamo::to_attribute_value(entry).map_err(corrupt)?;
            request
                .condition_expression(format!("{ACCEPT_HALF}{OR_REVISION})"))
                .update_expression(format!("{STORE_HALF}{AND_LOG_FINAL}"))
                .expression_attribute_names("#finals", "finals")
                .expression_attribute_names("#finalDigests", "finalDigests")
                .expression_attribute_values(":digest", AttributeValue::S(half.digest.clone()))
                .expression_attribute_values(":maxFinals", number(MAX_FINALS))
                .expression_attribute_values(":empty", AttributeValue::L(vec![]))
                .expression_attribute_values(":final", AttributeValue::L(vec![entry]))
                .expression_attribute_values(
                    ":digests",
                    AttributeValue::L(vec![AttributeValue::S(half.digest.clone())]),
                )
        } else {
            request
                .condition_expression(format!("{ACCEPT_HALF})"))
                .update_expression(STORE_HALF)
        };
        let result = request.send().await;
        match result {
            Ok(output) => Ok(HalfWrite::Stored(record_from(
                output.attributes.unwrap_or_default(),
            )?)),
            Err(error) => match error.into_service_error() {
                aws_sdk_dynamodb::operation::update_item::UpdateItemError::ConditionalCheckFailedException(refused) => {
                    Ok(HalfWrite::Refused(refused.item.map(record_from).transpose()?))
                }
                other => Err(unavailable(other)),
            },
        }
    }

    async fn record_verdict(
        &self,
        client_id: &ClientId,
        pair_id: &str,
        verdict: &Verdict,
        replaces: Option<&Verdict>,
    ) -> Result<bool, StoreError> {
        let verdict_value: AttributeValue =
            serde_dynamo::to_attribute_value(verdict).map_err(corrupt)?;
        let mut condition = ACCEPT_VERDICT.to_owned();
        let mut update = STORE_VERDICT.to_owned();
        let mut request = self
            .update(client_id)
            .expression_attribute_names("#pair", "pair")
            .expression_attribute_names("#pairId", "pairId")
            .expression_attribute_names("#verdict", "verdict")
            .expression_attribute_names("#updatedAt", "updatedAt")
            .expression_attribute_names("#version", "version")
            .expression_attribute_values(":verdict", verdict_value)
            .expression_attribute_values(":pairId", AttributeValue::S(pair_id.to_owned()))
            .expression_attribute_values(":decidedAt", number(verdict.decided_at.unix_seconds()))
            .expression_attribute_values(":one", number(1));
        match replaces {
            None => condition.push_str(FIRST_VERDICT),
            Some(previous) => {
                condition.push_str(if previous.version == 1 {
                    NEXT_TO_FIRST_VERDICT
                } else {
                    NEXT_VERDICT
                });
                update.push_str(AND_KEEP_EARLIER);
                let previous: AttributeValue =
                    serde_dynamo::to_attribute_value(previous).map_err(corrupt)?;
                request = request
                    .expression_attribute_names("#verdictVersion", "version")
                    .expression_attribute_names("#earlier", "earlierVerdicts")
                    .expression_attribute_values(
                        ":follows",
                        number(verdict.version.saturating_sub(1)),
                    )
                    .expression_attribute_values(":empty", AttributeValue::L(vec![]))
                    .expression_attribute_values(":earlier", AttributeValue::L(vec![previous]));
            }
        }
        if !verdict.basis.is_empty() {
            request = request
                .expression_attribute_names("#results", "results")
                .expression_attribute_names("#digest", "digest");
        }
        for (index, (scan_ref, digest)) in verdict.basis.iter().enumerate() {
            request = request.expression_attribute_names(format!("#basis{index}"), scan_ref);
            if digest.is_empty() {
                // A result stored before results had digests.
                condition.push_str(&format!(
                    " AND attribute_exists(#pair.#results.#basis{index}) \
                     AND attribute_not_exists(#pair.#results.#basis{index}.#digest)"
                ));
            } else {
                condition.push_str(&format!(
                    " AND #pair.#results.#basis{index}.#digest = :basis{index}"
                ));
                request = request.expression_attribute_values(
                    format!(":basis{index}"),
                    AttributeValue::S(digest.clone()),
                );
            }
        }
        let result = request
            .condition_expression(condition)
            .update_expression(update)
            .send()
            .await;
        match conditional(result) {
            Ok(()) => Ok(true),
            Err(StoreError::Conflict) => Ok(false),
            Err(other) => Err(other),
        }
    }
}
