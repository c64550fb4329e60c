//! The reviewers' queue through the issue-tokens handler, on both stores: the pairs waiting for
//! review (made so by iDenfy's signed callbacks) listed oldest first in pages, each once,
//! among verified ones; a pair leaves when reviewed, restarted or expired; the reviewer's duty
//! only; a cursor we did not seal is 400; of two reviewers claiming at once one holds the pair,
//! and the other may neither claim nor decide it until the claim lapses. On DynamoDB a page is
//! one Query of the index, however many records the table holds.

use super::*;
use integration_tests::callbacks::{
    SAMPLE_PERSONAL_DATA, event_type, payload, pending_record, pending_single_session_record,
    sample_id_card, sample_permit, signed, step_payload,
};
use integration_tests::{T0, moto_table};
use pair_adapters::http_api::{Caller, DutyScopes};
use pair_app::review::QueueService;
use pair_app::review::queue::QueuePolicy;
use pair_core::clock::{ManualClock, Timestamp};
use pair_core::pair::queue::{Queue, QueuePage, QueuePosition};
use pair_core::ports::store::ReviewQueueStore;

const OTHER_REVIEWER: Caller<'static> = Caller::Jwt {
    subject: "reviewer-8",
    scopes: &["idenfy-pair/review"],
};

/// The order the waiting pairs are made in, and the minute each was decided: not the order
/// they wait in.
const WAITING: [(&str, i64); 7] = [
    ("Q_C", 30),
    ("Q_A", 10),
    ("Q_G", 70),
    ("Q_E", 50),
    ("Q_B", 20),
    ("Q_F", 60),
    ("Q_D", 40),
];

fn minute(n: i64) -> Timestamp {
    Timestamp::from_unix_seconds(T0.unix_seconds() + n * 60)
}

/// An additional-step pair for `client`, whose uploaded permit iDenfy's final leaves to a
/// reviewer: REQUIRES_REVIEW, decided at `at`.
async fn waiting_pair(store: &Arc<dyn AnyStore>, client: &str, at: Timestamp) {
    let scan = format!("scan-{client}");
    let record = pending_single_session_record(client, &format!("pair-{client}"), &scan);
    store.save(&record, Expected::Absent).await.expect("seeded");
    let callbacks = handler(store.clone(), Arc::new(ManualClock::at(at)));
    let body = step_payload(client, &scan, true, &sample_id_card(), "image").to_string();
    let (status, receipt) = call(&callbacks, signed(&body, event_type(true))).await;
    assert_eq!(
        (status, &receipt["decided"]),
        (200, &json!(true)),
        "{receipt}"
    );
}

/// A two-session pair for `client` whose two finals make it VERIFIED at `at`.
async fn verified_pair(store: &Arc<dyn AnyStore>, client: &str, at: Timestamp) {
    let (identity, document) = (format!("id-{client}"), format!("doc-{client}"));
    let record = pending_record(client, &format!("pair-{client}"), &identity, &document);
    store.save(&record, Expected::Absent).await.expect("seeded");
    let callbacks = handler(store.clone(), Arc::new(ManualClock::at(at)));
    for (scan, fields) in [(&identity, sample_id_card()), (&document, sample_permit())] {
        let body = payload(client, scan, true, &fields).to_string();
        let (status, receipt) = call(&callbacks, signed(&body, event_type(true))).await;
        assert_eq!(status, 200, "{receipt}");
    }
    let status = store
        .load(&ClientId::parse(client).expect("an id"))
        .await
        .expect("readable")
        .and_then(|r| r.pair)
        .map(|p| p.status());
    assert_eq!(
        status,
        Some(pair_core::pair::PairStatus::Verified),
        "{client}"
    );
}

/// Every page of the queue, `limit` at a time: the clientIds of each.
async fn pages(handler: &IssueTokens, limit: usize) -> Vec<Vec<String>> {
    let mut pages = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let query = match &cursor {
            None => format!("status=REQUIRES_REVIEW&limit={limit}"),
            Some(cursor) => format!("status=REQUIRES_REVIEW&limit={limit}&cursor={cursor}"),
        };
        let (status, page) = api::answer(handler, api::queue_as(&query, api::REVIEWER)).await;
        assert_eq!(status, 200, "{page}");
        for leak in SAMPLE_PERSONAL_DATA {
            assert!(!page.to_string().contains(leak), "{leak} in {page}");
        }
        let items = page["items"].as_array().expect("items");
        pages.push(
            items
                .iter()
                .map(|i| i["clientId"].as_str().expect("a clientId").to_owned())
                .collect(),
        );
        assert!(pages.len() <= 10, "the cursor never ends: {pages:?}");
        match page["nextCursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => return pages,
        }
    }
}

on_both_stores!(
    seven_waiting_among_verified_are_listed_oldest_first_three_at_a_time_each_once,
    only_a_reviewer_lists_and_a_cursor_we_did_not_seal_is_refused,
    of_two_reviewers_claiming_at_once_one_holds_the_pair_until_it_lapses,
    a_review_read_before_another_reviewers_claim_is_not_written_after_it,
);

async fn seven_waiting_among_verified_are_listed_oldest_first_three_at_a_time_each_once(
    store: Arc<dyn AnyStore>,
    _: Requests,
) {
    for (n, client) in ["Q_V1", "Q_V2", "Q_V3", "Q_V4", "Q_V5"].iter().enumerate() {
        verified_pair(&store, client, minute(5 + 10 * n as i64)).await;
    }
    for (client, at) in WAITING {
        waiting_pair(&store, client, minute(at)).await;
    }
    // An eighth waited too, but its record's retention ended: never listed.
    waiting_pair(&store, "Q_EXPIRED", minute(75)).await;
    let expired_id = ClientId::parse("Q_EXPIRED").expect("an id");
    let mut expired = store.load(&expired_id).await.unwrap().expect("a record");
    expired.expires_at = minute(80);
    let version = expired.version;
    expired.version += 1;
    store
        .save(&expired, Expected::Version(version))
        .await
        .expect("shortened");

    let stub = IdenfyStub::minting().await;
    let clock = Arc::new(ManualClock::at(minute(90)));
    let handler = issue_tokens_handler(store.clone(), Arc::new(stub.client()), clock.clone());
    let listed = pages(&handler, 3).await;
    let sizes: Vec<usize> = listed.iter().map(Vec::len).collect();
    assert_eq!(sizes, [3, 3, 1], "{listed:?}");
    let order: Vec<String> = listed.concat();
    assert_eq!(
        order,
        ["Q_A", "Q_B", "Q_C", "Q_D", "Q_E", "Q_F", "Q_G"],
        "oldest first, each once"
    );

    // What an item shows: the ids, the reasons, the wait, the version to review.
    let (_, page) = api::answer(
        &handler,
        api::queue_as("status=REQUIRES_REVIEW&limit=1", api::REVIEWER),
    )
    .await;
    assert_eq!(
        page["items"][0],
        json!({
            "clientId": "Q_A",
            "pairId": "pair-Q_A",
            "status": "REQUIRES_REVIEW",
            "reasons": ["PERMIT_NEEDS_MANUAL_REVIEW"],
            "waitingSince": minute(10).to_rfc3339(),
            "verdictVersion": 1,
            "mode": "additionalStep",
        })
    );

    // Reviewed: it leaves at once.
    let approval =
        json!({"decision": "VERIFIED", "note": NOTE, "pairId": "pair-Q_A", "verdictVersion": 1});
    let (status, body) = api::answer(&handler, api::review("Q_A", &approval)).await;
    assert_eq!(status, 200, "{body}");
    // Restarted: the new pair waits for nothing yet.
    let restart = json!({"clientId": "Q_D", "restart": true, "mode": "additionalStep"});
    let (status, body) = api::answer(&handler, api::issue(&restart)).await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(
        pages(&handler, 3).await.concat(),
        ["Q_B", "Q_C", "Q_E", "Q_F", "Q_G"]
    );
    // Past its record's retention: gone from the list before TTL deletes it.
    clock.advance(Duration::from_secs(31 * 86_400));
    assert_eq!(pages(&handler, 3).await.concat(), Vec::<String>::new());
}

async fn only_a_reviewer_lists_and_a_cursor_we_did_not_seal_is_refused(
    store: Arc<dyn AnyStore>,
    _: Requests,
) {
    for (client, at) in WAITING.iter().take(3) {
        waiting_pair(&store, client, minute(*at)).await;
    }
    let stub = IdenfyStub::minting().await;
    let handler = issue_tokens_handler(
        store.clone(),
        Arc::new(stub.client()),
        Arc::new(ManualClock::at(minute(90))),
    )
    .with_duties(Some(DutyScopes {
        issuer: vec!["idenfy-pair/issue".into()],
        reviewer: vec!["idenfy-pair/review".into()],
        eraser: vec!["idenfy-pair/erase".into()],
    }));
    let query = "status=REQUIRES_REVIEW&limit=2";
    let (status, body) = api::answer(&handler, api::queue_as(query, api::ISSUER)).await;
    assert_eq!((status, &body["duty"]), (403, &json!("reviewer")), "{body}");
    let (status, body) = api::answer(&handler, api::claim_as("Q_A", api::ISSUER)).await;
    assert_eq!((status, &body["duty"]), (403, &json!("reviewer")), "{body}");

    let (status, page) = api::answer(&handler, api::queue_as(query, api::REVIEWER)).await;
    assert_eq!(status, 200, "{page}");
    let cursor = page["nextCursor"]
        .as_str()
        .expect("a second page")
        .to_owned();
    let (since, rest) = cursor
        .split_once('.')
        .expect("an opaque cursor of three parts");
    let (client, mac) = rest.split_once('.').expect("three parts");
    // Another position under the same MAC, another clientId, no MAC of ours, or no cursor.
    let earlier = format!("{}.{client}.{mac}", since.parse::<i64>().unwrap() - 60);
    let foreign = format!("{since}.{}.{mac}", hex_of("Q_Z"));
    let unsigned = format!("{since}.{client}.{}", "0".repeat(mac.len()));
    for forged in [earlier, foreign, unsigned, "not-a-cursor".into()] {
        let asked = format!("{query}&cursor={forged}");
        let (status, body) = api::answer(&handler, api::queue_as(&asked, api::REVIEWER)).await;
        assert_eq!(
            (status, &body["code"]),
            (400, &json!("INVALID_CURSOR")),
            "{forged}: {body}"
        );
    }
    let asked = format!("{query}&cursor={cursor}");
    let (status, page) = api::answer(&handler, api::queue_as(&asked, api::REVIEWER)).await;
    assert_eq!(
        (status, &page["items"][0]["clientId"]),
        (200, &json!("Q_G")),
        "{page}"
    );

    for (asked, field) in [
        ("status=VERIFIED", "status"),
        ("limit=3", "status"),
        ("status=REQUIRES_REVIEW&limit=101", "limit"),
        ("status=REQUIRES_REVIEW&limit=0", "limit"),
    ] {
        let (status, body) = api::answer(&handler, api::queue_as(asked, api::REVIEWER)).await;
        assert_eq!(
            (status, &body["code"], &body["fieldErrors"][0]["field"]),
            (400, &json!("VALIDATION_FAILED"), &json!(field)),
            "{asked}: {body}"
        );
    }
}

fn hex_of(text: &str) -> String {
    text.bytes().map(|b| format!("{b:02x}")).collect()
}

async fn of_two_reviewers_claiming_at_once_one_holds_the_pair_until_it_lapses(
    store: Arc<dyn AnyStore>,
    _: Requests,
) {
    waiting_pair(&store, "Q_A", minute(10)).await;
    let client = ClientId::parse("Q_A").expect("an id");
    let clock = Arc::new(ManualClock::at(minute(20)));
    // Both claims read the record before either writes.
    let racing = BothReadFirst::new(store.clone());
    let queue = QueueService::new(
        racing.clone(),
        clock.clone(),
        integration_tests::policy().continuation_keys,
        QueuePolicy::default(),
    );
    let alice = pair_core::pair::Principal::parse(api::REVIEWER_SUBJECT).expect("a principal");
    let bob = pair_core::pair::Principal::parse("reviewer-8").expect("a principal");
    let (first, second) = tokio::join!(queue.claim(&client, &alice), queue.claim(&client, &bob));
    assert_eq!(
        racing.reads.load(Ordering::SeqCst),
        3,
        "both read, the loser again"
    );
    let (winner, loser, refusal) = match (first, second) {
        (Ok(won), Err(lost)) => (won, OTHER_REVIEWER, lost),
        (Err(lost), Ok(won)) => (won, api::REVIEWER, lost),
        other => panic!("exactly one claim holds: {other:?}"),
    };
    let pair_app::review::ClaimError::Refused(pair_core::pair::machine::ClaimRefused::Claimed {
        claim,
    }) = refusal
    else {
        panic!("the loser is told who holds it: {refusal:?}");
    };
    assert_eq!(claim.by, winner.claim.by);
    assert_eq!(claim.until, minute(35), "REVIEW_CLAIM_MINUTES' default: 15");
    let stored = store.load(&client).await.unwrap().expect("a record");
    let audit: Vec<&str> = stored
        .pair
        .as_ref()
        .unwrap()
        .review_claims
        .iter()
        .map(|c| c.by.as_str())
        .collect();
    assert_eq!(audit, [winner.claim.by.as_str()], "one claim recorded");

    // The queue shows it; the loser may neither claim nor decide while it holds.
    let stub = IdenfyStub::minting().await;
    let handler = issue_tokens_handler(store.clone(), Arc::new(stub.client()), clock.clone());
    let (_, page) = api::answer(
        &handler,
        api::queue_as("status=REQUIRES_REVIEW", api::REVIEWER),
    )
    .await;
    assert_eq!(
        (
            &page["items"][0]["claimedBy"],
            &page["items"][0]["claimedUntil"]
        ),
        (&json!(winner.claim.by), &json!(minute(35).to_rfc3339())),
        "{page}"
    );
    let (status, body) = api::answer(&handler, api::claim_as("Q_A", loser)).await;
    assert_eq!(
        (status, &body["code"], &body["claimedBy"]),
        (409, &json!("CLAIMED"), &json!(winner.claim.by)),
        "{body}"
    );
    let approval = json!({"decision": "VERIFIED", "pairId": "pair-Q_A", "verdictVersion": 1});
    let (status, body) = api::answer(&handler, api::review_as("Q_A", &approval, loser)).await;
    assert_eq!((status, &body["code"]), (409, &json!("CLAIMED")), "{body}");
    assert_eq!(body["status"], "REQUIRES_REVIEW");

    // Lapsed: anyone's. The new claimant decides; the pair leaves the queue, claim and all.
    clock.advance(Duration::from_secs(15 * 60));
    let (status, body) = api::answer(&handler, api::claim_as("Q_A", loser)).await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = api::answer(&handler, api::review_as("Q_A", &approval, loser)).await;
    assert_eq!(status, 200, "{body}");
    let (_, page) = api::answer(
        &handler,
        api::queue_as("status=REQUIRES_REVIEW", api::REVIEWER),
    )
    .await;
    assert_eq!(page["items"], json!([]));
    let stored = store.load(&client).await.unwrap().expect("a record");
    assert_eq!((stored.review_claim, stored.queue), (None, None));
    assert_eq!(
        stored.pair.unwrap().review_claims.len(),
        2,
        "both claims audited"
    );
}

async fn a_review_read_before_another_reviewers_claim_is_not_written_after_it(
    store: Arc<dyn AnyStore>,
    _: Requests,
) {
    waiting_pair(&store, "Q_A", minute(10)).await;
    let client = ClientId::parse("Q_A").expect("an id");
    let clock = Arc::new(ManualClock::at(minute(20)));
    let read = store.load(&client).await.unwrap().expect("a record");
    let bob = pair_core::pair::Principal::parse("reviewer-8").expect("a principal");
    let request = ReviewRequest {
        pair_id: "pair-Q_A".into(),
        decision: Outcome::Verified,
        reviewer: bob,
        note: None,
        verdict_version: 1,
    };
    let Ok(pair_core::pair::machine::ReviewDecision::Record(verdict)) =
        pair_core::pair::machine::decide_review(Some(&read), &request, minute(20))
    else {
        panic!("bob may decide on what he read");
    };
    // Alice claims between bob's read and his write.
    let queue = QueueService::new(
        store.clone(),
        clock.clone(),
        integration_tests::policy().continuation_keys,
        QueuePolicy::default(),
    );
    let alice = pair_core::pair::Principal::parse(api::REVIEWER_SUBJECT).expect("a principal");
    queue.claim(&client, &alice).await.expect("claimed");
    let pair = read.pair.as_ref().expect("a pair");
    let written = store
        .record_verdict(&client, pair.decision(&verdict, read.expires_at))
        .await
        .expect("the store answers");
    assert!(!written, "the store's own condition refuses bob's verdict");
    let stored = store.load(&client).await.unwrap().expect("a record");
    assert_eq!(
        stored.pair.and_then(|p| p.verdict).map(|v| v.outcome),
        Some(Outcome::RequiresReview)
    );
}

/// Holds the first two reads until both have happened.
struct BothReadFirst {
    inner: Arc<dyn AnyStore>,
    barrier: Barrier,
    reads: AtomicUsize,
}

impl BothReadFirst {
    fn new(inner: Arc<dyn AnyStore>) -> Arc<Self> {
        Arc::new(Self {
            inner,
            barrier: Barrier::new(2),
            reads: AtomicUsize::new(0),
        })
    }
}

#[async_trait]
impl PairReader for BothReadFirst {
    async fn load(&self, client_id: &ClientId) -> Result<Option<PairRecord>, StoreError> {
        let record = self.inner.load(client_id).await;
        if self.reads.fetch_add(1, Ordering::SeqCst) < 2 {
            self.barrier.wait().await;
        }
        record
    }
}

#[async_trait]
impl ReviewQueueStore for BothReadFirst {
    async fn waiting(
        &self,
        queue: Queue,
        after: Option<&QueuePosition>,
        limit: usize,
        now: Timestamp,
    ) -> Result<QueuePage, StoreError> {
        self.inner.waiting(queue, after, limit, now).await
    }

    async fn claim_review(
        &self,
        client_id: &ClientId,
        write: &pair_core::pair::machine::ClaimReview,
    ) -> Result<(), StoreError> {
        self.inner.claim_review(client_id, write).await
    }
}

/// A page is one Query of the review-queue index, whatever the table holds besides; the
/// gauges read the queue a page of 100 at a time.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_page_of_the_queue_is_one_dynamodb_query() {
    let table = moto_table().await;
    let store: Arc<dyn AnyStore> = Arc::new(table.store.clone());
    for n in 0..12 {
        verified_pair(&store, &format!("Q_V{n}"), minute(n)).await;
    }
    for (client, at) in WAITING {
        waiting_pair(&store, client, minute(at)).await;
    }
    let stub = IdenfyStub::minting().await;
    let handler = issue_tokens_handler(
        store.clone(),
        Arc::new(stub.client()),
        Arc::new(ManualClock::at(minute(90))),
    );
    let mut cursor = String::new();
    for expected in [3, 3, 1] {
        let before = table.requests();
        let query = format!("status=REQUIRES_REVIEW&limit=3{cursor}");
        let (status, page) = api::answer(&handler, api::queue_as(&query, api::REVIEWER)).await;
        assert_eq!(status, 200, "{page}");
        assert_eq!(
            table.requests() - before,
            1,
            "one request for the page: {page}"
        );
        assert_eq!(page["items"].as_array().map(Vec::len), Some(expected));
        cursor = page["nextCursor"]
            .as_str()
            .map(|c| format!("&cursor={c}"))
            .unwrap_or_default();
    }
    let before = table.requests();
    let request = lambda_http::request::from_str(&integration_tests::events::text(
        "issue-tokens",
        "review-queue",
    ))
    .expect("the schedule's event");
    let (status, gauges) = api::answer(&handler, request).await;
    assert_eq!(
        (status, gauges),
        (
            200,
            json!({"waiting": 7, "oldestWaitSeconds": 80 * 60, "overdue": 0})
        )
    );
    assert_eq!(table.requests() - before, 1, "seven fit one page of 100");
    table
        .store
        .delete_table()
        .await
        .expect("dropping the test table");
}
