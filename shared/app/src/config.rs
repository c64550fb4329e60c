//! Every setting of the three functions, read and checked once at cold start, with every
//! default defined here or in the function's own file ([`verifications_api`], [`notify`]; the
//! permit's document type and step name in [`pair_core::pair::verdict`]): a bad
//! value stops the function with a message naming the variable, never a request later. The
//! functions read the process environment; the local stack and the tests hand the same parser
//! a map ([`Env::from_pairs`]).

use crate::callback::CallbackSecrets;
use crate::urls::https_or_this_machine;
use pair_adapters::secret::runtime::{
    CALLBACK_KEYS, ReadSecrets, SecretDocument, SecretKey, SecretProblem, Secrets,
};
use pair_adapters::secret::secrets_manager::SecretsManager;
use pair_core::pair::PermitPolicy;
use pair_core::pair::judgement::DOC_TYPE;
use pair_core::pair::permit;
use pair_core::pair::permit::VerdictPolicy;

use pair_adapters::env::invalid;
use pair_adapters::env::{ConfigError, Env};
use std::sync::Arc;
use std::time::Duration;

mod duties;
mod notify;
mod verifications_api;

pub use notify::NotifyConfig;
pub use verifications_api::{MAX_PAIRS_PER_DAY, VerificationsApiConfig};

pub const DEFAULT_IDENFY_BASE_URL: &str = "https://ivs.idenfy.com";
/// How long a pair is kept (`PAIR_RETENTION_DAYS`).
const DEFAULT_RETENTION_DAYS: u64 = 30;
/// How long a secret read from Secrets Manager is kept (`SECRET_CACHE_SECONDS`).
const DEFAULT_SECRET_CACHE_SECONDS: u64 = 300;
/// The largest webhook body accepted (`MAX_CALLBACK_BYTES`).
const DEFAULT_MAX_CALLBACK_BYTES: u64 = 512 * 1024;

/// A URL we call or hand out: https, or http on this machine (see [`crate::urls`]).
fn service_url<F: Fn(&str) -> Option<String>>(
    env: &Env<F>,
    name: &'static str,
    default: Option<&str>,
) -> Result<Option<String>, ConfigError> {
    let Some(raw) = env.optional(name).or_else(|| default.map(str::to_owned)) else {
        return Ok(None);
    };
    https_or_this_machine(&raw).map_err(|reason| invalid(name, reason))?;
    Ok(Some(raw))
}

/// A comma-separated list of iDenfy document types (`name`), each one iDenfy's schema lists
/// (so a typo stops the cold start instead of sending every pair to review); unset: `default`.
fn document_types<F: Fn(&str) -> Option<String>>(
    env: &Env<F>,
    name: &'static str,
    default: Vec<String>,
) -> Result<Vec<String>, ConfigError> {
    let Some(list) = env.optional(name) else {
        return Ok(default);
    };
    let documents: Vec<String> = list
        .split(',')
        .map(|d| d.trim().to_owned())
        .filter(|d| !d.is_empty())
        .collect();
    if documents.is_empty() || !documents.iter().all(|d| DOC_TYPE.known(d).is_some()) {
        return Err(invalid(
            name,
            "comma-separated iDenfy document types (data.docType), e.g. RESIDENCE_PERMIT or PASSPORT,ID_CARD",
        ));
    }
    Ok(documents)
}

/// `IDENFY_PERMIT_STEP`: the name of the additional upload step that carries the permit in
/// additional-step mode, as configured at iDenfy.
fn permit_step_name<F: Fn(&str) -> Option<String>>(env: &Env<F>) -> Result<String, ConfigError> {
    let Some(name) = env.optional("IDENFY_PERMIT_STEP") else {
        return Ok(VerdictPolicy::default().permit_step);
    };
    let well_formed = (1..=64).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_');
    if !well_formed {
        return Err(invalid(
            "IDENFY_PERMIT_STEP",
            "an iDenfy step name: 1-64 of A-Z, 0-9 and _, e.g. RESIDENCE_PERMIT",
        ));
    }
    Ok(name)
}

/// The verdict policy from `IDENFY_DOCUMENT_TYPES`, `IDENTITY_DOCUMENT_TYPES` and
/// `IDENFY_PERMIT_STEP`.
fn verdict_policy<F: Fn(&str) -> Option<String>>(
    env: &Env<F>,
) -> Result<VerdictPolicy, ConfigError> {
    let defaults = VerdictPolicy::default();
    Ok(VerdictPolicy {
        // What the second session accepts and the verdict expects.
        permit_types: document_types(env, "IDENFY_DOCUMENT_TYPES", defaults.permit_types)?,
        // What the identity session must show.
        identity_types: document_types(env, "IDENTITY_DOCUMENT_TYPES", defaults.identity_types)?,
        permit_step: permit_step_name(env)?,
    })
}

/// `PERMIT_ISSUING_COUNTRIES` (comma-separated alpha-2; empty: any country) and
/// `PERMIT_MIN_VALID_DAYS` (default 0): the permit policy of a pair whose request sets none.
fn default_permit<F: Fn(&str) -> Option<String>>(
    env: &Env<F>,
) -> Result<PermitPolicy, ConfigError> {
    let defaults = PermitPolicy::default();
    let issuing_countries = match env.optional("PERMIT_ISSUING_COUNTRIES") {
        None => defaults.issuing_countries,
        Some(list) => permit::countries(
            list.split(',')
                .map(|c| c.trim().to_owned())
                .filter(|c| !c.is_empty())
                .collect(),
        )
        .map_err(|problem| invalid("PERMIT_ISSUING_COUNTRIES", problem.to_string()))?,
    };
    let min_valid_days = env.number(
        "PERMIT_MIN_VALID_DAYS",
        u64::from(defaults.min_valid_days),
        0..=u64::from(permit::MAX_MIN_VALID_DAYS),
    )?;
    Ok(PermitPolicy {
        issuing_countries,
        min_valid_days: u32::try_from(min_valid_days).unwrap_or(permit::MAX_MIN_VALID_DAYS),
    })
}

/// Everything the idenfy-callback function needs.
#[derive(Debug, Clone)]
pub struct CallbackConfig {
    pub table_name: String,
    /// The signing keys and the document-hash key.
    pub secrets: Secrets<CallbackSecrets>,
    pub verdict_policy: VerdictPolicy,
    pub max_body_bytes: usize,
}

/// The development-only switch that lets the callback run without signing keys.
pub const INSECURE_FLAG: &str = "INSECURE_ALLOW_UNSIGNED_CALLBACKS";

impl CallbackConfig {
    pub fn from_env<F: Fn(&str) -> Option<String>>(env: &Env<F>) -> Result<Self, ConfigError> {
        let table_name = env.required("TABLE_NAME")?;
        let insecure = env.flag(INSECURE_FLAG, false)?;
        if insecure {
            tracing::warn!(
                "{INSECURE_FLAG}=true: callbacks without signing keys are NOT signature-checked"
            );
        }
        let secrets = runtime_secrets(env, CALLBACK_KEYS, CallbackSecrets::read, |document| {
            CallbackSecrets::read_allowing_unsigned(document, insecure)
        })?;
        let max_body_bytes = env.number(
            "MAX_CALLBACK_BYTES",
            DEFAULT_MAX_CALLBACK_BYTES,
            1024..=6 * 1024 * 1024,
        )?;
        Ok(Self {
            table_name,
            secrets,
            verdict_policy: verdict_policy(env)?,
            max_body_bytes: usize::try_from(max_body_bytes).unwrap_or(usize::MAX),
        })
    }
}

/// The stack's secret. With `SECRET_ID` (a deployment) it is read from Secrets Manager while
/// the function runs and kept `SECRET_CACHE_SECONDS`; without it (local runs) the same values
/// come from plain environment variables, checked now — and the log says so.
fn runtime_secrets<T: Send + Sync, F: Fn(&str) -> Option<String>>(
    env: &Env<F>,
    own: &'static [SecretKey],
    read: ReadSecrets<T>,
    from_environment: impl FnOnce(&SecretDocument) -> Result<T, SecretProblem>,
) -> Result<Secrets<T>, ConfigError> {
    if let Some(secret_id) = env.optional("SECRET_ID") {
        let lifetime = env.number(
            "SECRET_CACHE_SECONDS",
            DEFAULT_SECRET_CACHE_SECONDS,
            1..=3600,
        )?;
        return Ok(Secrets::kept(
            Arc::new(SecretsManager::new(secret_id, own)),
            read,
            Duration::from_secs(lifetime),
        ));
    }
    let document = SecretDocument::from_variables(own, |name| env.optional(name));
    let value = from_environment(&document).map_err(|problem| {
        if problem.missing {
            ConfigError::Missing(problem.key.env)
        } else {
            invalid(problem.key.env, problem.reason)
        }
    })?;
    tracing::warn!(
        "secrets read from plain environment variables: for local runs only (SECRET_ID is not set)"
    );
    Ok(Secrets::fixed(value))
}

#[cfg(test)]
mod tests;
