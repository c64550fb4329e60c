//! The reviewers' queue: a pair waits in it while its verdict is REQUIRES_REVIEW, from the
//! first verdict of that run (a revision decided REQUIRES_REVIEW again keeps its place), and
//! leaves it with the verdict that ends the run, a restart, an erasure or its record's end.
//!
//! What the queue shows of a pair ([`Waiting`]) holds no personal data: ids, the reasons,
//! the verdict's version and the mode. It is stored beside the pair, with the queue's keys,
//! because the store lists the queue from an index that holds nothing else.
//!
//! A reviewer may claim a waiting pair ([`ReviewClaim`]) for a while, so that two reviewers do
//! not work on the same person; while the claim holds, nobody else decides it
//! ([`super::machine::claim`]). Each claim is kept on the pair ([`ClaimEntry`]).

use super::{ClientId, Mode, Outcome, Pair, Reason};
use crate::clock::Timestamp;
use serde::{Deserialize, Serialize};

/// The queues a site lists pairs by. Only pairs waiting for review today.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Queue {
    RequiresReview,
}

impl Queue {
    /// The queue of a `status` query value, if it names one.
    pub fn parse(status: &str) -> Option<Self> {
        match status {
            "REQUIRES_REVIEW" => Some(Queue::RequiresReview),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Queue::RequiresReview => "REQUIRES_REVIEW",
        }
    }
}

/// What the queue shows of a waiting pair.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Waiting {
    pub pair_id: String,
    /// The version of the verdict a reviewer decides (the review request names it).
    pub verdict_version: u32,
    pub reasons: Vec<Reason>,
    pub mode: Mode,
}

/// A reviewer's hold on a waiting pair, until it lapses.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ReviewClaim {
    /// The authenticated caller (a JWT's subject, an IAM caller's ARN).
    pub by: String,
    pub until: Timestamp,
}

impl ReviewClaim {
    /// The claim, while it holds at `now`.
    pub fn holding(claim: Option<&Self>, now: Timestamp) -> Option<&Self> {
        claim.filter(|c| c.until > now)
    }
}

/// One claim as the pair keeps it: who, when, until when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ClaimEntry {
    pub by: String,
    pub at: Timestamp,
    pub until: Timestamp,
}

/// Where a page of the queue ended: the last pair it looked at (the next page starts after).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueuePosition {
    pub since: Timestamp,
    pub client_id: ClientId,
}

/// A pair as the queue lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueuedPair {
    pub client_id: ClientId,
    pub since: Timestamp,
    pub waiting: Waiting,
    /// The claim, while it holds.
    pub claim: Option<ReviewClaim>,
}

/// One page of a queue, oldest first; `next` is where the following page starts, absent on
/// the last. A page may hold fewer pairs than asked (expired ones are skipped), even none.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct QueuePage {
    pub pairs: Vec<QueuedPair>,
    pub next: Option<QueuePosition>,
}

/// The most claims a pair keeps (oldest dropped first).
pub const MAX_CLAIMS_KEPT: usize = 20;

impl Pair {
    /// When the pair started waiting for review, and what the queue shows of it; `None` when
    /// its verdict is not REQUIRES_REVIEW.
    pub fn waiting(&self) -> Option<(Timestamp, Waiting)> {
        let current = self
            .verdict
            .as_ref()
            .filter(|v| v.outcome == Outcome::RequiresReview)?;
        let since = self
            .earlier_verdicts
            .iter()
            .rev()
            .take_while(|v| v.outcome == Outcome::RequiresReview)
            .last()
            .map_or(current.decided_at, |first| first.decided_at);
        Some((
            since,
            Waiting {
                pair_id: self.pair_id.clone(),
                verdict_version: current.version,
                reasons: current.reasons.clone(),
                mode: self.mode,
            },
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pair::Verdict;
    use crate::pair::machine::fixtures::{at, pair};
    use crate::pair::machine::with_verdict;

    fn verdict(outcome: Outcome, version: u32, offset: i64) -> Verdict {
        Verdict {
            outcome,
            reasons: vec![Reason::NameMismatch],
            decided_at: at(offset),
            version,
            basis: Default::default(),
            review: None,
        }
    }

    #[test]
    fn a_pair_waits_from_the_first_verdict_of_its_review_run() {
        let mut p = pair(3600, None);
        assert_eq!(p.waiting(), None, "undecided");
        with_verdict(&mut p, verdict(Outcome::RequiresReview, 1, 10));
        assert_eq!(p.waiting().map(|w| w.0), Some(at(10)));
        with_verdict(&mut p, verdict(Outcome::RequiresReview, 2, 20));
        let (since, waiting) = p.waiting().expect("still waiting");
        assert_eq!((since, waiting.verdict_version), (at(10), 2));
        with_verdict(&mut p, verdict(Outcome::Verified, 3, 30));
        assert_eq!(p.waiting(), None, "reviewed");
        with_verdict(&mut p, verdict(Outcome::RequiresReview, 4, 40));
        assert_eq!(
            p.waiting().map(|w| w.0),
            Some(at(40)),
            "a new run starts when the pair waits again"
        );
    }

    #[test]
    fn the_queue_names_only_review() {
        assert_eq!(Queue::parse("REQUIRES_REVIEW"), Some(Queue::RequiresReview));
        for other in ["VERIFIED", "requires_review", "", "PENDING"] {
            assert_eq!(Queue::parse(other), None, "{other}");
        }
        assert_eq!(
            serde_json::to_value(Queue::RequiresReview).ok(),
            Some(serde_json::json!(Queue::RequiresReview.as_str()))
        );
    }
}
