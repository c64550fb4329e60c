//! Issuance: whether a request for a clientId returns the pair it has, is refused, or mints a
//! new one — and the record states minting passes through:
//! `absent/stale → claimed → pending pair` (or back to unclaimed when iDenfy fails).
//!
//! Every write after the claim is conditioned on the claim's id, never on the record's
//! version: callbacks for the old pair bump the version while tokens are minted, and a
//! restart must still land.

use super::super::{Claim, ClientId, Mode, Outcome, Pair, PairRecord, PreviousPair};
use crate::clock::Timestamp;

/// Pairs a record keeps in `previous_pairs` after restarts; the oldest go first, except a
/// REJECTED one, which never drops out of a client's history.
pub const MAX_PREVIOUS_PAIRS: usize = 10;

/// What an issuance request gets, given what is stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IssuanceDecision {
    /// A live pending pair the person may still be using: hand it out again, mint nothing.
    ReturnExisting(Box<Pair>),
    /// The pair is decided; only an explicit restart replaces it.
    AlreadyDecided(Outcome),
    /// A live pending pair was issued in the other mode; only an explicit restart replaces it
    /// (handing it out would send the person through a method the caller did not ask for).
    OtherMode(Mode),
    /// Another request holds the claim and is minting right now.
    InProgress { claim_until: Timestamp },
    /// Mint a new pair, claiming the record under this condition first.
    Mint(ClaimCondition),
}

/// What must still hold when the claim is written: what the decision to mint was taken on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClaimCondition {
    /// Nothing is stored for the clientId.
    Absent,
    /// The record is exactly as read: a plain request decided on the pair's state.
    Version(u64),
    /// A restart replaces the pair whatever its results, so callbacks may keep landing on it:
    /// only the pair must still be the one read (`None`: no pair), and no claim live.
    SamePair(Option<String>),
}

impl ClaimCondition {
    pub fn holds(&self, current: Option<&PairRecord>, now: Timestamp) -> bool {
        match self {
            ClaimCondition::Absent => current.is_none(),
            ClaimCondition::Version(version) => current.is_some_and(|r| r.version == *version),
            ClaimCondition::SamePair(pair_id) => current.is_some_and(|r| {
                r.live_claim(now).is_none()
                    && r.pair.as_ref().map(|p| &p.pair_id) == pair_id.as_ref()
            }),
        }
    }
}

/// The claim write: the claim, its condition, the record's expiry while claimed, and whether
/// the stored pair goes (it had expired: its retention is over, history included).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClaimWrite {
    pub claim: Claim,
    pub condition: ClaimCondition,
    pub expires_at: Timestamp,
    pub drop_expired_pair: bool,
    /// When the write is made: the condition is judged at this time.
    pub now: Timestamp,
}

/// The write that puts a freshly minted pair in place of the claim.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Install {
    pub claim_id: String,
    /// The version of the record the history was built from: the install holds only while
    /// the record is still at it, so a verdict or a result landing during minting is never
    /// overwritten by an older copy of the replaced pair.
    pub read_version: u64,
    pub pair: Pair,
    pub expires_at: Timestamp,
    /// The record's history with the replaced pair added (bounded).
    pub previous_pairs: Vec<PreviousPair>,
}

impl PairRecord {
    /// The pair, unless the record has passed its retention expiry. DynamoDB's TTL deletes
    /// lazily, so an expired record can still be read: it counts as absent.
    pub fn live_pair(&self, now: Timestamp) -> Option<&Pair> {
        self.pair.as_ref().filter(|_| self.expires_at > now)
    }

    fn live_claim(&self, now: Timestamp) -> Option<&Claim> {
        self.claim.as_ref().filter(|claim| claim.until > now)
    }
}

impl Pair {
    /// Until then a pending pair is not replaced without a restart: its link may have been
    /// opened at the last moment and the sessions' results may still come.
    pub fn replaceable_after(&self) -> Timestamp {
        self.results_due_by.unwrap_or(self.url_expires_at)
    }
}

pub fn decide_issuance(
    record: Option<&PairRecord>,
    mode: Mode,
    restart: bool,
    now: Timestamp,
) -> IssuanceDecision {
    let Some(record) = record else {
        return IssuanceDecision::Mint(ClaimCondition::Absent);
    };
    if let Some(claim) = record.live_claim(now) {
        return IssuanceDecision::InProgress {
            claim_until: claim.until,
        };
    }
    let as_read = ClaimCondition::Version(record.version);
    if restart {
        return IssuanceDecision::Mint(ClaimCondition::SamePair(
            record.pair.as_ref().map(|p| p.pair_id.clone()),
        ));
    }
    match record.live_pair(now) {
        Some(pair) => match &pair.verdict {
            // An abandoned pair is no judgement of the person: asking again starts afresh.
            Some(verdict) if verdict.outcome == Outcome::Incomplete => {
                IssuanceDecision::Mint(as_read)
            }
            Some(verdict) => IssuanceDecision::AlreadyDecided(verdict.outcome),
            // The person may be under way (results arriving, or a session opened late):
            // replacing the pair would orphan them, even once the link itself has expired.
            None if pair.replaceable_after() > now || !pair.results.is_empty() => {
                if pair.mode == mode {
                    IssuanceDecision::ReturnExisting(Box::new(pair.clone()))
                } else {
                    IssuanceDecision::OtherMode(pair.mode)
                }
            }
            None => IssuanceDecision::Mint(as_read),
        },
        None => IssuanceDecision::Mint(as_read),
    }
}

/// The claim write for `condition` over the record as read. A live previous pair stays
/// untouched until the new one replaces it, so a failed restart loses nothing.
pub fn claim_write(
    read: Option<&PairRecord>,
    claim: Claim,
    condition: ClaimCondition,
    now: Timestamp,
) -> ClaimWrite {
    let live = read.filter(|r| r.live_pair(now).is_some());
    ClaimWrite {
        expires_at: live.map_or(claim.until, |r| r.expires_at.max(claim.until)),
        drop_expired_pair: read.is_some_and(|r| r.pair.is_some()) && live.is_none(),
        claim,
        condition,
        now,
    }
}

/// The record after `write`, or `None` when its condition fails.
pub fn claimed(
    current: Option<&PairRecord>,
    client_id: &ClientId,
    write: &ClaimWrite,
) -> Option<PairRecord> {
    if !write.condition.holds(current, write.now) {
        return None;
    }
    let mut next = current.cloned().unwrap_or_else(|| PairRecord {
        client_id: client_id.clone(),
        version: 0,
        expires_at: write.expires_at,
        claim: None,
        pair: None,
        previous_pairs: vec![],
        erasure: None,
        expiry_watch: None,
        expiry_due: None,
        queue: None,
        waiting_since: None,
        waiting: None,
        review_claim: None,
    });
    next.version += 1;
    next.claim = Some(write.claim.clone());
    next.expires_at = write.expires_at;
    if write.drop_expired_pair {
        next.pair = None;
        next.previous_pairs.clear();
        next.set_watch(None);
        next.set_waiting(None);
    }
    Some(next)
}

/// The install of `pair`, minted under the claim `claim_id`, over the record as read under
/// that claim (after minting): the replaced pair (if it was live), as it stands then, joins the
/// record's bounded history.
pub fn install(
    under_claim: &PairRecord,
    claim_id: &str,
    pair: Pair,
    expires_at: Timestamp,
    now: Timestamp,
) -> Install {
    let live = Some(under_claim).filter(|r| r.live_pair(now).is_some());
    let mut previous_pairs = live.map_or_else(Vec::new, |r| r.previous_pairs.clone());
    if let Some(replaced) = live.and_then(|r| r.pair.as_ref()) {
        previous_pairs.push(PreviousPair::of(replaced, now));
    }
    trim(&mut previous_pairs);
    Install {
        claim_id: claim_id.to_owned(),
        read_version: under_claim.version,
        pair,
        expires_at,
        previous_pairs,
    }
}

/// Bounds the history to [`MAX_PREVIOUS_PAIRS`], dropping the oldest first — but never a
/// REJECTED pair: a restart must not make a rejection disappear.
fn trim(previous_pairs: &mut Vec<PreviousPair>) {
    let mut excess = previous_pairs.len().saturating_sub(MAX_PREVIOUS_PAIRS);
    previous_pairs.retain(|p| {
        let drop = excess > 0 && p.outcome != Some(Outcome::Rejected);
        if drop {
            excess -= 1;
        }
        !drop
    });
}

/// The record with `install` applied, or `None` when the claim is no longer `claim_id`'s or
/// the record changed since the install was built from it.
pub fn installed(current: Option<&PairRecord>, install: &Install) -> Option<PairRecord> {
    let current = current
        .filter(|r| holds_claim(r, &install.claim_id) && r.version == install.read_version)?;
    Some(PairRecord {
        client_id: current.client_id.clone(),
        version: current.version + 1,
        expires_at: install.expires_at,
        claim: None,
        pair: Some(install.pair.clone()),
        previous_pairs: install.previous_pairs.clone(),
        // An erasure's audit (and its pending deletions) outlives a new pair.
        erasure: current.erasure.clone(),
        expiry_watch: None,
        expiry_due: None,
        queue: None,
        waiting_since: None,
        waiting: None,
        review_claim: None,
    })
}

/// The record with claim `claim_id` given back (minting failed), or `None` when the claim is
/// no longer its own; the old pair, if any, stays as it is.
pub fn released(current: Option<&PairRecord>, claim_id: &str) -> Option<PairRecord> {
    let current = current.filter(|r| holds_claim(r, claim_id))?;
    Some(PairRecord {
        version: current.version + 1,
        claim: None,
        ..current.clone()
    })
}

fn holds_claim(record: &PairRecord, claim_id: &str) -> bool {
    record.claim.as_ref().is_some_and(|c| c.id == claim_id)
}

#[cfg(test)]
mod tests;
