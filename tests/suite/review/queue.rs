//! The reviewers' queue through the issue-tokens handler, on both stores: the pairs waiting for
//! review (made so by iDenfy's signed callbacks) listed oldest first in pages, each once,
//! among verified ones; a pair leaves when reviewed, restarted or expired; the reviewer's duty
//! only; a cursor we did not seal is 400. On DynamoDB a page is one Query of the index, however
//! many records the table holds. Claims: [`super::claims`].

use super::*;
use integration_tests::callbacks::{
    SAMPLE_PERSONAL_DATA, event_type, payload, pending_record, pending_single_session_record,
    sample_id_card, sample_permit, signed, step_payload,
};
use integration_tests::{T0, moto_table};
use pair_adapters::http_api::{Caller, DutyScopes};
use pair_adapters::store::MemoryLedger;
use pair_core::clock::{ManualClock, Timestamp};
use pair_core::ports::idenfy::IdenfyPorts;

pub(super) const OTHER_REVIEWER: Caller<'static> = Caller::Jwt {
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

pub(super) fn minute(n: i64) -> Timestamp {
    Timestamp::from_unix_seconds(T0.unix_seconds() + n * 60)
}

/// An additional-step pair for `client`, whose uploaded permit iDenfy's final leaves to a
/// reviewer: REQUIRES_REVIEW, decided at `at`.
pub(super) async fn waiting_pair(store: &Arc<dyn AnyStore>, client: &str, at: Timestamp) {
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
async fn pages(handler: &VerificationsApi, limit: usize) -> Vec<Vec<String>> {
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
    // Erased: the record is replaced by its audit, which waits for nothing.
    let eraser = Caller::Jwt {
        subject: "dpo",
        scopes: &["idenfy-pair/erase"],
    };
    let (status, body) = api::answer(&handler, api::erase_as("Q_G", eraser)).await;
    assert!(status == 200 || status == 202, "{status} {body}");
    assert_eq!(
        pages(&handler, 3).await.concat(),
        ["Q_B", "Q_C", "Q_E", "Q_F"]
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
    let mut config = integration_tests::issue_tokens_config(&stub.uri());
    config.duties = Some(DutyScopes {
        issuer: vec!["idenfy-pair/issue".into()],
        reviewer: vec!["idenfy-pair/review".into()],
        eraser: vec!["idenfy-pair/erase".into()],
    });
    let handler = VerificationsApi::build(
        config,
        integration_tests::api_ports(
            store.clone(),
            Arc::new(MemoryLedger::new()),
            IdenfyPorts::of(Arc::new(stub.client())),
            Arc::new(ManualClock::at(minute(90))),
        ),
    );
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
