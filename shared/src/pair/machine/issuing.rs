//! Issuance: whether a request for a clientId returns the pair it has, is refused, or mints a
//! new one — and the record states minting passes through:
//! `absent/stale → claimed → pending pair` (or back to unclaimed when iDenfy fails).
//!
//! Every write after the claim is conditioned on the claim's id, never on the record's
//! version: callbacks for the old pair bump the version while tokens are minted, and a
//! restart must still land.

use super::super::{Claim, ClientId, Mode, Outcome, Pair, PairRecord, PreviousPair};
use crate::clock::Timestamp;

/// Pairs a record keeps in `previous_pairs` after restarts; the oldest go first.
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
    });
    next.version += 1;
    next.claim = Some(write.claim.clone());
    next.expires_at = write.expires_at;
    if write.drop_expired_pair {
        next.pair = None;
        next.previous_pairs.clear();
    }
    Some(next)
}

/// The install of `pair`, minted under the claim `claim_id` over the record as read: the
/// replaced pair (if it was live) joins the record's bounded history.
pub fn install(
    read: Option<&PairRecord>,
    claim_id: &str,
    pair: Pair,
    expires_at: Timestamp,
    now: Timestamp,
) -> Install {
    let live = read.filter(|r| r.live_pair(now).is_some());
    let mut previous_pairs = live.map_or_else(Vec::new, |r| r.previous_pairs.clone());
    if let Some(replaced) = live.and_then(|r| r.pair.as_ref()) {
        previous_pairs.push(PreviousPair {
            pair_id: replaced.pair_id.clone(),
            mode: replaced.mode,
            outcome: replaced.verdict.as_ref().map(|v| v.outcome),
            reasons: replaced
                .verdict
                .as_ref()
                .map_or_else(Vec::new, |v| v.reasons.clone()),
            created_at: replaced.created_at,
            decided_at: replaced.verdict.as_ref().map(|v| v.decided_at),
            replaced_at: now,
        });
    }
    let excess = previous_pairs.len().saturating_sub(MAX_PREVIOUS_PAIRS);
    previous_pairs.drain(..excess);
    Install {
        claim_id: claim_id.to_owned(),
        pair,
        expires_at,
        previous_pairs,
    }
}

/// The record with `install` applied, or `None` when the claim is no longer `claim_id`'s.
pub fn installed(current: Option<&PairRecord>, install: &Install) -> Option<PairRecord> {
    let current = current.filter(|r| holds_claim(r, &install.claim_id))?;
    Some(PairRecord {
        client_id: current.client_id.clone(),
        version: current.version + 1,
        expires_at: install.expires_at,
        claim: None,
        pair: Some(install.pair.clone()),
        previous_pairs: install.previous_pairs.clone(),
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
mod tests {
    use super::super::fixtures::*;
    use super::*;
    use crate::pair::HalfResult;
    #[test]
    fn nothing_stored_mints_under_absent() {
        assert_eq!(
            decide_issuance(None, Mode::TwoSessions, false, NOW),
            IssuanceDecision::Mint(ClaimCondition::Absent)
        );
    }

    #[test]
    fn live_pending_pair_is_returned_unless_restart() {
        let r = record(Some(pair(60, None)), None, 86_400);
        assert_eq!(
            decide_issuance(Some(&r), Mode::TwoSessions, false, NOW),
            IssuanceDecision::ReturnExisting(Box::new(pair(60, None)))
        );
        assert_eq!(
            decide_issuance(Some(&r), Mode::TwoSessions, true, NOW),
            IssuanceDecision::Mint(ClaimCondition::SamePair(Some("p1".into())))
        );
    }

    #[test]
    fn pending_pair_is_replaced_only_once_its_results_are_no_longer_due() {
        let mut opened_late = pair(0, None);
        opened_late.results_due_by = Some(at(1800));
        let r = record(Some(opened_late.clone()), None, 86_400);
        assert_eq!(
            decide_issuance(Some(&r), Mode::TwoSessions, false, NOW),
            IssuanceDecision::ReturnExisting(Box::new(opened_late.clone())),
            "the link is dead, but a session opened at its last moment may still be running"
        );
        assert_eq!(
            decide_issuance(Some(&r), Mode::TwoSessions, false, at(1800)),
            IssuanceDecision::Mint(ClaimCondition::Version(7))
        );
        // A record from before `results_due_by` existed: the link's expiry stands in.
        let legacy = record(Some(pair(0, None)), None, 86_400);
        assert_eq!(
            decide_issuance(Some(&legacy), Mode::TwoSessions, false, NOW),
            IssuanceDecision::Mint(ClaimCondition::Version(7))
        );
    }

    #[test]
    fn pending_pair_with_results_arriving_is_kept_after_its_link_expired() {
        let mut under_way = pair(0, None);
        under_way.results.insert(
            "scan-identity".into(),
            HalfResult {
                received_at: at(-5),
                ..final_half(None)
            },
        );
        let r = record(Some(under_way.clone()), None, 86_400);
        assert_eq!(
            decide_issuance(Some(&r), Mode::TwoSessions, false, NOW),
            IssuanceDecision::ReturnExisting(Box::new(under_way))
        );
    }

    #[test]
    fn incomplete_pair_is_issued_again_without_restart() {
        let r = record(Some(pair(60, Some(Outcome::Incomplete))), None, 86_400);
        assert_eq!(
            decide_issuance(Some(&r), Mode::TwoSessions, false, NOW),
            IssuanceDecision::Mint(ClaimCondition::Version(7))
        );
    }

    #[test]
    fn decided_pair_is_refused_unless_restart() {
        let r = record(Some(pair(60, Some(Outcome::Rejected))), None, 86_400);
        assert_eq!(
            decide_issuance(Some(&r), Mode::TwoSessions, false, NOW),
            IssuanceDecision::AlreadyDecided(Outcome::Rejected)
        );
        assert_eq!(
            decide_issuance(Some(&r), Mode::TwoSessions, true, NOW),
            IssuanceDecision::Mint(ClaimCondition::SamePair(Some("p1".into())))
        );
    }

    #[test]
    fn live_claim_blocks_even_a_restart_and_a_lapsed_one_does_not() {
        let r = record(None, Some(5), 86_400);
        assert_eq!(
            decide_issuance(Some(&r), Mode::TwoSessions, true, NOW),
            IssuanceDecision::InProgress { claim_until: at(5) }
        );
        let lapsed = record(None, Some(0), 86_400);
        assert_eq!(
            decide_issuance(Some(&lapsed), Mode::TwoSessions, false, NOW),
            IssuanceDecision::Mint(ClaimCondition::Version(7))
        );
    }

    #[test]
    fn expired_record_counts_as_absent_even_if_readable() {
        let r = record(Some(pair(60, Some(Outcome::Verified))), None, 0);
        assert!(r.live_pair(NOW).is_none());
        assert_eq!(
            decide_issuance(Some(&r), Mode::TwoSessions, false, NOW),
            IssuanceDecision::Mint(ClaimCondition::Version(7))
        );
    }

    fn claim(until: i64) -> Claim {
        Claim {
            id: "mine".into(),
            until: at(until),
        }
    }

    #[test]
    fn claim_keeps_the_old_pair_and_release_restores_it() {
        let old = record(Some(pair(60, Some(Outcome::Verified))), None, 86_400);
        let write = claim_write(Some(&old), claim(60), ClaimCondition::Version(7), NOW);
        let c = claimed(Some(&old), &old.client_id, &write).unwrap();
        assert_eq!((c.version, c.expires_at), (8, at(86_400)));
        assert_eq!(c.pair, old.pair);
        assert_eq!(
            claimed(Some(&c), &old.client_id, &write),
            None,
            "the version moved on"
        );
        assert_eq!(released(Some(&c), "not-mine"), None);
        let r = released(Some(&c), "mine").unwrap();
        assert_eq!((r.version, r.claim.clone()), (9, None));
        assert_eq!(r.pair, old.pair);
    }

    #[test]
    fn install_replaces_the_pair_under_the_claim_and_keeps_the_old_outcome() {
        let mut old = record(Some(pair(60, Some(Outcome::Verified))), None, 86_400);
        old.previous_pairs = (0..MAX_PREVIOUS_PAIRS)
            .map(|n| crate::pair::PreviousPair {
                pair_id: format!("older-{n}"),
                mode: Mode::TwoSessions,
                outcome: None,
                reasons: vec![],
                created_at: at(-100),
                decided_at: None,
                replaced_at: at(-50),
            })
            .collect();
        let write = claim_write(
            Some(&old),
            claim(60),
            ClaimCondition::SamePair(Some("p1".into())),
            NOW,
        );
        let mut c = claimed(Some(&old), &old.client_id, &write).unwrap();
        // A callback for the old pair lands while the tokens are minted.
        c.version += 1;
        let fresh = Pair {
            pair_id: "p2".into(),
            ..pair(3600, None)
        };
        let install = install(Some(&old), "mine", fresh.clone(), at(1000), NOW);
        assert_eq!(install.previous_pairs.len(), MAX_PREVIOUS_PAIRS);
        assert_eq!(
            install.previous_pairs[0].pair_id, "older-1",
            "the oldest went"
        );
        let kept = install.previous_pairs.last().unwrap();
        assert_eq!(
            (
                kept.pair_id.as_str(),
                kept.outcome,
                kept.reasons.clone(),
                kept.decided_at,
                kept.replaced_at
            ),
            (
                "p1",
                Some(Outcome::Verified),
                vec![crate::pair::Reason::NameMismatch],
                Some(at(-1)),
                NOW
            )
        );
        let n = installed(Some(&c), &install).unwrap();
        assert_eq!(
            (n.version, n.claim.clone(), n.expires_at),
            (c.version + 1, None, at(1000))
        );
        assert_eq!(n.pair, Some(fresh));
        assert_eq!(installed(Some(&n), &install), None, "the claim is spent");
    }

    #[test]
    fn a_restart_claims_whatever_the_old_pair_received_but_not_over_a_live_claim() {
        let old = record(Some(pair(60, None)), None, 86_400);
        let condition = ClaimCondition::SamePair(Some("p1".into()));
        let mut moved_on = old.clone();
        moved_on.version += 3;
        assert!(condition.holds(Some(&moved_on), NOW));
        let mut replaced = old.clone();
        replaced.pair = Some(Pair {
            pair_id: "p9".into(),
            ..pair(60, None)
        });
        assert!(!condition.holds(Some(&replaced), NOW));
        let mut claimed_by_another = old.clone();
        claimed_by_another.claim = Some(Claim {
            id: "theirs".into(),
            until: at(5),
        });
        assert!(!condition.holds(Some(&claimed_by_another), NOW));
        assert!(
            condition.holds(Some(&claimed_by_another), at(5)),
            "a lapsed claim"
        );
        assert!(!condition.holds(None, NOW));
    }

    #[test]
    fn claiming_over_an_expired_pair_drops_it_for_good() {
        let mut expired = record(Some(pair(60, None)), None, 0);
        expired.previous_pairs = install(
            Some(&record(Some(pair(60, None)), None, 86_400)),
            "x",
            pair(60, None),
            at(1),
            NOW,
        )
        .previous_pairs;
        let write = claim_write(Some(&expired), claim(60), ClaimCondition::Version(7), NOW);
        assert!(write.drop_expired_pair);
        let c = claimed(Some(&expired), &expired.client_id, &write).unwrap();
        assert_eq!((c.pair.clone(), c.previous_pairs.clone()), (None, vec![]));
        assert_eq!(c.expires_at, at(60));
        assert_eq!(released(Some(&c), "mine").unwrap().live_pair(NOW), None);
    }

    #[test]
    fn pending_pair_of_the_other_mode_is_not_handed_out_unless_restart() {
        let r = record(Some(pair(60, None)), None, 86_400);
        assert_eq!(
            decide_issuance(Some(&r), Mode::AdditionalStep, false, NOW),
            IssuanceDecision::OtherMode(Mode::TwoSessions)
        );
        assert_eq!(
            decide_issuance(Some(&r), Mode::AdditionalStep, true, NOW),
            IssuanceDecision::Mint(ClaimCondition::SamePair(Some("p1".into())))
        );
    }
}
