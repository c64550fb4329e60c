//! Model-based property test of the pair state machine on the in-memory store: random
//! delivery schedules (preliminaries, finals and re-reviews per session, duplicated, reordered,
//! interleaved, retries of older finals, a restart part-way through) with store failures and
//! crashes injected, each failed delivery retried later as iDenfy does. Whatever the schedule:
//! no verdict before every session is final; exactly one verdict per set of current finals,
//! each the policy applied to them, made fail-safe against the verdict before; no final lost;
//! a replaced pair's callbacks change nothing. For two-session pairs ([`two_sessions`]) and for
//! the additional-step mode's one session ([`additional_step`]); and the session ledger under
//! restarts, renewals, failed mints and erasures ([`ledger`]).

use integration_tests::callbacks::{
    DocFields, EVENTS_CLIENT_ID, EVENTS_DOCUMENT_SCAN_REF, EVENTS_IDENTITY_SCAN_REF,
    STEP_EVENTS_CLIENT_ID, STEP_EVENTS_SCAN_REF, callback_clock, callback_service,
    check_verdict_history, event_type, events_record, hasher, payload, sample_id_card,
    sample_permit, step_events_record, step_payload,
};
use integration_tests::stores::{CountingStore, Fault, FaultyStore};
use pair_adapters::idenfy::webhook::Callback;
use pair_adapters::store::MemoryStore;
use pair_app::callback::{CallbackService, Receipt};
use pair_core::pair::{ClientId, HalfResult, Pair, PairRecord, Role};
use pair_core::ports::idenfy::{IdenfyError, OpenedSession, SessionIssuer, SessionOrder};
use pair_core::ports::store::{Expected, PairReader, SeedStore};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use serde_json::json;
use std::collections::{HashMap, VecDeque};
use std::sync::Arc;

fn identity_variants() -> Vec<DocFields> {
    vec![
        sample_id_card(),
        DocFields::new(
            "SUSPECTED",
            "JOHN",
            "MÜLLER",
            "1990-05-15",
            "PASSPORT",
            "C4J7K2",
        ),
        DocFields::new(
            "DENIED",
            "JOHN",
            "MÜLLER",
            "1990-05-15",
            "ID_CARD",
            "L01X00T47",
        ),
        DocFields::new("EXPIRED", "", "", "", "", ""),
        DocFields::new(
            "APPROVED",
            "JOHN PAUL",
            "MÜLLER",
            "",
            "ID_CARD",
            "L01X00T47",
        ),
    ]
}

fn document_variants() -> Vec<DocFields> {
    vec![
        sample_permit(),
        DocFields::new(
            "APPROVED",
            "JOHN",
            "MULLER",
            "1991-05-15",
            "RESIDENCE_PERMIT",
            "RP4471932",
        ),
        DocFields::new(
            "APPROVED",
            "JOHN",
            "MÜLLER",
            "1990-05-15",
            "PASSPORT",
            "C4J7K2",
        ),
        sample_id_card(),
        DocFields::new(
            "DENIED",
            "JOHN",
            "MUELLER",
            "1990-05-15",
            "RESIDENCE_PERMIT",
            "RP4471932",
        ),
        DocFields::new(
            "REVIEWING",
            "JANE",
            "DOE",
            "1980-01-01",
            "RESIDENCE_PERMIT",
            "X1",
        ),
    ]
}

/// A fresh store holding `record`, its writes counted and `faults` injected, and the callback
/// service over it.
async fn faulty_service(
    record: PairRecord,
    faults: Vec<Fault>,
) -> (Arc<MemoryStore>, Arc<CountingStore>, CallbackService) {
    let memory = Arc::new(MemoryStore::new());
    memory.save(&record, Expected::Absent).await.unwrap();
    let counting = Arc::new(CountingStore::new(memory.clone()));
    let store = Arc::new(FaultyStore::new(counting.clone(), faults));
    (memory, counting, callback_service(store, callback_clock()))
}

/// The pair the store holds for `client_id` now.
async fn current_pair(memory: &MemoryStore, client_id: &ClientId) -> Pair {
    memory
        .load(client_id)
        .await
        .expect("the memory store answers")
        .and_then(|record| record.pair)
        .expect("a pair")
}

/// The record's place in the reviewers' queue is its verdict's: in it exactly while the pair is
/// REQUIRES_REVIEW, since the first verdict of that run, showing the current version.
async fn queued_as_its_verdict_says(
    memory: &MemoryStore,
    client_id: &ClientId,
) -> Result<(), TestCaseError> {
    let record = memory
        .load(client_id)
        .await
        .expect("the memory store answers")
        .expect("a record");
    let expected = record.pair.as_ref().and_then(Pair::waiting);
    let stored = match (&record.queue, record.waiting_since, &record.waiting) {
        (Some(_), Some(since), Some(waiting)) => Some((since, waiting.clone())),
        (None, None, None) => None,
        other => {
            return Err(TestCaseError::fail(format!(
                "half a queue entry: {other:?}"
            )));
        }
    };
    prop_assert_eq!(stored, expected, "the queue disagrees with the verdict");
    Ok(())
}

/// Runs `case` on PAIR_MODEL_CASES schedules drawn from `strategy`.
fn for_every_schedule<S: Strategy>(
    strategy: S,
    case: impl AsyncFn(S::Value) -> Result<(), TestCaseError>,
) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let mut runner = TestRunner::new(Config {
        cases: cases(),
        failure_persistence: None,
        ..Config::default()
    });
    runner
        .run(&strategy, |schedule| runtime.block_on(case(schedule)))
        .unwrap();
}

fn cases() -> u32 {
    std::env::var("PAIR_MODEL_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000)
}

mod additional_step;
mod ledger;
mod two_sessions;
