//! Erasing a person: every pair of the clientId (the live one and those a restart replaced)
//! loses its results — names, dates of birth, tags, document digests — and what stays is an
//! audit without personal data: which pairs there were and how they ended, who erased and
//! when ([`erase`]). iDenfy's copy of every session ever minted for the clientId is deleted
//! through the session ledger ([`super::ledger`]); iDenfy may refuse for now (a session whose
//! token has not expired) or be down ([`DeletionRefusal`]), and each is asked again until
//! it is deleted.
//!
//! An erased record has no pair, so a late webhook for one of its sessions changes nothing
//! (the callback's rules need a live pair owning the scanRef) and the status is `ERASED`.

use super::{ClientId, PairRecord, PreviousPair, Principal};
use crate::clock::Timestamp;
use serde::{Deserialize, Serialize};
use std::time::Duration;

/// The latest erasure requests kept (who and when); older ones are dropped first.
pub const MAX_ERASURE_REQUESTS: usize = 10;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Erasure {
    /// Who asked and when, oldest first (an erasure may be asked again, e.g. after a new pair).
    pub requests: Vec<ErasureRequest>,
    /// Every pair of the clientId when it was erased, oldest first: ids and outcomes only.
    pub pairs: Vec<PreviousPair>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ErasureRequest {
    /// The authenticated caller (a JWT's subject, an IAM caller's ARN).
    pub by: String,
    pub at: Timestamp,
}

/// Why iDenfy did not delete a session this time; every kind is asked again later.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeletionRefusal {
    /// "Token has not expired yet.": the session's token is still live.
    TokenNotExpired,
    /// iDenfy was down, slow or rate limiting.
    Unavailable,
    /// Our API credentials were refused or unreadable.
    Credentials,
    /// Any other refusal (iDenfy's docs name no other).
    Refused,
}

impl DeletionRefusal {
    pub fn code(self) -> &'static str {
        match self {
            DeletionRefusal::TokenNotExpired => "TOKEN_NOT_EXPIRED",
            DeletionRefusal::Unavailable => "IDENFY_UNAVAILABLE",
            DeletionRefusal::Credentials => "CREDENTIALS",
            DeletionRefusal::Refused => "REFUSED",
        }
    }
}

/// The erased record of `client_id` (`stored`: its record as read, if the table still holds
/// one), erased by `by` at `now`: no pair, no claim, no history beside the audit. Kept at
/// least `keep_for` from now. The sessions to delete at iDenfy are the ledger's
/// ([`super::ledger`]), not this record's.
pub fn erase(
    client_id: &ClientId,
    stored: Option<&PairRecord>,
    by: &Principal,
    now: Timestamp,
    keep_for: Duration,
) -> PairRecord {
    let mut erasure = stored.and_then(|r| r.erasure.clone()).unwrap_or(Erasure {
        requests: vec![],
        pairs: vec![],
    });
    erasure.requests.push(ErasureRequest {
        by: by.as_str().to_owned(),
        at: now,
    });
    let excess = erasure.requests.len().saturating_sub(MAX_ERASURE_REQUESTS);
    erasure.requests.drain(..excess);
    let current = stored
        .and_then(|r| r.pair.as_ref())
        .map(|pair| PreviousPair::of(pair, now));
    let previous = stored.iter().flat_map(|r| r.previous_pairs.iter().cloned());
    for pair in previous.chain(current) {
        if !erasure.pairs.iter().any(|p| p.pair_id == pair.pair_id) {
            // An outcome is enough for record keeping; its reasons (SEX_MISMATCH,
            // PERMIT_FROM_OWN_NATIONALITY…) tied to a clientId are personal data.
            erasure.pairs.push(PreviousPair {
                reasons: vec![],
                scan_refs: vec![],
                late_results: vec![],
                ..pair
            });
        }
    }
    let keep_until = now.plus(keep_for);
    PairRecord {
        client_id: client_id.clone(),
        version: stored.map_or(1, |r| r.version + 1),
        expires_at: stored.map_or(keep_until, |r| r.expires_at.max(keep_until)),
        claim: None,
        pair: None,
        previous_pairs: vec![],
        expiry_watch: None,
        expiry_due: None,
        queue: None,
        waiting_since: None,
        waiting: None,
        review_claim: None,
        erasure: Some(erasure),
    }
}

#[cfg(test)]
mod tests;
