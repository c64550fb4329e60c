//! How issuance is configured: the site's pages and origins, the token and session
//! lifetimes, retention, the permit's upload step — and the durations that follow from them.
//! Every default is in the configuration module.

use super::continuation::ContinuationKeys;
use crate::urls::AllowedOrigins;
use pair_adapters::secret::runtime::Secrets;
use pair_core::pair::FinishPages;
use pair_core::pair::ledger::LedgerRetention;
use pair_core::pair::permit::VerdictPolicy;
use pair_core::pair::{Mode, PermitPolicy};
use std::time::Duration;

/// How long the document token outlives the identity token's start deadline beyond the
/// identity session itself: the redirect between the two sessions takes a moment.
const CHAIN_SLACK: Duration = Duration::from_secs(300);

/// How late a result may arrive after its session ended: iDenfy's retries and manual review
/// of the automatic result.
const RESULTS_MARGIN: Duration = Duration::from_secs(30 * 60);

#[derive(Debug, Clone)]
pub struct IssuancePolicy {
    /// Defaults for the final redirects of the session the person finishes with.
    pub default_site_urls: FinishPages,
    pub allowed_origins: AllowedOrigins,
    /// Where iDenfy sends results, on every token, when set.
    pub callback_url: Option<String>,
    /// What the second session accepts.
    pub documents: Vec<String>,
    /// How long the identity link works before it is opened.
    pub token_expiry: Duration,
    /// How long a session may take once opened.
    pub session_length: Duration,
    /// How long a pair record is kept (the table's TTL).
    pub retention: Duration,
    /// How long the session ledger keeps its entries, and whether a pair record's retention
    /// end deletes its sessions at iDenfy.
    pub ledger: LedgerRetention,
    /// How long a minting request holds the clientId; longer than minting can take.
    pub claim_ttl: Duration,
    /// The permit's upload step in additional-step mode.
    pub permit_step: PermitStepPolicy,
    /// How a pair is decided, for one found final and undecided on read.
    pub verdict: VerdictPolicy,
    /// The permit policy of a pair whose request sets none (or only part of one).
    pub default_permit: PermitPolicy,
    /// At most this many issuances per clientId reach iDenfy in 24 hours (restarts and failed
    /// mints included), counted from the session ledger.
    pub max_pairs_per_day: usize,
    /// A whole issuance — the store calls, both token calls with their retries, the final
    /// write — when the caller gives no deadline of its own (the Lambda context does).
    pub request_budget: Duration,
    /// Kept back from the deadline for the final write (or the claim's release): the token
    /// calls stop this long before it.
    pub final_write_reserve: Duration,
    /// The API's public base URL (`PUBLIC_API_URL`, e.g. a custom domain) for the continuation
    /// between the two sessions; unset, it is the request's own domain and stage.
    pub public_api_url: Option<String>,
    /// The keys continuation tokens are MACed under (the issuing function's secret).
    pub continuation_keys: Secrets<ContinuationKeys>,
    /// A decided pair's validity is EXPIRING this many days before its end
    /// (`EXPIRY_WARNING_DAYS`).
    pub expiry_warning_days: u32,
}

/// The additional UPLOAD step that carries the permit in additional-step mode.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PermitStepPolicy {
    /// The step's name, as configured at iDenfy.
    pub name: String,
    /// Send the step with the token; false when iDenfy support configured it as the
    /// account's default step, so the token must not carry it.
    pub on_token: bool,
}

impl Default for PermitStepPolicy {
    fn default() -> Self {
        Self {
            name: VerdictPolicy::default().permit_step,
            on_token: true,
        }
    }
}

impl IssuancePolicy {
    /// How long the document link works: it must still be valid when the person arrives from
    /// an identity session opened at the last moment and run to its full length.
    pub fn document_expiry(&self) -> Duration {
        self.token_expiry + self.session_length + CHAIN_SLACK
    }

    /// A document token minted again at the continuation at `now`: when its results may
    /// still come (opened at its last moment, run to its full length, delivered late).
    pub fn results_due_after_refresh(
        &self,
        now: pair_core::clock::Timestamp,
    ) -> pair_core::clock::Timestamp {
        now.plus(self.token_expiry + self.session_length + RESULTS_MARGIN)
    }

    /// From issuance, how long results may still come for a pair whose link is opened at its
    /// last moment: every session run to its full length, plus iDenfy's delivery delays.
    pub fn results_due_within(&self, mode: Mode) -> Duration {
        let last_session_ends = match mode {
            Mode::TwoSessions => self.document_expiry() + self.session_length,
            Mode::AdditionalStep => self.token_expiry + self.session_length,
        };
        last_session_ends + RESULTS_MARGIN
    }
}
