//! The reviewer's evidence: fresh links from iDenfy, never stored or logged, and iDenfy's refusals.

use super::*;

/// `GET /verifications/{clientId}/evidence`, answered.
async fn evidence_response(handler: &VerificationsApi) -> lambda_http::Response<Body> {
    handler
        .handle(api::get(STEP_EVENTS_CLIENT_ID, "/evidence"))
        .await
}

fn header(response: &lambda_http::Response<Body>, name: &str) -> Option<String> {
    response
        .headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

/// The evidence route's status, Cache-Control and body.
async fn evidence(handler: &VerificationsApi) -> (u16, Option<String>, Value) {
    let response = evidence_response(handler).await;
    let body = serde_json::from_slice(response.body().as_ref()).unwrap_or(Value::Null);
    (
        response.status().as_u16(),
        header(&response, "cache-control"),
        body,
    )
}

#[tokio::test]
async fn the_evidence_is_fresh_from_idenfy_and_never_stored_or_logged() {
    let stub = IdenfyStub::bare().await;
    stub.mount_files().await;
    let store = Arc::new(MemoryStore::new());
    let handler = awaiting_review(store.clone(), &stub).await;

    let capture = Capture::start(Level::TRACE);
    let (status, cache, first) = evidence(&handler).await;
    let (_, _, second) = evidence(&handler).await;
    let logs = capture.text();
    drop(capture);
    assert_eq!(status, 200, "{first}");
    assert_eq!(cache.as_deref(), Some("no-store"));
    assert_eq!(first["pairId"], STEP_EVENTS_PAIR_ID);
    assert_eq!(first["mode"], "additionalStep");
    assert_eq!(first["status"], "REQUIRES_REVIEW");
    assert_eq!(first["reasons"], json!(["PERMIT_NEEDS_MANUAL_REVIEW"]));
    assert_eq!(first["verdictVersion"], 1);
    let sessions = first["sessions"].as_array().expect("sessions");
    assert_eq!(
        sessions.len(),
        1,
        "one session in additional-step mode: {first}"
    );
    let session = &sessions[0];
    assert_eq!(
        (
            &session["role"],
            &session["scanRef"],
            &session["status"],
            &session["final"]
        ),
        (
            &json!("identity"),
            &json!(STEP_EVENTS_SCAN_REF),
            &json!("APPROVED"),
            &json!(true)
        )
    );
    let files = session["files"].as_object().expect("files");
    assert_eq!(
        files.keys().collect::<Vec<_>>(),
        ["FACE", "FRONT", "RESIDENCE_PERMIT"]
    );
    // Fetched at request time: each call brings links of its own.
    assert_ne!(
        first["sessions"][0]["files"],
        second["sessions"][0]["files"]
    );
    // iDenfy's judgement of the one session is shown, with its values; no rule compares two
    // documents here.
    let shown: Vec<(&Value, &Value, &Value, &Value)> = first["checks"]
        .as_array()
        .expect("checks")
        .iter()
        .map(|c| (&c["rule"], &c["identity"], &c["permit"], &c["finding"]))
        .collect();
    assert!(
        shown.contains(&(
            &json!("IDENFY_DOCUMENT_CHECK"),
            &json!("DOC_VALIDATED (manual)"),
            &Value::Null,
            &json!("PASS")
        )),
        "{first}"
    );
    assert!(
        shown.iter().all(|(rule, ..)| *rule != "FIRST_NAME"),
        "{first}"
    );
    assert_eq!(first["duplicates"], json!([]));
    let permit = files["RESIDENCE_PERMIT"].as_str().expect("a link");
    assert!(
        (0..1000)
            .any(|call| permit == stub_file_link(STEP_EVENTS_SCAN_REF, "RESIDENCE_PERMIT", call)),
        "{permit}"
    );
    let requests = stub.server.received_requests().await.unwrap_or_default();
    let asked: Vec<Value> = requests
        .iter()
        .filter(|r| r.url.path() == "/api/v2/files")
        .map(|r| serde_json::from_slice(&r.body).unwrap_or(Value::Null))
        .collect();
    assert_eq!(asked, vec![json!({"scanRef": STEP_EVENTS_SCAN_REF}); 2]);
    // Neither the log nor the record holds a link.
    assert!(
        !logs.contains("s3.example.com"),
        "a link in the logs: {logs}"
    );
    let record = serde_json::to_string(&stored(store.as_ref()).await).expect("json");
    assert!(
        !record.contains("s3.example.com"),
        "a link stored: {record}"
    );
}

#[tokio::test]
async fn a_two_session_pair_s_files_are_fetched_at_once() {
    let store = Arc::new(MemoryStore::new());
    store
        .save(&events_record(), Expected::Absent)
        .await
        .expect("seeded");
    let service = ReviewService::new(
        store,
        Arc::new(BothSessionsAtOnce(Barrier::new(2))),
        callback_clock(),
        pair_core::pair::permit::VerdictPolicy::default(),
    );
    let client_id = ClientId::parse(EVENTS_CLIENT_ID).expect("an id");
    let answer_by = Instant::now() + Duration::from_secs(5);
    let evidence = tokio::time::timeout(
        Duration::from_secs(10),
        service.evidence(&client_id, answer_by),
    )
    .await
    .expect("the two sessions' files were asked for one after the other")
    .expect("evidence");
    let shown: Vec<_> = evidence
        .sessions
        .iter()
        .map(|s| (s.role, s.scan_ref.as_str(), s.files["FRONT"].as_str()))
        .collect();
    assert_eq!(
        shown,
        [
            (
                Role::Identity,
                EVENTS_IDENTITY_SCAN_REF,
                format!("https://files.test/{EVENTS_IDENTITY_SCAN_REF}").as_str()
            ),
            (
                Role::Document,
                EVENTS_DOCUMENT_SCAN_REF,
                format!("https://files.test/{EVENTS_DOCUMENT_SCAN_REF}").as_str()
            ),
        ]
    );
}

#[tokio::test]
async fn idenfy_refusing_the_files_is_answered_as_for_tokens() {
    for (answer, expected_status, code, retry_after) in [
        (
            ResponseTemplate::new(402).set_body_json(
                json!({"identifier": "PAYMENT_REQUIRED", "message": "Lack of funds."}),
            ),
            502,
            "IDENFY_REFUSED",
            None,
        ),
        (
            ResponseTemplate::new(429)
                .insert_header("Retry-After", "30")
                .set_body_json(json!({"identifier": "TOO_MANY_REQUESTS", "message": "Slow down."})),
            503,
            "IDENFY_UNAVAILABLE",
            Some("30"),
        ),
    ] {
        let stub = IdenfyStub::bare().await;
        Mock::given(method("POST"))
            .and(path("/api/v2/files"))
            .respond_with(answer)
            .mount(&stub.server)
            .await;
        let handler = awaiting_review(Arc::new(MemoryStore::new()), &stub).await;
        let response = evidence_response(&handler).await;
        let status = response.status().as_u16();
        let retry = header(&response, "retry-after");
        let text = String::from_utf8_lossy(response.body().as_ref()).into_owned();
        let body: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
        assert_eq!(
            (status, body["code"].as_str()),
            (expected_status, Some(code)),
            "{text}"
        );
        assert_eq!(retry.as_deref(), retry_after);
        assert!(body["requestId"].is_string(), "{text}");
        // iDenfy's identifier is named; its words stay in the log.
        assert!(body["idenfy"]["identifier"].is_string(), "{text}");
        assert!(
            !text.contains("Lack of funds") && !text.contains("Slow down"),
            "{text}"
        );
    }
}
