//! The load through real processes against moto_server: the table seeded and read back in
//! batches, the schedule as API Gateway events, and the pools of our function and of the
//! Node.js peer.

use super::*;
use std::path::Path;
/// The plan's pairs in the table, 25 to a BatchWriteItem (the seeding is not measured, and
/// one request per pair would cost moto_server more time than the load itself).
async fn seed_table(store: &DynamoStore, plan: &LoadPlan) -> Result<(), String> {
    let mut requests = Vec::with_capacity(plan.pairs);
    for record in seeded_records(plan) {
        let item = serde_dynamo::to_item(&record).map_err(|e| e.to_string())?;
        let put = PutRequest::builder()
            .set_item(Some(item))
            .build()
            .map_err(|e| e.to_string())?;
        requests.push(WriteRequest::builder().put_request(put).build());
    }
    while !requests.is_empty() {
        let batch: Vec<_> = requests.drain(..requests.len().min(25)).collect();
        let write = store.client().await.batch_write_item();
        let output = write.request_items(store.table(), batch).send().await;
        let output = output.map_err(|e| e.to_string())?;
        if let Some(unprocessed) = output
            .unprocessed_items
            .and_then(|mut tables| tables.remove(store.table()))
        {
            requests.extend(unprocessed);
        }
    }
    Ok(())
}

/// Keys per BatchGetItem: DynamoDB's maximum.
const BATCH_GET: usize = 100;

type Item = HashMap<String, AttributeValue>;

/// The item of every pair of the plan, by clientId, BATCH_GET at a time (a Scan of the whole
/// table is too slow on moto_server at 10 000 items to come back within the client's timeout).
async fn read_back(store: &DynamoStore, plan: &LoadPlan) -> Result<HashMap<String, Item>, String> {
    // Not measured, and moto_server answers slowly after a long load: a client that waits
    // longer than the functions' own.
    let patient = pair_adapters::store::dynamo::DynamoTimeouts {
        connect: Duration::from_secs(5),
        attempt: Duration::from_secs(60),
        operation: Duration::from_secs(180),
        max_attempts: 3,
    };
    let store = &DynamoStore::from_env(store.table(), patient);
    let mut keys: Vec<Item> = (0..plan.pairs)
        .map(|i| {
            let (client, _, _, _) = numbered_pair("LOAD", i);
            HashMap::from([("clientId".to_owned(), AttributeValue::S(client))])
        })
        .collect();
    let mut items = HashMap::new();
    while !keys.is_empty() {
        let batch: Vec<_> = keys.drain(..keys.len().min(BATCH_GET)).collect();
        let request = KeysAndAttributes::builder()
            .set_keys(Some(batch))
            .consistent_read(true)
            .build()
            .map_err(|e| e.to_string())?;
        let get = store.client().await.batch_get_item();
        let output = get.request_items(store.table(), request).send().await;
        let output = output.map_err(|e| e.to_string())?;
        for item in output
            .responses
            .and_then(|mut tables| tables.remove(store.table()))
            .unwrap_or_default()
        {
            if let Some(Ok(client)) = item.get("clientId").map(AttributeValue::as_s) {
                items.insert(client.clone(), item);
            }
        }
        if let Some(unprocessed) = output
            .unprocessed_keys
            .and_then(|mut tables| tables.remove(store.table()))
        {
            keys.extend(unprocessed.keys);
        }
    }
    Ok(items)
}

/// The deliveries of a schedule as API Gateway events for the pool, signed like iDenfy's.
fn as_events(schedule: &Schedule) -> Result<Vec<String>, String> {
    let template: Value = serde_json::from_str(
        &std::fs::read_to_string(
            crate::workspace().join("events/idenfy-callback/identity-final.json"),
        )
        .map_err(|e| e.to_string())?,
    )
    .map_err(|e| e.to_string())?;
    schedule
        .deliveries
        .iter()
        .map(|(body, is_final)| {
            let mut event = template.clone();
            let signature = pair_adapters::idenfy::signature::sign(
                integration_tests::callbacks::TEST_SIGNING_KEY,
                body.as_bytes(),
            );
            event["headers"]["idenfy-signature"] = json!(signature);
            event["headers"]["idenfy-event-type"] = json!(event_type(*is_final));
            event["headers"]["content-length"] = json!(body.len().to_string());
            event["isBase64Encoded"] = json!(false);
            event["body"] = json!(body);
            serde_json::to_string(&event).map_err(|e| e.to_string())
        })
        .collect()
}

/// A load through `processes` processes against moto_server, in the environment `env`.
#[derive(Clone, Copy)]
pub struct OnMoto<'a> {
    pub env: &'a [(String, String)],
    pub plan: &'a LoadPlan,
    pub processes: usize,
}

impl OnMoto<'_> {
    /// Our callback function, `processes` release processes behind the Runtime API emulator,
    /// against a DynamoDB API. Verdict writes are counted from the functions' own logs (one
    /// "pair decided" line per verdict written).
    pub async fn functions(&self, binary: &Path, store: &DynamoStore) -> Result<Value, String> {
        let (env, plan, processes) = (self.env, self.plan, self.processes);
        let started = Instant::now();
        seed_table(store, plan).await?;
        crate::progress("functions on moto: seeded", started);
        let env = with_var(
            &with_var(env, "TABLE_NAME", store.table()),
            "AWS_LAMBDA_LOG_FORMAT",
            "JSON",
        );
        let schedule = schedule(plan);
        let (run, mut report) =
            run_pool(&[binary.to_path_buf()], &env, plan, &schedule, processes).await?;
        crate::progress("functions on moto: delivered", started);
        let mut writes: HashMap<String, usize> = HashMap::new();
        for line in run.stdout.lines() {
            if let Ok(entry) = serde_json::from_str::<Value>(line)
                && entry["fields"]["message"] == "pair decided"
                && let Some(client) = entry["fields"]["client_id"].as_str()
            {
                *writes.entry(client.to_owned()).or_default() += 1;
            }
        }
        let mut records = HashMap::new();
        for (client, item) in read_back(store, plan).await? {
            let record: PairRecord = serde_dynamo::from_item(item).map_err(|e| e.to_string())?;
            records.insert(client, record);
        }
        let checked = check(records, plan, &schedule, |client| {
            writes.get(client.as_str()).copied().unwrap_or(0)
        })?;
        crate::progress("functions on moto: checked", started);
        merge(&mut report, checked);
        Ok(report)
    }

    /// The Node.js peer, the same way, on a table of its own. Its record per clientId is the
    /// guide's `verifications[clientId]`; halves and verdicts are read back from it.
    pub async fn peer(&self, script: &Path, store: &DynamoStore) -> Result<Value, String> {
        let (env, plan, processes) = (self.env, self.plan, self.processes);
        let started = Instant::now();
        let env = with_var(env, "TABLE_NAME", store.table());
        let command = ["node".into(), script.to_path_buf()];
        let schedule = schedule(plan);
        let (_, mut report) = run_pool(&command, &env, plan, &schedule, processes).await?;
        crate::progress("peer on moto: delivered", started);
        let mut items = read_back(store, plan).await?;
        let (mut lost_halves, mut missing_verdicts, mut wrong_verdicts) = (0, 0, 0);
        for i in 0..plan.pairs {
            let (client, _, identity, document) = numbered_pair("LOAD", i);
            let (_, _, outcome, _) = person(i);
            let record: Value = items
                .remove(&client)
                .and_then(|item| {
                    item.get("verifications")
                        .and_then(|v| v.as_s().ok())
                        .cloned()
                })
                .and_then(|text| serde_json::from_str(&text).ok())
                .unwrap_or(Value::Null);
            let kept = |scan_ref: &str| {
                ["identity", "document"].iter().any(|slot| {
                    record[slot]["scanRef"] == scan_ref && record[slot]["final"] == true
                })
            };
            lost_halves += usize::from(!kept(&identity)) + usize::from(!kept(&document));
            match record["status"].as_str() {
                None => missing_verdicts += 1,
                // The guide's handler has no notion of a revision: what it shows then is not judged.
                Some(_) if schedule.revised.contains(&i) => {}
                Some(status)
                    if status != serde_json::to_value(outcome).map_err(|e| e.to_string())? =>
                {
                    wrong_verdicts += 1
                }
                Some(_) => {}
            }
        }
        crate::progress("peer on moto: checked", started);
        merge(
            &mut report,
            json!({
            "lost_halves": lost_halves,
            "missing_verdicts": missing_verdicts,
            "wrong_verdicts": wrong_verdicts,
            "double_verdicts": "not observable: the peer overwrites its record without a condition",
            }),
        );
        Ok(report)
    }
}

/// The plan's deliveries through `processes` copies of `command`, their DynamoDB requests
/// counted by a proxy in front of the API the bench was given; the run and what every pool
/// load reports.
async fn run_pool(
    command: &[std::path::PathBuf],
    env: &[(String, String)],
    plan: &LoadPlan,
    schedule: &Schedule,
    processes: usize,
) -> Result<(crate::pool::PoolRun, Value), String> {
    let upstream = std::env::var("AWS_ENDPOINT_URL_DYNAMODB")
        .map_err(|_| "AWS_ENDPOINT_URL_DYNAMODB is not set")?;
    let proxy = CountingProxy::start(&upstream).await?;
    let env = with_var(env, "AWS_ENDPOINT_URL_DYNAMODB", &proxy.url);
    let events = as_events(schedule)?;
    let callbacks = events.len();
    // A safety net, not a target: 30 000 callbacks at moto_server's pace on two cores take ~15 min.
    let run = crate::pool::run(command, &env, events, processes, Duration::from_secs(1800)).await?;
    let requests = proxy.requests();
    let total: usize = requests.values().sum();
    let report = json!({
        "dynamodb_requests": total,
        "dynamodb_requests_by_operation": requests,
        "dynamodb_requests_per_callback": crate::round(total as f64 / callbacks as f64),
        "pairs": plan.pairs,
        "callbacks": callbacks,
        "processes": processes,
        "seconds": crate::round(run.seconds),
        "callbacks_per_second": crate::round(callbacks as f64 / run.seconds),
        "latency_ms": latency_summary(run.latencies_ms.clone()),
        "non_200_answers": run.statuses.iter().filter(|s| **s != 200).count(),
        "redeliveries": run.redeliveries,
        "given_up": run.given_up,
    });
    Ok((run, report))
}
