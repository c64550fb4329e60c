//! A verified pair's permit renewal as record changes ([`super::super::renewal`] holds when one
//! may be opened): the minting claim ([`renewal_claimed`]), then the new DOCUMENT session in
//! place beside the proven identity ([`renewal_installed`]) — the old permit's session staying
//! the pair's, deciding until the renewal's result arrives.
//!
//! The use case writes each record these return whole, under the version it read.

use super::super::renewal::Renewal;
use super::super::{Claim, Pair, PairRecord, PermitPolicy, Session};
use crate::clock::Timestamp;

/// The record with the renewal's minting claim; the pair is left as it is.
pub fn renewal_claimed(record: &PairRecord, claim: Claim) -> PairRecord {
    let mut next = record.clone();
    next.version += 1;
    next.claim = Some(claim);
    next
}

/// A renewal's DOCUMENT session, minted under the claim `claim_id` for the pair `pair_id`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RenewalInstall {
    pub claim_id: String,
    pub pair_id: String,
    pub session: Session,
    pub renewal: Renewal,
    /// The permit policy the renewal is judged by.
    pub permit: PermitPolicy,
    pub now: Timestamp,
}

/// The record with the renewal in place and the claim given back, and the pair as installed;
/// `None` when the claim or the pair is no longer the one it was minted under.
pub fn renewal_installed(
    record: &PairRecord,
    install: &RenewalInstall,
) -> Option<(PairRecord, Pair)> {
    if record
        .claim
        .as_ref()
        .is_none_or(|c| c.id != install.claim_id)
    {
        return None;
    }
    let mut next = record.clone();
    next.version += 1;
    next.claim = None;
    let live = next
        .pair
        .as_mut()
        .filter(|p| p.pair_id == install.pair_id)?;
    // The old permit's session stays the pair's: it decides until the renewal's result.
    let replaced = live.document.replace(install.session.clone());
    live.earlier_documents
        .extend(replaced.map(|session| session.scan_ref));
    live.renewal = Some(install.renewal.clone());
    live.permit_policy = install.permit.clone();
    live.updated_at = install.now;
    let installed = live.clone();
    Some((next, installed))
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::*;
    use super::*;
    use crate::pair::Outcome;

    fn install(claim_id: &str, pair_id: &str) -> RenewalInstall {
        RenewalInstall {
            claim_id: claim_id.into(),
            pair_id: pair_id.into(),
            session: Session {
                scan_ref: "scan-renewal".into(),
                external_ref: "idp-p1-document".into(),
            },
            renewal: Renewal {
                scan_ref: "scan-renewal".into(),
                verification_url: "https://ivs.idenfy.com/api/v2/redirect?authToken=R".into(),
                opened_at: NOW,
                results_due_by: at(7200),
            },
            permit: Default::default(),
            now: NOW,
        }
    }

    #[test]
    fn a_renewal_installs_under_its_claim_beside_the_proven_identity() {
        let verified = record(Some(pair(3600, Some(Outcome::Verified))), None, 86_400);
        let claimed = renewal_claimed(
            &verified,
            Claim {
                id: "r1".into(),
                until: at(60),
            },
        );
        assert_eq!(claimed.pair, verified.pair, "the pair is left as it is");
        assert!(
            renewal_installed(&claimed, &install("r2", "p1")).is_none(),
            "another claim"
        );
        assert!(
            renewal_installed(&claimed, &install("r1", "p2")).is_none(),
            "another pair"
        );
        let (next, pair) = renewal_installed(&claimed, &install("r1", "p1")).expect("installed");
        assert_eq!(next.claim, None);
        assert_eq!(next.pair.as_ref(), Some(&pair));
        assert_eq!(
            pair.document.map(|d| d.scan_ref).as_deref(),
            Some("scan-renewal")
        );
        assert_eq!(pair.earlier_documents, ["scan-document"]);
        assert_eq!(pair.identity.scan_ref, "scan-identity");
        assert_eq!(pair.verdict.map(|v| v.outcome), Some(Outcome::Verified));
    }
}
