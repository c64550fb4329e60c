//! The verdict policy: what two final halves mean together ([`decide`]).
//!
//! - Either half DENIED → REJECTED.
//! - Either half abandoned (EXPIRED, EXPIRED-DELETED, or no result in the body) → INCOMPLETE;
//!   an expiry or cancel event that carries a result is judged on that result.
//! - Both APPROVED and every rule of [`rules`] passing (names, date of birth, the permit's
//!   type, validity and issuer under the pair's permit policy, sex, nationality, iDenfy's
//!   mismatch tags…) → VERIFIED.
//! - Anything else → REQUIRES_REVIEW, with every reason found.
//!
//! And what the one final session of the additional-step mode means ([`decide_additional_step`]),
//! where the permit is a stored file nobody extracted:
//!
//! - DENIED → REJECTED; abandoned → INCOMPLETE.
//! - APPROVED without the permit's upload → INCOMPLETE (`PERMIT_MISSING`: ask again).
//! - Otherwise → REQUIRES_REVIEW: `PERMIT_NEEDS_MANUAL_REVIEW` (uploaded), `PERMIT_INVALID`
//!   or `PERMIT_MISSING`, plus the session's own reason when it was not APPROVED.

use super::rules::{self, Context};
use super::{HalfResult, Outcome, OverallStatus, Reason, Role};

/// The session was abandoned: its status says it expired, or the body carried no result.
/// Only the body counts: an expiry or cancel event may carry a real result (docs/idenfy.md), and
/// the event-type header is not signed.
fn abandoned(half: &HalfResult) -> bool {
    matches!(
        half.overall,
        OverallStatus::Expired | OverallStatus::ExpiredDeleted | OverallStatus::Missing
    )
}

/// How hard an outcome is on the person, from VERIFIED up to REJECTED.
fn severity(outcome: Outcome) -> u8 {
    match outcome {
        Outcome::Verified => 0,
        // Not a judgement: the site may simply ask again.
        Outcome::Incomplete => 1,
        Outcome::RequiresReview => 2,
        Outcome::Rejected => 3,
    }
}

/// The verdict a revision may bring after `previous`: the same or stricter stands by itself;
/// a more lenient one becomes REQUIRES_REVIEW with `RESULT_REVISED`, for a person to decide.
pub fn fail_safe(
    previous: Outcome,
    outcome: Outcome,
    reasons: Vec<Reason>,
) -> (Outcome, Vec<Reason>) {
    if severity(outcome) >= severity(previous) {
        return (outcome, reasons);
    }
    let mut reasons = reasons;
    reasons.push(Reason::ResultRevised);
    reasons.sort();
    reasons.dedup();
    (Outcome::RequiresReview, reasons)
}

fn per_role(role: Role, identity: Reason, document: Reason) -> Reason {
    match role {
        Role::Identity => identity,
        Role::Document => document,
    }
}

/// The verdict of a two-session pair: iDenfy's status of each session first, then every rule
/// of [`rules`] under `context` (the pair's permit policy, the decision day).
pub fn decide(
    identity: &HalfResult,
    document: &HalfResult,
    context: &Context,
) -> (Outcome, Vec<Reason>) {
    let halves = [(Role::Identity, identity), (Role::Document, document)];

    let denied: Vec<Reason> = halves
        .iter()
        .filter(|(_, half)| half.overall == OverallStatus::Denied)
        .map(|(role, _)| per_role(*role, Reason::IdentityDenied, Reason::DocumentDenied))
        .collect();
    if !denied.is_empty() {
        return (Outcome::Rejected, denied);
    }

    let abandoned: Vec<Reason> = halves
        .iter()
        .filter(|(_, half)| abandoned(half))
        .map(|(role, _)| per_role(*role, Reason::IdentityAbandoned, Reason::DocumentAbandoned))
        .collect();
    if !abandoned.is_empty() {
        return (Outcome::Incomplete, abandoned);
    }

    let mut reasons = Vec::new();
    for (role, half) in halves {
        match half.overall {
            OverallStatus::Approved => {}
            OverallStatus::Suspected => reasons.push(per_role(
                role,
                Reason::IdentitySuspected,
                Reason::DocumentSuspected,
            )),
            _ => reasons.push(per_role(
                role,
                Reason::IdentityNotApproved,
                Reason::DocumentNotApproved,
            )),
        }
    }

    reasons.extend(rules::reasons(&rules::checks(identity, document, context)));
    reasons.sort();
    reasons.dedup();
    if reasons.is_empty() {
        (Outcome::Verified, reasons)
    } else {
        (Outcome::RequiresReview, reasons)
    }
}

/// The verdict of an additional-step pair from its one final session (see the module's rules).
pub fn decide_additional_step(identity: &HalfResult) -> (Outcome, Vec<Reason>) {
    if identity.overall == OverallStatus::Denied {
        return (Outcome::Rejected, vec![Reason::IdentityDenied]);
    }
    if abandoned(identity) {
        return (Outcome::Incomplete, vec![Reason::IdentityAbandoned]);
    }
    let permit = match &identity.permit_step {
        Some(step) if step.is_invalid() => Reason::PermitInvalid,
        Some(step) if step.is_uploaded() => Reason::PermitNeedsManualReview,
        _ => Reason::PermitMissing,
    };
    let mut reasons = match identity.overall {
        OverallStatus::Approved if permit == Reason::PermitMissing => {
            return (Outcome::Incomplete, vec![Reason::PermitMissing]);
        }
        OverallStatus::Approved => vec![],
        OverallStatus::Suspected => vec![Reason::IdentitySuspected],
        _ => vec![Reason::IdentityNotApproved],
    };
    reasons.push(permit);
    reasons.sort();
    (Outcome::RequiresReview, reasons)
}

#[cfg(test)]
mod tests;
