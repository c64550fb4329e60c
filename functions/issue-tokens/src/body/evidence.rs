//! The evidence a reviewer reads: the sessions' results, fresh file links from iDenfy, every
//! check with its values, and the duplicates iDenfy found (never stored, never logged).

use super::ClaimBody;
use pair_app::review::Evidence;
use pair_core::pair::queue::ClaimEntry;
use pair_core::pair::rules::Check;
use pair_core::pair::{ClientId, ManualReview, PairStatus, PermitPolicy, Reason, dates};
use pair_core::ports::idenfy::FileLinks;
use serde::Serialize;

/// What a reviewer reads: the pair's verdict and each session's result with fresh links to
/// its files (about an hour's worth).
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct EvidenceBody<'a> {
    client_id: &'a str,
    pair_id: &'a str,
    mode: &'static str,
    status: PairStatus,
    reasons: &'a [Reason],
    #[serde(skip_serializing_if = "Option::is_none")]
    verdict_version: Option<u32>,
    /// Who decided the verdict by hand, and their note, when a reviewer did.
    #[serde(skip_serializing_if = "Option::is_none")]
    review: Option<&'a ManualReview>,
    sessions: Vec<SessionEvidenceBody<'a>>,
    /// The permit policy the pair is decided by.
    permit_policy: &'a PermitPolicy,
    /// The day (UTC) the rules were applied on: the latest verdict they decided, or today.
    judged_on: String,
    /// Each rule with both documents' values and its finding: iDenfy's judgement of each
    /// session once it has a result, and the rules two documents add once both have one.
    checks: &'a [Check],
    /// The sessions iDenfy's duplicate check points at, with the clientId each belongs to
    /// where this deployment opened it.
    duplicates: Vec<DuplicateBody<'a>>,
    /// The earlier of the two documents' expiry dates (as the status shows it); null when
    /// unknown or not yet read.
    valid_until: Option<String>,
    /// The claim that holds the pair now, if any.
    #[serde(flatten)]
    claim: Option<ClaimBody<'a>>,
    /// Every reviewer's claim on the pair, oldest first: the review's audit.
    claims: Vec<ClaimEntryBody<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ClaimEntryBody<'a> {
    by: &'a str,
    at: String,
    until: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SessionEvidenceBody<'a> {
    role: &'static str,
    scan_ref: &'a str,
    /// iDenfy's overall status of the session's current result; null before any result.
    status: Option<&'a str>,
    #[serde(rename = "final")]
    is_final: bool,
    files: &'a FileLinks,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DuplicateBody<'a> {
    scan_ref: &'a str,
    /// The role of this pair's session that names it.
    flagged_by: &'static str,
    /// Null when iDenfy names no clientId here, or none of this deployment's records holds
    /// the session.
    client_id: Option<&'a str>,
}

impl<'a> EvidenceBody<'a> {
    pub fn new(client_id: &'a ClientId, evidence: &'a Evidence) -> Self {
        let pair = &evidence.pair;
        Self {
            client_id: client_id.as_str(),
            pair_id: &pair.pair_id,
            mode: pair.mode.as_str(),
            status: pair.status(),
            reasons: pair.verdict.as_ref().map_or(&[], |v| v.reasons.as_slice()),
            verdict_version: pair.verdict.as_ref().map(|v| v.version),
            review: pair.verdict.as_ref().and_then(|v| v.review.as_ref()),
            sessions: evidence
                .sessions
                .iter()
                .map(|session| SessionEvidenceBody {
                    role: session.role.as_str(),
                    scan_ref: &session.scan_ref,
                    status: session.status.as_deref(),
                    is_final: session.is_final,
                    files: &session.files,
                })
                .collect(),
            permit_policy: &pair.permit_policy,
            judged_on: dates::day_of(evidence.judged_on).to_string(),
            checks: &evidence.checks,
            duplicates: evidence
                .duplicates
                .iter()
                .map(|d| DuplicateBody {
                    scan_ref: &d.scan_ref,
                    flagged_by: d.flagged_by.as_str(),
                    client_id: d.client_id.as_ref().map(ClientId::as_str),
                })
                .collect(),
            valid_until: pair.valid_until().map(dates::format),
            claim: evidence.claim.as_ref().map(ClaimBody::from),
            claims: pair
                .review_claims
                .iter()
                .map(|c: &ClaimEntry| ClaimEntryBody {
                    by: &c.by,
                    at: c.at.to_rfc3339(),
                    until: c.until.to_rfc3339(),
                })
                .collect(),
        }
    }
}
