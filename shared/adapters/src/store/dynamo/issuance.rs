//! The issuance writes: `machine::claimed`, `machine::released` and `machine::installed` as
//! conditional UpdateItems.

use super::attributes::{
    CLAIM, CLIENT_ID, EXPIRES_AT, EXPIRY_DUE, EXPIRY_WATCH, ID, PAIR, PAIR_ID, PREVIOUS_PAIRS,
    QUEUE, REVIEW_CLAIM, UNTIL, VERSION, WAITING, WAITING_SINCE,
};
use super::{DynamoStore, conditional, number, value};
use async_trait::async_trait;
use aws_sdk_dynamodb::types::AttributeValue;
use pair_core::pair::ClientId;
use pair_core::pair::machine::{ClaimCondition, ClaimWrite, Install, claimed};
use pair_core::ports::store::{Expected, ReviewStore, SeedStore, StoreError, VerificationsStore};

/// `machine::claimed`: the claim, the expiry and the version; nothing of a live pair.
const CLAIM_IT: &str = "SET #claim = :claim, #expiresAt = :expiresAt, #version = #version + :one";
const AND_DROP_EXPIRED_PAIR: &str = " REMOVE #pair, #previousPairs, #expiryWatch, #expiryDue, \
    #queue, #waitingSince, #waiting, #reviewClaim";
const NO_LIVE_CLAIM: &str = "(attribute_not_exists(#claim) OR #claim.#until <= :now)";
const SAME_PAIR: &str = "#pair.#pairId = :pairId";
const NO_PAIR: &str = "attribute_exists(#clientId) AND attribute_not_exists(#pair)";
const SAME_VERSION: &str = "#version = :expected";
/// `machine::installed` and `machine::released`: the claim is still this request's.
const HOLDS_CLAIM: &str = "#claim.#id = :claimId";
/// The claim, and the record as the install's history was built from it.
const HOLDS_CLAIM_AT_VERSION: &str = "#claim.#id = :claimId AND #version = :read";
const RELEASE: &str = "REMOVE #claim SET #version = #version + :one";
/// A new pair is not watched (the one it replaces was), nor waiting for review.
const INSTALL: &str = "SET #pair = :pair, #expiresAt = :expiresAt, #previousPairs = :previous, \
     #version = #version + :one REMOVE #claim, #expiryWatch, #expiryDue, \
     #queue, #waitingSince, #waiting, #reviewClaim";

impl ReviewStore for DynamoStore {}

#[async_trait]
impl VerificationsStore for DynamoStore {
    async fn claim(&self, client_id: &ClientId, write: &ClaimWrite) -> Result<(), StoreError> {
        let now = write.now;
        let (condition, names): (String, &[&str]) = match &write.condition {
            ClaimCondition::Absent => {
                // A new item is written whole (an update that creates an item is not atomic
                // for concurrent readers under moto_server).
                let record = claimed(None, client_id, write).ok_or(StoreError::Conflict)?;
                return self.save(&record, Expected::Absent).await;
            }
            ClaimCondition::Version(_) => (SAME_VERSION.to_owned(), &[]),
            ClaimCondition::SamePair(Some(_)) => (
                format!("{SAME_PAIR} AND {NO_LIVE_CLAIM}"),
                &[PAIR, PAIR_ID, UNTIL],
            ),
            ClaimCondition::SamePair(None) => (
                format!("{NO_PAIR} AND {NO_LIVE_CLAIM}"),
                &[CLIENT_ID, PAIR, UNTIL],
            ),
        };
        let mut update = CLAIM_IT.to_owned();
        let mut request = self
            .update(client_id, &[CLAIM, EXPIRES_AT, VERSION])
            .await
            .expression_attribute_values(":claim", value(&write.claim)?)
            .expression_attribute_values(":expiresAt", number(write.expires_at.unix_seconds()))
            .expression_attribute_values(":one", number(1))
            .condition_expression(condition);
        request = super::attributes::named(request, names);
        if write.drop_expired_pair {
            update.push_str(AND_DROP_EXPIRED_PAIR);
            request = super::attributes::named(
                request,
                &[PAIR, PREVIOUS_PAIRS, EXPIRY_WATCH, EXPIRY_DUE],
            );
            request =
                super::attributes::named(request, &[QUEUE, WAITING_SINCE, WAITING, REVIEW_CLAIM]);
        }
        request = match &write.condition {
            ClaimCondition::Version(version) => {
                request.expression_attribute_values(":expected", number(version))
            }
            ClaimCondition::SamePair(pair_id) => {
                let request =
                    request.expression_attribute_values(":now", number(now.unix_seconds()));
                match pair_id {
                    Some(pair_id) => request
                        .expression_attribute_values(":pairId", AttributeValue::S(pair_id.clone())),
                    None => request,
                }
            }
            ClaimCondition::Absent => request,
        };
        conditional(request.update_expression(update).send().await)
    }

    async fn release(&self, client_id: &ClientId, claim_id: &str) -> Result<(), StoreError> {
        let result = self
            .update(client_id, &[CLAIM, ID, VERSION])
            .await
            .update_expression(RELEASE)
            .condition_expression(HOLDS_CLAIM)
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
        let result = self
            .update(
                client_id,
                &[
                    PAIR,
                    EXPIRES_AT,
                    PREVIOUS_PAIRS,
                    VERSION,
                    CLAIM,
                    ID,
                    EXPIRY_WATCH,
                    EXPIRY_DUE,
                    QUEUE,
                    WAITING_SINCE,
                    WAITING,
                    REVIEW_CLAIM,
                ],
            )
            .await
            .update_expression(INSTALL)
            .condition_expression(HOLDS_CLAIM_AT_VERSION)
            .expression_attribute_values(":read", number(install.read_version))
            .expression_attribute_values(":pair", value(&install.pair)?)
            .expression_attribute_values(":expiresAt", number(install.expires_at.unix_seconds()))
            .expression_attribute_values(":previous", value(&install.previous_pairs)?)
            .expression_attribute_values(":one", number(1))
            .expression_attribute_values(":claimId", AttributeValue::S(install.claim_id.clone()))
            .send()
            .await;
        conditional(result)
    }
}
