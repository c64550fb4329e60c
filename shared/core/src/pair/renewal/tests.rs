use super::*;
use crate::pair::machine::fixtures::{NOW, at, final_half, pair};
use crate::pair::{HalfResult, OverallStatus, dates};

fn with_expiry(expiry: Option<&str>, digest: &str) -> HalfResult {
    let mut half = final_half(None);
    half.facts.expiry = expiry.map(str::to_owned);
    half.digest = digest.into();
    half
}

/// A verified pair whose identity document ends on `identity_end`.
fn verified(identity_end: Option<&str>) -> Pair {
    let mut p = pair(60, Some(Outcome::Verified));
    p.results
        .insert("scan-identity".into(), with_expiry(identity_end, "d-id"));
    p.results.insert(
        "scan-document".into(),
        with_expiry(Some("2027-06-30"), "d-permit"),
    );
    p
}

#[test]
fn only_a_verified_pair_with_a_valid_identity_document_may_renew() {
    let today = dates::parse("2027-06-01").expect("a day");
    assert_eq!(
        renewal_refused(&verified(Some("2030-01-01")), today, 30),
        None
    );
    for (outcome, why) in [
        (None, "NOT_DECIDED"),
        (Some(Outcome::Rejected), "REJECTED"),
        (Some(Outcome::RequiresReview), "REQUIRES_REVIEW"),
        (Some(Outcome::Incomplete), "INCOMPLETE"),
    ] {
        let mut p = verified(Some("2030-01-01"));
        p.verdict = outcome.and_then(|o| pair(60, Some(o)).verdict);
        if outcome.is_none() {
            p.verdict = None;
        }
        assert_eq!(
            renewal_refused(&p, today, 30),
            Some(RenewalRefused::NotPossible(why)),
            "{why}"
        );
    }
    // The identity document expired, ends within the window, or its end is unknown.
    for identity_end in [Some("2027-05-31"), Some("2027-06-20"), None, Some("soon")] {
        assert_eq!(
            renewal_refused(&verified(identity_end), today, 30),
            Some(RenewalRefused::IdentityDocumentExpiring),
            "{identity_end:?}"
        );
    }
}

#[test]
fn a_renewal_is_open_until_its_result_decides_or_its_time_passes() {
    let mut p = verified(Some("2030-01-01"));
    assert_eq!(p.renewal_status(NOW), None);
    p.earlier_documents = vec!["scan-document".into()];
    if let Some(document) = p.document.as_mut() {
        document.scan_ref = "scan-renewal".into();
    }
    p.renewal = Some(Renewal {
        scan_ref: "scan-renewal".into(),
        verification_url: "https://ivs.example/r".into(),
        opened_at: NOW,
        results_due_by: at(3600),
    });
    assert_eq!(p.renewal_status(NOW), Some(RenewalStatus::Open));
    assert!(!p.decided_on_renewal(), "the old permit decides meanwhile");
    assert_eq!(p.deciding_document(), Some("scan-document"));
    assert_eq!(p.renewal_status(at(3600)), Some(RenewalStatus::Expired));
    let mut abandoned = p.clone();
    let mut lapsed = with_expiry(None, "d-lapsed");
    lapsed.overall = OverallStatus::Expired;
    abandoned.results.insert("scan-renewal".into(), lapsed);
    assert_eq!(abandoned.renewal_status(NOW), Some(RenewalStatus::Expired));
    assert!(!abandoned.decided_on_renewal());
    p.results.insert(
        "scan-renewal".into(),
        with_expiry(Some("2030-06-30"), "d-new"),
    );
    p.finals.push(crate::pair::FinalEntry {
        scan_ref: "scan-renewal".into(),
        overall: OverallStatus::Approved,
        received_at: NOW,
    });
    assert_eq!(p.renewal_status(NOW), Some(RenewalStatus::Decided));
    assert!(p.decided_on_renewal());
}

#[test]
fn a_renewal_never_rejects_by_itself() {
    assert_eq!(
        cap_renewal_outcome(Outcome::Rejected),
        Outcome::RequiresReview
    );
    assert_eq!(
        cap_renewal_outcome(Outcome::Incomplete),
        Outcome::RequiresReview
    );
    assert_eq!(cap_renewal_outcome(Outcome::Verified), Outcome::Verified);
    assert_eq!(
        cap_renewal_outcome(Outcome::RequiresReview),
        Outcome::RequiresReview
    );
}
