//! The reviewers' queue: the pairs waiting for review, oldest first, a page per store read,
//! behind an opaque cursor MACed under the issuing function's continuation keys (a cursor
//! we did not make is refused before the store is read); a reviewer's claim on one
//! ([`pair_core::pair::machine::claim`]); and the gauges that say how long the oldest has waited.

use crate::issuance::continuation::ContinuationKeys;
use pair_adapters::secret::runtime::Secrets;
use pair_core::clock::{Clock, Timestamp};
use pair_core::pair::machine::{self, ClaimRefused};
use pair_core::pair::queue::{Queue, QueuePosition, QueuedPair, ReviewClaim};
use pair_core::pair::{ClientId, Principal};
use pair_core::ports::store::{ReviewQueueStore, StoreError};
use std::sync::Arc;
use std::time::Duration;

/// A page holds this many pairs unless the caller asks otherwise.
pub const DEFAULT_PAGE: usize = 25;
/// The most pairs a page holds.
pub const MAX_PAGE: usize = 100;
/// `REVIEW_CLAIM_MINUTES` unset.
pub const DEFAULT_CLAIM_MINUTES: u64 = 15;
/// `REVIEW_SLA_HOURS` unset.
pub const DEFAULT_SLA_HOURS: u64 = 24;
/// The gauges read the queue in pages of [`MAX_PAGE`], at most this many (the rest, if a
/// queue ever held more, is not counted: the oldest is always seen).
const GAUGE_PAGES: usize = 200;

/// How claims and waits are judged.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QueuePolicy {
    /// How long a claim holds (`REVIEW_CLAIM_MINUTES`).
    pub claim_for: Duration,
    /// How long a pair may wait before it is overdue (`REVIEW_SLA_HOURS`).
    pub sla: Duration,
}

impl Default for QueuePolicy {
    fn default() -> Self {
        Self {
            claim_for: Duration::from_secs(DEFAULT_CLAIM_MINUTES * 60),
            sla: Duration::from_secs(DEFAULT_SLA_HOURS * 3600),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum QueueError {
    #[error("the cursor is not one this API issued")]
    Cursor,
    #[error("the continuation keys are unreadable: {0}")]
    Keys(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

#[derive(Debug, thiserror::Error)]
pub enum ClaimError {
    #[error(transparent)]
    Refused(#[from] ClaimRefused),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// One page as the caller gets it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Listing {
    pub queue: Queue,
    pub pairs: Vec<QueuedPair>,
    /// Where the next page starts; absent on the last.
    pub next_cursor: Option<String>,
}

/// A claim as recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Claimed {
    pub pair_id: String,
    pub claim: ReviewClaim,
}

/// How the queue stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct QueueGauges {
    pub waiting: usize,
    /// How long the oldest has waited; none when nobody waits.
    pub oldest_wait: Option<Duration>,
    /// How many have waited longer than the policy's SLA.
    pub overdue: usize,
}

#[derive(Clone)]
pub struct QueueService {
    store: Arc<dyn ReviewQueueStore>,
    clock: Arc<dyn Clock>,
    keys: Secrets<ContinuationKeys>,
    policy: QueuePolicy,
}

impl QueueService {
    pub fn new(
        store: Arc<dyn ReviewQueueStore>,
        clock: Arc<dyn Clock>,
        keys: Secrets<ContinuationKeys>,
        policy: QueuePolicy,
    ) -> Self {
        Self {
            store,
            clock,
            keys,
            policy,
        }
    }

    /// Up to `limit` pairs of `queue` after `cursor` (the previous page's `next_cursor`).
    pub async fn list(
        &self,
        queue: Queue,
        cursor: Option<&str>,
        limit: usize,
    ) -> Result<Listing, QueueError> {
        let keys = self
            .keys
            .current()
            .await
            .map_err(|e| QueueError::Keys(e.to_string()))?;
        let after = cursor
            .map(|c| open(&keys, queue, c).ok_or(QueueError::Cursor))
            .transpose()?;
        let now = self.clock.now();
        let page = self
            .store
            .waiting(queue, after.as_ref(), limit.clamp(1, MAX_PAGE), now)
            .await?;
        Ok(Listing {
            queue,
            pairs: page.pairs,
            next_cursor: page.next.map(|next| seal(&keys, queue, &next)),
        })
    }

    /// Claims `client_id`'s waiting pair for `reviewer` for the policy's time. A write refused
    /// because the record changed is decided again on a fresh read: it then finds the other
    /// reviewer's claim, or claims the pair as it stands now.
    pub async fn claim(
        &self,
        client_id: &ClientId,
        reviewer: &Principal,
    ) -> Result<Claimed, ClaimError> {
        let mut attempts = 0;
        loop {
            attempts += 1;
            let now = self.clock.now();
            let record = self.store.load(client_id).await?;
            let write =
                machine::claim_review(record.as_ref(), reviewer, now, self.policy.claim_for)?;
            match self.store.claim_review(client_id, &write).await {
                Ok(()) => {
                    // The claim's audit: ids only, never the person's data.
                    tracing::info!(
                        principal = %reviewer,
                        client_id = %client_id,
                        pair_id = %write.pair_id,
                        until = %write.claim.until.to_rfc3339(),
                        "review claimed"
                    );
                    return Ok(Claimed {
                        pair_id: write.pair_id,
                        claim: write.claim,
                    });
                }
                Err(StoreError::Conflict) if attempts < 3 => continue,
                Err(other) => return Err(other.into()),
            }
        }
    }

    /// The queue's gauges at this moment, read page by page from the index.
    pub async fn gauges(&self, queue: Queue) -> Result<QueueGauges, StoreError> {
        let now = self.clock.now();
        let mut gauges = QueueGauges::default();
        let mut after = None;
        for _ in 0..GAUGE_PAGES {
            let page = self
                .store
                .waiting(queue, after.as_ref(), MAX_PAGE, now)
                .await?;
            for pair in &page.pairs {
                let waited = wait(pair.since, now);
                gauges.waiting += 1;
                gauges.oldest_wait = Some(gauges.oldest_wait.map_or(waited, |w| w.max(waited)));
                if waited > self.policy.sla {
                    gauges.overdue += 1;
                }
            }
            after = page.next;
            if after.is_none() {
                break;
            }
        }
        Ok(gauges)
    }
}

fn wait(since: Timestamp, now: Timestamp) -> Duration {
    Duration::from_secs(u64::try_from(now.unix_seconds() - since.unix_seconds()).unwrap_or(0))
}

/// What a cursor's MAC covers: what it is, the queue, and the position.
const CURSOR: &[u8] = b"review-queue-cursor";

/// `{waitingSince}.{clientId, hex}.{mac}`: opaque to the caller, bound to its queue.
fn seal(keys: &ContinuationKeys, queue: Queue, position: &QueuePosition) -> String {
    let since = position.since.unix_seconds().to_string();
    let client = hex::encode(position.client_id.as_str());
    let mac = keys.mac_parts(&[
        CURSOR,
        queue.as_str().as_bytes(),
        since.as_bytes(),
        client.as_bytes(),
    ]);
    format!("{since}.{client}.{mac}")
}

/// The position `cursor` names, if one of our keys sealed it for `queue`.
fn open(keys: &ContinuationKeys, queue: Queue, cursor: &str) -> Option<QueuePosition> {
    let mut parts = cursor.split('.');
    let (Some(since), Some(client), Some(mac), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return None;
    };
    let sealed = [
        CURSOR,
        queue.as_str().as_bytes(),
        since.as_bytes(),
        client.as_bytes(),
    ];
    if !keys.verify_parts(&sealed, mac) {
        return None;
    }
    let client_id = String::from_utf8(hex::decode(client).ok()?).ok()?;
    Some(QueuePosition {
        since: Timestamp::from_unix_seconds(since.parse().ok()?),
        client_id: ClientId::parse(&client_id).ok()?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use pair_adapters::store::MemoryStore;
    use pair_core::clock::ManualClock;
    use pair_core::pair::machine::fixtures::{NOW, at, pair, record};
    use pair_core::pair::{Outcome, PairRecord};
    use pair_core::ports::store::{Expected, SeedStore};

    /// A pair of `client` waiting since `since` (seconds from NOW), its record kept until
    /// `expires_in`.
    fn waiting_since(client: &str, since: i64, expires_in: i64) -> PairRecord {
        let mut waiting = record(
            Some(pair(3600, Some(Outcome::RequiresReview))),
            None,
            expires_in,
        );
        waiting.client_id = ClientId::parse(client).expect("an id");
        let shown = waiting
            .pair
            .as_ref()
            .and_then(|p| p.waiting())
            .map(|(_, w)| w);
        waiting.set_waiting(shown.map(|w| (at(since), w)));
        waiting
    }

    #[tokio::test]
    async fn the_gauges_count_the_live_waiting_the_oldest_wait_and_the_overdue() {
        let store = Arc::new(MemoryStore::new());
        for (client, since, expires_in) in [
            ("A", -30 * 3600, 86_400),
            ("B", -2 * 3600, 86_400),
            ("C", -600, 86_400),
            // Waited longest, but its record's retention ended: not counted.
            ("D", -50 * 3600, -1),
        ] {
            store
                .save(&waiting_since(client, since, expires_in), Expected::Absent)
                .await
                .expect("seeded");
        }
        let queue = QueueService::new(
            store,
            Arc::new(ManualClock::at(NOW)),
            Secrets::fixed(keys(KEY)),
            QueuePolicy {
                claim_for: Duration::from_secs(900),
                sla: Duration::from_secs(3600),
            },
        );
        assert_eq!(
            queue.gauges(Queue::RequiresReview).await.expect("counted"),
            QueueGauges {
                waiting: 3,
                oldest_wait: Some(Duration::from_secs(30 * 3600)),
                overdue: 2,
            }
        );
    }

    fn keys(list: &str) -> ContinuationKeys {
        ContinuationKeys::parse(list).expect("keys")
    }

    const KEY: &str = "queue-test-key-0123456789abcdef0123";
    const OTHER: &str = "another-key-0123456789abcdef012345";

    fn position() -> QueuePosition {
        QueuePosition {
            since: Timestamp::from_unix_seconds(1_800_000_000),
            client_id: ClientId::parse("USER.1_a").expect("an id"),
        }
    }

    #[test]
    fn a_cursor_opens_under_any_listed_key_and_nothing_else_does() {
        let cursor = seal(&keys(KEY), Queue::RequiresReview, &position());
        assert_eq!(
            open(&keys(KEY), Queue::RequiresReview, &cursor),
            Some(position())
        );
        let rotated = keys(&format!("{OTHER},{KEY}"));
        assert_eq!(
            open(&rotated, Queue::RequiresReview, &cursor),
            Some(position())
        );
        assert_eq!(open(&keys(OTHER), Queue::RequiresReview, &cursor), None);
        let (since, rest) = cursor.split_once('.').expect("three parts");
        let moved = format!("{}.{rest}", since.parse::<i64>().unwrap() - 1);
        for forged in [
            moved.as_str(),
            "",
            "1.2",
            "1800000000.55534552.00",
            &format!("{cursor}.x"),
        ] {
            assert_eq!(
                open(&keys(KEY), Queue::RequiresReview, forged),
                None,
                "{forged}"
            );
        }
    }
}
