//! The expiry writes and the watch's index: `machine::with_expiry` as a conditional
//! UpdateItem, and the daily run's Query of the sparse expiry-watch index.

use super::attributes::{CLIENT_ID, EXPIRY, EXPIRY_DUE, EXPIRY_INDEX, EXPIRY_WATCH, PAIR, VERSION};
use super::{DynamoStore, conditional, number, unavailable, value};
use async_trait::async_trait;
use aws_sdk_dynamodb::types::AttributeValue;
use pair_core::pair::validity::ExpiryUpdate;
use pair_core::pair::{ClientId, Threshold};
use pair_core::ports::store::{ExpiryStore, ExpiryWatchStore, StoreError};

/// `machine::with_expiry`: the record still at the version read.
const SAME_VERSION: &str = "#version = :expected";
const STORE_EXPIRY: &str = "SET #pair.#expiry = :expiry, #version = #version + :one";
/// A record without a pair (none can be watched) only leaves the index.
const ONLY_VERSION: &str = "SET #version = #version + :one";
const AND_WATCH: &str = ", #expiryWatch = :watch, #expiryDue = :due";
const UNWATCH: &str = " REMOVE #expiryWatch, #expiryDue";
/// The pairs watched at a threshold whose due day has come.
const DUE_BY: &str = "#expiryWatch = :threshold AND #expiryDue <= :day";

#[async_trait]
impl ExpiryStore for DynamoStore {
    async fn record_expiry(
        &self,
        client_id: &ClientId,
        update: &ExpiryUpdate,
    ) -> Result<(), StoreError> {
        let mut expression = if update.pair_id.is_empty() {
            ONLY_VERSION.to_owned()
        } else {
            STORE_EXPIRY.to_owned()
        };
        let mut request = self
            .update(client_id, &[VERSION, EXPIRY_WATCH, EXPIRY_DUE])
            .await
            .condition_expression(SAME_VERSION)
            .expression_attribute_values(":expected", number(update.expected_version))
            .expression_attribute_values(":one", number(1));
        if !update.pair_id.is_empty() {
            request = super::attributes::named(request, &[PAIR, EXPIRY])
                .expression_attribute_values(":expiry", value(&update.expiry)?);
        }
        match update.watch {
            Some(watch) => {
                expression.push_str(AND_WATCH);
                request = request
                    .expression_attribute_values(":watch", value(watch.threshold)?)
                    .expression_attribute_values(":due", AttributeValue::S(watch.due_key()));
            }
            None => expression.push_str(UNWATCH),
        }
        conditional(request.update_expression(expression).send().await)
    }
}

#[async_trait]
impl ExpiryWatchStore for DynamoStore {
    async fn watched_due(
        &self,
        threshold: Threshold,
        day: &str,
        limit: usize,
    ) -> Result<Vec<ClientId>, StoreError> {
        let mut found = Vec::new();
        let mut start = None;
        while found.len() < limit {
            let output = self
                .client()
                .await
                .query()
                .table_name(&self.table)
                .index_name(EXPIRY_INDEX)
                .key_condition_expression(DUE_BY)
                .expression_attribute_names(format!("#{EXPIRY_WATCH}"), EXPIRY_WATCH)
                .expression_attribute_names(format!("#{EXPIRY_DUE}"), EXPIRY_DUE)
                .expression_attribute_values(":threshold", value(threshold)?)
                .expression_attribute_values(":day", AttributeValue::S(day.to_owned()))
                .limit(i32::try_from(limit - found.len()).unwrap_or(i32::MAX))
                .set_exclusive_start_key(start)
                .send()
                .await
                .map_err(unavailable)?;
            for item in output.items.unwrap_or_default() {
                found.push(client_id_of(&item)?);
            }
            start = output.last_evaluated_key;
            if start.is_none() {
                break;
            }
        }
        Ok(found)
    }
}

/// The clientId an index entry names.
pub(super) fn client_id_of(
    item: &std::collections::HashMap<String, AttributeValue>,
) -> Result<ClientId, StoreError> {
    match item.get(CLIENT_ID) {
        Some(AttributeValue::S(id)) => {
            ClientId::parse(id).map_err(|e| StoreError::Corrupt(e.to_string()))
        }
        _ => Err(StoreError::Corrupt(
            "an index entry without clientId".into(),
        )),
    }
}
