//! The verdict under other configurations: other permit types, and the additional-step mode (never
//! VERIFIED, and why).

use super::*;

#[test]
fn other_permit_types_can_be_configured() {
    let policy = VerdictPolicy {
        permit_types: vec!["RESIDENCE_PERMIT".into(), "VISA".into()],
        ..VerdictPolicy::default()
    };
    let mut visa = permit();
    visa.doc_type = Some("VISA".into());
    assert_eq!(
        decide(
            &id_card(),
            &visa,
            &Context::new(&policy, &PermitPolicy::default(), DECIDED_AT)
        ),
        (Outcome::Verified, vec![])
    );
}

fn session(overall: &str, permit_step: Option<PermitStep>) -> HalfResult {
    HalfResult {
        permit_step,
        ..half(overall, "JOHN", "SMITH", "1990-05-15", "ID_CARD", "h-id")
    }
}

fn step(status: Option<&str>, in_file_urls: bool, in_pdf_urls: bool) -> Option<PermitStep> {
    Some(PermitStep {
        listed: true,
        kind: None,
        status: status.map(str::to_owned),
        in_file_urls,
        in_pdf_urls,
    })
}

#[test]
fn additional_step_is_never_verified_and_says_why() {
    use Reason::*;
    let mut cases: Vec<(HalfResult, Outcome, Vec<Reason>)> = vec![
        (
            session("APPROVED", step(Some("VALID"), true, false)),
            Outcome::RequiresReview,
            vec![PermitNeedsManualReview],
        ),
        (
            session("APPROVED", step(None, false, true)),
            Outcome::RequiresReview,
            vec![PermitNeedsManualReview],
        ),
        (
            session("APPROVED", step(Some("VALID"), false, false)),
            Outcome::RequiresReview,
            vec![PermitNeedsManualReview],
        ),
        (
            session("APPROVED", step(Some("NOT_FOUND"), false, false)),
            Outcome::Incomplete,
            vec![PermitMissing],
        ),
        (
            session("APPROVED", None),
            Outcome::Incomplete,
            vec![PermitMissing],
        ),
        (
            session("APPROVED", step(Some("INVALID"), true, false)),
            Outcome::RequiresReview,
            vec![PermitInvalid],
        ),
        (
            session("SUSPECTED", step(Some("VALID"), true, false)),
            Outcome::RequiresReview,
            vec![IdentitySuspected, PermitNeedsManualReview],
        ),
        (
            session("SUSPECTED", None),
            Outcome::RequiresReview,
            vec![IdentitySuspected, PermitMissing],
        ),
        (
            session("REVIEWING", step(None, true, false)),
            Outcome::RequiresReview,
            vec![IdentityNotApproved, PermitNeedsManualReview],
        ),
        (
            session("DENIED", step(Some("VALID"), true, false)),
            Outcome::Rejected,
            vec![IdentityDenied],
        ),
        (
            session("EXPIRED", None),
            Outcome::Incomplete,
            vec![IdentityAbandoned],
        ),
    ];
    let mut tagged = session("APPROVED", None);
    tagged.tags = vec!["VIRTUAL_CAMERA".into()];
    // A fraud signal is never lost in an INCOMPLETE: a person looks.
    cases.push((
        tagged,
        Outcome::RequiresReview,
        vec![IdenfyFraudTag, PermitMissing],
    ));
    let policy = VerdictPolicy::default();
    let permit_policy = PermitPolicy::default();
    let context = Context::new(&policy, &permit_policy, DECIDED_AT);
    for (session, outcome, reasons) in cases {
        assert_eq!(
            decide_additional_step(&session, &context),
            (outcome, reasons),
            "{:?} {:?}",
            session.overall,
            session.permit_step
        );
    }
}
