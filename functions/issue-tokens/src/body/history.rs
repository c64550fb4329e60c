//! A replaced pair as the status shows it: its outcome and times, and the results its sessions
//! delivered after it was replaced — never its data.

use pair_core::pair::{PairStatus, PreviousPair, Reason};
use serde::Serialize;

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct PreviousPairBody<'a> {
    pair_id: &'a str,
    mode: &'static str,
    status: PairStatus,
    reasons: &'a [Reason],
    created_at: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    decided_at: Option<String>,
    replaced_at: String,
    /// Results its sessions delivered after it was replaced: kept, never used.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    late_results: Vec<LateResultBody<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct LateResultBody<'a> {
    scan_ref: &'a str,
    status: &'a str,
    #[serde(rename = "final")]
    is_final: bool,
    tags: &'a [String],
    received_at: String,
}

impl<'a> From<&'a PreviousPair> for PreviousPairBody<'a> {
    fn from(p: &'a PreviousPair) -> Self {
        Self {
            pair_id: &p.pair_id,
            mode: p.mode.as_str(),
            status: p.outcome.map_or(PairStatus::Pending, PairStatus::from),
            reasons: &p.reasons,
            created_at: p.created_at.to_rfc3339(),
            decided_at: p.decided_at.map(|t| t.to_rfc3339()),
            replaced_at: p.replaced_at.to_rfc3339(),
            late_results: p
                .late_results
                .iter()
                .map(|late| LateResultBody {
                    scan_ref: &late.scan_ref,
                    status: late.overall.as_str(),
                    is_final: late.is_final,
                    tags: &late.tags,
                    received_at: late.received_at.to_rfc3339(),
                })
                .collect(),
        }
    }
}
