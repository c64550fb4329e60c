//! The callback's writes: `machine::accept_half` and a replaced pair's late result
//! (`machine::accept_late`, under the version read) as conditional UpdateItems; the verdict's
//! is [`super::verdict`]'s.

use super::attributes::{
    DOCUMENT, EARLIER_DOCUMENTS, EXPIRES_AT, FINAL_DIGESTS, FINALS, IDENTITY, PAIR, PREVIOUS_PAIRS,
    RANK, RESULTS, SCAN_REF, UPDATED_AT, VERSION,
};
use super::{DynamoStore, conditional, number, record_from, unavailable, value};
use async_trait::async_trait;
use aws_sdk_dynamodb::operation::update_item::UpdateItemError;
use aws_sdk_dynamodb::types::{AttributeValue, ReturnValue, ReturnValuesOnConditionCheckFailure};
use pair_core::pair::machine::MAX_FINALS;
use pair_core::pair::{ClientId, FinalEntry, PreviousPair};
use pair_core::ports::store::{
    Arrival, HalfWrite, HalfWritten, HistoryStore, ResultStore, StoreError,
};

/// `machine::accept_half` as DynamoDB conditions: a live pair owning the scanRef (`#scan`: its
/// identity session, its document session, or a document session the continuation replaced),
/// and no stored result of the same or higher rank — or, for a final, a stored final and a
/// digest the pair has not seen (nor any of its digests under earlier keys: ` AND NOT
/// contains(#pair.#finalDigests, :earlierN)` per key, added per call), while it takes
/// revisions (`MAX_FINALS`).
const ACCEPT_HALF: &str = "#expiresAt > :now \
    AND (#pair.#identity.#scanRef = :scan OR #pair.#document.#scanRef = :scan \
    OR contains(#pair.#earlierDocuments, :scan)) \
    AND (attribute_not_exists(#pair.#results.#scan) OR #pair.#results.#scan.#rank < :rank";
const OR_REVISION: &str = " OR (#pair.#results.#scan.#rank = :rank \
    AND (attribute_not_exists(#pair.#finalDigests) \
    OR (NOT contains(#pair.#finalDigests, :digest) AND size(#pair.#finalDigests) < :maxFinals";
const STORE_HALF: &str =
    "SET #pair.#results.#scan = :half, #pair.#updatedAt = :now, #version = #version + :one";
/// A final is also appended to the pair's history of finals.
const AND_LOG_FINAL: &str = ", #pair.#finals = list_append(if_not_exists(#pair.#finals, :empty), :final), \
    #pair.#finalDigests = list_append(if_not_exists(#pair.#finalDigests, :empty), :digests)";

/// A replaced pair's late result: the history as the callback built it from the record read.
const LATE: &str = "SET #previousPairs = :previous, #version = #version + :one";

#[async_trait]
impl HistoryStore for DynamoStore {
    async fn record_late(
        &self,
        client_id: &ClientId,
        read_version: u64,
        previous_pairs: &[PreviousPair],
    ) -> Result<(), StoreError> {
        let result = self
            .update(client_id, &[PREVIOUS_PAIRS, VERSION])
            .await
            .update_expression(LATE)
            .condition_expression("#version = :read")
            .expression_attribute_values(":previous", value(previous_pairs)?)
            .expression_attribute_values(":read", number(read_version))
            .expression_attribute_values(":one", number(1))
            .send()
            .await;
        conditional(result)
    }
}

#[async_trait]
impl ResultStore for DynamoStore {
    async fn record_half(&self, client_id: &ClientId, arrival: Arrival<'_>) -> HalfWritten {
        let Arrival {
            scan_ref,
            half,
            now,
        } = arrival;
        let names = [
            EXPIRES_AT,
            PAIR,
            IDENTITY,
            DOCUMENT,
            EARLIER_DOCUMENTS,
            SCAN_REF,
            RESULTS,
            RANK,
            UPDATED_AT,
            VERSION,
        ];
        let request = self
            .update(client_id, &names)
            .await
            .expression_attribute_names("#scan", scan_ref)
            .expression_attribute_values(":half", value(half)?)
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
            let digest = AttributeValue::S(half.digest.clone());
            let mut condition = format!("{ACCEPT_HALF}{OR_REVISION}");
            let mut request = request;
            for (index, earlier) in half.earlier_digests.iter().enumerate() {
                condition.push_str(&format!(
                    " AND NOT contains(#pair.#finalDigests, :earlier{index})"
                ));
                request = request.expression_attribute_values(
                    format!(":earlier{index}"),
                    AttributeValue::S(earlier.clone()),
                );
            }
            super::attributes::named(request, &[FINALS, FINAL_DIGESTS])
                .condition_expression(format!("{condition}))))"))
                .update_expression(format!("{STORE_HALF}{AND_LOG_FINAL}"))
                .expression_attribute_values(":digest", digest.clone())
                .expression_attribute_values(":maxFinals", number(MAX_FINALS))
                .expression_attribute_values(":empty", AttributeValue::L(vec![]))
                .expression_attribute_values(":final", AttributeValue::L(vec![value(entry)?]))
                .expression_attribute_values(":digests", AttributeValue::L(vec![digest]))
        } else {
            request
                .condition_expression(format!("{ACCEPT_HALF})"))
                .update_expression(STORE_HALF)
        };
        match request.send().await {
            Ok(output) => Ok(HalfWrite::Stored(record_from(
                output.attributes.unwrap_or_default(),
            )?)),
            Err(error) => match error.into_service_error() {
                UpdateItemError::ConditionalCheckFailedException(refused) => Ok(
                    HalfWrite::Refused(refused.item.map(record_from).transpose()?),
                ),
                other => Err(unavailable(other)),
            },
        }
    }
}
