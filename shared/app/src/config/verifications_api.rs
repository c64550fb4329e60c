//! The issue-tokens function's settings: iDenfy, the site's pages, the tokens' times, the
//! retention and the ledger, the pair cap, the reviewers' queue and the duties.

use super::duties::duty_scopes;
use super::{
    ConfigError, DEFAULT_IDENFY_BASE_URL, DEFAULT_RETENTION_DAYS, Env, default_permit, invalid,
    runtime_secrets, service_url, verdict_policy,
};
use crate::issuance::continuation::ContinuationKeys;
use crate::issuance::{IssuancePolicy, PermitStepPolicy};
use crate::review::queue::{self, QueuePolicy};
use crate::urls::AllowedOrigins;
use pair_adapters::http_api::DutyScopes;
use pair_adapters::idenfy::{IdenfyClientConfig, IdenfyCredentials, limits};
use pair_adapters::secret::runtime::ISSUANCE_KEYS;
use pair_adapters::store::dynamo::DynamoTimeouts;
use pair_core::pair::FinishPages;
use pair_core::pair::ledger::LedgerRetention;
use std::time::Duration;

/// How long a session may take once opened (`IDENFY_SESSION_LENGTH_SECONDS`).
const DEFAULT_SESSION_LENGTH_SECONDS: u64 = 600;
/// How long the identity link works before it is opened (`IDENFY_TOKEN_EXPIRY_SECONDS`).
const DEFAULT_TOKEN_EXPIRY_SECONDS: u64 = 3600;
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
pub const MAX_PAIRS_PER_DAY: u64 = 100;
/// A claim holds at most a working day (`REVIEW_CLAIM_MINUTES`).
const MAX_CLAIM_MINUTES: u64 = 480;
/// A review SLA of at most 30 days (`REVIEW_SLA_HOURS`).
const MAX_SLA_HOURS: u64 = 720;
/// A whole issuance when the Lambda context gives no deadline (issue-tokens runs 25 s).
const ISSUANCE_BUDGET: Duration = Duration::from_secs(20);
/// How long a minting request holds the clientId: longer than minting can take.
const CLAIM_TTL: Duration = Duration::from_secs(60);

/// Everything the issue-tokens function needs.
#[derive(Debug, Clone)]
pub struct VerificationsApiConfig {
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

impl VerificationsApiConfig {
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
        let continuation_keys = runtime_secrets(
            env,
            ISSUANCE_KEYS,
            ContinuationKeys::read,
            ContinuationKeys::read,
        )?;
        let (allowed_origins, default_site_urls) = site_pages(env)?;
        let (session_length, token_expiry) = token_times(env)?;
        let (retention, ledger) = retention(env)?;
        let verdict = verdict_policy(env)?;
        let expiry_warning_days =
            env.number("EXPIRY_WARNING_DAYS", DEFAULT_EXPIRY_WARNING_DAYS, 0..=365)?;
        let max_pairs_per_day = env.number(
            "MAX_PAIRS_PER_CLIENT_PER_DAY",
            DEFAULT_MAX_PAIRS_PER_DAY,
            1..=MAX_PAIRS_PER_DAY,
        )?;
        Ok(Self {
            table_name,
            duties: duty_scopes(env)?,
            ledger_table_name,
            idenfy: IdenfyClientConfig::with_credentials(&base_url, credentials),
            queue: queue_policy(env)?,
            policy: IssuancePolicy {
                default_site_urls,
                allowed_origins,
                callback_url: service_url(env, "CALLBACK_URL", None)?,
                documents: verdict.permit_types.clone(),
                token_expiry,
                session_length,
                retention,
                ledger,
                claim_ttl: CLAIM_TTL,
                permit_step: PermitStepPolicy {
                    name: verdict.permit_step.clone(),
                    on_token: permit_step_on_token(env)?,
                },
                verdict,
                default_permit: default_permit(env)?,
                max_pairs_per_day: usize::try_from(max_pairs_per_day).unwrap_or(usize::MAX),
                request_budget: ISSUANCE_BUDGET,
                final_write_reserve: DynamoTimeouts::default().operation,
                // Where the person's browser reaches the API between the two sessions, when
                // the request's own domain is not it (a custom domain in front).
                public_api_url: service_url(env, "PUBLIC_API_URL", None)?,
                continuation_keys,
                expiry_warning_days: u32::try_from(expiry_warning_days).unwrap_or(u32::MAX),
            },
        })
    }
}

/// The origins the site's pages may be on, and the default pages, each on one of them.
fn site_pages<F: Fn(&str) -> Option<String>>(
    env: &Env<F>,
) -> Result<(AllowedOrigins, FinishPages), ConfigError> {
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
    let pages = FinishPages {
        success: site_url("SITE_SUCCESS_URL")?,
        error: site_url("SITE_ERROR_URL")?,
        unverified: site_url("SITE_UNVERIFIED_URL")?,
    };
    Ok((allowed_origins, pages))
}

/// How long a session may take once opened, and how long a link works before it is.
fn token_times<F: Fn(&str) -> Option<String>>(
    env: &Env<F>,
) -> Result<(Duration, Duration), ConfigError> {
    let session_length = env.number(
        "IDENFY_SESSION_LENGTH_SECONDS",
        DEFAULT_SESSION_LENGTH_SECONDS,
        u64::from(limits::SESSION_LENGTH_MIN)..=u64::from(limits::SESSION_LENGTH_MAX),
    )?;
    // The document token must outlive the identity token by a session and some slack.
    let expiry_max = u64::from(limits::EXPIRY_TIME_MAX) - 2 * u64::from(limits::SESSION_LENGTH_MAX);
    let token_expiry = env.number(
        "IDENFY_TOKEN_EXPIRY_SECONDS",
        DEFAULT_TOKEN_EXPIRY_SECONDS,
        60..=expiry_max,
    )?;
    Ok((
        Duration::from_secs(session_length),
        Duration::from_secs(token_expiry),
    ))
}

/// `account` when iDenfy support made the upload step the account's default: the token then
/// must not carry it.
fn permit_step_on_token<F: Fn(&str) -> Option<String>>(env: &Env<F>) -> Result<bool, ConfigError> {
    match env.optional("IDENFY_PERMIT_STEP_SOURCE").as_deref() {
        None | Some("token") => Ok(true),
        Some("account") => Ok(false),
        Some(_) => Err(invalid(
            "IDENFY_PERMIT_STEP_SOURCE",
            "must be token (sent with each token) or account (the account's default steps)",
        )),
    }
}

/// How long a pair record is kept, and the session ledger's retention.
fn retention<F: Fn(&str) -> Option<String>>(
    env: &Env<F>,
) -> Result<(Duration, LedgerRetention), ConfigError> {
    let retention_days = env.number("PAIR_RETENTION_DAYS", DEFAULT_RETENTION_DAYS, 1..=3650)?;
    // The ledger outlives the records whose sessions it deletes at their retention end.
    let audit_days = env.number(
        "AUDIT_RETENTION_DAYS",
        DEFAULT_AUDIT_RETENTION_DAYS,
        retention_days..=3650,
    )?;
    let retention = Duration::from_secs(retention_days * 86_400);
    let delete_at_end = env.flag(
        "IDENFY_DELETE_AT_RETENTION_END",
        DEFAULT_DELETE_AT_RETENTION_END,
    )?;
    let ledger = LedgerRetention {
        audit: Duration::from_secs(audit_days * 86_400),
        delete_after: delete_at_end.then_some(retention),
    };
    Ok((retention, ledger))
}

/// How long a reviewer's claim holds, and when a wait is overdue.
fn queue_policy<F: Fn(&str) -> Option<String>>(env: &Env<F>) -> Result<QueuePolicy, ConfigError> {
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
    Ok(QueuePolicy {
        claim_for: Duration::from_secs(claim_minutes * 60),
        sla: Duration::from_secs(sla_hours * 3600),
    })
}
