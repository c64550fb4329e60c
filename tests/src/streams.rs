//! The pairs table's stream as Lambda reads it: a moto_server table with a stream, its records
//! read through moto's DynamoDB Streams API and wrapped as the event Lambda hands the notifier;
//! moto's SQS, to see what EventBridge delivered; and the Standard Webhooks receiver from PyPI.

use serde_json::{Value, json};
use std::io::{BufRead, BufReader, Write};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};

fn endpoint() -> String {
    std::env::var("AWS_ENDPOINT_URL_DYNAMODB").expect(
        "AWS_ENDPOINT_URL_DYNAMODB is not set: run the tests with `make test`, which starts moto_server",
    )
}

/// One call of an AWS JSON-protocol API on moto_server (moto routes by the service the
/// credential scope names and the target; it checks no signature).
pub async fn moto_json(service: &str, target: &str, body: Value) -> Value {
    let response = crate::http()
        .post(endpoint())
        .header("content-type", "application/x-amz-json-1.0")
        .header("x-amz-target", target)
        .header(
            "authorization",
            format!(
                "AWS4-HMAC-SHA256 Credential=test/20260101/eu-west-1/{service}/aws4_request, \
                 SignedHeaders=host, Signature=0"
            ),
        )
        .body(body.to_string())
        .send()
        .await
        .expect("moto_server answers");
    let status = response.status();
    let text = response.text().await.unwrap_or_default();
    assert!(status.is_success(), "{target}: {status} {text}");
    serde_json::from_str(&text).unwrap_or(Value::Null)
}

/// Every record of the stream so far, as Lambda delivers them: in one event, in order.
pub async fn stream_event(stream_arn: &str) -> Value {
    let target = |operation: &str| format!("DynamoDBStreams_20120810.{operation}");
    let described = moto_json(
        "dynamodb",
        &target("DescribeStream"),
        json!({"StreamArn": stream_arn}),
    )
    .await;
    let mut records = Vec::new();
    for shard in described["StreamDescription"]["Shards"]
        .as_array()
        .cloned()
        .unwrap_or_default()
    {
        let iterator = moto_json(
            "dynamodb",
            &target("GetShardIterator"),
            json!({"StreamArn": stream_arn, "ShardId": shard["ShardId"], "ShardIteratorType": "TRIM_HORIZON"}),
        )
        .await;
        let got = moto_json(
            "dynamodb",
            &target("GetRecords"),
            json!({"ShardIterator": iterator["ShardIterator"]}),
        )
        .await;
        for mut record in got["Records"].as_array().cloned().unwrap_or_default() {
            // What Lambda adds to each record of the Streams API.
            record["eventSource"] = json!("aws:dynamodb");
            record["awsRegion"] = json!("eu-west-1");
            record["eventSourceARN"] = json!(stream_arn);
            records.push(record);
        }
    }
    json!({ "Records": records })
}

/// An SQS queue on moto_server, and its ARN.
pub async fn sqs_queue(name: &str) -> (String, String) {
    let created = moto_json("sqs", "AmazonSQS.CreateQueue", json!({"QueueName": name})).await;
    let url = created["QueueUrl"]
        .as_str()
        .expect("a queue URL")
        .to_owned();
    let attributes = moto_json(
        "sqs",
        "AmazonSQS.GetQueueAttributes",
        json!({"QueueUrl": url, "AttributeNames": ["QueueArn"]}),
    )
    .await;
    let arn = attributes["Attributes"]["QueueArn"]
        .as_str()
        .expect("a queue ARN")
        .to_owned();
    (url, arn)
}

/// An EventBridge bus on moto_server whose every `idenfy-pair` event lands in a new SQS queue:
/// a client of the bus, and the queue's URL.
pub async fn bus_into_queue(bus: &str) -> (aws_sdk_eventbridge::Client, String) {
    let sdk = pair_adapters::outbound::aws_config()
        .endpoint_url(endpoint())
        .load()
        .await;
    let events = aws_sdk_eventbridge::Client::new(&sdk);
    events
        .create_event_bus()
        .name(bus)
        .send()
        .await
        .expect("moto creates the bus");
    let (queue_url, queue_arn) = sqs_queue(&format!("seen-{}", pair_core::pair::new_id())).await;
    events
        .put_rule()
        .name("all-decisions")
        .event_bus_name(bus)
        .event_pattern(json!({"source": ["idenfy-pair"]}).to_string())
        .send()
        .await
        .expect("a rule");
    let target = aws_sdk_eventbridge::types::Target::builder()
        .id("queue")
        .arn(&queue_arn)
        .build()
        .expect("a target");
    events
        .put_targets()
        .rule("all-decisions")
        .event_bus_name(bus)
        .targets(target)
        .send()
        .await
        .expect("a target");
    (events, queue_url)
}

/// The messages waiting in the queue, their bodies parsed.
pub async fn sqs_messages(url: &str) -> Vec<Value> {
    let got = moto_json(
        "sqs",
        "AmazonSQS.ReceiveMessage",
        json!({"QueueUrl": url, "MaxNumberOfMessages": 10}),
    )
    .await;
    got["Messages"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .filter_map(|m| {
            m["Body"]
                .as_str()
                .and_then(|b| serde_json::from_str(b).ok())
        })
        .collect()
}

/// The `standardwebhooks` package from PyPI, verifying messages as a site would.
pub struct StandardWebhooksReceiver {
    child: Child,
    input: ChildStdin,
    output: BufReader<ChildStdout>,
}

impl StandardWebhooksReceiver {
    pub fn start() -> Self {
        let python = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../.venv/bin/python");
        let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("webhooks/verify.py");
        let mut child = Command::new(&python)
            .arg(script)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| {
                panic!(
                    "{}: {e}. The project's .venv provides standardwebhooks: run `make test`.",
                    python.display()
                )
            });
        let input = child.stdin.take().expect("stdin");
        let output = BufReader::new(child.stdout.take().expect("stdout"));
        Self {
            child,
            input,
            output,
        }
    }

    /// The payload, if `secret` verifies the message; the library's reason otherwise.
    pub fn verify(
        &mut self,
        secret: &str,
        headers: &[(&str, &str)],
        body: &str,
    ) -> Result<Value, String> {
        let headers: serde_json::Map<String, Value> = headers
            .iter()
            .map(|(k, v)| ((*k).to_owned(), json!(v)))
            .collect();
        let line = json!({"secret": secret, "headers": headers, "body": body});
        writeln!(self.input, "{line}").expect("the verifier reads");
        let mut answer = String::new();
        self.output
            .read_line(&mut answer)
            .expect("the verifier answers");
        let answer: Value = serde_json::from_str(&answer).expect("a JSON answer");
        match answer.get("payload") {
            Some(payload) => Ok(payload.clone()),
            None => Err(answer["error"].as_str().unwrap_or("?").to_owned()),
        }
    }
}

impl Drop for StandardWebhooksReceiver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
