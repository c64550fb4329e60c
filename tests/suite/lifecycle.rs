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
use integration_tests::stores::{CountingStore, Fault, FaultyStore};
use integration_tests::{IdenfyStub, service};
use issue_tokens::IssueTokens;
use lambda_http::Body;
use serde_json::{Value, json};
use shared::clock::ManualClock;
use shared::idenfy::{IdenfyError, IssuedToken, TokenIssuer, TokenRequest};
use shared::issuance::IssueRequest;
use shared::pair::{ClientId, Outcome, Pair, Reason};
use shared::store::{Expected, PairStore};
use std::sync::{Arc, Mutex};

/// DynamoDB requests sent so far (always 0 for the memory store).
type Requests = Arc<dyn Fn() -> usize + Send + Sync>;

macro_rules! on_both_stores {
    ($($scenario:ident),* $(,)?) => {
        mod memory {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $scenario() {
                    let store = std::sync::Arc::new(shared::store::MemoryStore::new());
                    super::$scenario(store, std::sync::Arc::new(|| 0)).await;
                }
            )*
        }
        mod dynamodb {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
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

on_both_stores!(
    a_re_review_tightens_a_verdict_by_itself_and_never_relaxes_it,
    expiry_and_cancel_events_are_judged_on_the_result_they_carry,
    a_pair_left_final_and_undecided_by_a_crash_is_decided_on_read,
    a_restart_racing_a_callback_still_lands_and_mints_once,
    a_restart_keeps_the_decided_pair_in_the_history,
    signed_bodies_we_cannot_place_get_200_and_cost_no_request,
);

async fn get_status(handler: &IssueTokens, client_id: &str) -> (u16, Value) {
    let request = lambda_http::http::Request::builder()
        .method("GET")
        .uri(format!("https://api.example.com/verifications/{client_id}"))
        .body(Body::Empty)
        .expect("a valid request");
    let response = handler.handle(request).await;
    let body = serde_json::from_slice(response.body().as_ref()).unwrap_or(Value::Null);
    (response.status().as_u16(), body)
}

async fn status_handler(store: Arc<dyn PairStore>) -> IssueTokens {
    let stub = IdenfyStub::bare().await;
    IssueTokens::new(service(store, Arc::new(stub.client()), callback_clock()))
}

async fn stored_pair(store: &dyn PairStore, client_id: &str) -> Pair {
    store
        .load(&ClientId::parse(client_id).unwrap())
        .await
        .unwrap()
        .and_then(|record| record.pair)
        .expect("a pair")
}

/// The person's data must never leave through the status route.
fn assert_no_personal_data(body: &Value) {
    let text = body.to_string();
    for personal in [
        "JOHN",
        "MÜLLER",
        "MUELLER",
        "1990-05-15",
        "L01X00T47",
        "RP4471932",
    ] {
        assert!(!text.contains(personal), "{personal} in {text}");
    }
}

async fn a_re_review_tightens_a_verdict_by_itself_and_never_relaxes_it(
    store: Arc<dyn PairStore>,
    requests: Requests,
) {
    store
        .save(&events_record(), Expected::Absent)
        .await
        .unwrap();
    let callbacks = handler(store.clone(), callback_clock());
    let status = status_handler(store.clone()).await;
    let body = |scan_ref: &str, is_final: bool, fields: &DocFields| {
        payload(EVENTS_CLIENT_ID, scan_ref, is_final, fields).to_string()
    };
    let identity_approved = body(EVENTS_IDENTITY_SCAN_REF, true, &sample_id_card());
    let mut denied = sample_id_card();
    denied.overall = "DENIED";
    let identity_denied = body(EVENTS_IDENTITY_SCAN_REF, true, &denied);
    // Approved again after another look: a new body (a reviewer's tag), not a retry.
    let mut approved_again: Value = serde_json::from_str(&identity_approved).unwrap();
    approved_again["status"]["fraudTags"] = json!(["MANUAL_REVIEW_PASSED"]);
    let identity_approved_again = approved_again.to_string();
    let mut permit_denied = sample_permit();
    permit_denied.overall = "DENIED";

    let stored = |decided: bool| json!({"result": "STORED", "decided": decided});
    let unchanged = json!({"result": "UNCHANGED", "decided": false});
    // (step, callback body, its answer, the status and verdict version GET shows after it)
    type Step<'a> = (&'a str, String, Value, Option<(&'a str, u64)>);
    let steps: Vec<Step> = vec![
        (
            "identity final",
            identity_approved.clone(),
            stored(false),
            None,
        ),
        (
            "document final",
            body(EVENTS_DOCUMENT_SCAN_REF, true, &sample_permit()),
            stored(true),
            Some(("VERIFIED", 1)),
        ),
        (
            "re-review: identity DENIED (stricter: stands)",
            identity_denied.clone(),
            stored(true),
            Some(("REJECTED", 2)),
        ),
        (
            "iDenfy's retry of the revision",
            identity_denied.clone(),
            unchanged.clone(),
            Some(("REJECTED", 2)),
        ),
        (
            "a late retry of the older final",
            identity_approved.clone(),
            unchanged.clone(),
            Some(("REJECTED", 2)),
        ),
        (
            "a preliminary after the finals",
            body(EVENTS_IDENTITY_SCAN_REF, false, &sample_id_card()),
            unchanged.clone(),
            Some(("REJECTED", 2)),
        ),
        (
            "re-review: identity APPROVED again (more lenient: a person decides)",
            identity_approved_again,
            stored(true),
            Some(("REQUIRES_REVIEW", 3)),
        ),
        (
            "re-review: document DENIED (stricter: stands)",
            body(EVENTS_DOCUMENT_SCAN_REF, true, &permit_denied),
            stored(true),
            Some(("REJECTED", 4)),
        ),
    ];
    for (step, callback, expected, verdict) in steps {
        let before = requests();
        let (code, answer) = call(
            &callbacks,
            signed(&callback, "IDENTIFICATION_MANUAL_FINISHED"),
        )
        .await;
        let spent = requests() - before;
        assert!(spent <= 2, "{step}: {spent} DynamoDB requests");
        assert_eq!(code, 200, "{step}: {answer}");
        assert_eq!(
            json!({"result": answer["result"], "decided": answer["decided"]}),
            expected,
            "{step}"
        );
        let (code, shown) = get_status(&status, EVENTS_CLIENT_ID).await;
        assert_eq!(code, 200, "{step}: {shown}");
        let (outcome, version) = verdict.unwrap_or(("PENDING", 0));
        assert_eq!(shown["status"], outcome, "{step}: {shown}");
        assert_eq!(
            shown["verdictVersion"].as_u64().unwrap_or(0),
            version,
            "{step}"
        );
        assert_no_personal_data(&shown);
    }

    let (_, shown) = get_status(&status, EVENTS_CLIENT_ID).await;
    assert_eq!(shown["reasons"], json!(["DOCUMENT_DENIED"]));
    let earlier: Vec<(Value, Value, Value)> = shown["earlierVerdicts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| {
            (
                v["status"].clone(),
                v["reasons"].clone(),
                v["version"].clone(),
            )
        })
        .collect();
    assert_eq!(
        earlier,
        vec![
            (json!("VERIFIED"), json!([]), json!(1)),
            (json!("REJECTED"), json!(["IDENTITY_DENIED"]), json!(2)),
            (
                json!("REQUIRES_REVIEW"),
                json!(["RESULT_REVISED"]),
                json!(3)
            ),
        ]
    );
    assert!(
        shown["earlierVerdicts"]
            .as_array()
            .unwrap()
            .iter()
            .all(|v| v["decidedAt"].is_string())
    );
    let results: Vec<(Value, Value)> = shown["sessionResults"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["role"].clone(), r["status"].clone()))
        .collect();
    assert_eq!(
        results,
        vec![
            (json!("identity"), json!("APPROVED")),
            (json!("document"), json!("APPROVED")),
            (json!("identity"), json!("DENIED")),
            (json!("identity"), json!("APPROVED")),
            (json!("document"), json!("DENIED")),
        ],
        "every final kept, revisions included"
    );
    let pair = stored_pair(store.as_ref(), EVENTS_CLIENT_ID).await;
    assert_eq!(
        pair.half(shared::pair::Role::Document)
            .map(|h| h.overall.as_str()),
        Some("DENIED"),
        "the revision is the current result"
    );
}

async fn expiry_and_cancel_events_are_judged_on_the_result_they_carry(
    store: Arc<dyn PairStore>,
    _requests: Requests,
) {
    let callbacks = handler(store.clone(), callback_clock());
    let mut denied = sample_id_card();
    denied.overall = "DENIED";
    let expired = DocFields::new("EXPIRED", "", "", "", "", "");
    let expired_deleted = DocFields::new("EXPIRED-DELETED", "", "", "", "", "");
    // (identity result, its event; document result or None for a body without a status,
    // its event; the verdict)
    type Case<'a> = (
        DocFields,
        &'a str,
        Option<DocFields>,
        &'a str,
        Outcome,
        Vec<Reason>,
    );
    let cases: Vec<Case> = vec![
        (
            sample_id_card(),
            "IDENTIFICATION_EXPIRED",
            Some(sample_permit()),
            "IDENTIFICATION_CANCELED",
            Outcome::Verified,
            vec![],
        ),
        (
            denied,
            "IDENTIFICATION_CANCELLED",
            Some(sample_permit()),
            "IDENTIFICATION",
            Outcome::Rejected,
            vec![Reason::IdentityDenied],
        ),
        (
            expired,
            "IDENTIFICATION_EXPIRED",
            Some(sample_permit()),
            "IDENTIFICATION_AUTO_FINISHED",
            Outcome::Incomplete,
            vec![Reason::IdentityAbandoned],
        ),
        (
            sample_id_card(),
            "IDENTIFICATION",
            None,
            "IDENTIFICATION_EXPIRED",
            Outcome::Incomplete,
            vec![Reason::DocumentAbandoned],
        ),
        (
            sample_id_card(),
            "IDENTIFICATION_MANUAL_FINISHED",
            Some(expired_deleted),
            "IDENTIFICATION_EXPIRED",
            Outcome::Incomplete,
            vec![Reason::DocumentAbandoned],
        ),
    ];
    for (n, (identity, identity_event, document, document_event, outcome, reasons)) in
        cases.into_iter().enumerate()
    {
        let client_id = format!("USER_EXP_{n}");
        let (identity_scan, document_scan) = (format!("id-{n}"), format!("doc-{n}"));
        store
            .save(
                &pending_record(
                    &client_id,
                    &format!("{n:024}"),
                    &identity_scan,
                    &document_scan,
                ),
                Expected::Absent,
            )
            .await
            .unwrap();
        let identity_body = payload(&client_id, &identity_scan, true, &identity).to_string();
        let mut document_body = payload(
            &client_id,
            &document_scan,
            true,
            document.as_ref().unwrap_or(&sample_permit()),
        );
        if document.is_none() {
            document_body.as_object_mut().unwrap().remove("status");
        }
        for (body, event) in [
            (identity_body, identity_event),
            (document_body.to_string(), document_event),
        ] {
            let (code, answer) = call(&callbacks, signed(&body, event)).await;
            assert_eq!(
                (code, answer["result"].as_str()),
                (200, Some("STORED")),
                "case {n}"
            );
        }
        let verdict = stored_pair(store.as_ref(), &client_id)
            .await
            .verdict
            .expect("decided");
        assert_eq!(
            (verdict.outcome, verdict.reasons),
            (outcome, reasons),
            "case {n}"
        );
    }
}

async fn a_pair_left_final_and_undecided_by_a_crash_is_decided_on_read(
    store: Arc<dyn PairStore>,
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
    tokens: Arc<dyn TokenIssuer>,
    callback: Mutex<Option<(idenfy_callback::IdenfyCallback, String)>>,
    answered: Mutex<Vec<Value>>,
}

#[async_trait]
impl TokenIssuer for CallbackWhileMinting {
    async fn create_token(&self, request: &TokenRequest) -> Result<IssuedToken, IdenfyError> {
        let pending = self.callback.lock().unwrap().take();
        if let Some((handler, body)) = pending {
            let (code, answer) =
                call(&handler, signed(&body, "IDENTIFICATION_MANUAL_FINISHED")).await;
            assert_eq!(code, 200, "{answer}");
            self.answered.lock().unwrap().push(answer);
        }
        self.tokens.create_token(request).await
    }

    fn redirect_url(&self, auth_token: &str) -> String {
        self.tokens.redirect_url(auth_token)
    }
}

fn issue_request(client_id: &str, restart: bool) -> IssueRequest {
    IssueRequest::from_json(
        &json!({"clientId": client_id, "restart": restart}),
        &integration_tests::policy().allowed_origins,
    )
    .unwrap()
}

async fn a_restart_racing_a_callback_still_lands_and_mints_once(
    store: Arc<dyn PairStore>,
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
        tokens: Arc::new(stub.client()),
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
}

async fn a_restart_keeps_the_decided_pair_in_the_history(
    store: Arc<dyn PairStore>,
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

    let status = IssueTokens::new(issuance);
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

/// Other kinds of webhook on the same URL, and signed bodies no retry could fix: 200 with the
/// reason, nothing read or written.
async fn signed_bodies_we_cannot_place_get_200_and_cost_no_request(
    store: Arc<dyn PairStore>,
    requests: Requests,
) {
    store
        .save(&events_record(), Expected::Absent)
        .await
        .unwrap();
    let callbacks = handler(store.clone(), callback_clock());
    let before = requests();
    for (body, reason) in [
        ("not json at all", "NOT_JSON"),
        (r#""a string""#, "NOT_JSON"),
        (
            r#"{"clientId": null, "ageEstimation": {"age": 31}}"#,
            "NO_CLIENT_ID",
        ),
        (
            r#"{"scanRef": "x", "status": {"overall": "APPROVED"}}"#,
            "NO_CLIENT_ID",
        ),
        (r#"{"clientId": 12345, "scanRef": "x"}"#, "NO_CLIENT_ID"),
        (
            r#"{"clientId": "USER 12345", "scanRef": "x"}"#,
            "CLIENT_ID_NOT_OURS",
        ),
        (
            r#"{"clientId": "ÜSER_1", "scanRef": "x"}"#,
            "CLIENT_ID_NOT_OURS",
        ),
        (
            r#"{"clientId": "USER_12345", "scanRef": null}"#,
            "NO_SCAN_REF",
        ),
    ] {
        let (code, answer) = call(&callbacks, signed(body, "AGE_ESTIMATION")).await;
        assert_eq!(code, 200, "{body}: {answer}");
        assert_eq!(
            answer,
            json!({"result": "IGNORED", "reason": reason}),
            "{body}"
        );
    }
    assert_eq!(
        requests(),
        before,
        "no store request for a body we cannot place"
    );
    assert_eq!(
        stored_pair(store.as_ref(), EVENTS_CLIENT_ID).await,
        events_record().pair.unwrap()
    );
}
