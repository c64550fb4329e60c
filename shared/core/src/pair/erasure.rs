//! Erasing a person: every pair of the clientId (the live one and those a restart replaced)
//! loses its results — names, dates of birth, tags, document digests — and what stays is an
//! audit without personal data: which pairs there were and how they ended, who erased and
//! when, and whether iDenfy deleted each session ([`erase`]). iDenfy may refuse for now (a
//! session whose token has not expired) or be down: each session is asked again until it is
//! deleted ([`record_deletions`], [`due_for_deletion`]).
//!
//! An erased record has no pair, so a late webhook for one of its sessions changes nothing
//! (the callback's rules need a live pair owning the scanRef) and the status is `ERASED`.

use super::{PairRecord, PreviousPair, Principal};
use crate::clock::Timestamp;
use serde::{Deserialize, Serialize};
use std::time::Duration;

/// The latest erasure requests kept (who and when); older ones are dropped first.
pub const MAX_ERASURE_REQUESTS: usize = 10;

/// After this long without iDenfy deleting a session, it counts as overdue (metric, alarm).
pub const DELETION_OVERDUE_AFTER: Duration = Duration::from_secs(24 * 3600);

/// A session refused for now is asked again no sooner than this after its last attempt.
pub const DELETION_RETRY_AFTER: Duration = Duration::from_secs(10 * 60);

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Erasure {
    /// Who asked and when, oldest first (an erasure may be asked again, e.g. after a new pair).
    pub requests: Vec<ErasureRequest>,
    /// Every pair of the clientId when it was erased, oldest first: ids and outcomes only.
    pub pairs: Vec<PreviousPair>,
    /// iDenfy's copy of each session of those pairs.
    pub sessions: Vec<SessionDeletion>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ErasureRequest {
    /// The authenticated caller (a JWT's subject, an IAM caller's ARN).
    pub by: String,
    pub at: Timestamp,
}

/// One iDenfy session to delete, and how that went.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SessionDeletion {
    pub scan_ref: String,
    /// Set once iDenfy deleted it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deleted_at: Option<Timestamp>,
    #[serde(default)]
    pub attempts: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_attempt_at: Option<Timestamp>,
    /// Why the last attempt did not delete it: a code, never iDenfy's words
    /// ([`DeletionRefusal::code`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_refusal: Option<String>,
    /// When it was first asked for.
    pub requested_at: Timestamp,
}

impl SessionDeletion {
    pub fn is_deleted(&self) -> bool {
        self.deleted_at.is_some()
    }

    /// Still with iDenfy past [`DELETION_OVERDUE_AFTER`]: an operator should look.
    pub fn is_overdue(&self, now: Timestamp) -> bool {
        !self.is_deleted() && now >= self.requested_at.plus(DELETION_OVERDUE_AFTER)
    }
}

/// The mark of a record whose erasure still waits for iDenfy (the store indexes it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ErasurePending {
    #[serde(rename = "PENDING")]
    Pending,
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

/// `record` erased by `by` at `now`: no pair, no claim, no history beside the audit; every
/// session of every pair listed for deletion (a session deleted before stays deleted). Kept
/// at least `keep_for` from now, so the audit and the retries outlive it.
pub fn erase(
    record: &PairRecord,
    by: &Principal,
    now: Timestamp,
    keep_for: Duration,
) -> PairRecord {
    let mut erasure = record.erasure.clone().unwrap_or(Erasure {
        requests: vec![],
        pairs: vec![],
        sessions: vec![],
    });
    erasure.requests.push(ErasureRequest {
        by: by.as_str().to_owned(),
        at: now,
    });
    let excess = erasure.requests.len().saturating_sub(MAX_ERASURE_REQUESTS);
    erasure.requests.drain(..excess);
    let current = record.pair.as_ref().map(|pair| PreviousPair::of(pair, now));
    for pair in record.previous_pairs.iter().cloned().chain(current) {
        for scan_ref in &pair.scan_refs {
            if !erasure.sessions.iter().any(|s| &s.scan_ref == scan_ref) {
                erasure.sessions.push(SessionDeletion {
                    scan_ref: scan_ref.clone(),
                    deleted_at: None,
                    attempts: 0,
                    last_attempt_at: None,
                    last_refusal: None,
                    requested_at: now,
                });
            }
        }
        if !erasure.pairs.iter().any(|p| p.pair_id == pair.pair_id) {
            // An outcome is enough for record keeping; its reasons (SEX_MISMATCH,
            // PERMIT_FROM_OWN_NATIONALITY…) tied to a clientId are personal data.
            erasure.pairs.push(PreviousPair {
                reasons: vec![],
                ..pair
            });
        }
    }
    let keep_until = now.plus(keep_for);
    PairRecord {
        client_id: record.client_id.clone(),
        version: record.version + 1,
        expires_at: if record.expires_at > keep_until {
            record.expires_at
        } else {
            keep_until
        },
        claim: None,
        pair: None,
        previous_pairs: vec![],
        erasure_pending: pending_mark(&erasure),
        expiry_watch: None,
        expiry_due: None,
        erasure: Some(erasure),
    }
}

/// The sessions of `record` to ask iDenfy to delete at `now`: not deleted yet, and not asked
/// within [`DELETION_RETRY_AFTER`] (unless `now_too`, a person's request, which asks at once).
pub fn due_for_deletion(record: &PairRecord, now: Timestamp, now_too: bool) -> Vec<String> {
    record
        .erasure
        .iter()
        .flat_map(|e| &e.sessions)
        .filter(|s| !s.is_deleted())
        .filter(|s| {
            now_too
                || s.last_attempt_at
                    .is_none_or(|at| now >= at.plus(DELETION_RETRY_AFTER))
        })
        .map(|s| s.scan_ref.clone())
        .collect()
}

/// `record` with iDenfy's answers for these sessions recorded (`Ok`: deleted). `None` when
/// nothing changes (no erasure, or no session of it answered).
pub fn record_deletions(
    record: &PairRecord,
    answers: &[(String, Result<(), DeletionRefusal>)],
    now: Timestamp,
) -> Option<PairRecord> {
    let mut next = record.clone();
    let erasure = next.erasure.as_mut()?;
    let mut changed = false;
    for (scan_ref, answer) in answers {
        let Some(session) = erasure
            .sessions
            .iter_mut()
            .find(|s| &s.scan_ref == scan_ref && !s.is_deleted())
        else {
            continue;
        };
        session.attempts += 1;
        session.last_attempt_at = Some(now);
        match answer {
            Ok(()) => {
                session.deleted_at = Some(now);
                session.last_refusal = None;
            }
            Err(refusal) => session.last_refusal = Some(refusal.code().to_owned()),
        }
        changed = true;
    }
    if !changed {
        return None;
    }
    next.erasure_pending = pending_mark(erasure);
    next.version += 1;
    Some(next)
}

fn pending_mark(erasure: &Erasure) -> Option<ErasurePending> {
    erasure
        .sessions
        .iter()
        .any(|s| !s.is_deleted())
        .then_some(ErasurePending::Pending)
}

#[cfg(test)]
mod tests;
