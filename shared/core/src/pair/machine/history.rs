//! A replaced pair's history entry: the results its sessions deliver after a restart replaced
//! it are kept there ([`accept_late`]) — never used for the live pair, never silently dropped.

use super::super::{HalfResult, LateResult, PairRecord, PreviousPair};
use crate::clock::Timestamp;

/// Late results a history entry keeps at most (distinct ones; more are not stored).
pub const MAX_LATE_RESULTS: usize = 8;

/// The record's history with `half` kept on the entry of the replaced pair that owns session
/// `scan_ref`, or `None` when it changes nothing: no replaced pair owns the scanRef, the same
/// result was kept before, or the entry holds its most.
pub fn accept_late(
    record: &PairRecord,
    scan_ref: &str,
    half: &HalfResult,
    now: Timestamp,
) -> Option<Vec<PreviousPair>> {
    let mut previous = record.previous_pairs.clone();
    let entry = previous
        .iter_mut()
        .rev()
        .find(|p| p.scan_refs.iter().any(|s| s == scan_ref))?;
    if entry.late_results.len() >= MAX_LATE_RESULTS
        || entry
            .late_results
            .iter()
            .any(|late| late.digest == half.digest)
    {
        return None;
    }
    entry.late_results.push(LateResult {
        scan_ref: scan_ref.to_owned(),
        overall: half.overall.clone(),
        is_final: half.is_final(),
        tags: half
            .tags
            .iter()
            .chain(&half.mismatch_tags)
            .cloned()
            .collect(),
        digest: half.digest.clone(),
        received_at: now,
    });
    Some(previous)
}

/// Whether `scan_ref` is a session of a pair the record's history holds.
pub fn owned_by_history(record: &PairRecord, scan_ref: &str) -> bool {
    record
        .previous_pairs
        .iter()
        .any(|p| p.scan_refs.iter().any(|s| s == scan_ref))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pair::machine::fixtures::{NOW, at, final_half, pair, record};
    use crate::pair::{Mode, OverallStatus};

    fn replaced() -> PairRecord {
        let mut r = record(Some(pair(60, None)), None, 86_400);
        r.previous_pairs = vec![PreviousPair {
            pair_id: "p0".into(),
            mode: Mode::TwoSessions,
            outcome: None,
            reasons: vec![],
            created_at: at(-100),
            decided_at: None,
            replaced_at: at(-10),
            scan_refs: vec!["scan-old".into()],
            late_results: vec![],
        }];
        r
    }

    #[test]
    fn a_replaced_pairs_result_is_kept_once_on_its_entry_with_its_tags() {
        let mut half = final_half(None);
        half.overall = OverallStatus::Denied;
        half.tags = vec!["DOC_FRAUD".into()];
        let kept = accept_late(&replaced(), "scan-old", &half, NOW).expect("kept");
        let late = &kept[0].late_results;
        assert_eq!(late.len(), 1);
        assert_eq!(
            (
                late[0].overall.as_str(),
                late[0].is_final,
                late[0].tags.clone()
            ),
            ("DENIED", true, vec!["DOC_FRAUD".to_owned()])
        );
        let mut again = replaced();
        again.previous_pairs = kept;
        assert_eq!(accept_late(&again, "scan-old", &half, NOW), None, "once");
        // Not a replaced pair's session (the live pair's, or a stranger's): not for history.
        assert_eq!(accept_late(&replaced(), "scan-identity", &half, NOW), None);
        assert!(owned_by_history(&replaced(), "scan-old"));
        assert!(!owned_by_history(&replaced(), "scan-identity"));
        // Bounded: the ninth distinct result is not kept.
        let mut full = replaced();
        for n in 0..MAX_LATE_RESULTS {
            let mut other = half.clone();
            other.digest = format!("d-{n}");
            full.previous_pairs = accept_late(&full, "scan-old", &other, NOW).expect("kept");
        }
        assert_eq!(accept_late(&full, "scan-old", &half, NOW), None);
    }
}

#[cfg(test)]
mod document_sessions {
    use crate::pair::machine::accept_half;
    use crate::pair::machine::fixtures::record;
    use crate::pair::machine::fixtures::{NOW, at, final_half, pair};
    use crate::pair::{OverallStatus, Rank, Role};

    /// A pair whose document session the continuation replaced once: `scan-document` is now
    /// the earlier one, `scan-document-2` the current one.
    fn renewed() -> crate::pair::PairRecord {
        let mut p = pair(60, None);
        p.verdict = None;
        p.earlier_documents = vec!["scan-document".into()];
        if let Some(document) = p.document.as_mut() {
            document.scan_ref = "scan-document-2".into();
        }
        record(Some(p), None, 86_400)
    }

    fn with(
        r: crate::pair::PairRecord,
        scan_ref: &str,
        overall: OverallStatus,
        digest: &str,
    ) -> crate::pair::PairRecord {
        let mut half = final_half(None);
        half.overall = overall;
        half.digest = digest.into();
        accept_half(&r, scan_ref, &half, NOW).expect("accepted")
    }

    #[test]
    fn a_replaced_document_sessions_result_counts_and_the_first_final_decides() {
        let r = renewed();
        let p = r.pair.as_ref().expect("a pair");
        assert_eq!(p.role_of("scan-document"), Some(Role::Document));
        assert_eq!(
            p.deciding_document(),
            Some("scan-document-2"),
            "nothing yet"
        );
        // The earlier session's final decides while the current one has none.
        let r = with(r, "scan-identity", OverallStatus::Approved, "d-id");
        let r = with(r, "scan-document", OverallStatus::Approved, "d-old");
        let p = r.pair.as_ref().expect("a pair");
        assert_eq!(p.deciding_document(), Some("scan-document"));
        let basis = p.final_basis().expect("both final");
        assert_eq!(
            basis.get("scan-document").map(String::as_str),
            Some("d-old")
        );
        // A later final from the current session is a revision: it decides now.
        let r = with(r, "scan-document-2", OverallStatus::Denied, "d-new");
        let p = r.pair.as_ref().expect("a pair");
        assert_eq!(p.deciding_document(), Some("scan-document-2"));
        assert_eq!(
            p.half(Role::Document).map(|h| h.digest.as_str()),
            Some("d-new")
        );
    }

    #[test]
    fn an_abandoned_replaced_session_never_decides_while_the_current_one_can_deliver() {
        let r = with(
            renewed(),
            "scan-document",
            OverallStatus::Expired,
            "d-lapsed",
        );
        let p = r.pair.as_ref().expect("a pair");
        assert_eq!(p.deciding_document(), Some("scan-document-2"));
        assert_eq!(p.half(Role::Document), None, "no result decides yet");
        // Its preliminary does not decide either.
        let mut preliminary = final_half(None);
        preliminary.rank = Rank::Preliminary;
        preliminary.digest = "d-pre".into();
        let r = accept_half(&r, "scan-document-2", &preliminary, at(1)).expect("accepted");
        assert!(r.pair.as_ref().expect("a pair").final_basis().is_none());
    }
}
