//! Every setting of both functions, read and checked once at cold start, with every default
//! defined here (the permit's document type and step name in [`pair_core::pair::verdict`]): a bad
//! value stops the function with a message naming the variable, never a request later. The
//! functions read the process environment; the local stack and the tests hand the same parser
//! a map ([`Env::from_pairs`]).

use crate::callback::CallbackSecrets;
use crate::issuance::continuation::ContinuationKeys;
use crate::issuance::{IssuancePolicy, PermitStepPolicy};
use crate::review::queue::{self, QueuePolicy};
use crate::urls::{AllowedOrigins, https_or_this_machine};
use pair_adapters::http_api::DutyScopes;
use pair_adapters::idenfy::{IdenfyClientConfig, IdenfyCredentials, limits};
use pair_adapters::secret::runtime::{
    CALLBACK_KEYS, ISSUANCE_KEYS, ReadSecrets, SecretDocument, SecretKey, SecretProblem, Secrets,
};
use pair_adapters::secret::secrets_manager::SecretsManager;
use pair_adapters::store::dynamo::DynamoTimeouts;
use pair_core::pair::FinishPages;
use pair_core::pair::PermitPolicy;
use pair_core::pair::judgement::DOC_TYPE;
use pair_core::pair::ledger::LedgerRetention;
use pair_core::pair::permit;
use pair_core::pair::permit::VerdictPolicy;

use pair_adapters::env::invalid;
use pair_adapters::env::{ConfigError, Env};
use std::sync::Arc;
use std::time::Duration;

mod duties;
mod notify;

use duties::duty_scopes;
pub use notify::NotifyConfig;

pub const DEFAULT_IDENFY_BASE_URL: &str = "https://ivs.idenfy.com";
/// How long a session may take once opened (`IDENFY_SESSION_LENGTH_SECONDS`).
const DEFAULT_SESSION_LENGTH_SECONDS: u64 = 600;
/// How long the identity link works before it is opened (`IDENFY_TOKEN_EXPIRY_SECONDS`).
const DEFAULT_TOKEN_EXPIRY_SECONDS: u64 = 3600;
/// How long a pair is kept (`PAIR_RETENTION_DAYS`).
const DEFAULT_RETENTION_DAYS: u64 = 30;
/// How long the session ledger and an erasure's audit are kept (`AUDIT_RETENTION_DAYS`): five
/// years of AML record keeping.
const DEFAULT_AUDIT_RETENTION_DAYS: u64 = 1825;
/// Whether a pair record's retention end deletes its sessions at iDenfy
/// (`IDENFY_DELETE_AT_RETENTION_END`).
const DEFAULT_DELETE_AT_RETENTION_END: bool = true;
/// A decided pair's validity turns EXPIRING this many days before its end
/// (`EXPIRY_WARNING_DAYS`).
const DEFAULT_EXPIRY_WARNING_DAYS: u64 = 30;
/// Pairs a clientId may have in 24 hours (`MAX_PAIRS_PER_CLIENT_PER_DAY`), and at most.
const DEFAULT_MAX_PAIRS_PER_DAY: u64 = 5;
const MAX_PAIRS_PER_DAY: u64 = 100;
/// A claim holds at most a working day (`REVIEW_CLAIM_MINUTES`).
const MAX_CLAIM_MINUTES: u64 = 480;
/// A review SLA of at most 30 days (`REVIEW_SLA_HOURS`).
const MAX_SLA_HOURS: u64 = 720;
/// A whole issuance when the Lambda context gives no deadline (issue-tokens runs 25 s).
const ISSUANCE_BUDGET: Duration = Duration::from_secs(20);
/// How long a minting request holds the clientId: longer than minting can take.
const CLAIM_TTL: Duration = Duration::from_secs(60);
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

/// Everything the issue-tokens function needs.
#[derive(Debug, Clone)]
pub struct IssueTokensConfig {
    pub table_name: String,
    /// In JWT mode, the scopes of each duty, checked again by the function.
    pub duties: Option<DutyScopes>,
    /// The session ledger's table (`LEDGER_TABLE_NAME`).
    pub ledger_table_name: String,
    pub idenfy: IdenfyClientConfig,
    pub policy: IssuancePolicy,
    /// The reviewers' queue: how long a claim holds, when a wait is overdue.
    pub queue: QueuePolicy,
}

impl IssueTokensConfig {
    pub fn from_env<F: Fn(&str) -> Option<String>>(env: &Env<F>) -> Result<Self, ConfigError> {
        let table_name = env.required("TABLE_NAME")?;
        let ledger_table_name = env.required("LEDGER_TABLE_NAME")?;
        let base_url =
            service_url(env, "IDENFY_BASE_URL", Some(DEFAULT_IDENFY_BASE_URL))?.unwrap_or_default();
        let credentials = runtime_secrets(
            env,
            ISSUANCE_KEYS,
            IdenfyCredentials::read,
            IdenfyCredentials::read,
        )?;
        let idenfy = IdenfyClientConfig::with_credentials(&base_url, credentials);
        let continuation_keys = runtime_secrets(
            env,
            ISSUANCE_KEYS,
            ContinuationKeys::read,
            ContinuationKeys::read,
        )?;
        // Where the person's browser reaches the API between the two sessions, when the
        // request's own domain is not it (a custom domain in front).
        let public_api_url = service_url(env, "PUBLIC_API_URL", None)?;

        let allowed_origins =
            AllowedOrigins::parse(&env.optional("ALLOWED_REDIRECT_ORIGINS").unwrap_or_default())
                .map_err(|reason| invalid("ALLOWED_REDIRECT_ORIGINS", reason))?;
        let site_url = |name: &'static str| -> Result<Option<String>, ConfigError> {
            let Some(url) = env.optional(name) else {
                return Ok(None);
            };
            allowed_origins
                .check(&url)
                .map_err(|problem| invalid(name, problem.to_string()))?;
            Ok(Some(url))
        };
        let default_site_urls = FinishPages {
            success: site_url("SITE_SUCCESS_URL")?,
            error: site_url("SITE_ERROR_URL")?,
            unverified: site_url("SITE_UNVERIFIED_URL")?,
        };
        let callback_url = service_url(env, "CALLBACK_URL", None)?;

        let session_length = env.number(
            "IDENFY_SESSION_LENGTH_SECONDS",
            DEFAULT_SESSION_LENGTH_SECONDS,
            u64::from(limits::SESSION_LENGTH_MIN)..=u64::from(limits::SESSION_LENGTH_MAX),
        )?;
        // The document token must outlive the identity token by a session and some slack.
        let expiry_max =
            u64::from(limits::EXPIRY_TIME_MAX) - 2 * u64::from(limits::SESSION_LENGTH_MAX);
        let token_expiry = env.number(
            "IDENFY_TOKEN_EXPIRY_SECONDS",
            DEFAULT_TOKEN_EXPIRY_SECONDS,
            60..=expiry_max,
        )?;
        let retention_days = env.number("PAIR_RETENTION_DAYS", DEFAULT_RETENTION_DAYS, 1..=3650)?;
        // `account` when iDenfy support made the upload step the account's default: the token
        // then must not carry it.
        let permit_step_on_token = match env.optional("IDENFY_PERMIT_STEP_SOURCE").as_deref() {
            None | Some("token") => true,
            Some("account") => false,
            Some(_) => {
                return Err(invalid(
                    "IDENFY_PERMIT_STEP_SOURCE",
                    "must be token (sent with each token) or account (the account's default steps)",
                ));
            }
        };
        let verdict = verdict_policy(env)?;
        let expiry_warning_days =
            env.number("EXPIRY_WARNING_DAYS", DEFAULT_EXPIRY_WARNING_DAYS, 0..=365)?;
        let max_pairs_per_day = env.number(
            "MAX_PAIRS_PER_CLIENT_PER_DAY",
            DEFAULT_MAX_PAIRS_PER_DAY,
            1..=MAX_PAIRS_PER_DAY,
        )?;
        // The ledger outlives the records whose sessions it deletes at their retention end.
        let audit_days = env.number(
            "AUDIT_RETENTION_DAYS",
            DEFAULT_AUDIT_RETENTION_DAYS,
            retention_days..=3650,
        )?;
        let retention = Duration::from_secs(retention_days * 86_400);
        let ledger = LedgerRetention {
            audit: Duration::from_secs(audit_days * 86_400),
            delete_after: env
                .flag(
                    "IDENFY_DELETE_AT_RETENTION_END",
                    DEFAULT_DELETE_AT_RETENTION_END,
                )?
                .then_some(retention),
        };

        let claim_minutes = env.number(
            "REVIEW_CLAIM_MINUTES",
            queue::DEFAULT_CLAIM_MINUTES,
            1..=MAX_CLAIM_MINUTES,
        )?;
        let sla_hours = env.number(
            "REVIEW_SLA_HOURS",
            queue::DEFAULT_SLA_HOURS,
            1..=MAX_SLA_HOURS,
        )?;

        Ok(Self {
            table_name,
            duties: duty_scopes(env)?,
            ledger_table_name,
            idenfy,
            queue: QueuePolicy {
                claim_for: Duration::from_secs(claim_minutes * 60),
                sla: Duration::from_secs(sla_hours * 3600),
            },
            policy: IssuancePolicy {
                default_site_urls,
                allowed_origins,
                callback_url,
                documents: verdict.permit_types.clone(),
                token_expiry: Duration::from_secs(token_expiry),
                session_length: Duration::from_secs(session_length),
                retention,
                ledger,
                claim_ttl: CLAIM_TTL,
                permit_step: PermitStepPolicy {
                    name: verdict.permit_step.clone(),
                    on_token: permit_step_on_token,
                },
                verdict,
                default_permit: default_permit(env)?,
                max_pairs_per_day: usize::try_from(max_pairs_per_day).unwrap_or(usize::MAX),
                request_budget: ISSUANCE_BUDGET,
                final_write_reserve: DynamoTimeouts::default().operation,
                public_api_url,
                continuation_keys,
                expiry_warning_days: u32::try_from(expiry_warning_days).unwrap_or(u32::MAX),
            },
        })
    }
}

#[cfg(test)]
mod tests;
