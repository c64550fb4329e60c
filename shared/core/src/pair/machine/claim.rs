//! A reviewer's claim on a pair waiting for review ([`crate::pair::queue`]): allowed on a live
//! pair in the queue that nobody else holds (the claimant may claim again, to extend it). The
//! store writes it under the record's version as read, so of two reviewers claiming at once
//! one holds it and the other is told who does. While it holds, a review by anyone else is
//! refused ([`super::decide_review`], and the verdict's write: [`super::accept_verdict`]).

use super::super::queue::{ClaimEntry, MAX_CLAIMS_KEPT, ReviewClaim};
use super::super::{PairRecord, PairStatus, Principal};
use crate::clock::Timestamp;
use std::time::Duration;

/// The write that records a claim.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClaimReview {
    /// The record's version as read: the claim holds only if nothing changed since.
    pub read_version: u64,
    pub pair_id: String,
    pub claim: ReviewClaim,
    /// The pair's claims with this one, bounded ([`MAX_CLAIMS_KEPT`]).
    pub claims: Vec<ClaimEntry>,
}

/// Why a claim was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ClaimRefused {
    #[error("no live verification for this clientId")]
    NoPair,
    #[error("the pair does not wait for review")]
    NotWaiting { status: PairStatus },
    #[error("another reviewer holds the pair")]
    Claimed { claim: ReviewClaim },
}

/// The claim `reviewer` makes on `record` at `now`, held for `hold`, or why none.
pub fn claim_review(
    record: Option<&PairRecord>,
    reviewer: &Principal,
    now: Timestamp,
    hold: Duration,
) -> Result<ClaimReview, ClaimRefused> {
    let record = record.ok_or(ClaimRefused::NoPair)?;
    let pair = record.live_pair(now).ok_or(ClaimRefused::NoPair)?;
    // By the pair's verdict, not the stored queue entry: a pair waiting since before the
    // queue existed is claimed too.
    if pair.waiting().is_none() {
        return Err(ClaimRefused::NotWaiting {
            status: pair.status(),
        });
    }
    held_by_other(record, reviewer.as_str(), now).map_err(|claim| ClaimRefused::Claimed {
        claim: claim.clone(),
    })?;
    let claim = ReviewClaim {
        by: reviewer.as_str().to_owned(),
        until: now.plus(hold),
    };
    let mut claims = pair.review_claims.clone();
    claims.push(ClaimEntry {
        by: claim.by.clone(),
        at: now,
        until: claim.until,
    });
    let excess = claims.len().saturating_sub(MAX_CLAIMS_KEPT);
    claims.drain(..excess);
    Ok(ClaimReview {
        read_version: record.version,
        pair_id: pair.pair_id.clone(),
        claim,
        claims,
    })
}

/// The record after `write`, or `None` when it changed since it was read.
pub fn claimed_review(current: &PairRecord, write: &ClaimReview) -> Option<PairRecord> {
    if current.version != write.read_version {
        return None;
    }
    let mut next = current.clone();
    next.version += 1;
    next.review_claim = Some(write.claim.clone());
    next.pair.as_mut()?.review_claims = write.claims.clone();
    Some(next)
}

/// Ok when `reviewer` may act on the record at `now`: no claim holds, or theirs does; else
/// the claim that holds.
pub fn held_by_other<'a>(
    record: &'a PairRecord,
    reviewer: &str,
    now: Timestamp,
) -> Result<(), &'a ReviewClaim> {
    match ReviewClaim::holding(record.review_claim.as_ref(), now) {
        Some(claim) if claim.by != reviewer => Err(claim),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::*;
    use super::*;
    use crate::pair::Outcome;

    const HOLD: Duration = Duration::from_secs(15 * 60);

    fn waiting() -> PairRecord {
        let mut r = record(
            Some(pair(3600, Some(Outcome::RequiresReview))),
            None,
            86_400,
        );
        let shown = r.pair.as_ref().and_then(|p| p.waiting());
        r.set_waiting(shown);
        r
    }

    fn reviewer(name: &str) -> Principal {
        Principal::parse(name).expect("a principal")
    }

    fn claimed(r: &PairRecord, by: &str, now: Timestamp) -> Result<PairRecord, ClaimRefused> {
        let write = claim_review(Some(r), &reviewer(by), now, HOLD)?;
        Ok(claimed_review(r, &write).expect("written on the version read"))
    }

    #[test]
    fn one_reviewer_holds_a_pair_until_the_claim_lapses() {
        let r = claimed(&waiting(), "alice", NOW).expect("claimed");
        assert_eq!(
            r.review_claim.as_ref().map(|c| (c.by.as_str(), c.until)),
            Some(("alice", NOW.plus(HOLD)))
        );
        let Err(ClaimRefused::Claimed { claim }) = claimed(&r, "bob", at(60)) else {
            panic!("bob must be refused while alice holds it");
        };
        assert_eq!(claim.by, "alice");
        let again = claimed(&r, "alice", at(60)).expect("the claimant extends");
        assert_eq!(again.review_claim.map(|c| c.until), Some(at(60).plus(HOLD)));
        let lapsed = NOW.plus(HOLD);
        let taken = claimed(&r, "bob", lapsed).expect("a lapsed claim is anyone's");
        let audit: Vec<&str> = taken
            .pair
            .as_ref()
            .unwrap()
            .review_claims
            .iter()
            .map(|c| c.by.as_str())
            .collect();
        assert_eq!(audit, ["alice", "bob"], "every claim is kept");
    }

    #[test]
    fn of_two_claims_on_the_same_read_one_is_written() {
        let r = waiting();
        let alice = claim_review(Some(&r), &reviewer("alice"), NOW, HOLD).unwrap();
        let bob = claim_review(Some(&r), &reviewer("bob"), NOW, HOLD).unwrap();
        let after = claimed_review(&r, &alice).expect("first");
        assert_eq!(claimed_review(&after, &bob), None, "the record changed");
    }

    #[test]
    fn only_a_live_waiting_pair_is_claimed() {
        assert_eq!(
            claim_review(None, &reviewer("alice"), NOW, HOLD),
            Err(ClaimRefused::NoPair)
        );
        let verified = record(Some(pair(3600, Some(Outcome::Verified))), None, 86_400);
        assert_eq!(
            claim_review(Some(&verified), &reviewer("alice"), NOW, HOLD),
            Err(ClaimRefused::NotWaiting {
                status: PairStatus::Verified
            })
        );
        let mut expired = waiting();
        expired.expires_at = at(-1);
        assert_eq!(
            claim_review(Some(&expired), &reviewer("alice"), NOW, HOLD),
            Err(ClaimRefused::NoPair)
        );
    }

    #[test]
    fn a_pair_waiting_before_the_queue_existed_is_claimed_too() {
        let mut r = waiting();
        r.set_waiting(None);
        assert!(claimed(&r, "alice", NOW).is_ok());
    }

    #[test]
    fn the_claims_kept_are_bounded() {
        let mut r = waiting();
        for minute in 0..(MAX_CLAIMS_KEPT as i64 + 5) {
            r = claimed(&r, "alice", at(minute * 60)).unwrap();
        }
        let kept = &r.pair.as_ref().unwrap().review_claims;
        assert_eq!(kept.len(), MAX_CLAIMS_KEPT);
        assert_eq!(
            kept.last().map(|c| c.at),
            Some(at((MAX_CLAIMS_KEPT as i64 + 4) * 60))
        );
    }
}
