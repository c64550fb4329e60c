//! The duties' scopes issue-tokens checks again in JWT mode, from the template's parameters.

use super::{ConfigError, Env, invalid};
use pair_adapters::http_api::DutyScopes;

/// `API_AUTHORIZATION=JWT` (the template's `ApiAuthorization`): the scopes of each duty,
/// `ISSUER_SCOPES`, `REVIEWER_SCOPES`, `ERASURE_SCOPES` (comma-separated; the template joins its
/// scope parameters), each required and no scope in two lists. `IAM` (or unset: local runs)
/// leaves the duties to IAM's policies and gives `None`.
pub(super) fn duty_scopes<F: Fn(&str) -> Option<String>>(
    env: &Env<F>,
) -> Result<Option<DutyScopes>, ConfigError> {
    match env.optional("API_AUTHORIZATION").as_deref() {
        None | Some("IAM") => return Ok(None),
        Some("JWT") => {}
        Some(_) => return Err(invalid("API_AUTHORIZATION", "must be IAM or JWT")),
    }
    let list = |name: &'static str| -> Result<Vec<String>, ConfigError> {
        let scopes: Vec<String> = env
            .required(name)?
            .split(',')
            .map(|s| s.trim().to_owned())
            .filter(|s| !s.is_empty())
            .collect();
        if scopes.is_empty() {
            return Err(invalid(name, "names no scope"));
        }
        Ok(scopes)
    };
    let duties = DutyScopes {
        issuer: list("ISSUER_SCOPES")?,
        reviewer: list("REVIEWER_SCOPES")?,
        eraser: list("ERASURE_SCOPES")?,
    };
    // A scope granting two duties would let one token do both.
    for (name, mine, others) in [
        (
            "REVIEWER_SCOPES",
            &duties.reviewer,
            [&duties.issuer, &duties.eraser],
        ),
        (
            "ERASURE_SCOPES",
            &duties.eraser,
            [&duties.issuer, &duties.reviewer],
        ),
    ] {
        if let Some(shared) = mine.iter().find(|s| others.iter().any(|o| o.contains(s))) {
            return Err(invalid(
                name,
                format!("{shared} also grants another duty: each duty needs scopes of its own"),
            ));
        }
    }
    Ok(Some(duties))
}
