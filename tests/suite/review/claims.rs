//! Claims on the reviewers' queue, on both stores: of two reviewers claiming at once one holds
//! the pair, and the other may neither claim nor decide it until the claim lapses; a review
//! read before another reviewer's claim is not written after it.

use super::queue::{OTHER_REVIEWER, minute, waiting_pair};
use super::*;
use integration_tests::issue_tokens_handler;
use pair_app::review::QueueService;
use pair_app::review::queue::QueuePolicy;
use pair_core::clock::{ManualClock, Timestamp};
use pair_core::pair::queue::{Queue, QueuePage, QueuePosition};
use pair_core::ports::store::ReviewQueueStore;

on_both_stores!(
    of_two_reviewers_claiming_at_once_one_holds_the_pair_until_it_lapses,
    a_review_read_before_another_reviewers_claim_is_not_written_after_it,
);

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
