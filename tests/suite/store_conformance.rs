//! One conformance suite, run against both store adapters: memory and DynamoDB (moto_server).
//! Each scenario drives the issuance service over the store with a wiremock iDenfy.

use integration_tests::stores::AnyStore;
use integration_tests::{IdenfyStub, T0, service};
use pair_app::issuance::{IssuanceService, IssueError, IssueRequest, StatusError};
use pair_core::clock::{ManualClock, Timestamp};
use pair_core::pair::{Claim, ClientId, Outcome, PairRecord, Reason, Verdict};
use pair_core::ports::store::{Arrival, Decision, Expected, StoreError};
use serde_json::json;
use std::sync::Arc;
use std::time::Duration;
mod verdicts;

struct World {
    stub: IdenfyStub,
    clock: Arc<ManualClock>,
    service: IssuanceService,
}

impl World {
    async fn new(store: Arc<dyn AnyStore>) -> Self {
        let stub = IdenfyStub::minting().await;
        let clock = Arc::new(ManualClock::at(T0));
        let service = service(store.clone(), Arc::new(stub.client()), clock.clone());
        Self {
            stub,
            clock,
            service,
        }
    }

    async fn token_count(&self) -> usize {
        self.stub.token_requests().await.len()
    }
}

fn request(client_id: &str, restart: bool) -> IssueRequest {
    issue_tokens::parse_issue_request(
        &json!({"clientId": client_id, "restart": restart}),
        &integration_tests::policy().allowed_origins,
    )
    .unwrap()
}

fn id(client_id: &str) -> ClientId {
    ClientId::parse(client_id).unwrap()
}

on_both_stores!(
    conditional_writes_and_round_trip,
    create_then_read,
    live_pending_pair_is_reissued_idempotently,
    restart_replaces_the_pair,
    decided_pair_answers_already_decided,
    lapsed_claim_is_taken_over,
    expired_pair_counts_as_absent,
    sixteen_parallel_issuances_mint_one_pair,
);

async fn conditional_writes_and_round_trip(store: Arc<dyn AnyStore>, _: crate::Requests) {
    let client_id = id("USER_50001");
    assert_eq!(store.load(&client_id).await.unwrap(), None);
    let mut record = PairRecord {
        client_id: client_id.clone(),
        version: 1,
        expires_at: Timestamp::from_unix_seconds(T0.unix_seconds() + 60),
        claim: Some(Claim {
            id: "claim-1".into(),
            until: Timestamp::from_unix_seconds(T0.unix_seconds() + 60),
        }),
        pair: None,
        previous_pairs: vec![],
        erasure: None,
        expiry_watch: None,
        expiry_due: None,
        queue: None,
        waiting_since: None,
        waiting: None,
        review_claim: None,
    };
    store.save(&record, Expected::Absent).await.unwrap();
    assert_eq!(
        store.save(&record, Expected::Absent).await,
        Err(StoreError::Conflict)
    );
    assert_eq!(
        store.load(&client_id).await.unwrap().as_ref(),
        Some(&record)
    );

    let world = World::new(store.clone()).await;
    let issued = world
        .service
        .issue(&request("USER_50002", false))
        .await
        .unwrap();
    let mut pair = issued.pair;
    pair.verdict = Some(Verdict {
        outcome: Outcome::RequiresReview,
        reasons: vec![Reason::DobMismatch, Reason::DocumentNotAPermit],
        decided_at: T0,
        version: 1,
        basis: Default::default(),
        review: None,
    });
    record.version = 2;
    record.claim = None;
    record.pair = Some(pair);
    assert_eq!(
        store.save(&record, Expected::Version(7)).await,
        Err(StoreError::Conflict)
    );
    store.save(&record, Expected::Version(1)).await.unwrap();
    assert_eq!(store.load(&client_id).await.unwrap(), Some(record.clone()));
    assert_eq!(
        store.save(&record, Expected::Version(1)).await,
        Err(StoreError::Conflict)
    );
}

async fn create_then_read(store: Arc<dyn AnyStore>, _: crate::Requests) {
    let world = World::new(store).await;
    let issued = world
        .service
        .issue(&request("USER_50010", false))
        .await
        .unwrap();
    assert!(issued.created);
    let read = world.service.status(&id("USER_50010")).await.unwrap().pair;
    assert_eq!(read, issued.pair);
    assert_eq!(read.verdict, None);
    assert!(matches!(
        world.service.status(&id("USER_50011")).await,
        Err(StatusError::NotFound)
    ));
}

async fn live_pending_pair_is_reissued_idempotently(store: Arc<dyn AnyStore>, _: crate::Requests) {
    let world = World::new(store).await;
    let first = world
        .service
        .issue(&request("USER_50020", false))
        .await
        .unwrap();
    world.clock.advance(Duration::from_secs(3599));
    assert_eq!(
        first.pair.results_due_by,
        Some(T0.plus(
            integration_tests::policy().results_due_within(pair_core::pair::Mode::TwoSessions)
        ))
    );
    let again = world
        .service
        .issue(&request("USER_50020", false))
        .await
        .unwrap();
    assert!(!again.created);
    assert_eq!(again.pair, first.pair);
    assert_eq!(
        world.token_count().await,
        2,
        "no new tokens for a live pending pair"
    );
    // The link expired, but a session opened at its last moment may still be running (two
    // sessions of 600 s, the chain's slack, 30 min for late results): the person is not
    // orphaned by a new pair.
    let due = integration_tests::policy().results_due_within(pair_core::pair::Mode::TwoSessions);
    assert_eq!(due, Duration::from_secs(3600 + 600 + 300 + 600 + 1800));
    world.clock.advance(due - Duration::from_secs(3600));
    let still = world
        .service
        .issue(&request("USER_50020", false))
        .await
        .unwrap();
    assert!(!still.created);
    assert_eq!(still.pair, first.pair);
    // Once no result can come any more, a request gets a fresh chain.
    world.clock.advance(Duration::from_secs(1));
    let fresh = world
        .service
        .issue(&request("USER_50020", false))
        .await
        .unwrap();
    assert!(fresh.created);
    assert_ne!(fresh.pair.pair_id, first.pair.pair_id);
    assert_eq!(world.token_count().await, 4);
}

async fn restart_replaces_the_pair(store: Arc<dyn AnyStore>, _: crate::Requests) {
    let world = World::new(store).await;
    let first = world
        .service
        .issue(&request("USER_50030", false))
        .await
        .unwrap();
    let restarted = world
        .service
        .issue(&request("USER_50030", true))
        .await
        .unwrap();
    assert!(restarted.created);
    assert_ne!(
        restarted.pair.identity.scan_ref,
        first.pair.identity.scan_ref
    );
    assert_ne!(
        restarted.pair.document.as_ref().unwrap().scan_ref,
        first.pair.document.as_ref().unwrap().scan_ref
    );
    assert_eq!(world.token_count().await, 4);
    assert_eq!(
        world.service.status(&id("USER_50030")).await.unwrap().pair,
        restarted.pair
    );
}

async fn decided_pair_answers_already_decided(store: Arc<dyn AnyStore>, _: crate::Requests) {
    let world = World::new(store.clone()).await;
    world
        .service
        .issue(&request("USER_50040", false))
        .await
        .unwrap();
    let client_id = id("USER_50040");
    let mut record = store.load(&client_id).await.unwrap().unwrap();
    let expected = Expected::Version(record.version);
    record.version += 1;
    if let Some(pair) = record.pair.as_mut() {
        pair.verdict = Some(Verdict {
            outcome: Outcome::Verified,
            reasons: vec![],
            decided_at: T0,
            version: 1,
            basis: Default::default(),
            review: None,
        });
    }
    store.save(&record, expected).await.unwrap();

    let refused = world.service.issue(&request("USER_50040", false)).await;
    assert!(
        matches!(refused, Err(IssueError::AlreadyDecided(Outcome::Verified))),
        "{refused:?}"
    );
    assert_eq!(world.token_count().await, 2);
    let restarted = world
        .service
        .issue(&request("USER_50040", true))
        .await
        .unwrap();
    assert!(restarted.created);
    assert_eq!(restarted.pair.verdict, None);
}

async fn lapsed_claim_is_taken_over(store: Arc<dyn AnyStore>, _: crate::Requests) {
    // A request that crashed after claiming leaves this behind.
    let client_id = id("USER_50050");
    let crashed = PairRecord {
        client_id: client_id.clone(),
        version: 1,
        expires_at: Timestamp::from_unix_seconds(T0.unix_seconds() + 60),
        claim: Some(Claim {
            id: "crashed".into(),
            until: Timestamp::from_unix_seconds(T0.unix_seconds() + 60),
        }),
        pair: None,
        previous_pairs: vec![],
        erasure: None,
        expiry_watch: None,
        expiry_due: None,
        queue: None,
        waiting_since: None,
        waiting: None,
        review_claim: None,
    };
    store.save(&crashed, Expected::Absent).await.unwrap();
    let world = World::new(store).await;
    let blocked = world.service.issue(&request("USER_50050", false)).await;
    assert!(
        matches!(blocked, Err(IssueError::InProgress { .. })),
        "{blocked:?}"
    );
    assert_eq!(world.token_count().await, 0);

    world.clock.advance(Duration::from_secs(60));
    let issued = world
        .service
        .issue(&request("USER_50050", false))
        .await
        .unwrap();
    assert!(issued.created);
    assert_eq!(
        world.service.status(&client_id).await.unwrap().pair,
        issued.pair
    );
}

async fn expired_pair_counts_as_absent(store: Arc<dyn AnyStore>, _: crate::Requests) {
    let world = World::new(store.clone()).await;
    let client_id = id("USER_50060");
    world
        .service
        .issue(&request("USER_50060", false))
        .await
        .unwrap();
    world.clock.advance(Duration::from_secs(30 * 86_400));
    // Still readable in the table (TTL deletes lazily), but gone for the service.
    assert!(store.load(&client_id).await.unwrap().is_some());
    assert!(matches!(
        world.service.status(&client_id).await,
        Err(StatusError::NotFound)
    ));
    assert!(
        world
            .service
            .issue(&request("USER_50060", false))
            .await
            .unwrap()
            .created
    );
}

async fn sixteen_parallel_issuances_mint_one_pair(store: Arc<dyn AnyStore>, _: crate::Requests) {
    let world = Arc::new(World::new(store).await);
    let tasks: Vec<_> = (0..16)
        .map(|_| {
            let world = world.clone();
            tokio::spawn(async move { world.service.issue(&request("USER_50070", false)).await })
        })
        .collect();
    let mut created = Vec::new();
    let mut outcomes = Vec::new();
    for task in tasks {
        match task.await.unwrap() {
            Ok(issued) if issued.created => created.push(issued.pair),
            Ok(issued) => outcomes.push(Some(issued.pair)),
            Err(IssueError::InProgress { .. }) => outcomes.push(None),
            Err(other) => panic!("unexpected issuance error: {other}"),
        }
    }
    assert_eq!(created.len(), 1, "exactly one request mints");
    assert_eq!(
        world.token_count().await,
        2,
        "exactly one token pair minted"
    );
    for pair in outcomes.into_iter().flatten() {
        assert_eq!(pair, created[0], "the others see the same pair");
    }
    assert_eq!(
        world.service.status(&id("USER_50070")).await.unwrap().pair,
        created[0]
    );
}
