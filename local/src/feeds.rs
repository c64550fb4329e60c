//! What feeds the notifier locally, as the table's stream and Lambda's event source mapping do
//! in AWS: the embedded store's change feed, or (DynamoDB mode) the table's stream read through
//! the DynamoDB Streams API. Both retry a record a few times, then give it up with an error in
//! the log — where AWS would move it to the dead-letter queue.

use aws_lambda_events::event::dynamodb::{Event, EventRecord};
use aws_sdk_dynamodbstreams::Client;
use aws_sdk_dynamodbstreams::error::DisplayErrorContext;
use aws_sdk_dynamodbstreams::types::{AttributeValue, Record, ShardIteratorType};
use notify_decisions::NotifyDecisions;
use pair_adapters::store::memory::Change;
use pair_app::notify::changes;
use std::collections::HashMap;
use std::time::Duration;
use tokio::sync::mpsc::UnboundedReceiver;

/// Deliveries of one record before it is given up.
const ATTEMPTS: u32 = 5;
/// How often the stream is read when it had nothing new.
const STREAM_POLL: Duration = Duration::from_millis(250);

fn pause_after(attempt: u32) -> Duration {
    Duration::from_millis(200 * u64::from(attempt))
}

/// The embedded store's change feed into the notifier: each decision and expiry delivered.
pub async fn embedded_store(mut feed: UnboundedReceiver<Change>, notifier: NotifyDecisions) {
    while let Some(change) = feed.recv().await {
        for notification in changes(change.old.as_ref(), Some(&change.new)) {
            deliver(&notifier, &notification).await;
        }
    }
}

/// One notification, tried [`ATTEMPTS`] times.
async fn deliver(notifier: &NotifyDecisions, notification: &pair_app::notify::Notification) {
    for attempt in 1..=ATTEMPTS {
        match notifier.deliver(notification).await {
            Ok(()) => break,
            Err(error) if attempt == ATTEMPTS => {
                tracing::error!(%error, webhook_id = notification.id, "notification given up");
            }
            Err(error) => {
                tracing::warn!(attempt, %error, webhook_id = notification.id, "notification not delivered");
                tokio::time::sleep(pause_after(attempt)).await;
            }
        }
    }
}

/// The table's stream, read through the DynamoDB Streams API (moto_server's, DynamoDB
/// Local's or AWS's) and handed to the notifier's Lambda handler in batches, as Lambda's event
/// source mapping does: a shard waits while its batch is retried from the failed record.
pub struct TableStream {
    client: Client,
    stream_arn: String,
    notifier: NotifyDecisions,
    shards: HashMap<String, ShardReader>,
}

/// Where the reading of one shard stands.
struct ShardReader {
    iterator: Option<String>,
    /// Where a lost iterator resumes: after the last record handed over, or `start`.
    last_sequence: Option<String>,
    start: ShardIteratorType,
    /// Closed and read to its end.
    done: bool,
}

impl TableStream {
    /// Takes the first look at the stream before anything is written: the shards open now are
    /// read from their end (what happened before this run is not this run's to notify).
    pub async fn open(
        client: Client,
        stream_arn: String,
        notifier: NotifyDecisions,
    ) -> Result<Self, String> {
        let mut stream = Self {
            client,
            stream_arn,
            notifier,
            shards: HashMap::new(),
        };
        stream.find_shards(ShardIteratorType::Latest).await?;
        Ok(stream)
    }

    /// Reads the stream until the process ends; shards that appear later are read from
    /// their start.
    pub async fn run(mut self) {
        loop {
            if let Err(error) = self.find_shards(ShardIteratorType::TrimHorizon).await {
                tracing::warn!(error, "the table's stream cannot be described");
            }
            let mut read_any = false;
            let mut shards = std::mem::take(&mut self.shards);
            for shard in shards.values_mut() {
                read_any |= self.read(shard).await;
            }
            self.shards = shards;
            if !read_any {
                tokio::time::sleep(STREAM_POLL).await;
            }
        }
    }

    /// Every shard of the stream, each with an iterator unless it is read to its end.
    async fn find_shards(&mut self, start: ShardIteratorType) -> Result<(), String> {
        let mut after: Option<String> = None;
        loop {
            let described = self
                .client
                .describe_stream()
                .stream_arn(&self.stream_arn)
                .set_exclusive_start_shard_id(after.take())
                .send()
                .await
                .map_err(|e| DisplayErrorContext(e).to_string())?;
            let Some(description) = described.stream_description() else {
                return Ok(());
            };
            for shard in description.shards() {
                if let Some(id) = shard.shard_id() {
                    self.shards
                        .entry(id.to_owned())
                        .or_insert_with(|| ShardReader {
                            iterator: None,
                            last_sequence: None,
                            start: start.clone(),
                            done: false,
                        });
                }
            }
            after = description.last_evaluated_shard_id().map(str::to_owned);
            if after.is_none() {
                break;
            }
        }
        for (id, shard) in self.shards.iter_mut() {
            if shard.iterator.is_some() || shard.done {
                continue;
            }
            let request = self
                .client
                .get_shard_iterator()
                .stream_arn(&self.stream_arn)
                .shard_id(id);
            let request = match &shard.last_sequence {
                Some(sequence) => request
                    .shard_iterator_type(ShardIteratorType::AfterSequenceNumber)
                    .sequence_number(sequence),
                None => request.shard_iterator_type(shard.start.clone()),
            };
            let got = request
                .send()
                .await
                .map_err(|e| DisplayErrorContext(e).to_string())?;
            shard.iterator = got.shard_iterator().map(str::to_owned);
        }
        Ok(())
    }

    /// One read of the shard, its records delivered; whether there were any.
    async fn read(&self, shard: &mut ShardReader) -> bool {
        let Some(iterator) = shard.iterator.take() else {
            return false;
        };
        match self
            .client
            .get_records()
            .shard_iterator(iterator)
            .send()
            .await
        {
            Ok(got) => {
                let records = got.records();
                self.deliver(records).await;
                if let Some(last) = records.last().and_then(|r| r.dynamodb()) {
                    shard.last_sequence = last.sequence_number().map(str::to_owned);
                }
                shard.iterator = got.next_shard_iterator().map(str::to_owned);
                shard.done = shard.iterator.is_none();
                !records.is_empty()
            }
            Err(error) => {
                // The next look gets a new iterator, after the last record handed over.
                tracing::warn!(error = %DisplayErrorContext(error), "the table's stream cannot be read");
                false
            }
        }
    }

    /// The records through the notifier's handler; a batch item failure is retried from that
    /// record, and given up after a few attempts.
    async fn deliver(&self, records: &[Record]) {
        let mut pending: Vec<EventRecord> = records
            .iter()
            .map(|r| lambda_record(r, &self.stream_arn))
            .collect();
        let mut attempt = 1;
        while !pending.is_empty() {
            let mut event = Event::default();
            event.records = pending.clone();
            let response = self.notifier.handle(event).await;
            let Some(failed) = response
                .batch_item_failures
                .first()
                .and_then(|f| f.item_identifier.clone())
            else {
                return;
            };
            let at = pending
                .iter()
                .position(|r| r.change.sequence_number.as_deref() == Some(failed.as_str()))
                .unwrap_or(0);
            if at > 0 {
                pending.drain(..at);
                attempt = 1;
            }
            if attempt == ATTEMPTS {
                tracing::error!(sequence_number = failed, "stream record given up");
                pending.remove(0);
                attempt = 1;
            } else {
                tokio::time::sleep(pause_after(attempt)).await;
                attempt += 1;
            }
        }
    }
}

/// A record of the Streams API as Lambda hands it over: the same fields, plus the source.
fn lambda_record(record: &Record, stream_arn: &str) -> EventRecord {
    let mut event = EventRecord::default();
    event.event_id = record.event_id().unwrap_or_default().to_owned();
    event.event_name = record
        .event_name()
        .map(|name| name.as_str().to_owned())
        .unwrap_or_default();
    event.event_source = record.event_source().map(str::to_owned);
    event.event_version = record.event_version().map(str::to_owned);
    event.aws_region = record.aws_region().unwrap_or_default().to_owned();
    event.event_source_arn = Some(stream_arn.to_owned());
    if let Some(change) = record.dynamodb() {
        let image = |item: Option<&HashMap<String, AttributeValue>>| {
            serde_dynamo::Item::from(item.cloned().unwrap_or_default())
        };
        event.change.keys = image(change.keys());
        event.change.new_image = image(change.new_image());
        event.change.old_image = image(change.old_image());
        event.change.sequence_number = change.sequence_number().map(str::to_owned);
        event.change.size_bytes = change.size_bytes().unwrap_or_default();
    }
    event
}
