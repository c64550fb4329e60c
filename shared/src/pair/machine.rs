//! Every rule about how a pair record may change, in one place.
//!
//! Issuance: whether a request for a clientId returns the pair it has, is refused, or mints a
//! new chain — and the record states minting passes through:
//! `absent/stale → claimed → pending pair` (or back to unclaimed when iDenfy fails).
//!
//! Callbacks: a half is stored only into the live pair that owns its scanRef, and only over a
//! result of lower rank ([`accept_half`]); the verdict is due once every session of the pair
//! is final (both halves; the one session in additional-step mode) and none is recorded ([`verdict_due`]), and is recorded only once ([`accept_verdict`]). The
//! DynamoDB adapter states `accept_half` and `accept_verdict` as condition expressions; the
//! store conformance suite holds both adapters to the same outcomes.
//!
//! Invariants (each has a test): role from issuance's scanRef, never from the payload; a
//! foreign scanRef changes nothing; preliminary < final, duplicates change nothing; one
//! verdict per pair, from final halves only; any crash leaves the pair completable by a
//! retry; an expired pair is absent.

use super::verdict::{self, VerdictPolicy};
use super::{Claim, ClientId, HalfResult, Mode, Outcome, Pair, PairRecord, Role, Verdict};
use crate::clock::Timestamp;
use crate::store::Expected;

/// What an issuance request gets, given what is stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IssuanceDecision {
    /// A live pending pair whose link still works: hand it out again, mint nothing.
    ReturnExisting(Box<Pair>),
    /// The pair is decided; only an explicit restart replaces it.
    AlreadyDecided(Outcome),
    /// A live pending pair was issued in the other mode; only an explicit restart replaces it
    /// (handing it out would send the person through a method the caller did not ask for).
    OtherMode(Mode),
    /// Another request holds the claim and is minting right now.
    InProgress { claim_until: Timestamp },
    /// Mint a new chain, claiming the record under this condition first.
    Mint(Expected),
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

pub fn decide_issuance(
    record: Option<&PairRecord>,
    mode: Mode,
    restart: bool,
    now: Timestamp,
) -> IssuanceDecision {
    let expected = Expected::of(record);
    let Some(record) = record else {
        return IssuanceDecision::Mint(expected);
    };
    if let Some(claim) = record.live_claim(now) {
        return IssuanceDecision::InProgress {
            claim_until: claim.until,
        };
    }
    match record.live_pair(now) {
        Some(_) if restart => IssuanceDecision::Mint(expected),
        Some(pair) => match &pair.verdict {
            // An abandoned pair is no judgement of the person: asking again starts afresh.
            Some(verdict) if verdict.outcome == Outcome::Incomplete => {
                IssuanceDecision::Mint(expected)
            }
            Some(verdict) => IssuanceDecision::AlreadyDecided(verdict.outcome),
            // Results are arriving: the person is under way, and replacing the pair would
            // orphan them, even once the link itself has expired.
            None if pair.url_expires_at > now || !pair.results.is_empty() => {
                if pair.mode == mode {
                    IssuanceDecision::ReturnExisting(Box::new(pair.clone()))
                } else {
                    IssuanceDecision::OtherMode(pair.mode)
                }
            }
            None => IssuanceDecision::Mint(expected),
        },
        None => IssuanceDecision::Mint(expected),
    }
}

/// The record that claims the clientId for minting. A live previous pair stays untouched until
/// the new one replaces it, so a failed restart loses nothing; an expired one is dropped, so
/// the claim's later expiry cannot bring it back.
pub fn claimed(
    previous: Option<&PairRecord>,
    client_id: &ClientId,
    claim: Claim,
    expected: Expected,
    now: Timestamp,
) -> PairRecord {
    let live = previous.filter(|r| r.live_pair(now).is_some());
    PairRecord {
        client_id: client_id.clone(),
        version: expected.next_version(),
        expires_at: live.map_or(claim.until, |r| r.expires_at.max(claim.until)),
        claim: Some(claim),
        pair: live.and_then(|r| r.pair.clone()),
    }
}

/// The claimed record with the new pair in place and the claim released.
pub fn with_new_pair(claimed: &PairRecord, pair: Pair, expires_at: Timestamp) -> PairRecord {
    PairRecord {
        client_id: claimed.client_id.clone(),
        version: claimed.version + 1,
        expires_at,
        claim: None,
        pair: Some(pair),
    }
}

/// The claimed record with the claim given back (minting failed); the old pair, if any, stays.
pub fn released(claimed: &PairRecord) -> PairRecord {
    PairRecord {
        version: claimed.version + 1,
        claim: None,
        ..claimed.clone()
    }
}

/// The record with `half` stored as the latest result of session `scan_ref`, or `None` when
/// the rules say the callback changes nothing: no live pair, a scanRef the pair does not own,
/// or a stored result of the same or higher rank (a duplicate or a stale retry).
pub fn accept_half(
    record: &PairRecord,
    scan_ref: &str,
    half: &HalfResult,
    now: Timestamp,
) -> Option<PairRecord> {
    let pair = record.live_pair(now)?;
    pair.role_of(scan_ref)?;
    if pair
        .results
        .get(scan_ref)
        .is_some_and(|stored| stored.rank >= half.rank)
    {
        return None;
    }
    let mut next = record.clone();
    next.version += 1;
    if let Some(pair) = next.pair.as_mut() {
        pair.results.insert(scan_ref.to_owned(), half.clone());
        pair.updated_at = now;
    }
    Some(next)
}

/// The verdict to record, when none is recorded yet and every session of the pair is final:
/// both halves of a two-session pair, the one session of an additional-step pair.
pub fn verdict_due(pair: &Pair, policy: &VerdictPolicy, now: Timestamp) -> Option<Verdict> {
    if pair.verdict.is_some() {
        return None;
    }
    let identity = pair.half(Role::Identity).filter(|h| h.is_final())?;
    let (outcome, reasons): (Outcome, _) = match pair.mode {
        Mode::TwoSessions => {
            let document = pair.half(Role::Document).filter(|h| h.is_final())?;
            verdict::decide(identity, document, policy)
        }
        Mode::AdditionalStep => verdict::decide_additional_step(identity),
    };
    Some(Verdict {
        outcome,
        reasons,
        decided_at: now,
    })
}

/// The record with `verdict` in place, or `None` if the pair was replaced or already decided.
pub fn accept_verdict(record: &PairRecord, pair_id: &str, verdict: &Verdict) -> Option<PairRecord> {
    let pair = record.pair.as_ref()?;
    if pair.pair_id != pair_id || pair.verdict.is_some() {
        return None;
    }
    let mut next = record.clone();
    next.version += 1;
    if let Some(pair) = next.pair.as_mut() {
        pair.verdict = Some(verdict.clone());
        pair.updated_at = verdict.decided_at;
    }
    Some(next)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pair::{Reason, Session, Verdict};

    const NOW: Timestamp = Timestamp::from_unix_seconds(1_800_000_000);

    fn at(offset: i64) -> Timestamp {
        Timestamp::from_unix_seconds(NOW.unix_seconds() + offset)
    }

    fn pair(url_expires_in: i64, verdict: Option<Outcome>) -> Pair {
        Pair {
            pair_id: "p1".into(),
            identity: Session {
                scan_ref: "scan-identity".into(),
                external_ref: "idp-p1-identity".into(),
            },
            mode: Mode::TwoSessions,
            document: Some(Session {
                scan_ref: "scan-document".into(),
                external_ref: "idp-p1-document".into(),
            }),
            verification_url: "https://ivs.idenfy.com/api/v2/redirect?authToken=A".into(),
            url_expires_at: at(url_expires_in),
            created_at: at(-10),
            updated_at: at(-10),
            results: Default::default(),
            verdict: verdict.map(|outcome| Verdict {
                outcome,
                reasons: vec![Reason::NameMismatch],
                decided_at: at(-1),
            }),
        }
    }

    fn record(pair: Option<Pair>, claim_until: Option<i64>, expires_in: i64) -> PairRecord {
        PairRecord {
            client_id: ClientId::parse("c1").unwrap(),
            version: 7,
            expires_at: at(expires_in),
            claim: claim_until.map(|until| Claim {
                id: "claim".into(),
                until: at(until),
            }),
            pair,
        }
    }

    #[test]
    fn nothing_stored_mints_under_absent() {
        assert_eq!(
            decide_issuance(None, Mode::TwoSessions, false, NOW),
            IssuanceDecision::Mint(Expected::Absent)
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
            IssuanceDecision::Mint(Expected::Version(7))
        );
    }

    #[test]
    fn pending_pair_with_a_dead_link_is_replaced() {
        let r = record(Some(pair(0, None)), None, 86_400);
        assert_eq!(
            decide_issuance(Some(&r), Mode::TwoSessions, false, NOW),
            IssuanceDecision::Mint(Expected::Version(7))
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
            IssuanceDecision::Mint(Expected::Version(7))
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
            IssuanceDecision::Mint(Expected::Version(7))
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
            IssuanceDecision::Mint(Expected::Version(7))
        );
    }

    #[test]
    fn expired_record_counts_as_absent_even_if_readable() {
        let r = record(Some(pair(60, Some(Outcome::Verified))), None, 0);
        assert!(r.live_pair(NOW).is_none());
        assert_eq!(
            decide_issuance(Some(&r), Mode::TwoSessions, false, NOW),
            IssuanceDecision::Mint(Expected::Version(7))
        );
    }

    #[test]
    fn claim_keeps_the_old_pair_and_release_restores_it() {
        let old = record(Some(pair(60, Some(Outcome::Verified))), None, 86_400);
        let claim = Claim {
            id: "mine".into(),
            until: at(60),
        };
        let c = claimed(
            Some(&old),
            &old.client_id,
            claim.clone(),
            Expected::Version(7),
            NOW,
        );
        assert_eq!(c.version, 8);
        assert_eq!(c.pair, old.pair);
        let r = released(&c);
        assert_eq!(r.version, 9);
        assert_eq!(r.claim, None);
        assert_eq!(r.pair, old.pair);
        let n = with_new_pair(&c, pair(3600, None), at(1000));
        assert_eq!((n.version, n.claim.clone()), (9, None));
        assert_eq!(n.pair, Some(pair(3600, None)));
    }

    #[test]
    fn claiming_over_an_expired_pair_drops_it_for_good() {
        let expired = record(Some(pair(60, None)), None, 0);
        let claim = Claim {
            id: "mine".into(),
            until: at(60),
        };
        let c = claimed(
            Some(&expired),
            &expired.client_id,
            claim,
            Expected::Version(7),
            NOW,
        );
        assert_eq!(c.pair, None);
        assert_eq!(c.expires_at, at(60));
        assert_eq!(released(&c).live_pair(NOW), None);
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
            IssuanceDecision::Mint(Expected::Version(7))
        );
    }

    fn single_session_pair() -> Pair {
        Pair {
            mode: Mode::AdditionalStep,
            document: None,
            ..pair(60, None)
        }
    }

    fn final_half(permit_step: Option<crate::pair::PermitStep>) -> HalfResult {
        HalfResult {
            rank: crate::pair::Rank::Final,
            overall: crate::pair::OverallStatus::Approved,
            event_type: None,
            first_name: None,
            last_name: None,
            date_of_birth: None,
            doc_type: Some("ID_CARD".into()),
            doc_number_hash: None,
            tags: vec![],
            permit_step,
            received_at: NOW,
        }
    }

    #[test]
    fn additional_step_pair_is_decided_from_its_one_session() {
        let r = record(Some(single_session_pair()), None, 86_400);
        let policy = VerdictPolicy::default();
        let uploaded = crate::pair::PermitStep {
            listed: true,
            status: Some("VALID".into()),
            in_file_urls: true,
            in_pdf_urls: false,
        };
        // There is no document session: a scanRef that would be one is foreign here.
        assert_eq!(
            accept_half(&r, "scan-document", &final_half(None), NOW),
            None
        );
        let preliminary = HalfResult {
            rank: crate::pair::Rank::Preliminary,
            ..final_half(Some(uploaded.clone()))
        };
        let after_preliminary = accept_half(&r, "scan-identity", &preliminary, NOW).unwrap();
        assert_eq!(
            verdict_due(after_preliminary.pair.as_ref().unwrap(), &policy, NOW),
            None
        );
        let decided = accept_half(
            &after_preliminary,
            "scan-identity",
            &final_half(Some(uploaded)),
            NOW,
        )
        .unwrap();
        let verdict = verdict_due(decided.pair.as_ref().unwrap(), &policy, NOW).unwrap();
        assert_eq!(verdict.outcome, Outcome::RequiresReview);
        assert_eq!(verdict.reasons, vec![Reason::PermitNeedsManualReview]);
        let recorded = accept_verdict(&decided, "p1", &verdict).unwrap();
        assert_eq!(
            verdict_due(recorded.pair.as_ref().unwrap(), &policy, NOW),
            None
        );
        assert_eq!(accept_verdict(&recorded, "p1", &verdict), None);
    }
}
