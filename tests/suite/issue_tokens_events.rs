//! Every `events/issue-tokens/*.json` through `lambda_http::request::from_str` and the handler:
//! the same files `cargo lambda invoke` and `sam local invoke` use.

use integration_tests::{IdenfyStub, T0, events, issue_tokens_handler, service};

const FUNCTION: &str = "issue-tokens";
use lambda_http::RequestExt;
use pair_adapters::store::MemoryStore;
use pair_core::clock::ManualClock;
use serde_json::{Value, json};
use std::collections::BTreeSet;
use std::path::PathBuf;
use std::sync::Arc;

#[tokio::test]
async fn every_event_gets_its_status_and_body() {
    let stub = IdenfyStub::minting().await;
    stub.mount_files().await;
    let store = Arc::new(MemoryStore::new());
    let clock = Arc::new(ManualClock::at(T0));
    let service = service(store.clone(), Arc::new(stub.client()), clock.clone());
    // The status-found event asks about USER_30001: issue its pair first.
    let seeded = service
        .issue(
            &issue_tokens::parse_issue_request(
                &json!({"clientId": "USER_30001"}),
                &service.policy().allowed_origins,
            )
            .unwrap(),
        )
        .await
        .unwrap();
    let handler = issue_tokens_handler(store, Arc::new(stub.client()), clock);

    let mut seen = BTreeSet::new();
    for name in events::names(FUNCTION) {
        let text = events::text(FUNCTION, &name);
        let request = lambda_http::request::from_str(&text)
            .unwrap_or_else(|e| panic!("{name}: not an HTTP API event: {e}"));
        let response = integration_tests::contract::issue_tokens(&handler, request).await;
        let (status, code, fields) = events::issue_tokens(&name);
        assert_eq!(
            response.status().as_u16(),
            status,
            "{name}: {:?}",
            response.body()
        );
        if status == 302 {
            // A browser route: sent on, with nothing for iDenfy.
            assert_eq!(
                response.headers().get("location").unwrap(),
                "https://shop.example.com/verification/failed",
                "{name}"
            );
            // Events run in name order: only the seeded pair's two tokens exist so far.
            assert_eq!(
                stub.token_requests().await.len(),
                2,
                "{name}: no token minted"
            );
            seen.insert(name);
            continue;
        }
        assert_eq!(
            response.headers().get("content-type").unwrap(),
            "application/json",
            "{name}"
        );
        let body: Value = serde_json::from_slice(response.body().as_ref()).unwrap();
        match code {
            Some(code) => {
                assert_eq!(body["code"], code, "{name}: {body}");
                assert!(
                    body["message"].as_str().is_some_and(|m| !m.is_empty()),
                    "{name}"
                );
                let named: Vec<&str> = body["fieldErrors"]
                    .as_array()
                    .map(|errors| errors.iter().filter_map(|e| e["field"].as_str()).collect())
                    .unwrap_or_default();
                assert_eq!(named, fields, "{name}: {body}");
            }
            None if name.starts_with("issue-") => {
                assert_eq!(body["status"], "PENDING", "{name}");
                assert!(
                    body["verificationUrl"].as_str().is_some_and(|u| u
                        .starts_with(&format!("{}/api/v2/redirect?authToken=tok-", stub.uri()))),
                    "{name}: {body}"
                );
                assert!(
                    body["identityScanRef"]
                        .as_str()
                        .is_some_and(|s| s.starts_with("scan-"))
                );
                if name == "issue-additional-step" {
                    assert_eq!(body["mode"], "additionalStep", "{name}");
                    assert_eq!(body["documentScanRef"], Value::Null, "{name}");
                } else {
                    assert_eq!(body["mode"], "twoSessions", "{name}");
                    assert!(
                        body["documentScanRef"]
                            .as_str()
                            .is_some_and(|s| s.starts_with("scan-"))
                    );
                    assert_ne!(body["identityScanRef"], body["documentScanRef"]);
                }
                assert_eq!(body["expiresAt"], "2026-11-26T15:43:17Z", "{name}");
            }
            None if name == "status-evidence" => {
                let sessions = body["sessions"].as_array().expect("sessions");
                let roles: Vec<&Value> = sessions.iter().map(|s| &s["role"]).collect();
                assert_eq!(roles, [&json!("identity"), &json!("document")], "{body}");
                assert_eq!(body["pairId"], seeded.pair.pair_id.as_str());
                assert_eq!(body["status"], "PENDING");
                // No result yet: no rule to show; the policy and the day they will be read on.
                assert_eq!(body["checks"], json!([]), "{body}");
                assert_eq!(
                    body["permitPolicy"],
                    json!({"issuingCountries": [], "minValidDays": 0})
                );
                assert_eq!(body["judgedOn"], "2026-11-26", "{body}");
                for session in sessions {
                    let scan_ref = session["scanRef"].as_str().expect("a scanRef");
                    assert!(
                        session["files"]["FACE"].as_str().is_some_and(|link| link
                            .starts_with(&format!("https://s3.example.com/{scan_ref}/FACE.png"))),
                        "{body}"
                    );
                }
                assert_eq!(response.headers().get("cache-control").unwrap(), "no-store");
            }
            None if name == "erasure-retries" => {
                assert_eq!(
                    body,
                    json!({"asked": 0, "deleted": 0, "refused": 0, "retentionChecked": 0,
                           "retentionEnded": 0, "pending": 0, "overdue": 0,
                           "oldestPendingSeconds": 0})
                );
            }
            None if name == "review-queue" => {
                assert_eq!(
                    body,
                    json!({"waiting": 0, "oldestWaitSeconds": 0, "overdue": 0})
                );
            }
            None if name == "queue-list" => {
                assert_eq!(body, json!({"status": "REQUIRES_REVIEW", "items": []}));
            }
            None if name == "expiry-watch" => {
                assert_eq!(
                    body,
                    json!({"records": 0, "alerts": {"0": 0, "1": 0, "30": 0, "7": 0},
                           "unwatched": 0, "more": false})
                );
            }
            None => {
                assert_eq!(
                    body,
                    json!({
                        "clientId": "USER_30001",
                        "pairId": seeded.pair.pair_id,
                        "status": "PENDING",
                        "mode": "twoSessions",
                        "reasons": [],
                        "createdAt": "2026-11-26T14:43:17Z",
                        "updatedAt": "2026-11-26T14:43:17Z",
                        "earlierVerdicts": [],
                        "sessionResults": [],
                        "previousPairs": [],
                        "permitPolicy": {"issuingCountries": [], "minValidDays": 0}
                    }),
                    "{name}: status shows no document data"
                );
                assert_eq!(seeded.client_id.as_str(), "USER_30001");
            }
        }
        seen.insert(name);
    }
    assert!(seen.len() >= 22, "events found: {seen:?}");
    assert!(seen.contains("status-evidence") && seen.contains("review-other-pair"));
    assert!(seen.contains("issue-valid") && seen.contains("status-found"));
}

#[tokio::test]
async fn the_valid_event_reaches_idenfy_with_its_site_urls_and_returns_200_on_repeat() {
    let stub = IdenfyStub::minting().await;
    let store = Arc::new(MemoryStore::new());
    let handler = issue_tokens_handler(
        store,
        Arc::new(stub.client()),
        Arc::new(ManualClock::at(T0)),
    );
    let text = events::text(FUNCTION, "issue-valid");

    let first = handler
        .handle(lambda_http::request::from_str(&text).unwrap())
        .await;
    assert_eq!(first.status().as_u16(), 201);
    let requests = stub.token_requests().await;
    let document = requests
        .iter()
        .find(|r| r["tokenType"] == "DOCUMENT")
        .expect("a document token request");
    assert_eq!(
        document["successUrl"],
        "https://shop.example.com/verification/complete"
    );
    assert_eq!(
        document["unverifiedUrl"],
        "https://shop.example.com/verification/review"
    );
    assert_eq!(document["locale"], "en");

    let again = handler
        .handle(lambda_http::request::from_str(&text).unwrap())
        .await;
    assert_eq!(again.status().as_u16(), 200);
    assert_eq!(again.body().as_ref(), first.body().as_ref());
    assert_eq!(stub.token_requests().await.len(), 2);
}

#[tokio::test]
async fn other_methods_and_routes_are_refused() {
    let stub = IdenfyStub::minting().await;
    let handler = issue_tokens_handler(
        Arc::new(MemoryStore::new()),
        Arc::new(stub.client()),
        Arc::new(ManualClock::at(T0)),
    );
    use pair_adapters::http_api::{Caller, routed};
    let call = |method: &str, uri: &str, route_key: &str| {
        let request = lambda_http::http::Request::builder()
            .method(method)
            .uri(uri)
            .body(lambda_http::Body::Empty)
            .unwrap();
        routed(request, route_key, Caller::Anonymous)
    };
    // The local stack serves every method on a route's path; API Gateway would not.
    let response = handler
        .handle(call(
            "PUT",
            "https://api.example.com/verifications",
            "PUT /verifications",
        ))
        .await;
    assert_eq!(response.status().as_u16(), 405);
    assert_eq!(response.headers().get("allow").unwrap(), "POST, GET");
    // The clientId comes from the path parameter, decoded as API Gateway decodes it.
    let response = handler
        .handle(
            call(
                "GET",
                "https://api.example.com/prod/verifications/A%2FB",
                "GET /verifications/{clientId}",
            )
            .with_path_parameters(std::collections::HashMap::from([(
                "clientId".to_owned(),
                "A/B".to_owned(),
            )])),
        )
        .await;
    assert_eq!(response.status().as_u16(), 404);
    let body: Value = serde_json::from_slice(response.body().as_ref()).unwrap();
    assert_eq!(body["code"], "UNKNOWN_CLIENT_ID");
    let response = handler
        .handle(call(
            "GET",
            "https://api.example.com/elsewhere",
            "GET /elsewhere",
        ))
        .await;
    assert_eq!(response.status().as_u16(), 404);
    let big = "x".repeat(issue_tokens::MAX_BODY_BYTES + 1);
    let request = lambda_http::http::Request::builder()
        .method("POST")
        .uri("https://api.example.com/verifications")
        .header("content-type", "application/json")
        .body(lambda_http::Body::from(big))
        .unwrap();
    let request = routed(request, "POST /verifications", Caller::Anonymous);
    assert_eq!(handler.handle(request).await.status().as_u16(), 413);
    assert!(stub.token_requests().await.is_empty());
}

/// Every folder of `events/` belongs to a function whose tests feed each of its files (here,
/// in `callback_events`, and the notifier's own tests), so no sample event goes untested; the
/// files beside them are `sam local`'s (checked by `sam_local_env` and the template tests).
#[test]
fn every_events_folder_is_tested() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../events");
    let (mut folders, mut files) = (Vec::new(), Vec::new());
    for entry in std::fs::read_dir(&root).unwrap() {
        let entry = entry.unwrap();
        let name = entry.file_name().to_string_lossy().into_owned();
        if entry.file_type().unwrap().is_dir() {
            folders.push(name);
        } else {
            files.push(name);
        }
    }
    folders.sort();
    files.sort();
    assert_eq!(
        folders,
        vec!["idenfy-callback", "issue-tokens", "notify-decisions"]
    );
    assert_eq!(files, vec!["sam-local-env.json", "sam-local-secrets.json"]);
}
