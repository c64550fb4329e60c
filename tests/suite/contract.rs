//! The HTTP contract's check catches a handler that drifts from `docs/openapi.yaml`: a real
//! status answer of the issue-tokens handler validates; the same answer with a field renamed,
//! a value the spec does not allow, or an undeclared status — as a changed handler would send
//! them — does not. (`make test` runs the check on every response the suite receives.)

use integration_tests::contract::api_route;
use integration_tests::{IdenfyStub, T0, api, issue_tokens_handler};
use pair_adapters::store::MemoryStore;
use pair_core::clock::ManualClock;
use serde_json::{Value, json};
use std::process::Command;
use std::sync::Arc;

/// `tests/openapi/check.py --responses-only` on these records: its exit status and its words.
fn check(records: &[Value]) -> (bool, String) {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let file = std::env::temp_dir().join(format!("responses-{}.jsonl", pair_core::pair::new_id()));
    let lines: Vec<String> = records.iter().map(Value::to_string).collect();
    std::fs::write(&file, lines.join("\n")).expect("a temporary file");
    let output = Command::new(root.join(".venv/bin/python"))
        .arg(root.join("tests/openapi/check.py"))
        .arg("--responses-only")
        .arg(&file)
        .output()
        .unwrap_or_else(|e| {
            panic!(
                "running .venv/bin/python ({e}): `make venv` (run by `make test`) creates it with \
                 openapi-spec-validator"
            )
        });
    let _ = std::fs::remove_file(&file);
    let words = String::from_utf8_lossy(&output.stdout).into_owned();
    (output.status.success(), words)
}

#[tokio::test]
async fn the_contract_check_fails_a_response_that_drifts_from_the_spec() {
    let stub = IdenfyStub::minting().await;
    let handler = issue_tokens_handler(
        Arc::new(MemoryStore::new()),
        Arc::new(stub.client()),
        Arc::new(ManualClock::at(T0)),
    );
    let (status, _) =
        api::answer(&handler, api::issue(&json!({"clientId": "USER_CONTRACT"}))).await;
    assert_eq!(status, 201);
    let request = api::get("USER_CONTRACT", "");
    let route = api_route(&request).expect("an API route");
    let (status, body) = api::answer(&handler, request).await;
    let real =
        json!({"route": route, "status": status, "contentType": "application/json", "body": body});
    let (ok, words) = check(std::slice::from_ref(&real));
    assert!(ok, "the handler's own answer validates: {words}");

    let mut renamed = real.clone();
    let value = renamed["body"]["pairId"].take();
    renamed["body"]
        .as_object_mut()
        .expect("an object")
        .remove("pairId");
    renamed["body"]["pairID"] = value;
    let mut wrong_value = real.clone();
    wrong_value["body"]["status"] = json!("WAITING");
    let mut undeclared = real.clone();
    undeclared["status"] = json!(202);
    for (drift, record, named) in [
        ("a renamed field", renamed, "pairID"),
        ("a value the spec does not allow", wrong_value, "WAITING"),
        ("an undeclared status", undeclared, "202"),
    ] {
        let (ok, words) = check(&[record]);
        assert!(!ok, "{drift} passed the check");
        assert!(words.contains(named), "{drift}: {words}");
    }
}
