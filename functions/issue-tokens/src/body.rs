//! What the routes answer with: the issued pair; the pair's status with its history — never
//! document data; a reviewer's decision as recorded; the evidence a reviewer reads
//! (`body/evidence.rs`); and the reviewers' queue (`body/queue.rs`).

use pair_app::erasure::{Erased, ErasureRun};
use pair_app::expiry::WatchPass;
use pair_app::issuance::{Issued, PairView};
use pair_app::review::Reviewed;
use pair_core::pair::PreviousPair;
use pair_core::pair::validity::{AlertSource, ExpiryAlert};
use pair_core::pair::{
    ClientId, ManualReview, PairStatus, PermitPolicy, Reason, Threshold, Validity, Verdict, dates,
};
use serde::Serialize;

mod evidence;
mod history;
mod queue;
mod renewal;

pub use evidence::EvidenceBody;
use history::PreviousPairBody;
pub use queue::{ClaimBody, ClaimedBody, QueueBody, QueueGaugesBody};
pub use renewal::{RenewalBody, RenewedBody};

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct IssuedBody<'a> {
    client_id: &'a str,
    status: PairStatus,
    mode: &'static str,
    verification_url: &'a str,
    identity_scan_ref: &'a str,
    /// Null in additional-step mode: there is no document session.
    document_scan_ref: Option<&'a str>,
    expires_at: String,
    created_at: String,
}

impl<'a> From<&'a Issued> for IssuedBody<'a> {
    fn from(issued: &'a Issued) -> Self {
        let pair = &issued.pair;
        Self {
            client_id: issued.client_id.as_str(),
            status: pair.status(),
            mode: pair.mode.as_str(),
            verification_url: &pair.verification_url,
            identity_scan_ref: &pair.identity.scan_ref,
            document_scan_ref: pair.document.as_ref().map(|d| d.scan_ref.as_str()),
            expires_at: pair.url_expires_at.to_rfc3339(),
            created_at: pair.created_at.to_rfc3339(),
        }
    }
}

/// What the site may know: the state and why, and how it came to be — never document data.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct StatusBody<'a> {
    client_id: &'a str,
    /// The pair a reviewer's decision names.
    pair_id: &'a str,
    status: PairStatus,
    mode: &'static str,
    reasons: &'a [Reason],
    created_at: String,
    updated_at: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    decided_at: Option<String>,
    /// When the person reached the second session (two-session pairs; absent until then).
    #[serde(skip_serializing_if = "Option::is_none")]
    continued_at: Option<String>,
    /// 1 for the first verdict; one more for each verdict a revised result brought. Who
    /// decided one by hand, and their note, are the reviewer duty's to read (the evidence):
    /// here `MANUAL_REVIEW` among the reasons says a reviewer did.
    #[serde(skip_serializing_if = "Option::is_none")]
    verdict_version: Option<u32>,
    /// The verdicts this one replaced, oldest first.
    earlier_verdicts: Vec<VerdictBody<'a>>,
    /// Every final result iDenfy sent for the pair's sessions, revisions included.
    session_results: Vec<SessionResultBody<'a>>,
    /// Pairs a restart replaced, oldest first.
    previous_pairs: Vec<PreviousPairBody<'a>>,
    /// The permit policy the pair is decided by, fixed at issuance.
    permit_policy: &'a PermitPolicy,
    /// A decided pair's end: the earlier of its two documents' expiry dates (`YYYY-MM-DD`),
    /// null when unknown. Absent while pending.
    #[serde(skip_serializing_if = "Option::is_none")]
    valid_until: Option<Option<String>>,
    /// A decided pair's validity today: VALID, EXPIRING, EXPIRED or UNKNOWN.
    #[serde(skip_serializing_if = "Option::is_none")]
    validity: Option<Validity>,
    /// The expiry thresholds the site was told of, in order.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    expiry_alerts: Vec<ExpiryAlertBody<'a>>,
    /// The permit's renewal, once one was opened.
    #[serde(skip_serializing_if = "Option::is_none")]
    renewal: Option<RenewalBody>,
}

/// One expiry threshold told to the site, as the notification said it.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ExpiryAlertBody<'a> {
    /// Days: 30, 7, 1, or 0 for expired.
    threshold: u32,
    days_left: i64,
    valid_until: &'a str,
    source: AlertSource,
    at: String,
}

impl<'a> From<&'a ExpiryAlert> for ExpiryAlertBody<'a> {
    fn from(alert: &'a ExpiryAlert) -> Self {
        Self {
            threshold: alert.threshold.days(),
            days_left: alert.days_left,
            valid_until: &alert.ends_on,
            source: alert.source,
            at: alert.at.to_rfc3339(),
        }
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct VerdictBody<'a> {
    status: PairStatus,
    reasons: &'a [Reason],
    version: u32,
    decided_at: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    review: Option<&'a ManualReview>,
}

impl<'a> VerdictBody<'a> {
    /// For the reviewer duty: who decided it by hand, and their note.
    fn with_review(verdict: &'a Verdict) -> Self {
        Self {
            status: verdict.outcome.into(),
            reasons: &verdict.reasons,
            version: verdict.version,
            decided_at: verdict.decided_at.to_rfc3339(),
            review: verdict.review.as_ref(),
        }
    }

    /// For the issuer duty: the verdict without its reviewer's identity or note.
    fn without_review(verdict: &'a Verdict) -> Self {
        Self {
            review: None,
            ..Self::with_review(verdict)
        }
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SessionResultBody<'a> {
    role: Option<&'static str>,
    status: &'a str,
    received_at: String,
}

/// A pair as an erasure's audit keeps it.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ErasedPairBody<'a> {
    pair_id: &'a str,
    mode: &'static str,
    status: PairStatus,
    created_at: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    decided_at: Option<String>,
    replaced_at: String,
}

impl<'a> From<&'a PreviousPair> for ErasedPairBody<'a> {
    fn from(p: &'a PreviousPair) -> Self {
        Self {
            pair_id: &p.pair_id,
            mode: p.mode.as_str(),
            status: p.outcome.map_or(PairStatus::Pending, PairStatus::from),
            created_at: p.created_at.to_rfc3339(),
            decided_at: p.decided_at.map(|t| t.to_rfc3339()),
            replaced_at: p.replaced_at.to_rfc3339(),
        }
    }
}

impl<'a> StatusBody<'a> {
    pub fn new(client_id: &'a ClientId, status: &'a PairView) -> Self {
        let pair = &status.pair;
        Self {
            client_id: client_id.as_str(),
            pair_id: &pair.pair_id,
            status: pair.status(),
            mode: pair.mode.as_str(),
            reasons: pair.verdict.as_ref().map_or(&[], |v| v.reasons.as_slice()),
            created_at: pair.created_at.to_rfc3339(),
            updated_at: pair.updated_at.to_rfc3339(),
            decided_at: pair.verdict.as_ref().map(|v| v.decided_at.to_rfc3339()),
            continued_at: pair.continued_at.map(|t| t.to_rfc3339()),
            verdict_version: pair.verdict.as_ref().map(|v| v.version),
            earlier_verdicts: pair
                .earlier_verdicts
                .iter()
                .map(VerdictBody::without_review)
                .collect(),
            session_results: pair
                .finals
                .iter()
                .map(|f| SessionResultBody {
                    role: pair.role_of(&f.scan_ref).map(|r| r.as_str()),
                    status: f.overall.as_str(),
                    received_at: f.received_at.to_rfc3339(),
                })
                .collect(),
            previous_pairs: status
                .previous_pairs
                .iter()
                .map(PreviousPairBody::from)
                .collect(),
            permit_policy: &pair.permit_policy,
            valid_until: status
                .validity
                .map(|_| pair.valid_until().map(dates::format)),
            validity: status.validity,
            expiry_alerts: pair
                .expiry
                .alerts
                .iter()
                .map(ExpiryAlertBody::from)
                .collect(),
            renewal: RenewalBody::of(pair, status.renewal),
        }
    }
}

/// A reviewer's decision as recorded: the pair's verdict now.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ReviewedBody<'a> {
    client_id: &'a str,
    pair_id: &'a str,
    #[serde(flatten)]
    verdict: VerdictBody<'a>,
}

impl<'a> ReviewedBody<'a> {
    pub fn new(client_id: &'a ClientId, reviewed: &'a Reviewed) -> Self {
        Self {
            client_id: client_id.as_str(),
            pair_id: &reviewed.pair_id,
            verdict: VerdictBody::with_review(&reviewed.verdict),
        }
    }
}

/// An erasure as it stands: what was erased (ids and outcomes only), who asked and when, and
/// each iDenfy session's deletion.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ErasedBody<'a> {
    client_id: &'a str,
    status: &'static str,
    erased_at: Option<String>,
    erased_by: Option<&'a str>,
    /// Every pair erased, oldest first: ids, outcomes and times, no reasons (a reason such as
    /// SEX_MISMATCH tied to a clientId is personal data).
    pairs: Vec<ErasedPairBody<'a>>,
    /// iDenfy's copy of each session: `DELETED`, or `PENDING` (asked again later).
    sessions: Vec<SessionDeletionBody<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SessionDeletionBody<'a> {
    scan_ref: &'a str,
    pair_id: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    role: Option<&'static str>,
    minted_at: String,
    idenfy: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    deleted_at: Option<String>,
    attempts: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    last_refusal: Option<&'a str>,
}

impl<'a> ErasedBody<'a> {
    pub fn new(client_id: &'a ClientId, erased: &'a Erased) -> Self {
        let erasure = &erased.erasure;
        let latest = erasure.requests.last();
        Self {
            client_id: client_id.as_str(),
            status: "ERASED",
            erased_at: latest.map(|r| r.at.to_rfc3339()),
            erased_by: latest.map(|r| r.by.as_str()),
            pairs: erasure.pairs.iter().map(ErasedPairBody::from).collect(),
            sessions: erased
                .sessions
                .iter()
                .map(|s| {
                    let deletion = s.deletion.as_ref();
                    SessionDeletionBody {
                        scan_ref: &s.scan_ref,
                        pair_id: &s.pair_id,
                        role: s.role.map(|r| r.as_str()),
                        minted_at: s.minted_at.to_rfc3339(),
                        idenfy: if s.is_deleted() { "DELETED" } else { "PENDING" },
                        deleted_at: deletion.and_then(|d| d.deleted_at).map(|t| t.to_rfc3339()),
                        attempts: deletion.map_or(0, |d| d.attempts),
                        last_refusal: deletion.and_then(|d| d.last_refusal.as_deref()),
                    }
                })
                .collect(),
        }
    }
}

/// One scheduled run over the session ledger: deletions asked for and how they went, retention
/// checks, and what still waits for iDenfy afterwards.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ErasureRunBody {
    asked: usize,
    deleted: usize,
    refused: usize,
    retention_checked: usize,
    retention_ended: usize,
    pending: usize,
    overdue: usize,
    oldest_pending_seconds: u64,
}

impl From<&ErasureRun> for ErasureRunBody {
    fn from(run: &ErasureRun) -> Self {
        Self {
            asked: run.asked,
            deleted: run.deleted,
            refused: run.refused,
            retention_checked: run.retention_checked,
            retention_ended: run.retention_ended,
            pending: run.pending.count,
            overdue: run.pending.overdue,
            oldest_pending_seconds: run.oldest_pending_age.as_secs(),
        }
    }
}

/// One daily expiry run: records handled, alerts recorded per threshold (days: 30, 7, 1, 0 for
/// expired), records that left the watch, and whether due records remain for the next run.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct WatchedBody {
    records: usize,
    alerts: std::collections::BTreeMap<String, usize>,
    unwatched: usize,
    more: bool,
}

impl From<WatchPass> for WatchedBody {
    fn from(pass: WatchPass) -> Self {
        Self {
            records: pass.records,
            alerts: Threshold::ALL
                .into_iter()
                .map(|t| (t.days().to_string(), pass.alerts_at(t)))
                .collect(),
            unwatched: pass.unwatched,
            more: pass.more,
        }
    }
}
