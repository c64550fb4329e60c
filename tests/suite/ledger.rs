//! The session ledger on moto_server, through the issue-tokens handler as API Gateway and the
//! schedule call it: every session iDenfy ever minted for a clientId is deleted by an erasure
//! (twelve pairs, a failed mint, a renewal), a record that retention removed still has its
//! sessions deleted, the scheduled run pages fairly past sessions iDenfy keeps refusing, and
//! the pair cap counts what reached iDenfy, erasure or not.

use crate::continuation::location;
use integration_tests::api::{self, ISSUER, answer};
use integration_tests::{
    IdenfyStub, T0, events, issue_tokens_config_with, moto_ledger, moto_table,
};
use pair_adapters::http_api::Caller;
use pair_adapters::store::{DynamoLedger, MemoryStore};
use pair_app::erasure::ErasureService;
use pair_core::clock::{ManualClock, Timestamp};
use pair_core::pair::ClientId;
use pair_core::pair::ledger::{DeletionCause, Entry, LedgerRetention, Minted, Queue};
use pair_core::ports::idenfy::IdenfyPorts;
use pair_core::ports::ledger::SessionLedger;
use serde_json::{Value, json};
use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::{Duration, Instant};
use wiremock::matchers::{body_partial_json, method, path};
use wiremock::{Mock, ResponseTemplate};

mod cap;

const ERASER: Caller<'static> = Caller::Jwt {
    subject: "dpo-7",
    scopes: &["idenfy-pair/erase"],
};
const DAY: Duration = Duration::from_secs(86_400);

/// The handler as deployed over a moto table and its ledger, with `settings` over the tests'.
fn issuing(
    table: &integration_tests::MotoTable,
    ledger: &DynamoLedger,
    stub: &IdenfyStub,
    clock: &Arc<ManualClock>,
    settings: &[(&'static str, &str)],
) -> issue_tokens::VerificationsApi {
    issue_tokens::VerificationsApi::build(
        issue_tokens_config_with(&stub.uri(), settings),
        integration_tests::api_ports(
            Arc::new(table.store.clone()),
            Arc::new(ledger.clone()),
            IdenfyPorts::of(Arc::new(stub.client())),
            clock.clone(),
        ),
    )
}

async fn mount_deleting(stub: &IdenfyStub) {
    Mock::given(method("POST"))
        .and(path("/api/v2/delete"))
        .respond_with(ResponseTemplate::new(200))
        .mount(&stub.server)
        .await;
}

/// iDenfy refuses the next token of `token_type` (a 400 the client does not retry).
async fn refuse_next(stub: &IdenfyStub, token_type: &str) {
    Mock::given(method("POST"))
        .and(path("/api/v2/token"))
        .and(body_partial_json(json!({ "tokenType": token_type })))
        .respond_with(ResponseTemplate::new(400).set_body_json(
            json!({"identifier": "TOO_MANY_REQUESTS_PER_CLIENT", "message": "refused"}),
        ))
        .with_priority(1)
        .up_to_n_times(1)
        .mount(&stub.server)
        .await;
}

/// Every scanRef the stub minted: it names them `scan-1`, `scan-2`, … in order.
fn minted_by_stub(count: usize) -> BTreeSet<String> {
    (1..=count).map(|n| format!("scan-{n}")).collect()
}

async fn scheduled_run(handler: &issue_tokens::VerificationsApi) -> Value {
    let request = lambda_http::request::from_str(&events::text("issue-tokens", "erasure-retries"))
        .expect("an HTTP API event");
    let (status, body) = answer(handler, request).await;
    assert_eq!(status, 200, "{body}");
    body
}

#[tokio::test]
async fn an_erasure_deletes_every_session_ever_minted_for_the_client_and_nothing_else() {
    let table = moto_table().await;
    let ledger = moto_ledger(&table).await;
    let stub = IdenfyStub::minting().await;
    mount_deleting(&stub).await;
    let clock = Arc::new(ManualClock::at(T0));
    let handler = issuing(
        &table,
        &ledger,
        &stub,
        &clock,
        &[("MAX_PAIRS_PER_CLIENT_PER_DAY", "100")],
    );
    let client = "USER_TWELVE";
    // Another person's pair: none of its sessions may be deleted.
    let (status, other) = answer(&handler, api::issue(&json!({"clientId": "USER_OTHER"}))).await;
    assert_eq!(status, 201, "{other}");

    // Twelve pairs (eleven restarts); half-way, a mint whose document token iDenfy refused
    // after the identity token was created.
    let mut issued = 0;
    for attempt in 0..13 {
        clock.advance(Duration::from_secs(60));
        if attempt == 6 {
            refuse_next(&stub, "DOCUMENT").await;
        }
        let body = json!({"clientId": client, "restart": attempt > 0});
        let (status, answered) = answer(&handler, api::issue(&body)).await;
        if attempt == 6 {
            assert_eq!(status, 502, "the half-failed mint: {answered}");
        } else {
            assert_eq!(status, 201, "{answered}");
            issued += 1;
        }
    }
    assert_eq!(issued, 12);
    // The record kept ten replaced pairs: the first pair's sessions are out of it.
    let record = pair_core::ports::store::PairReader::load(
        &table.store,
        &ClientId::parse(client).expect("an id"),
    )
    .await
    .expect("readable")
    .expect("a record");
    assert_eq!(record.previous_pairs.len(), 10);
    let named: BTreeSet<String> = pair_core::pair::ledger::sessions_named_by(&record)
        .into_iter()
        .map(|s| s.scan_ref)
        .collect();
    assert!(
        !named.contains("scan-3"),
        "the control: trimmed from the record: {named:?}"
    );

    // The person arrives after the document token lapsed unused: a fresh one is minted.
    stub.mount_status("EXPIRED").await;
    let requests = stub.token_requests().await;
    let continue_url = requests
        .iter()
        .rev()
        .find(|r| r["tokenType"] == "IDENTIFICATION")
        .and_then(|r| r["successUrl"].as_str())
        .expect("the last identity token's continuation")
        .to_owned();
    clock.advance(Duration::from_secs(4500 + 60));
    let (status, _) = location(&handler, &continue_url, client).await;
    assert_eq!(status, 302);

    // Every token request but the refused one minted a session; all but the other person's
    // two are this client's.
    let requests = stub.token_requests().await;
    let minted = requests.len() - 1;
    assert_eq!(
        minted,
        2 + 12 * 2 + 1 + 1,
        "two for the other person, a renewal, a half"
    );
    let others: BTreeSet<String> = ["identityScanRef", "documentScanRef"]
        .iter()
        .filter_map(|k| other[k].as_str().map(str::to_owned))
        .collect();
    let expected: BTreeSet<String> = minted_by_stub(minted)
        .difference(&others)
        .cloned()
        .collect();

    let (status, erased) = answer(&handler, api::erase_as(client, ERASER)).await;
    assert_eq!(status, 200, "every session deleted: {erased}");
    let asked = stub.deletions_asked().await;
    assert_eq!(asked.len(), expected.len(), "each asked once: {asked:?}");
    assert_eq!(asked.iter().cloned().collect::<BTreeSet<_>>(), expected);
    let listed: BTreeSet<String> = erased["sessions"]
        .as_array()
        .expect("sessions")
        .iter()
        .filter_map(|s| s["scanRef"].as_str().map(str::to_owned))
        .collect();
    assert_eq!(listed, expected, "the answer lists the whole ledger");
    assert_eq!(
        erased["pairs"].as_array().map(Vec::len),
        Some(11),
        "{erased}"
    );
    // The other person is untouched.
    let (status, _) = answer(&handler, api::get_as("USER_OTHER", "", ISSUER)).await;
    assert_eq!(status, 200);
    table
        .store
        .delete_table()
        .await
        .expect("dropping the table");
    ledger.delete_table().await.expect("dropping the ledger");
}

#[tokio::test]
async fn sessions_of_a_record_that_retention_removed_are_still_deleted_at_idenfy() {
    let table = moto_table().await;
    let ledger = moto_ledger(&table).await;
    let stub = IdenfyStub::minting().await;
    mount_deleting(&stub).await;
    let clock = Arc::new(ManualClock::at(T0));
    let handler = issuing(&table, &ledger, &stub, &clock, &[]);
    for client in ["USER_RETAINED", "USER_ASKS"] {
        let (status, body) = answer(&handler, api::issue(&json!({"clientId": client}))).await;
        assert_eq!(status, 201, "{body}");
        // Removed as DynamoDB's TTL removes it: the item is gone.
        integration_tests::remove_record(&table.store, client)
            .await
            .expect("deleting the record");
    }
    // A person whose record is gone asks for erasure: not a 404, every session deleted.
    let (status, erased) = answer(&handler, api::erase_as("USER_ASKS", ERASER)).await;
    assert_eq!(status, 200, "{erased}");
    assert_eq!(erased["pairs"], json!([]));
    assert_eq!(
        erased["sessions"].as_array().map(Vec::len),
        Some(2),
        "{erased}"
    );
    let mut asked = stub.deletions_asked().await;
    asked.sort();
    assert_eq!(asked, ["scan-3", "scan-4"].map(str::to_owned));
    // Never seen at all: 404.
    let (status, _) = answer(&handler, api::erase_as("USER_NEVER_SEEN", ERASER)).await;
    assert_eq!(status, 404);

    // Before the retention ends, the run leaves the other person's sessions alone.
    clock.advance(DAY);
    let run = scheduled_run(&handler).await;
    assert_eq!(run["asked"], 0, "{run}");
    // After it, both are deleted at iDenfy, once.
    clock.advance(30 * DAY);
    let run = scheduled_run(&handler).await;
    assert_eq!(
        (
            &run["retentionChecked"],
            &run["retentionEnded"],
            &run["deleted"],
            &run["pending"]
        ),
        (&json!(2), &json!(2), &json!(2), &json!(0)),
        "{run}"
    );
    let mut asked = stub.deletions_asked().await;
    asked.sort();
    assert_eq!(
        asked,
        ["scan-1", "scan-2", "scan-3", "scan-4"].map(str::to_owned)
    );
    let run = scheduled_run(&handler).await;
    assert_eq!(run["asked"], 0, "nothing twice: {run}");
    table
        .store
        .delete_table()
        .await
        .expect("dropping the table");
    ledger.delete_table().await.expect("dropping the ledger");
}

#[tokio::test]
async fn a_run_pages_fairly_past_sessions_idenfy_keeps_refusing() {
    let table = moto_table().await;
    let ledger = Arc::new(moto_ledger(&table).await);
    let stub = IdenfyStub::bare().await;
    // iDenfy refuses the stuck sessions every time, deletes the others.
    for stuck in 1..=4 {
        Mock::given(method("POST"))
            .and(path("/api/v2/delete"))
            .and(body_partial_json(
                json!({ "scanRef": format!("stuck-{stuck}") }),
            ))
            .respond_with(ResponseTemplate::new(400).set_body_json(
                json!({"identifier": "PARTNER_ERROR", "message": "Deletion failed."}),
            ))
            .with_priority(1)
            .mount(&stub.server)
            .await;
    }
    mount_deleting(&stub).await;
    let clock = Arc::new(ManualClock::at(T0));
    let audit = 1825 * DAY;
    // Six sessions waiting for iDenfy, the stuck ones the longest.
    let waiting = [
        ("stuck-1", 600),
        ("stuck-2", 500),
        ("stuck-3", 400),
        ("stuck-4", 300),
        ("gone-1", 200),
        ("gone-2", 100),
    ];
    for (scan_ref, waited) in waiting {
        let asked_at = Timestamp::from_unix_seconds(T0.unix_seconds() - waited);
        let entry = Entry::minted(
            Minted {
                client_id: ClientId::parse(&format!("USER_{scan_ref}")).expect("an id"),
                scan_ref: scan_ref.into(),
                role: pair_core::pair::Role::Identity,
                pair_id: "p".into(),
                renewal: false,
                usable_until: asked_at,
            },
            asked_at,
            LedgerRetention {
                audit,
                delete_after: None,
            },
        )
        .ask_deletion(DeletionCause::Erasure, asked_at)
        .expect("asked");
        ledger.record(&entry).await.expect("recorded");
    }
    let eraser = ErasureService::new(
        Arc::new(MemoryStore::new()),
        ledger.clone(),
        Arc::new(stub.client()),
        clock.clone(),
        audit,
    );
    let page = 3;
    let answer_by = || Instant::now() + Duration::from_secs(20);
    let first = eraser.run(page, answer_by()).await.expect("a run");
    assert_eq!((first.asked, first.deleted, first.refused), (3, 0, 3));
    // The next run, a moment later: the refused page went to the back.
    clock.advance(Duration::from_secs(1));
    let second = eraser.run(page, answer_by()).await.expect("a run");
    assert_eq!((second.asked, second.deleted, second.refused), (3, 2, 1));
    assert_eq!((second.pending.count, second.pending.overdue), (4, 0));
    assert_eq!(second.oldest_pending_age, Duration::from_secs(601));
    for (scan_ref, _) in waiting {
        let entry = ledger
            .entry(
                &ClientId::parse(&format!("USER_{scan_ref}")).expect("an id"),
                scan_ref,
            )
            .await
            .expect("readable")
            .expect("an entry");
        let deletion = entry.deletion.as_ref().expect("asked");
        if scan_ref.starts_with("gone") {
            assert!(entry.is_deleted(), "{entry:?}");
            assert_eq!(entry.due(), None);
        } else {
            assert_eq!(
                (deletion.attempts, deletion.last_refusal.as_deref()),
                (1, Some("REFUSED"))
            );
            // Never expiring silently: kept a whole audit period past the refusal.
            assert!(entry.expires_at >= T0.plus(audit), "{entry:?}");
            assert_eq!(entry.due().map(|(queue, _)| queue), Some(Queue::Deletion));
        }
    }
    // A day on, still refused: overdue, and the run says so.
    clock.advance(DAY);
    let later = eraser.run(page, answer_by()).await.expect("a run");
    assert_eq!((later.pending.count, later.pending.overdue), (4, 4));
    table
        .store
        .delete_table()
        .await
        .expect("dropping the table");
    ledger.delete_table().await.expect("dropping the ledger");
}
