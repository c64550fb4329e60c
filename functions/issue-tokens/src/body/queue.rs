//! The reviewers' queue as a page of JSON, a claim as recorded, and the queue run's gauges:
//! ids, reasons and times, never the person's data.

use pair_app::review::queue::{Claimed, Listing, QueueGauges};
use pair_core::pair::queue::{QueuedPair, ReviewClaim};
use pair_core::pair::{ClientId, Mode, PairStatus, Reason};
use serde::Serialize;

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct QueueBody<'a> {
    status: &'static str,
    items: Vec<QueueItem<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    next_cursor: Option<&'a str>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct QueueItem<'a> {
    client_id: &'a str,
    pair_id: &'a str,
    status: PairStatus,
    reasons: &'a [Reason],
    waiting_since: String,
    verdict_version: u32,
    mode: Mode,
    #[serde(flatten)]
    claim: Option<ClaimBody<'a>>,
}

/// Who holds a pair, until when.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ClaimBody<'a> {
    claimed_by: &'a str,
    claimed_until: String,
}

impl<'a> From<&'a ReviewClaim> for ClaimBody<'a> {
    fn from(claim: &'a ReviewClaim) -> Self {
        Self {
            claimed_by: &claim.by,
            claimed_until: claim.until.to_rfc3339(),
        }
    }
}

impl<'a> From<&'a Listing> for QueueBody<'a> {
    fn from(listing: &'a Listing) -> Self {
        Self {
            status: listing.queue.as_str(),
            items: listing.pairs.iter().map(QueueItem::from).collect(),
            next_cursor: listing.next_cursor.as_deref(),
        }
    }
}

impl<'a> From<&'a QueuedPair> for QueueItem<'a> {
    fn from(pair: &'a QueuedPair) -> Self {
        Self {
            client_id: pair.client_id.as_str(),
            pair_id: &pair.waiting.pair_id,
            // Only REQUIRES_REVIEW pairs wait in the queue.
            status: PairStatus::RequiresReview,
            reasons: &pair.waiting.reasons,
            waiting_since: pair.since.to_rfc3339(),
            verdict_version: pair.waiting.verdict_version,
            mode: pair.waiting.mode,
            claim: pair.claim.as_ref().map(ClaimBody::from),
        }
    }
}

/// A claim as recorded.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ClaimedBody<'a> {
    client_id: &'a str,
    pair_id: &'a str,
    #[serde(flatten)]
    claim: ClaimBody<'a>,
}

impl<'a> ClaimedBody<'a> {
    pub fn new(client_id: &'a ClientId, claimed: &'a Claimed) -> Self {
        Self {
            client_id: client_id.as_str(),
            pair_id: &claimed.pair_id,
            claim: ClaimBody::from(&claimed.claim),
        }
    }
}

/// What a queue run found.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct QueueGaugesBody {
    waiting: usize,
    oldest_wait_seconds: u64,
    overdue: usize,
}

impl From<QueueGauges> for QueueGaugesBody {
    fn from(gauges: QueueGauges) -> Self {
        Self {
            waiting: gauges.waiting,
            oldest_wait_seconds: gauges.oldest_wait.map_or(0, |w| w.as_secs()),
            overdue: gauges.overdue,
        }
    }
}
