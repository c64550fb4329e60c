//! The daily run on a table of thousands of pairs: it finds exactly the verified pairs whose
//! end crossed 30, 7, 1 or 0 days — through the sparse index, one query per threshold and a
//! read and a write per pair found, never a scan — and a second run the same day (a retry)
//! finds nothing more.

use super::{noon, shifted};
use aws_sdk_dynamodb::types::{PutRequest, WriteRequest};
use integration_tests::api::answer;
use integration_tests::callbacks::{
    hasher, payload, pending_record, sample_id_card, sample_permit,
};
use integration_tests::{IdenfyStub, events, issue_tokens_handler, moto_table};
use pair_adapters::idenfy::webhook::read;
use pair_core::clock::{ManualClock, Timestamp};
use pair_core::pair::validity::{AlertSource, ExpiryAlert};
use pair_core::pair::{ExpiryState, Outcome, PairRecord, Threshold, Verdict};
use serde_json::json;
use std::collections::BTreeMap;
use std::sync::Arc;

/// The run's day.
const TODAY: &str = "2027-06-01";

/// A decided pair whose permit ends on `ends`, the site told of `told` already, in the watch's
/// index where that leaves it (a VERIFIED pair with a known end).
fn decided(i: usize, outcome: Option<Outcome>, ends: &str, told: &[Threshold]) -> PairRecord {
    let client = format!("USER_{i:05}");
    let (identity, document) = (format!("{client}-identity"), format!("{client}-document"));
    let mut record = pending_record(&client, &format!("pair-{i:05}"), &identity, &document);
    record.expires_at = noon("2028-01-01");
    let pair = record.pair.as_mut().expect("a pair");
    for (scan_ref, fields, expiry) in [
        (&identity, sample_id_card(), "2031-04-30"),
        (&document, sample_permit(), ends),
    ] {
        let mut body = payload(&client, scan_ref, true, &fields);
        body["data"]["docExpiry"] = json!(expiry);
        let half = read(
            body.to_string().as_bytes(),
            None,
            noon("2026-06-01"),
            &hasher(),
            "RESIDENCE_PERMIT",
        )
        .ok()
        .and_then(|webhook| webhook.into_result())
        .expect("a result")
        .half;
        pair.results.insert(scan_ref.clone(), half);
    }
    pair.verdict = outcome.map(|outcome| Verdict {
        outcome,
        reasons: vec![],
        decided_at: noon("2026-06-01"),
        version: 1,
        basis: BTreeMap::new(),
        review: None,
    });
    pair.expiry.alerts = told
        .iter()
        .map(|threshold| ExpiryAlert {
            threshold: *threshold,
            days_left: 0,
            ends_on: ends.to_owned(),
            source: AlertSource::Schedule,
            at: noon("2026-06-01"),
        })
        .collect();
    let watch = pair.expiry_watch();
    record.set_watch(watch);
    record
}

#[tokio::test]
async fn the_daily_run_finds_exactly_the_pairs_due_among_thousands_with_few_requests() {
    use Threshold::{Days1, Days7, Days30};
    let table = moto_table().await;
    let verified = Some(Outcome::Verified);
    let mut records = Vec::new();
    let mut due: BTreeMap<String, Threshold> = BTreeMap::new();
    let mut add =
        |records: &mut Vec<PairRecord>, record: PairRecord, crosses: Option<Threshold>| {
            if let Some(threshold) = crosses {
                due.insert(record.client_id.as_str().to_owned(), threshold);
            }
            records.push(record);
        };
    // Due today: at 30, 7 and 1 days left, and the day after the end — five of each.
    for _ in 0..5 {
        let i = records.len();
        add(
            &mut records,
            decided(i, verified, &shifted(TODAY, 30), &[]),
            Some(Days30),
        );
        add(
            &mut records,
            decided(i + 1, verified, &shifted(TODAY, 7), &[Days30]),
            Some(Days7),
        );
        add(
            &mut records,
            decided(i + 2, verified, &shifted(TODAY, 1), &[Days30, Days7]),
            Some(Days1),
        );
        add(
            &mut records,
            decided(
                i + 3,
                verified,
                &shifted(TODAY, -1),
                &[Days30, Days7, Days1],
            ),
            Some(Threshold::Expired),
        );
    }
    // Due since a missed run: 30 days were crossed ten days ago (20 left): told now, at 30.
    for _ in 0..2 {
        let i = records.len();
        add(
            &mut records,
            decided(i, verified, &shifted(TODAY, 20), &[]),
            Some(Days30),
        );
    }
    // Due tomorrow at each threshold: 500 each.
    for _ in 0..500 {
        let i = records.len();
        add(
            &mut records,
            decided(i, verified, &shifted(TODAY, 31), &[]),
            None,
        );
        add(
            &mut records,
            decided(i + 1, verified, &shifted(TODAY, 8), &[Days30]),
            None,
        );
        add(
            &mut records,
            decided(i + 2, verified, &shifted(TODAY, 2), &[Days30, Days7]),
            None,
        );
        add(
            &mut records,
            decided(i + 3, verified, TODAY, &[Days30, Days7, Days1]),
            None,
        );
    }
    // Not watched at all: rejected ones ending in 30 days, pending ones.
    while records.len() < 3000 {
        let i = records.len();
        let outcome = if i % 2 == 0 {
            Some(Outcome::Rejected)
        } else {
            None
        };
        add(
            &mut records,
            decided(i, outcome, &shifted(TODAY, 30), &[]),
            None,
        );
    }
    assert_eq!((records.len(), due.len()), (3000, 22));
    for chunk in records.chunks(25) {
        let writes = chunk
            .iter()
            .map(|record| {
                let item = serde_dynamo::to_item(record).expect("an item");
                let put = PutRequest::builder()
                    .set_item(Some(item))
                    .build()
                    .expect("a put");
                WriteRequest::builder().put_request(put).build()
            })
            .collect();
        let written = table
            .store
            .client()
            .await
            .batch_write_item()
            .request_items(table.store.table(), writes)
            .send()
            .await
            .expect("seeded");
        assert!(written.unprocessed_items.unwrap_or_default().is_empty());
    }

    let idenfy = Arc::new(IdenfyStub::bare().await.client());
    let run = |now: Timestamp| {
        issue_tokens_handler(
            Arc::new(table.store.clone()),
            idenfy.clone(),
            Arc::new(ManualClock::at(now)),
        )
    };
    let schedule = || {
        lambda_http::request::from_str(&events::text("issue-tokens", "expiry-watch"))
            .expect("the schedule's event")
    };
    let before = table.requests();
    let (status, body) = answer(&run(noon(TODAY)), schedule()).await;
    let requests = table.requests() - before;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        body,
        json!({"records": 22, "alerts": {"30": 7, "7": 5, "1": 5, "0": 5}, "unwatched": 0, "more": false})
    );
    // One query per threshold, then a read and a conditional write per pair found.
    assert_eq!(requests, 4 + 2 * 22, "DynamoDB requests of the run");

    // What the table holds now: the alerts on exactly the pairs due, nothing on any other
    // (the test's own scan, in small pages of the two attributes it needs).
    let seeded: BTreeMap<&str, Vec<Threshold>> = records
        .iter()
        .map(|r| {
            (
                r.client_id.as_str(),
                alerts(r.pair.as_ref().map(|p| &p.expiry)),
            )
        })
        .collect();
    let mut told: BTreeMap<String, Threshold> = BTreeMap::new();
    let mut scanned = 0;
    let mut start = None;
    loop {
        let page = table
            .store
            .client()
            .await
            .scan()
            .table_name(table.store.table())
            .projection_expression("clientId, #pair.#expiry")
            .expression_attribute_names("#pair", "pair")
            .expression_attribute_names("#expiry", "expiry")
            .limit(250)
            .set_exclusive_start_key(start)
            .send()
            .await
            .expect("a page of the test's scan");
        for item in page.items.unwrap_or_default() {
            let row: serde_json::Value = serde_dynamo::from_item(item).expect("a row");
            scanned += 1;
            let client_id = row["clientId"].as_str().expect("a clientId").to_owned();
            let expiry: Option<ExpiryState> = row["pair"]
                .get("expiry")
                .map(|e| serde_json::from_value(e.clone()).expect("an expiry state"));
            let after = alerts(expiry.as_ref());
            let before = &seeded[client_id.as_str()];
            if &after != before {
                assert_eq!(after.len(), before.len() + 1, "{client_id}");
                told.insert(client_id, after.last().copied().expect("an alert"));
            }
        }
        start = page.last_evaluated_key;
        if start.is_none() {
            break;
        }
    }
    assert_eq!(scanned, 3000);
    assert_eq!(told, due);

    // The run again the same day (EventBridge Scheduler's retry): nothing due, four queries.
    let before = table.requests();
    let (_, again) = answer(
        &run(noon(TODAY).plus(std::time::Duration::from_secs(600))),
        schedule(),
    )
    .await;
    assert_eq!(again["records"], 0, "{again}");
    assert_eq!(table.requests() - before, 4);
    table.store.delete_table().await.expect("dropped");
}

fn alerts(expiry: Option<&ExpiryState>) -> Vec<Threshold> {
    expiry.map_or_else(Vec::new, |e| e.alerts.iter().map(|a| a.threshold).collect())
}
