//! The verdict policy: what two final halves mean together ([`decide`]).
//!
//! - Either half DENIED → REJECTED.
//! - Either half abandoned (EXPIRED, EXPIRED-DELETED, or no result in the body) → INCOMPLETE;
//!   an expiry or cancel event that carries a result is judged on that result.
//! - Both APPROVED, the rest of iDenfy's judgement of each clean ([`judgement`]: per-check
//!   statuses, fraud tags, duplicates, the documents' dates and type, values iDenfy's schema
//!   lists) and every rule of [`rules`] passing (names, date of birth, the permit's type,
//!   validity and issuer under the pair's permit policy, sex, nationality, iDenfy's mismatch
//!   tags…) → VERIFIED.
//! - Anything else → REQUIRES_REVIEW, with every reason found.
//!
//! And what the one final session of the additional-step mode means ([`decide_additional_step`]),
//! where the permit is a stored file nobody extracted:
//!
//! - DENIED → REJECTED; abandoned → INCOMPLETE.
//! - APPROVED without the permit's upload and without a doubt of iDenfy's → INCOMPLETE
//!   (`PERMIT_MISSING`: ask again).
//! - Otherwise → REQUIRES_REVIEW: `PERMIT_NEEDS_MANUAL_REVIEW` (uploaded), `PERMIT_INVALID`
//!   or `PERMIT_MISSING`, plus the session's own reason when it was not APPROVED and every
//!   reason of iDenfy's judgement of it.

use super::judgement::{self, Meaning, OVERALL, Sessions};
use super::rules::{self, Check, Context};
use super::{HalfResult, Outcome, OverallStatus, Reason, Role};

/// What `status.overall` means ([`judgement::OVERALL`]); a body with no status at all is an
/// abandoned session. Only the body counts: an expiry or cancel event may carry a real result
/// (docs/idenfy.md), and the event-type header is not signed.
fn overall(half: &HalfResult) -> Meaning {
    match half.overall {
        OverallStatus::Missing => Meaning::Abandoned,
        ref status => OVERALL.meaning(status.as_str()),
    }
}

/// A result that says the session was abandoned (no verification took place).
pub fn abandoned(half: &HalfResult) -> bool {
    overall(half) == Meaning::Abandoned
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

/// Every check a reviewer sees and the verdict reads: iDenfy's judgement of each session
/// ([`judgement::checks`]) and, with both sessions, every rule two documents add
/// ([`rules::checks`]).
pub fn checks(
    identity: &HalfResult,
    document: Option<&HalfResult>,
    context: &Context,
) -> Vec<Check> {
    let mut all = match document {
        Some(document) => rules::checks(identity, document, context),
        None => vec![],
    };
    let sessions = Sessions {
        identity,
        permit: document,
    };
    all.extend(judgement::checks(sessions, context));
    all
}

/// iDenfy's status word of each session: REJECTED when one was denied, INCOMPLETE when one
/// was abandoned, else the reasons it gives (`*_SUSPECTED`, `*_NOT_APPROVED`).
fn status_words(halves: &[(Role, &HalfResult)]) -> Result<Vec<Reason>, (Outcome, Vec<Reason>)> {
    let with = |meaning: Meaning, identity: Reason, document: Reason| -> Vec<Reason> {
        halves
            .iter()
            .filter(|(_, half)| overall(half) == meaning)
            .map(|(role, _)| per_role(*role, identity, document))
            .collect()
    };
    let denied = with(
        Meaning::Rejected,
        Reason::IdentityDenied,
        Reason::DocumentDenied,
    );
    if !denied.is_empty() {
        return Err((Outcome::Rejected, denied));
    }
    let abandoned = with(
        Meaning::Abandoned,
        Reason::IdentityAbandoned,
        Reason::DocumentAbandoned,
    );
    if !abandoned.is_empty() {
        return Err((Outcome::Incomplete, abandoned));
    }
    let mut reasons = with(
        Meaning::Suspected,
        Reason::IdentitySuspected,
        Reason::DocumentSuspected,
    );
    reasons.extend(with(
        Meaning::NotApproved,
        Reason::IdentityNotApproved,
        Reason::DocumentNotApproved,
    ));
    Ok(reasons)
}

fn settled(mut reasons: Vec<Reason>) -> (Outcome, Vec<Reason>) {
    reasons.sort();
    reasons.dedup();
    if reasons.is_empty() {
        (Outcome::Verified, reasons)
    } else {
        (Outcome::RequiresReview, reasons)
    }
}

/// The verdict of a two-session pair: iDenfy's status word of each session first, then every
/// check of [`checks`] under `context` (the pair's permit policy, the decision day).
pub fn decide(
    identity: &HalfResult,
    document: &HalfResult,
    context: &Context,
) -> (Outcome, Vec<Reason>) {
    let halves = [(Role::Identity, identity), (Role::Document, document)];
    let mut reasons = match status_words(&halves) {
        Ok(reasons) => reasons,
        Err(decided) => return decided,
    };
    reasons.extend(rules::reasons(&checks(identity, Some(document), context)));
    settled(reasons)
}

/// The verdict of an additional-step pair from its one final session (see the module's
/// rules), with every check of iDenfy's judgement: a fraud signal is never lost in an
/// INCOMPLETE.
pub fn decide_additional_step(identity: &HalfResult, context: &Context) -> (Outcome, Vec<Reason>) {
    let mut reasons = match status_words(&[(Role::Identity, identity)]) {
        Ok(reasons) => reasons,
        Err(decided) => return decided,
    };
    let permit = match &identity.permit_step {
        Some(step) if step.is_invalid() => Reason::PermitInvalid,
        Some(step) if step.is_uploaded() => Reason::PermitNeedsManualReview,
        _ => Reason::PermitMissing,
    };
    reasons.extend(rules::reasons(&checks(identity, None, context)));
    if permit == Reason::PermitMissing && reasons.is_empty() {
        return (Outcome::Incomplete, vec![Reason::PermitMissing]);
    }
    reasons.push(permit);
    settled(reasons)
}

#[cfg(test)]
mod tests;
