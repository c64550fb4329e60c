//! A reviewer's decision on both stores: recorded once, refused when stale, and what a revision
//! does to it.

use super::*;

on_both_stores!(
    a_reviewer_decides_once_and_the_history_keeps_it,
    reviews_are_refused_on_other_states_and_stale_pairs,
    two_reviewers_at_once_record_one_decision,
    a_revision_landing_during_a_review_is_not_what_it_decides,
    a_stricter_revision_after_a_manual_approval_stands,
    a_lenient_revision_after_a_manual_rejection_goes_back_to_a_person,
);

async fn a_reviewer_decides_once_and_the_history_keeps_it(store: Arc<dyn AnyStore>, _: Requests) {
    let stub = IdenfyStub::bare().await;
    let handler = awaiting_review(store.clone(), &stub).await;

    let (status, decided) = review(&handler, &approval()).await;
    assert_eq!(status, 200, "{decided}");
    assert_eq!(decided["clientId"], STEP_EVENTS_CLIENT_ID);
    assert_eq!(decided["pairId"], STEP_EVENTS_PAIR_ID);
    assert_eq!(decided["status"], "VERIFIED");
    assert_eq!(decided["reasons"], json!(["MANUAL_REVIEW"]));
    assert_eq!(decided["version"], 2);
    assert_eq!(
        decided["review"],
        json!({"reviewer": REVIEWER, "note": NOTE})
    );

    // A retry of the same request: the same answer, nothing written.
    let before = stored(store.as_ref()).await.version;
    let (status, again) = review(&handler, &approval()).await;
    assert_eq!((status, &again), (200, &decided));
    assert_eq!(stored(store.as_ref()).await.version, before);

    // The audit trail: the decision and when, the verdict it replaced kept; who decided and
    // their note only for the reviewer duty (the evidence), never in the issuer's status.
    let (_, shown) = get(&handler, "").await;
    assert_eq!(shown["status"], "VERIFIED");
    assert_eq!(shown["verdictVersion"], 2);
    assert_eq!(shown.get("review"), None, "{shown}");
    assert!(!shown.to_string().contains(NOTE), "{shown}");
    stub.mount_files().await;
    let (_, evidence) = get(&handler, "/evidence").await;
    assert_eq!(
        evidence["review"],
        json!({"reviewer": REVIEWER, "note": NOTE})
    );
    assert_eq!(shown["decidedAt"], decided["decidedAt"]);
    let earlier = &shown["earlierVerdicts"];
    assert_eq!(earlier.as_array().map(Vec::len), Some(1), "{shown}");
    assert_eq!(earlier[0]["status"], "REQUIRES_REVIEW");
    assert_eq!(earlier[0]["reasons"], json!(["PERMIT_NEEDS_MANUAL_REVIEW"]));
    assert_eq!(earlier[0].get("review"), None);
    let record = stored(store.as_ref()).await;
    let verdict = record
        .pair
        .as_ref()
        .and_then(|p| p.verdict.clone())
        .expect("decided");
    assert_eq!(
        verdict.review.map(|r| (r.reviewer, r.note)),
        Some((REVIEWER.to_owned(), Some(NOTE.to_owned())))
    );

    // Another decision on the decided pair: refused, with the status as it stands.
    let mut rejection = approval();
    rejection["decision"] = json!("REJECTED");
    let (status, refused) = review(&handler, &rejection).await;
    assert_eq!(status, 409, "{refused}");
    assert_eq!(
        (&refused["code"], &refused["status"]),
        (&json!("NOT_AWAITING_REVIEW"), &json!("VERIFIED"))
    );
}

async fn reviews_are_refused_on_other_states_and_stale_pairs(
    store: Arc<dyn AnyStore>,
    _: Requests,
) {
    let stub = IdenfyStub::bare().await;
    // Before any result: pending, nothing to review.
    store
        .save(&step_events_record(), Expected::Absent)
        .await
        .expect("seeded");
    let pending = issue_tokens_handler(store.clone(), Arc::new(stub.client()), callback_clock());
    let (status, refused) = review(&pending, &approval()).await;
    assert_eq!(
        (status, &refused["code"], &refused["status"]),
        (409, &json!("NOT_AWAITING_REVIEW"), &json!("PENDING"))
    );

    deliver(store.clone(), "additional-step-image").await;
    let handler = pending;
    let before = stored(store.as_ref()).await;
    let mut other_pair = approval();
    other_pair["pairId"] = json!("a-pair-a-restart-replaced");
    let mut stale = approval();
    stale["verdictVersion"] = json!(2);
    let mut undecided = approval();
    undecided["decision"] = json!("REQUIRES_REVIEW");
    for (body, expected_status, code) in [
        (other_pair, 409, "PAIR_REPLACED"),
        (stale, 409, "VERDICT_CHANGED"),
        (undecided, 400, "VALIDATION_FAILED"),
    ] {
        let (status, refused) = review(&handler, &body).await;
        assert_eq!(
            (status, refused["code"].as_str()),
            (expected_status, Some(code)),
            "{refused}"
        );
        if status == 409 {
            assert_eq!(refused["status"], "REQUIRES_REVIEW");
        }
    }
    // Refusals change nothing.
    assert_eq!(stored(store.as_ref()).await, before);

    // An unknown clientId, and the wrong method on the route.
    let (status, body) = api::answer(&handler, api::review("USER_NOBODY", &approval())).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (404, Some("UNKNOWN_CLIENT_ID"))
    );
    let (status, body) = get(&handler, "/review").await;
    assert_eq!(
        (status, body["code"].as_str()),
        (405, Some("METHOD_NOT_ALLOWED"))
    );
}

async fn two_reviewers_at_once_record_one_decision(store: Arc<dyn AnyStore>, _: Requests) {
    let stub = IdenfyStub::bare().await;
    awaiting_review(store.clone(), &stub).await;
    let racing = Interfered::new(store.clone(), Interference::BothReadFirst(Barrier::new(2)));
    let service = ReviewService::new(
        racing,
        Arc::new(stub.client()),
        callback_clock(),
        pair_core::pair::permit::VerdictPolicy::default(),
    );
    let client_id = ClientId::parse(STEP_EVENTS_CLIENT_ID).expect("an id");
    let request = |decision, reviewer: &str| ReviewRequest {
        pair_id: STEP_EVENTS_PAIR_ID.into(),
        decision,
        reviewer: pair_core::pair::Principal::parse(reviewer).expect("a principal"),
        note: None,
        verdict_version: 1,
    };
    let (approve, reject) = (
        request(Outcome::Verified, "reviewer-1"),
        request(Outcome::Rejected, "reviewer-2"),
    );
    let (first, second) = tokio::join!(
        service.review(&client_id, &approve),
        service.review(&client_id, &reject)
    );
    let (won, lost) = match (first, second) {
        (Ok(won), Err(lost)) | (Err(lost), Ok(won)) => (won, lost),
        other => panic!("one review must win and one be refused: {other:?}"),
    };
    assert!(won.recorded_now);
    assert!(
        matches!(lost, ReviewError::Refused(_)),
        "the other is a refusal (409), not an outage: {lost:?}"
    );
    let pair = stored(store.as_ref()).await.pair.expect("a pair");
    let verdict = pair.verdict.expect("decided");
    assert_eq!(verdict, won.verdict);
    assert_eq!(verdict.version, 2);
    assert_eq!(
        pair.earlier_verdicts.len(),
        1,
        "exactly one decision recorded"
    );
}

async fn a_revision_landing_during_a_review_is_not_what_it_decides(
    store: Arc<dyn AnyStore>,
    _: Requests,
) {
    let stub = IdenfyStub::bare().await;
    awaiting_review(store.clone(), &stub).await;
    let racing = Interfered::new(store.clone(), Interference::RevisionAfterFirstRead);
    let service = ReviewService::new(
        racing,
        Arc::new(stub.client()),
        callback_clock(),
        pair_core::pair::permit::VerdictPolicy::default(),
    );
    // The review names the verdict it saw; the revision landing meanwhile is another one.
    let review = ReviewRequest {
        pair_id: STEP_EVENTS_PAIR_ID.into(),
        decision: Outcome::Verified,
        reviewer: pair_core::pair::Principal::parse(REVIEWER).expect("a principal"),
        note: None,
        verdict_version: 1,
    };
    let client_id = ClientId::parse(STEP_EVENTS_CLIENT_ID).expect("an id");
    let refused = service.review(&client_id, &review).await;
    assert!(
        matches!(
            refused,
            Err(ReviewError::Refused(
                pair_core::pair::machine::ReviewRefused::VerdictChanged { .. }
            ))
        ),
        "{refused:?}"
    );
    let verdict = stored(store.as_ref())
        .await
        .pair
        .and_then(|p| p.verdict)
        .expect("decided");
    assert_eq!(
        (verdict.outcome, verdict.version, verdict.review),
        (Outcome::RequiresReview, 2, None),
        "iDenfy's revision stands, undecided by the reviewer"
    );
}

async fn a_stricter_revision_after_a_manual_approval_stands(store: Arc<dyn AnyStore>, _: Requests) {
    let stub = IdenfyStub::bare().await;
    let handler = awaiting_review(store.clone(), &stub).await;
    let (status, decided) = review(&handler, &approval()).await;
    assert_eq!(status, 200, "{decided}");
    // iDenfy then denies the session (a re-review): stricter, it stands by itself.
    let answer = deliver(store.clone(), "additional-step-denied").await;
    assert_eq!(answer["decided"], true, "{answer}");
    let (_, shown) = get(&handler, "").await;
    assert_eq!(
        (&shown["status"], &shown["verdictVersion"]),
        (&json!("REJECTED"), &json!(3))
    );
    assert_eq!(
        shown.get("review"),
        None,
        "iDenfy's verdict, not a reviewer's"
    );
    let history: Vec<&Value> = shown["earlierVerdicts"]
        .as_array()
        .expect("a history")
        .iter()
        .map(|v| &v["status"])
        .collect();
    assert_eq!(history, [&json!("REQUIRES_REVIEW"), &json!("VERIFIED")]);
    assert_eq!(
        shown["earlierVerdicts"][1]["reasons"],
        json!(["MANUAL_REVIEW"])
    );
}

async fn a_lenient_revision_after_a_manual_rejection_goes_back_to_a_person(
    store: Arc<dyn AnyStore>,
    _: Requests,
) {
    let stub = IdenfyStub::bare().await;
    let handler = awaiting_review(store.clone(), &stub).await;
    let mut rejection = approval();
    rejection["decision"] = json!("REJECTED");
    let (status, rejected) = review(&handler, &rejection).await;
    assert_eq!(status, 200, "{rejected}");
    // iDenfy's revision ends without the permit: INCOMPLETE alone, more lenient than REJECTED.
    let answer = deliver(store.clone(), "additional-step-missing").await;
    assert_eq!(answer["decided"], true, "{answer}");
    let (_, shown) = get(&handler, "").await;
    assert_eq!(
        (&shown["status"], &shown["verdictVersion"]),
        (&json!("REQUIRES_REVIEW"), &json!(3)),
        "{shown}"
    );
    let reasons = shown["reasons"].as_array().expect("reasons");
    assert!(reasons.contains(&json!(Reason::ResultRevised)), "{shown}");
    // And it can be reviewed again.
    let mut again = approval();
    again["verdictVersion"] = json!(3);
    let (status, decided) = review(&handler, &again).await;
    assert_eq!((status, &decided["version"]), (200, &json!(4)), "{decided}");
}
