//! The callback's writes: `machine::accept_half`, `machine::accept_verdict` and a replaced
//! pair's late result (`machine::accept_late`, under the version read) as conditional
//! UpdateItems.

use super::attributes::{
    BY, DIGEST, DOCUMENT, EARLIER_DOCUMENTS, EARLIER_VERDICTS, EXPIRES_AT, EXPIRY_DUE,
    EXPIRY_WATCH, FINAL_DIGESTS, FINALS, IDENTITY, PAIR, PAIR_ID, PREVIOUS_PAIRS, QUEUE, RANK,
    RESULTS, REVIEW_CLAIM, SCAN_REF, UNTIL, UPDATED_AT, VERDICT, VERSION, WAITING, WAITING_SINCE,
};
use super::{DynamoStore, conditional, number, record_from, unavailable, value};
use async_trait::async_trait;
use aws_sdk_dynamodb::operation::update_item::UpdateItemError;
use aws_sdk_dynamodb::types::{AttributeValue, ReturnValue, ReturnValuesOnConditionCheckFailure};
use pair_core::pair::machine::MAX_FINALS;
use pair_core::pair::queue::Queue;
use pair_core::pair::{ClientId, FinalEntry, PreviousPair};
use pair_core::ports::store::{
    Arrival, Decision, HalfWrite, HalfWritten, HistoryStore, ResultStore, StoreError, VerdictStore,
    Written,
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

/// `machine::accept_verdict` as DynamoDB conditions: the same pair, its current verdict the
/// one this follows (or none), and its current finals those this was decided on (one
/// `AND #pair.#results.#basisN.#digest = :basisN` per session, added per call).
const ACCEPT_VERDICT: &str = "#pair.#pairId = :pairId";
const FIRST_VERDICT: &str = " AND attribute_not_exists(#pair.#verdict)";
/// A replaced pair's late result: the history as the callback built it from the record read.
const LATE: &str = "SET #previousPairs = :previous, #version = #version + :one";
const NEXT_VERDICT: &str = " AND #pair.#verdict.#version = :follows";
/// A first verdict recorded before verdicts had versions has none: it is version 1.
const NEXT_TO_FIRST_VERDICT: &str = " AND (#pair.#verdict.#version = :follows \
    OR (attribute_exists(#pair.#verdict) AND attribute_not_exists(#pair.#verdict.#version)))";
const STORE_VERDICT: &str =
    "SET #pair.#verdict = :verdict, #pair.#updatedAt = :decidedAt, #version = #version + :one";
const AND_KEEP_EARLIER: &str = ", #pair.#earlierVerdicts = \
    list_append(if_not_exists(#pair.#earlierVerdicts, :empty), :earlier)";
/// A watched pair's record outlives its retention until its end is told.
const AND_KEEP_RECORD: &str = ", #expiresAt = :keepUntil";
/// The verdict puts the pair in the expiry-watch index, or takes it out (the names removed
/// end the expression, in one REMOVE clause).
const AND_WATCH: &str = ", #expiryWatch = :watch, #expiryDue = :due";
const UNWATCH: [&str; 2] = ["#expiryWatch", "#expiryDue"];
/// The verdict puts the pair in the review queue (or keeps it there, claim and all), or takes
/// it out with any claim.
const AND_WAIT: &str = ", #queue = :queue, #waitingSince = :since, #waiting = :waiting";
const LEAVE_QUEUE: [&str; 4] = ["#queue", "#waitingSince", "#waiting", "#reviewClaim"];
/// A reviewer's verdict: nobody else's claim holds when it is decided.
const NOT_CLAIMED_BY_OTHERS: &str = " AND (attribute_not_exists(#reviewClaim) \
    OR #reviewClaim.#until <= :decidedAt OR #reviewClaim.#by = :reviewer)";

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

#[async_trait]
impl VerdictStore for DynamoStore {
    async fn record_verdict(&self, client_id: &ClientId, decision: Decision<'_>) -> Written {
        let Decision {
            pair_id,
            verdict,
            replaces,
            watch,
            keep_until,
            waiting,
        } = decision;
        let mut condition = ACCEPT_VERDICT.to_owned();
        let mut update = STORE_VERDICT.to_owned();
        let mut removed: Vec<&str> = Vec::new();
        let mut request = self
            .update(client_id, &[PAIR, PAIR_ID, VERDICT, UPDATED_AT, VERSION])
            .expression_attribute_values(":verdict", value(verdict)?)
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
                request = super::attributes::named(request, &[EARLIER_VERDICTS])
                    .expression_attribute_values(
                        ":follows",
                        number(verdict.version.saturating_sub(1)),
                    )
                    .expression_attribute_values(":empty", AttributeValue::L(vec![]))
                    .expression_attribute_values(
                        ":earlier",
                        AttributeValue::L(vec![value(previous)?]),
                    );
            }
        }
        if let Some(keep_until) = keep_until {
            update.push_str(AND_KEEP_RECORD);
            request = super::attributes::named(request, &[EXPIRES_AT])
                .expression_attribute_values(":keepUntil", number(keep_until.unix_seconds()));
        }
        request = super::attributes::named(request, &[EXPIRY_WATCH, EXPIRY_DUE]);
        match watch {
            Some(watch) => {
                update.push_str(AND_WATCH);
                request = request
                    .expression_attribute_values(":watch", value(watch.threshold)?)
                    .expression_attribute_values(":due", AttributeValue::S(watch.due_key()));
            }
            None => removed.extend(UNWATCH),
        }
        request = super::attributes::named(request, &[QUEUE, WAITING_SINCE, WAITING]);
        match waiting {
            Some((since, waiting)) => {
                update.push_str(AND_WAIT);
                request = request
                    .expression_attribute_values(":queue", value(Queue::RequiresReview)?)
                    .expression_attribute_values(":since", number(since.unix_seconds()))
                    .expression_attribute_values(":waiting", value(&waiting)?);
            }
            None => {
                removed.extend(LEAVE_QUEUE);
                request = super::attributes::named(request, &[REVIEW_CLAIM]);
            }
        }
        if !removed.is_empty() {
            update.push_str(" REMOVE ");
            update.push_str(&removed.join(", "));
        }
        if let Some(review) = &verdict.review {
            condition.push_str(NOT_CLAIMED_BY_OTHERS);
            request = super::attributes::named(request, &[REVIEW_CLAIM, UNTIL, BY])
                .expression_attribute_values(
                    ":reviewer",
                    AttributeValue::S(review.reviewer.clone()),
                );
        }
        if !verdict.basis.is_empty() {
            request = super::attributes::named(request, &[RESULTS, DIGEST]);
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
