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
        refusal: Some(pair_adapters::idenfy::classify(
            Upstream {
                status: 400,
                identifier: Some("PARTNER_ERROR".into()),
                message: "Token has not expired yet.".into(),
            },
            None,
        )),
        ..Sessions::default()
    });
    let handler = handler_with(store.clone(), ledger.clone(), refusing.clone());
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
    // The schedule's run, at once: nothing due yet (the tokens are live), and its gauges say
    // how many wait — the pending-deletions metric and alarm.
    let (recorded, metrics) = integration_tests::metrics::Recorded::start(FUNCTION);
    let handler = handler_counting(store.clone(), ledger.clone(), refusing, metrics);
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
    assert_eq!(
        (status, &body["asked"], &body["pending"]),
        (200, &json!(0), &json!(2)),
        "{body}"
    );
    assert_eq!(
        recorded.names(),
        [
            "IdenfyDeletionsPending=2",
            "IdenfyDeletionsOverdue=0",
            "IdenfyDeletionsOldestAge=0"
        ]
    );
}

/// In JWT mode the function checks each route's duty again: a token holding only another
/// duty's scopes is refused (403 naming the duty) on every route of the template, an event
/// without a JWT (misrouted, invoked directly) is 401, and the route's own scope passes.
#[tokio::test]
async fn in_jwt_mode_every_route_refuses_a_token_without_its_dutys_scope() {
    let config = VerificationsApiConfig::from_env(&Env::from_pairs([
        ("TABLE_NAME", "pairs"),
        ("LEDGER_TABLE_NAME", "sessions"),
        ("IDENFY_API_KEY", "key"),
        ("IDENFY_API_SECRET", "secret"),
        ("CONTINUATION_KEYS", "unit-test-continuation-key-0123456789"),
        ("ALLOWED_REDIRECT_ORIGINS", "https://shop.example.com"),
        ("API_AUTHORIZATION", "JWT"),
        ("ISSUER_SCOPES", "site/issue"),
        ("REVIEWER_SCOPES", "ops/review,ops/review-lead"),
        ("ERASURE_SCOPES", "dpo/erase"),
    ]))
    .expect("a valid configuration");
    let clock = Arc::new(ManualClock::at(Timestamp::from_unix_seconds(1_800_000_000)));
    let handler = VerificationsApi::build(
        config,
        integration_tests::api_ports(
            Arc::new(MemoryStore::new()),
            Arc::new(MemoryLedger::new()),
            IdenfyPorts::of(Arc::new(Sessions::default())),
            clock,
        ),
    );
    let scope_of = |duty: &str| -> &'static [&'static str] {
        match duty {
            "issuer" => &["site/issue"],
            "reviewer" => &["ops/review-lead"],
            _ => &["dpo/erase"],
        }
    };
    let mut checked = 0;
    for (route_key, endpoint) in routes::API_ROUTES {
        let Some(duty) = endpoint.duty() else {
            continue;
        };
        let (method, path) = route_key.split_once(' ').expect("a route key");
        let request = |caller: http_api::Caller<'_>| {
            let builder = lambda_http::http::Request::builder()
                .method(method)
                .uri(format!(
                    "https://api.example.com/prod{}",
                    path.replace("{clientId}", "USER_1")
                ))
                .header("content-type", "application/json");
            let body = match method {
                "POST" if path.ends_with("/review") => r#"{"decision": "VERIFIED"}"#,
                "POST" => r#"{"clientId": "USER_1"}"#,
                _ => "",
            };
            invoked(
                builder.body(Body::from(body)).expect("a request"),
                route_key,
                caller,
                &[("clientId", "USER_1")],
            )
        };
        for other in ["issuer", "reviewer", "eraser"]
            .into_iter()
            .filter(|d| *d != duty.as_str())
        {
            let token = http_api::Caller::Jwt {
                subject: "someone",
                scopes: scope_of(other),
            };
            let (status, body) = answer(&handler, request(token)).await;
            assert_eq!(
                (status, body["code"].as_str(), body["duty"].as_str()),
                (403, Some("FORBIDDEN"), Some(duty.as_str())),
                "{route_key} with the {other} duty's scope: {body}"
            );
        }
        for no_token in [
            http_api::Caller::Anonymous,
            http_api::Caller::Iam {
                user_arn: "arn:aws:iam::123456789012:user/x",
            },
        ] {
            let (status, body) = answer(&handler, request(no_token)).await;
            assert_eq!(status, 401, "{route_key} without a JWT: {body}");
        }
        let own = http_api::Caller::Jwt {
            subject: "someone",
            scopes: scope_of(duty.as_str()),
        };
        let (status, body) = answer(&handler, request(own)).await;
        assert!(
            status != 401 && status != 403,
            "{route_key} with its own scope: {status} {body}"
        );
        checked += 1;
    }
    assert_eq!(checked, 8, "every route with a duty");
}
