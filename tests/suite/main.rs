//! The service tier: everything that needs moto_server (DynamoDB, Streams, Secrets Manager,
//! EventBridge, SQS), cargo-lambda, Chromium or the project's Python tools. Run by `make test`
//! (`cargo test -p integration-tests --test suite` after starting moto_server); bare, each test
//! says what it needs. The fast tier is `tests/fast/` (plain `cargo test`).

use std::sync::Arc;

/// DynamoDB requests sent so far (always 0 for the memory store).
type Requests = Arc<dyn Fn() -> usize + Send + Sync>;

/// Runs each scenario, an `async fn(Arc<dyn integration_tests::stores::AnyStore>, Requests)`, against the memory store and
/// against a fresh moto_server table: one set of rules, held to both adapters.
macro_rules! on_both_stores {
    ($($scenario:ident),* $(,)?) => {
        mod memory {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn $scenario() {
                    let store = std::sync::Arc::new(pair_adapters::store::MemoryStore::new());
                    super::$scenario(store, std::sync::Arc::new(|| 0)).await;
                }
            )*
        }
        mod dynamodb {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn $scenario() {
                    let table = integration_tests::moto_table().await;
                    let requests = table.requests.clone();
                    super::$scenario(
                        std::sync::Arc::new(table.store.clone()),
                        std::sync::Arc::new(move || requests.load(std::sync::atomic::Ordering::SeqCst)),
                    )
                    .await;
                    table.store.delete_table().await.expect("dropping the test table");
                }
            )*
        }
    };
}

mod callback_events;
mod callback_logs;
mod callback_race;
mod callback_rules;
mod callback_signature;
mod continuation;
mod contract;
mod erasure;
mod expiry;
mod issue_tokens_events;
mod lambda_runtime;
mod ledger;
mod lifecycle;
mod local_stack;
mod metrics;
mod notify;
mod renewal;
mod review;
mod secrets;
mod store_conformance;
mod trust;
mod verdict_policy;
