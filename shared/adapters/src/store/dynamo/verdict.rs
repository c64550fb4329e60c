//! `machine::accept_verdict` as a conditional UpdateItem, with what a verdict sets beside it:
//! the history, the record's keeping, the expiry watch and the review queue — built part by
//! part ([`VerdictWrite`]).

use super::attributes::{
    BY, DIGEST, EARLIER_VERDICTS, EXPIRES_AT, EXPIRY_DUE, EXPIRY_WATCH, PAIR, PAIR_ID, QUEUE,
    RESULTS, REVIEW_CLAIM, UNTIL, UPDATED_AT, VERDICT, VERSION, WAITING, WAITING_SINCE,
};
use super::{DynamoStore, conditional, number, value};
use async_trait::async_trait;
use aws_sdk_dynamodb::operation::update_item::builders::UpdateItemFluentBuilder;
use aws_sdk_dynamodb::types::AttributeValue;
use pair_core::clock::Timestamp;
use pair_core::pair::queue::{Queue, Waiting};
use pair_core::pair::{ClientId, ExpiryWatch, Verdict};
use pair_core::ports::store::{Decision, StoreError, VerdictStore, Written};

/// `machine::accept_verdict` as DynamoDB conditions: the same pair, its current verdict the
/// one this follows (or none), and its current finals those this was decided on (one
/// `AND #pair.#results.#basisN.#digest = :basisN` per session, added per call).
const ACCEPT_VERDICT: &str = "#pair.#pairId = :pairId";
const FIRST_VERDICT: &str = " AND attribute_not_exists(#pair.#verdict)";
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
        let request = self
            .update(client_id, &[PAIR, PAIR_ID, VERDICT, UPDATED_AT, VERSION])
            .await
            .expression_attribute_values(":verdict", value(verdict)?)
            .expression_attribute_values(":pairId", AttributeValue::S(pair_id.to_owned()))
            .expression_attribute_values(":decidedAt", number(verdict.decided_at.unix_seconds()))
            .expression_attribute_values(":one", number(1));
        let write = VerdictWrite {
            request,
            condition: ACCEPT_VERDICT.to_owned(),
            update: STORE_VERDICT.to_owned(),
            removed: Vec::new(),
        }
        .follows(verdict, replaces)?
        .keeps_record(keep_until)
        .watches(watch)?
        .waits(waiting)?
        .by_reviewer(verdict)
        .on_basis(verdict);
        match conditional(write.request().send().await) {
            Ok(()) => Ok(true),
            Err(StoreError::Conflict) => Ok(false),
            Err(other) => Err(other),
        }
    }
}

/// A verdict's UpdateItem as it is built: the request, its condition, its SET clauses, and the
/// names it removes (one REMOVE clause, last).
struct VerdictWrite {
    request: UpdateItemFluentBuilder,
    condition: String,
    update: String,
    removed: Vec<&'static str>,
}

impl VerdictWrite {
    /// The pair's current verdict is `replaces` (or none), kept in its history.
    fn follows(
        mut self,
        verdict: &Verdict,
        replaces: Option<&Verdict>,
    ) -> Result<Self, StoreError> {
        let Some(previous) = replaces else {
            self.condition.push_str(FIRST_VERDICT);
            return Ok(self);
        };
        self.condition.push_str(if previous.version == 1 {
            NEXT_TO_FIRST_VERDICT
        } else {
            NEXT_VERDICT
        });
        self.update.push_str(AND_KEEP_EARLIER);
        self.request = super::attributes::named(self.request, &[EARLIER_VERDICTS])
            .expression_attribute_values(":follows", number(verdict.version.saturating_sub(1)))
            .expression_attribute_values(":empty", AttributeValue::L(vec![]))
            .expression_attribute_values(":earlier", AttributeValue::L(vec![value(previous)?]));
        Ok(self)
    }

    fn keeps_record(mut self, keep_until: Option<Timestamp>) -> Self {
        if let Some(keep_until) = keep_until {
            self.update.push_str(AND_KEEP_RECORD);
            self.request = super::attributes::named(self.request, &[EXPIRES_AT])
                .expression_attribute_values(":keepUntil", number(keep_until.unix_seconds()));
        }
        self
    }

    fn watches(mut self, watch: Option<ExpiryWatch>) -> Result<Self, StoreError> {
        self.request = super::attributes::named(self.request, &[EXPIRY_WATCH, EXPIRY_DUE]);
        match watch {
            Some(watch) => {
                self.update.push_str(AND_WATCH);
                self.request = self
                    .request
                    .expression_attribute_values(":watch", value(watch.threshold)?)
                    .expression_attribute_values(":due", AttributeValue::S(watch.due_key()));
            }
            None => self.removed.extend(UNWATCH),
        }
        Ok(self)
    }

    fn waits(mut self, waiting: Option<(Timestamp, Waiting)>) -> Result<Self, StoreError> {
        self.request = super::attributes::named(self.request, &[QUEUE, WAITING_SINCE, WAITING]);
        match waiting {
            Some((since, waiting)) => {
                self.update.push_str(AND_WAIT);
                self.request = self
                    .request
                    .expression_attribute_values(":queue", value(Queue::RequiresReview)?)
                    .expression_attribute_values(":since", number(since.unix_seconds()))
                    .expression_attribute_values(":waiting", value(&waiting)?);
            }
            None => {
                self.removed.extend(LEAVE_QUEUE);
                self.request = super::attributes::named(self.request, &[REVIEW_CLAIM]);
            }
        }
        Ok(self)
    }

    /// A reviewer's verdict: written only while nobody else's claim holds.
    fn by_reviewer(mut self, verdict: &Verdict) -> Self {
        if let Some(review) = &verdict.review {
            self.condition.push_str(NOT_CLAIMED_BY_OTHERS);
            self.request = super::attributes::named(self.request, &[REVIEW_CLAIM, UNTIL, BY])
                .expression_attribute_values(
                    ":reviewer",
                    AttributeValue::S(review.reviewer.clone()),
                );
        }
        self
    }

    /// The finals the verdict was decided on are still the pair's current ones.
    fn on_basis(mut self, verdict: &Verdict) -> Self {
        if !verdict.basis.is_empty() {
            self.request = super::attributes::named(self.request, &[RESULTS, DIGEST]);
        }
        for (index, (scan_ref, digest)) in verdict.basis.iter().enumerate() {
            self.request = self
                .request
                .expression_attribute_names(format!("#basis{index}"), scan_ref);
            if digest.is_empty() {
                // A result stored before results had digests.
                self.condition.push_str(&format!(
                    " AND attribute_exists(#pair.#results.#basis{index}) \
                     AND attribute_not_exists(#pair.#results.#basis{index}.#digest)"
                ));
            } else {
                self.condition.push_str(&format!(
                    " AND #pair.#results.#basis{index}.#digest = :basis{index}"
                ));
                self.request = self.request.expression_attribute_values(
                    format!(":basis{index}"),
                    AttributeValue::S(digest.clone()),
                );
            }
        }
        self
    }

    /// The request with its condition and its update expression.
    fn request(mut self) -> UpdateItemFluentBuilder {
        if !self.removed.is_empty() {
            self.update.push_str(" REMOVE ");
            self.update.push_str(&self.removed.join(", "));
        }
        self.request
            .condition_expression(self.condition)
            .update_expression(self.update)
    }
}
