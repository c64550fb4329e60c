//! The session ledger: every iDenfy session minted for a clientId, kept far longer than the
//! pair record and without personal data — its scanRef, role, pair, when it was minted, and
//! whether iDenfy deleted it. A session is recorded by the function that minted it before
//! its answer leaves, whether or not its pair was installed (a failed leg, a lost claim, a
//! renewal that lost), and history trimming never touches it.
//!
//! What it is for: an erasure reaches every session ever minted ([`Entry::ask_deletion`]);
//! a session whose pair record's retention ended is deleted at iDenfy too
//! ([`Entry::retention_check`]); a session minted but never handed out is deleted once its
//! token lapsed; and the daily pair cap counts what reached iDenfy ([`pair_allowed`]).
//!
//! Each entry not deleted yet waits in one of two queues, by the time it is due
//! ([`Entry::due`]): [`Queue::Deletion`] (asked again no sooner than
//! [`DELETION_RETRY_AFTER`] after a refusal, so one session iDenfy keeps refusing goes to the
//! back and never blocks the others) and [`Queue::Retention`] (looked at when its pair
//! record's retention may have ended).

mod cap;
pub use cap::{PAIRS_WINDOW, pair_allowed};

use super::erasure::DeletionRefusal;
use super::{ClientId, PairRecord, Role};
use crate::clock::Timestamp;
use serde::{Deserialize, Serialize};
use std::time::Duration;

/// After this long without iDenfy deleting a session, it counts as overdue (metric, alarm).
pub const DELETION_OVERDUE_AFTER: Duration = Duration::from_secs(24 * 3600);

/// A session refused for now is asked again no sooner than this after its last attempt.
pub const DELETION_RETRY_AFTER: Duration = Duration::from_secs(10 * 60);

/// One iDenfy session minted for a clientId, and its deletion.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Entry {
    pub client_id: ClientId,
    pub scan_ref: String,
    /// `None` for a session of a pair replaced before the ledger existed (its role was not kept).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<Role>,
    pub pair_id: String,
    pub minted_at: Timestamp,
    /// A document session minted again at the continuation: not an issuance of its own.
    #[serde(default)]
    pub renewal: bool,
    /// The token may be started until then; iDenfy refuses to delete it before.
    pub usable_until: Timestamp,
    /// The ledger's TTL attribute: the audit's retention, moved on while a deletion is pending.
    pub expires_at: Timestamp,
    pub version: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deletion: Option<Deletion>,
    /// When the pair record's retention may have ended (set only when retention end deletes
    /// sessions at iDenfy).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retention_check_at: Option<Timestamp>,
    /// The queue the entry waits in and when it is due: the keys of the ledger's sparse index,
    /// set and cleared together ([`Entry::due`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub queue: Option<Queue>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub due_at: Option<Timestamp>,
}

/// A session iDenfy was (or is to be) asked to delete, and how that went.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Deletion {
    pub cause: DeletionCause,
    /// When it was first asked for.
    pub requested_at: Timestamp,
    /// Set once iDenfy deleted it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deleted_at: Option<Timestamp>,
    #[serde(default)]
    pub attempts: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_attempt_at: Option<Timestamp>,
    /// Why the last attempt did not delete it: a code, never iDenfy's words.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_refusal: Option<String>,
    /// Not asked again before this.
    pub next_attempt_at: Timestamp,
}

impl Deletion {
    pub fn is_done(&self) -> bool {
        self.deleted_at.is_some()
    }
}

/// Why a session is to be deleted at iDenfy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum DeletionCause {
    /// The person's data was erased (`DELETE /verifications/{clientId}`).
    Erasure,
    /// The pair record holding its results reached the end of its retention.
    RetentionEnd,
    /// Minted but never handed out (its pair was not installed, or its renewal lost).
    NotUsed,
}

/// The two queues of the ledger's index.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Queue {
    Deletion,
    Retention,
}

impl Queue {
    pub fn as_str(self) -> &'static str {
        match self {
            Queue::Deletion => "DELETION",
            Queue::Retention => "RETENTION",
        }
    }
}

/// A session iDenfy opened, as the function that minted it knows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Minted {
    pub client_id: ClientId,
    pub scan_ref: String,
    pub role: Role,
    pub pair_id: String,
    pub renewal: bool,
    pub usable_until: Timestamp,
}

/// How long entries are kept, and whether retention end deletes sessions at iDenfy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LedgerRetention {
    /// The ledger's own retention (`AUDIT_RETENTION_DAYS`).
    pub audit: Duration,
    /// The pair record's retention (`PAIR_RETENTION_DAYS`), when its end deletes the sessions
    /// at iDenfy (`IDENFY_DELETE_AT_RETENTION_END`); `None` when it does not.
    pub delete_after: Option<Duration>,
}

/// What a retention check found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RetentionCheck {
    /// The session's results are still kept: look again then.
    KeepUntil(Timestamp),
    /// Its retention ended: delete it at iDenfy.
    Ended,
}

impl Entry {
    /// The entry of a session just minted at `now`.
    pub fn minted(minted: Minted, now: Timestamp, retention: LedgerRetention) -> Self {
        let mut entry = Self {
            client_id: minted.client_id,
            scan_ref: minted.scan_ref,
            role: Some(minted.role),
            pair_id: minted.pair_id,
            minted_at: now,
            renewal: minted.renewal,
            usable_until: minted.usable_until,
            expires_at: now.plus(retention.audit),
            version: 1,
            deletion: None,
            retention_check_at: retention.delete_after.map(|keep| now.plus(keep)),
            queue: None,
            due_at: None,
        };
        entry.settle();
        entry
    }

    /// The entry of a session a pair record holds but the ledger does not (minted before the
    /// ledger existed): recorded when the clientId is erased, and deleted with the rest.
    pub fn known_from_record(
        client_id: &ClientId,
        session: &RecordedSession,
        now: Timestamp,
        audit: Duration,
    ) -> Self {
        let mut entry = Self {
            client_id: client_id.clone(),
            scan_ref: session.scan_ref.clone(),
            role: session.role,
            pair_id: session.pair_id.clone(),
            minted_at: session.created_at,
            renewal: false,
            usable_until: session.created_at,
            expires_at: now.plus(audit),
            version: 1,
            deletion: None,
            retention_check_at: None,
            queue: None,
            due_at: None,
        };
        entry.settle();
        entry
    }

    /// iDenfy deleted it.
    pub fn is_deleted(&self) -> bool {
        self.deletion.as_ref().is_some_and(Deletion::is_done)
    }

    /// Asked to be deleted and still with iDenfy.
    pub fn is_pending(&self) -> bool {
        self.deletion.as_ref().is_some_and(|d| !d.is_done())
    }

    /// Still with iDenfy past [`DELETION_OVERDUE_AFTER`] after it was asked for.
    pub fn is_overdue(&self, now: Timestamp) -> bool {
        self.deletion
            .as_ref()
            .is_some_and(|d| !d.is_done() && now >= d.requested_at.plus(DELETION_OVERDUE_AFTER))
    }

    /// Which queue the entry waits in, and since when it is due.
    pub fn due(&self) -> Option<(Queue, Timestamp)> {
        match &self.deletion {
            Some(deletion) if deletion.is_done() => None,
            Some(deletion) => Some((Queue::Deletion, deletion.next_attempt_at)),
            None => self.retention_check_at.map(|at| (Queue::Retention, at)),
        }
    }

    /// Whether it should be asked for now: pending and due, or (`now_too`: a person's erasure
    /// asks at once) pending at all.
    pub fn deletion_due(&self, now: Timestamp, now_too: bool) -> bool {
        self.deletion
            .as_ref()
            .is_some_and(|d| !d.is_done() && (now_too || d.next_attempt_at <= now))
    }

    /// The entry asked to be deleted for `cause` at `now`; `None` when nothing changes (deleted
    /// already, or already asked for and not by an erasure). An erasure takes over an earlier
    /// cause and asks at once; another cause waits for the token to lapse, since iDenfy
    /// refuses to delete a live one.
    pub fn ask_deletion(&self, cause: DeletionCause, now: Timestamp) -> Option<Self> {
        let mut next = self.clone();
        match next.deletion.as_mut() {
            Some(deletion) if deletion.is_done() => return None,
            Some(deletion) if cause == DeletionCause::Erasure => {
                if deletion.cause == cause && deletion.next_attempt_at <= now {
                    return None;
                }
                deletion.cause = cause;
                deletion.next_attempt_at = deletion.next_attempt_at.min(now);
            }
            Some(_) => return None,
            None => {
                let first_attempt = match cause {
                    DeletionCause::Erasure => now,
                    DeletionCause::RetentionEnd | DeletionCause::NotUsed => {
                        now.max(self.usable_until)
                    }
                };
                next.deletion = Some(Deletion {
                    cause,
                    requested_at: now,
                    deleted_at: None,
                    attempts: 0,
                    last_attempt_at: None,
                    last_refusal: None,
                    next_attempt_at: first_attempt,
                });
            }
        }
        next.version += 1;
        next.settle();
        Some(next)
    }

    /// The entry with iDenfy's answer at `now` recorded; `None` when it was not pending. A
    /// refused session is asked again after [`DELETION_RETRY_AFTER`] (or once its token
    /// lapsed) and kept at least `audit` longer, so it never expires silently.
    pub fn answered(
        &self,
        answer: Result<(), DeletionRefusal>,
        now: Timestamp,
        audit: Duration,
    ) -> Option<Self> {
        let mut next = self.clone();
        let deletion = next.deletion.as_mut().filter(|d| !d.is_done())?;
        deletion.attempts += 1;
        deletion.last_attempt_at = Some(now);
        match answer {
            Ok(()) => {
                deletion.deleted_at = Some(now);
                deletion.last_refusal = None;
            }
            Err(refusal) => {
                let mut retry_at = now.plus(DELETION_RETRY_AFTER);
                if refusal == DeletionRefusal::TokenNotExpired && self.usable_until > retry_at {
                    retry_at = self.usable_until;
                }
                deletion.next_attempt_at = retry_at;
                deletion.last_refusal = Some(refusal.code().to_owned());
                next.expires_at = next.expires_at.max(now.plus(audit));
            }
        }
        next.version += 1;
        next.settle();
        Some(next)
    }

    /// Whether the session's results may still be kept at `now`: while the clientId's record
    /// is live and names the session (its pair, or a pair a restart replaced), until the
    /// record's expiry. A session the record does not name (never installed, renewed away, or
    /// trimmed from the history) keeps nothing of ours past its own check time.
    pub fn retention_check(&self, record: Option<&PairRecord>, now: Timestamp) -> RetentionCheck {
        let held = record.filter(|r| r.expires_at > now).filter(|r| {
            r.pair
                .iter()
                .any(|p| p.scan_refs().any(|s| s == self.scan_ref))
                || r.previous_pairs
                    .iter()
                    .any(|p| p.scan_refs.contains(&self.scan_ref))
        });
        match held {
            Some(record) => RetentionCheck::KeepUntil(record.expires_at),
            None => RetentionCheck::Ended,
        }
    }

    /// The entry to look at again at `at` (its record's retention moved on, e.g. a verified
    /// pair watched for years), kept at least `audit` past that look so it cannot expire first.
    pub fn check_again_at(&self, at: Timestamp, audit: Duration) -> Self {
        let mut next = self.clone();
        next.retention_check_at = Some(at);
        next.expires_at = next.expires_at.max(at.plus(audit));
        next.version += 1;
        next.settle();
        next
    }

    /// Sets the index keys from the state.
    fn settle(&mut self) {
        let due = self.due();
        self.queue = due.map(|(queue, _)| queue);
        self.due_at = due.map(|(_, at)| at);
    }
}

/// A session named by a pair record: what an erasure records of the sessions minted before the
/// ledger existed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordedSession {
    pub scan_ref: String,
    pub role: Option<Role>,
    pub pair_id: String,
    pub created_at: Timestamp,
}

/// Every session `record` names: its pair's (with roles) and its previous pairs'.
pub fn sessions_named_by(record: &PairRecord) -> Vec<RecordedSession> {
    let mut named: Vec<RecordedSession> = record
        .previous_pairs
        .iter()
        .flat_map(|p| {
            p.scan_refs.iter().map(|scan_ref| RecordedSession {
                scan_ref: scan_ref.clone(),
                role: None,
                pair_id: p.pair_id.clone(),
                created_at: p.created_at,
            })
        })
        .collect();
    if let Some(pair) = &record.pair {
        for role in [Role::Identity, Role::Document] {
            if let Some(session) = pair.session(role) {
                named.push(RecordedSession {
                    scan_ref: session.scan_ref.clone(),
                    role: Some(role),
                    pair_id: pair.pair_id.clone(),
                    created_at: pair.created_at,
                });
            }
        }
    }
    named
}

#[cfg(test)]
mod tests;
