//! The routes that need an authenticated caller: a reviewer's decision and evidence, an erasure and
//! its scheduled retry.

use super::*;

#[tokio::test]
async fn reviewing_and_reading_evidence_need_an_authenticated_caller() {
    let handler = handler(Arc::new(MemoryStore::new()), Arc::new(Sessions::default()));
    for route in [
        "/verifications/{clientId}/review",
        "/verifications/{clientId}/evidence",
    ] {
        let method = if route.ends_with("review") {
            "POST"
        } else {
            "GET"
        };
        let anonymous = on_client(method, "U", route, http_api::Caller::Anonymous);
        let (status, body) = answer(&handler, anonymous).await;
        assert_eq!(
            (status, body["code"].as_str()),
            (401, Some("UNAUTHENTICATED")),
            "{route}"
        );
        // An authorizer's blank subject is no caller either.
        let blank = http_api::Caller::Jwt {
            subject: " ",
            scopes: &["idenfy-pair/review"],
        };
        assert_eq!(
            answer(&handler, on_client(method, "U", route, blank))
                .await
                .0,
            401
        );
        // With a caller, the request goes on (to an unknown clientId here).
        for caller in [
            http_api::Caller::Jwt {
                subject: "reviewer-7",
                scopes: &["idenfy-pair/review"],
            },
            http_api::Caller::Iam {
                user_arn: "arn:aws:iam::123456789012:user/reviewer-7",
            },
        ] {
            let (status, body) = answer(&handler, on_client(method, "U", route, caller)).await;
            assert_eq!(
                (status, body["code"].as_str()),
                (404, Some("UNKNOWN_CLIENT_ID")),
                "{route}"
            );
        }
    }
}

#[tokio::test]
async fn an_erasure_needs_a_caller_erases_and_leaves_the_status_gone() {
    let sessions = Arc::new(Sessions::default());
    let handler = handler(Arc::new(MemoryStore::new()), sessions.clone());
    assert_eq!(
        answer(&handler, post(r#"{"clientId": "USER_1"}"#)).await.0,
        201
    );
    let route = "/verifications/{clientId}";
    let (status, body) = answer(
        &handler,
        on_client("DELETE", "USER_1", route, http_api::Caller::Anonymous),
    )
    .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (401, Some("UNAUTHENTICATED"))
    );
    let dpo = http_api::Caller::Jwt {
        subject: "dpo-1",
        scopes: &["idenfy-pair/erase"],
    };
    let (status, body) = answer(&handler, on_client("DELETE", "USER_2", route, dpo)).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (404, Some("UNKNOWN_CLIENT_ID"))
    );

    let (status, body) = answer(&handler, on_client("DELETE", "USER_1", route, dpo)).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["status"], "ERASED");
    assert_eq!(body["erasedBy"], "dpo-1");
    let pair_id = &body["pairs"][0]["pairId"];
    assert_eq!(
        body["sessions"],
        json!([
            {"scanRef": "scan-2", "pairId": pair_id, "role": "identity",
             "mintedAt": "2027-01-15T08:00:00Z", "idenfy": "DELETED",
             "deletedAt": "2027-01-15T08:00:00Z", "attempts": 1},
            {"scanRef": "scan-1", "pairId": pair_id, "role": "document",
             "mintedAt": "2027-01-15T08:00:00Z", "idenfy": "DELETED",
             "deletedAt": "2027-01-15T08:00:00Z", "attempts": 1},
        ])
    );
    let mut deleted = sessions.deleted.lock().expect("not poisoned").clone();
    deleted.sort();
    assert_eq!(deleted, ["scan-1", "scan-2"]);
    let (status, body) = answer(&handler, get("USER_1")).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (410, Some("ERASED")),
        "{body}"
    );
    // The scheduled retry finds nothing left to do.
    let retry = invoked(
        lambda_http::http::Request::builder()
            .method("POST")
            .uri("https://internal/erasure-retries")
            .body(Body::Empty)
            .expect("a request"),
        ERASURE_RETRY_ROUTE,
        http_api::Caller::Anonymous,
        &[],
    );
    let (status, body) = answer(&handler, retry).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        (&body["asked"], &body["pending"], &body["overdue"]),
        (&json!(0), &json!(0), &json!(0)),
        "{body}"
    );
}

#[tokio::test]
async fn an_erasure_idenfy_refuses_is_accepted_and_retried_on_schedule() {
    let store = Arc::new(MemoryStore::new());
    let ledger = Arc::new(MemoryLedger::new());
    let minting = handler_with(store.clone(), ledger.clone(), Arc::new(Sessions::default()));
    assert_eq!(
        answer(&minting, post(r#"{"clientId": "USER_1"}"#)).await.0,
        201
    );
    let refusing = Arc::new(Sessions {
        refusal: Some(shared::idenfy::classify(
            Upstream {
                status: 400,
                identifier: Some("PARTNER_ERROR".into()),
                message: "Token has not expired yet.".into(),
            },
            None,
        )),
        ..Sessions::default()
    });
    let handler = handler_with(store.clone(), ledger.clone(), refusing);
    let dpo = http_api::Caller::Iam {
        user_arn: "arn:aws:iam::123456789012:user/dpo",
    };
    let (status, body) = answer(
        &handler,
        on_client("DELETE", "USER_1", "/verifications/{clientId}", dpo),
    )
    .await;
    assert_eq!(status, 202, "{body}");
    assert_eq!(body["sessions"][0]["idenfy"], "PENDING");
    assert_eq!(body["sessions"][0]["lastRefusal"], "TOKEN_NOT_EXPIRED");
    assert_eq!(body["erasedBy"], "arn:aws:iam::123456789012:user/dpo");
    let pending = ledger
        .pending_deletions(Timestamp::from_unix_seconds(1_800_000_000))
        .await
        .expect("readable");
    assert_eq!(
        pending.count, 2,
        "both sessions wait for iDenfy: {pending:?}"
    );
}
