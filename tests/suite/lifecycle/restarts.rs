//! No person orphaned: a pair a crash left undecided, restarts racing callbacks, and the
//! history a restart keeps.

use super::*;
use crate::Requests;

pub(super) async fn a_pair_left_final_and_undecided_by_a_crash_is_decided_on_read(
    store: Arc<dyn AnyStore>,
    _requests: Requests,
) {
    store
        .save(&events_record(), Expected::Absent)
        .await
        .unwrap();
    let counting = Arc::new(CountingStore::new(store.clone()));
    // Both halves are written; the verdict write fails, and iDenfy never redelivers.
    let faulty = Arc::new(FaultyStore::new(
        counting.clone(),
        vec![Fault::None, Fault::None, Fault::FailBefore],
    ));
    let callbacks = handler(faulty, callback_clock());
    for (scan_ref, fields) in [
        (EVENTS_IDENTITY_SCAN_REF, sample_id_card()),
        (EVENTS_DOCUMENT_SCAN_REF, sample_permit()),
    ] {
        let body = payload(EVENTS_CLIENT_ID, scan_ref, true, &fields).to_string();
        call(&callbacks, signed(&body, "IDENTIFICATION_MANUAL_FINISHED")).await;
    }
    let pair = stored_pair(store.as_ref(), EVENTS_CLIENT_ID).await;
    assert!(
        pair.verdict.is_none() && pair.final_basis().is_some(),
        "the crash left it undecided"
    );

    let status = status_handler(counting.clone()).await;
    for _ in 0..2 {
        let (code, shown) = get_status(&status, EVENTS_CLIENT_ID).await;
        assert_eq!(
            (code, shown["status"].as_str()),
            (200, Some("VERIFIED")),
            "{shown}"
        );
        assert_eq!(shown["verdictVersion"], 1);
    }
    assert_eq!(
        counting.verdict_writes(),
        1,
        "decided once, on the first read"
    );
    assert_eq!(
        stored_pair(store.as_ref(), EVENTS_CLIENT_ID)
            .await
            .verdict
            .map(|v| v.outcome),
        Some(Outcome::Verified)
    );
}

/// The token port, delivering one webhook for the old pair while the new pair's first token
/// is being minted: the race between a restart and a callback, made certain.
struct CallbackWhileMinting {
    sessions: Arc<dyn SessionIssuer>,
    callback: Mutex<Option<(idenfy_callback::IdenfyCallback, String)>>,
    answered: Mutex<Vec<Value>>,
}

#[async_trait]
impl SessionIssuer for CallbackWhileMinting {
    async fn open_session(&self, order: &SessionOrder) -> Result<OpenedSession, IdenfyError> {
        let pending = self.callback.lock().unwrap().take();
        if let Some((handler, body)) = pending {
            let (code, answer) =
                call(&handler, signed(&body, "IDENTIFICATION_MANUAL_FINISHED")).await;
            assert_eq!(code, 200, "{answer}");
            self.answered.lock().unwrap().push(answer);
        }
        self.sessions.open_session(order).await
    }

    async fn session_use(
        &self,
        scan_ref: &str,
        answer_by: std::time::Instant,
    ) -> Result<pair_core::ports::idenfy::SessionUse, IdenfyError> {
        self.sessions.session_use(scan_ref, answer_by).await
    }
}

fn issue_request(client_id: &str, restart: bool) -> IssueRequest {
    issue_tokens::parse_issue_request(
        &json!({"clientId": client_id, "restart": restart}),
        &integration_tests::policy().allowed_origins,
    )
    .unwrap()
}

pub(super) async fn a_restart_racing_a_callback_still_lands_and_mints_once(
    store: Arc<dyn AnyStore>,
    _requests: Requests,
) {
    let client_id = "USER_RACE_1";
    let stub = IdenfyStub::minting().await;
    let clock = Arc::new(ManualClock::at(integration_tests::T0));
    let callbacks = handler(store.clone(), callback_clock());
    let old = service(store.clone(), Arc::new(stub.client()), clock.clone())
        .issue(&issue_request(client_id, false))
        .await
        .unwrap()
        .pair;
    let old_document = old.document.as_ref().unwrap().scan_ref.clone();
    let identity = payload(client_id, &old.identity.scan_ref, true, &sample_id_card()).to_string();
    call(
        &callbacks,
        signed(&identity, "IDENTIFICATION_MANUAL_FINISHED"),
    )
    .await;

    // The old pair's document result arrives (and decides it) while the restart mints.
    let racing = Arc::new(CallbackWhileMinting {
        sessions: Arc::new(stub.client()),
        callback: Mutex::new(Some((
            callbacks,
            payload(client_id, &old_document, true, &sample_permit()).to_string(),
        ))),
        answered: Mutex::new(vec![]),
    });
    let restarted = service(store.clone(), racing.clone(), clock)
        .issue(&issue_request(client_id, true))
        .await
        .expect("the restart lands, no ISSUANCE_IN_PROGRESS lockout");
    assert!(restarted.created);
    let answered = racing.answered.lock().unwrap().clone();
    assert_eq!(answered.len(), 1, "the callback ran during minting");
    assert_eq!(
        (
            answered[0]["result"].clone(),
            answered[0]["decided"].clone()
        ),
        (json!("STORED"), json!(true))
    );
    assert_eq!(
        stub.token_requests().await.len(),
        4,
        "no minted token thrown away"
    );

    let record = store
        .load(&ClientId::parse(client_id).unwrap())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(record.claim, None, "the claim is spent");
    assert_eq!(record.pair.as_ref(), Some(&restarted.pair));
    assert_eq!(
        record
            .previous_pairs
            .iter()
            .map(|p| p.pair_id.as_str())
            .collect::<Vec<_>>(),
        vec![old.pair_id.as_str()]
    );
    // The verdict recorded while the tokens were minted — the site was told of it — stays
    // in the history with its outcome, not the pending copy read before the claim.
    assert_eq!(
        record.previous_pairs[0].outcome,
        Some(Outcome::Verified),
        "the history lost the verdict recorded during the restart"
    );

    // iDenfy re-reviews the old identity session afterwards, with a fraud tag: the result is
    // kept on the old pair's history entry, and the live pair is left as it is.
    let callbacks = handler(store.clone(), callback_clock());
    let mut denied = sample_id_card();
    denied.overall = "DENIED";
    let mut late = payload(client_id, &old.identity.scan_ref, true, &denied);
    late["status"]["fraudTags"] = json!(["DOC_FAKE"]);
    let (code, answer) = call(
        &callbacks,
        signed(&late.to_string(), "IDENTIFICATION_MANUAL_FINISHED"),
    )
    .await;
    assert_eq!(
        (code, answer["result"].as_str(), answer["reason"].as_str()),
        (200, Some("NOTED"), Some("REPLACED_PAIR")),
        "{answer}"
    );
    let again = call(
        &callbacks,
        signed(&late.to_string(), "IDENTIFICATION_MANUAL_FINISHED"),
    )
    .await;
    assert_eq!(again.1["result"], "UNCHANGED", "kept once: {}", again.1);
    let after = store
        .load(&ClientId::parse(client_id).unwrap())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(after.pair, record.pair, "the live pair is untouched");
    let kept = &after.previous_pairs[0].late_results;
    assert_eq!(kept.len(), 1, "{kept:?}");
    assert_eq!(
        (
            kept[0].scan_ref.as_str(),
            kept[0].overall.as_str(),
            kept[0].tags.clone()
        ),
        (
            old.identity.scan_ref.as_str(),
            "DENIED",
            vec!["DOC_FAKE".to_owned()]
        )
    );
    // The status shows it on the replaced pair.
    let status = issue_tokens_handler(
        store.clone(),
        Arc::new(stub.client()),
        Arc::new(ManualClock::at(integration_tests::T0)),
    );
    let (code, shown) = get_status(&status, client_id).await;
    assert_eq!(code, 200, "{shown}");
    let late = &shown["previousPairs"][0]["lateResults"][0];
    assert_eq!(
        (&late["status"], &late["final"], &late["tags"]),
        (&json!("DENIED"), &json!(true), &json!(["DOC_FAKE"])),
        "{shown}"
    );
}

pub(super) async fn a_restart_keeps_the_decided_pair_in_the_history(
    store: Arc<dyn AnyStore>,
    _requests: Requests,
) {
    let client_id = "USER_HISTORY_1";
    let stub = IdenfyStub::minting().await;
    let clock = Arc::new(ManualClock::at(integration_tests::T0));
    let issuance = service(store.clone(), Arc::new(stub.client()), clock.clone());
    let callbacks = handler(store.clone(), callback_clock());
    let first = issuance
        .issue(&issue_request(client_id, false))
        .await
        .unwrap()
        .pair;
    let mut other_dob = sample_permit();
    other_dob.date_of_birth = Some("1991-05-15".into());
    for (scan_ref, fields) in [
        (first.identity.scan_ref.clone(), sample_id_card()),
        (first.document.as_ref().unwrap().scan_ref.clone(), other_dob),
    ] {
        let body = payload(client_id, &scan_ref, true, &fields).to_string();
        call(&callbacks, signed(&body, "IDENTIFICATION_MANUAL_FINISHED")).await;
    }
    clock.advance(std::time::Duration::from_secs(7200));
    let second = issuance
        .issue(&issue_request(client_id, true))
        .await
        .unwrap()
        .pair;
    assert_ne!(second.pair_id, first.pair_id);

    let status = issue_tokens_handler(store.clone(), Arc::new(stub.client()), clock.clone());
    let (code, shown) = get_status(&status, client_id).await;
    assert_eq!((code, shown["status"].as_str()), (200, Some("PENDING")));
    assert_no_personal_data(&shown);
    let previous = &shown["previousPairs"];
    assert_eq!(previous.as_array().map(Vec::len), Some(1), "{shown}");
    assert_eq!(previous[0]["pairId"], first.pair_id.as_str());
    assert_eq!(previous[0]["status"], "REQUIRES_REVIEW");
    assert_eq!(previous[0]["reasons"], json!(["DOB_MISMATCH"]));
    assert_eq!(previous[0]["createdAt"], "2026-11-26T14:43:17Z");
    assert_eq!(previous[0]["decidedAt"], "2026-11-26T15:43:17Z");
    assert_eq!(previous[0]["replacedAt"], "2026-11-26T16:43:17Z");
}

/// At most `MAX_PAIRS_PER_CLIENT_PER_DAY` pairs a clientId in 24 hours, restarts included: the
/// next request gets 429 with the wait, and iDenfy is not called; a day later it may restart.
pub(super) async fn restarts_are_capped_per_client_per_day(
    store: Arc<dyn AnyStore>,
    _requests: Requests,
) {
    use integration_tests::api::{answer, issue};
    let stub = IdenfyStub::minting().await;
    let clock = Arc::new(ManualClock::at(integration_tests::T0));
    let handler = VerificationsApi::build(
        integration_tests::issue_tokens_config_with(
            &stub.uri(),
            &[("MAX_PAIRS_PER_CLIENT_PER_DAY", "2")],
        ),
        integration_tests::api_ports(
            store.clone(),
            Arc::new(pair_adapters::store::MemoryLedger::new()),
            pair_core::ports::idenfy::IdenfyPorts::of(Arc::new(stub.client())),
            clock.clone(),
        ),
    );
    let first = json!({"clientId": "USER_CAPPED"});
    let restart = json!({"clientId": "USER_CAPPED", "restart": true});
    assert_eq!(answer(&handler, issue(&first)).await.0, 201);
    clock.advance(std::time::Duration::from_secs(3600));
    assert_eq!(answer(&handler, issue(&restart)).await.0, 201);
    clock.advance(std::time::Duration::from_secs(3600));
    let response = handler.handle(issue(&restart)).await;
    assert_eq!(response.status().as_u16(), 429);
    // The first pair leaves the window 22 hours from now.
    assert_eq!(
        response.headers().get("retry-after").map(|v| v.as_bytes()),
        Some(&b"79200"[..])
    );
    let body: Value = serde_json::from_slice(response.body().as_ref()).unwrap_or(Value::Null);
    assert_eq!(body["code"], "TOO_MANY_PAIRS", "{body}");
    assert_eq!(stub.token_requests().await.len(), 4, "no token minted");
    // The pair in place is untouched, and a plain request still hands it out.
    let (status, shown) = answer(&handler, issue(&first)).await;
    assert_eq!(status, 200, "{shown}");
    clock.advance(std::time::Duration::from_secs(22 * 3600));
    assert_eq!(answer(&handler, issue(&restart)).await.0, 201);
    assert_eq!(stub.token_requests().await.len(), 6);
}
