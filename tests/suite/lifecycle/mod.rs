//! iDenfy's documented lifecycle beyond one result per session, on both stores, through the
//! functions' handlers: re-reviews (revisions), expiry and cancel events that carry a result,
//! webhooks we do not own, a pair left undecided by a crash (decided on read), and restarts
//! that neither lose the old outcome nor lock the clientId out while callbacks land.

use async_trait::async_trait;
use integration_tests::callbacks::{
    DocFields, EVENTS_CLIENT_ID, EVENTS_DOCUMENT_SCAN_REF, EVENTS_IDENTITY_SCAN_REF, call,
    callback_clock, events_record, handler, payload, pending_record, sample_id_card, sample_permit,
    signed,
};
use integration_tests::stores::AnyStore;
use integration_tests::stores::{CountingStore, Fault, FaultyStore};
use integration_tests::{IdenfyStub, issue_tokens_handler, service};
use issue_tokens::VerificationsApi;
use pair_app::issuance::IssueRequest;
use pair_core::clock::ManualClock;
use pair_core::pair::{ClientId, Outcome, Pair, Reason};
use pair_core::ports::idenfy::{IdenfyError, OpenedSession, SessionIssuer, SessionOrder};
use pair_core::ports::store::{Expected, SeedStore};
use serde_json::{Value, json};
use std::sync::{Arc, Mutex};

on_both_stores!(
    a_re_review_tightens_a_verdict_by_itself_and_never_relaxes_it,
    expiry_and_cancel_events_are_judged_on_the_result_they_carry,
    a_pair_left_final_and_undecided_by_a_crash_is_decided_on_read,
    a_restart_racing_a_callback_still_lands_and_mints_once,
    restarts_are_capped_per_client_per_day,
    a_restart_keeps_the_decided_pair_in_the_history,
    signed_bodies_we_cannot_place_get_200_and_cost_no_request,
);

pub(super) async fn get_status(handler: &VerificationsApi, client_id: &str) -> (u16, Value) {
    let request = integration_tests::api::get_as(client_id, "", integration_tests::api::ISSUER);
    let response = handler.handle(request).await;
    let body = serde_json::from_slice(response.body().as_ref()).unwrap_or(Value::Null);
    (response.status().as_u16(), body)
}

pub(super) async fn status_handler(store: Arc<dyn AnyStore>) -> VerificationsApi {
    let stub = IdenfyStub::bare().await;
    issue_tokens_handler(store, Arc::new(stub.client()), callback_clock())
}

pub(super) async fn stored_pair(store: &dyn AnyStore, client_id: &str) -> Pair {
    store
        .load(&ClientId::parse(client_id).unwrap())
        .await
        .unwrap()
        .and_then(|record| record.pair)
        .expect("a pair")
}

/// The person's data must never leave through the status route.
pub(super) fn assert_no_personal_data(body: &Value) {
    let text = body.to_string();
    for personal in integration_tests::callbacks::SAMPLE_PERSONAL_DATA {
        assert!(!text.contains(personal), "{personal} in {text}");
    }
}

mod restarts;
mod results;

use restarts::*;
use results::*;
