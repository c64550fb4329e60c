//! Receiving iDenfy's webhooks: each result's half is stored in one conditional write, and
//! the callback that leaves the pair's sessions final records the verdict — once. A
//! document-expiration notice is recorded on the pair, once per session and threshold.

use pair_adapters::idenfy::SigningKeys;
use pair_adapters::idenfy::webhook::{self, Callback, ExpirationCallback, PayloadError, Webhook};
use pair_adapters::secret::runtime::{
    DOCUMENT_HASH_KEY, SIGNING_KEYS, SecretDocument, SecretProblem,
};
use pair_core::clock::{Clock, Timestamp};
use pair_core::pair::judgement;
use pair_core::pair::machine::{self, NoticeUnchanged};
use pair_core::pair::permit::VerdictPolicy;
use pair_core::pair::{DocumentHasher, Pair, PairRecord, Rank, Role, Threshold, Verdict};
use pair_core::ports::store::{Arrival, HalfWrite, ResultStore, StoreError};
use std::sync::Arc;

mod history;

/// An expiration notice's write is tried on this many fresh reads at most.
const NOTE_ATTEMPTS: usize = 3;

/// What the callback needs from the stack's secret.
#[derive(Debug, Clone)]
pub struct CallbackSecrets {
    /// `None` only in development, when unsigned callbacks were explicitly allowed.
    pub signing_keys: Option<SigningKeys>,
    pub document_hasher: DocumentHasher,
}

/// Only when unsigned callbacks are allowed (development): a fixed key for document hashes.
const INSECURE_DOCUMENT_HASH_KEY: &str = "insecure-development-document-hash-key";
/// The shortest document-hash key accepted.
const DOCUMENT_HASH_KEY_MIN: usize = 16;

impl CallbackSecrets {
    /// `signingKeys` (comma-separated, newest first) and `documentHashKey`, both required.
    pub fn read(document: &SecretDocument) -> Result<Self, SecretProblem> {
        Self::read_allowing_unsigned(document, false)
    }

    /// The same; with `unsigned_allowed` (development only) both may be missing.
    pub fn read_allowing_unsigned(
        document: &SecretDocument,
        unsigned_allowed: bool,
    ) -> Result<Self, SecretProblem> {
        let signing_keys = match document.get(SIGNING_KEYS) {
            Some(list) => Some(
                SigningKeys::parse(list)
                    .map_err(|problem| SecretProblem::invalid(SIGNING_KEYS, problem.to_string()))?,
            ),
            None if unsigned_allowed => None,
            None => {
                return Err(SecretProblem::invalid(
                    SIGNING_KEYS,
                    "is required (unsigned callbacks only for local development)",
                ));
            }
        };
        // A list, current first (rotation): `new,old` while pairs hashed under `old` live.
        let hash_keys: Vec<&str> = match document.get(DOCUMENT_HASH_KEY) {
            Some(list) => list.split(',').map(str::trim).collect(),
            None if unsigned_allowed => vec![INSECURE_DOCUMENT_HASH_KEY],
            None => vec![document.required(DOCUMENT_HASH_KEY)?],
        };
        if hash_keys
            .iter()
            .any(|key| key.len() < DOCUMENT_HASH_KEY_MIN)
        {
            return Err(SecretProblem::invalid(
                DOCUMENT_HASH_KEY,
                format!(
                    "must be keys of at least {DOCUMENT_HASH_KEY_MIN} characters, comma-separated, current first"
                ),
            ));
        }
        let document_hasher = DocumentHasher::with_keys(hash_keys.iter().map(|k| k.as_bytes()))
            .ok_or_else(|| {
                SecretProblem::invalid(DOCUMENT_HASH_KEY, "not usable as an HMAC key")
            })?;
        Ok(Self {
            signing_keys,
            document_hasher,
        })
    }
}

/// What became of a callback. Every variant is a 200 for iDenfy: it was handled.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Receipt {
    /// The half was stored; `decided` when this callback completed the pair.
    Stored {
        role: Role,
        decided: Option<Verdict>,
    },
    /// A duplicate or stale delivery: nothing stored. It may still record a verdict that a
    /// crashed earlier delivery left undone. `past_bound`: a new final refused because the
    /// pair holds its most finals (the verdict, if any, is REQUIRES_REVIEW
    /// `TOO_MANY_REVISIONS`).
    Unchanged {
        role: Role,
        decided: Option<Verdict>,
        past_bound: bool,
    },
    /// iDenfy's document-expiration notice for a session of the live pair: `recorded` the
    /// first time (false for a duplicate, or one no stricter than the session's last), with
    /// the threshold it had the site told of at once, if any.
    Noted {
        role: Role,
        recorded: bool,
        alerted: Option<Threshold>,
    },
    /// A result for a session of a pair a restart replaced: kept on that pair's history entry
    /// (`recorded` the first time), never used for the live pair.
    KeptInHistory { recorded: bool },
    /// Not a session issued here (or no longer live), or a signed body we cannot use:
    /// knowingly ignored, since a retry would not change it.
    Ignored(IgnoredBecause),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IgnoredBecause {
    /// The body is not JSON, or not a JSON object.
    NotJson,
    /// No clientId, or a null one (e.g. another kind of webhook routed to this URL).
    NoClientId,
    /// A clientId this service never issues (spaces, non-ASCII, too long).
    ClientIdNotOurs,
    NoScanRef,
    UnknownClientId,
    ScanRefNotInPair,
    /// An expiration notice whose threshold is missing or not one iDenfy documents.
    UnknownExpirationThreshold,
}

impl IgnoredBecause {
    /// The reason code the webhook's answer carries.
    pub fn code(self) -> &'static str {
        match self {
            IgnoredBecause::NotJson => "NOT_JSON",
            IgnoredBecause::NoClientId => "NO_CLIENT_ID",
            IgnoredBecause::ClientIdNotOurs => "CLIENT_ID_NOT_OURS",
            IgnoredBecause::NoScanRef => "NO_SCAN_REF",
            IgnoredBecause::UnknownClientId => "UNKNOWN_CLIENT_ID",
            IgnoredBecause::ScanRefNotInPair => "SCAN_REF_NOT_IN_PAIR",
            IgnoredBecause::UnknownExpirationThreshold => "UNKNOWN_EXPIRATION_THRESHOLD",
        }
    }
}

impl From<&PayloadError> for IgnoredBecause {
    fn from(error: &PayloadError) -> Self {
        match error {
            PayloadError::NotJson { .. } | PayloadError::NotAnObject => IgnoredBecause::NotJson,
            PayloadError::MissingScanRef => IgnoredBecause::NoScanRef,
            PayloadError::MissingClientId => IgnoredBecause::NoClientId,
            PayloadError::InvalidClientId => IgnoredBecause::ClientIdNotOurs,
            PayloadError::UnknownExpirationThreshold => IgnoredBecause::UnknownExpirationThreshold,
        }
    }
}

#[derive(Clone)]
pub struct CallbackService {
    store: Arc<dyn ResultStore>,
    clock: Arc<dyn Clock>,
    policy: Arc<VerdictPolicy>,
}

impl CallbackService {
    pub fn new(store: Arc<dyn ResultStore>, clock: Arc<dyn Clock>, policy: VerdictPolicy) -> Self {
        Self {
            store,
            clock,
            policy: Arc::new(policy),
        }
    }

    /// A verified body read as a session's result or an expiration notice, on this service's
    /// clock and permit step.
    pub fn read(
        &self,
        body: &[u8],
        event_type: Option<&str>,
        hasher: &DocumentHasher,
    ) -> Result<Webhook, PayloadError> {
        webhook::read(
            body,
            event_type,
            self.clock.now(),
            hasher,
            &self.policy.permit_step,
        )
    }

    /// A verified webhook body, start to end: a body that cannot be placed is ignored with a
    /// warning (no retry could change it); a result is received, an expiration notice noted.
    pub async fn handle(
        &self,
        body: &[u8],
        event_type: Option<&str>,
        hasher: &DocumentHasher,
    ) -> Result<Receipt, StoreError> {
        match self.read(body, event_type, hasher) {
            Ok(Webhook::Result(callback)) => self.receive(&callback).await,
            Ok(Webhook::Expiration(notice)) => self.note(&notice).await,
            Err(error) => {
                let because = IgnoredBecause::from(&error);
                // The error names what is missing, never a value from the body.
                tracing::warn!(reason = because.code(), event_type, %error, "signed callback ignored: not a result we can place");
                Ok(Receipt::Ignored(because))
            }
        }
    }

    /// iDenfy's document-expiration notice, recorded on the live pair once per session and
    /// threshold, with the alert it makes due: a read and a write conditioned on it (again on
    /// a fresh read if the record changed meanwhile).
    pub async fn note(&self, callback: &ExpirationCallback) -> Result<Receipt, StoreError> {
        let client_id = &callback.client_id;
        let scan_ref = callback.scan_ref.as_str();
        let threshold = callback.notice.threshold.days();
        for _ in 0..NOTE_ATTEMPTS {
            let now = self.clock.now();
            let Some(record) = self.store.load(client_id).await? else {
                tracing::warn!(%client_id, scan_ref, "expiration notice ignored: no pair for this clientId");
                return Ok(Receipt::Ignored(IgnoredBecause::UnknownClientId));
            };
            let (role, update) = match machine::note_expiration(
                &record,
                scan_ref,
                &callback.notice,
                now,
            ) {
                Ok(noted) => noted,
                Err(NoticeUnchanged::NotOurs) => {
                    tracing::warn!(%client_id, scan_ref, "expiration notice ignored: scanRef is not a session of the live pair");
                    return Ok(Receipt::Ignored(IgnoredBecause::ScanRefNotInPair));
                }
                Err(NoticeUnchanged::AlreadyNoted(role)) => {
                    tracing::info!(%client_id, scan_ref, threshold, "expiration notice known already");
                    return Ok(Receipt::Noted {
                        role,
                        recorded: false,
                        alerted: None,
                    });
                }
            };
            match self.store.record_expiry(client_id, &update).await {
                Ok(()) => {
                    let alerted = update.alert.as_ref().map(|a| a.threshold);
                    tracing::info!(%client_id, scan_ref, threshold, alerted = alerted.map(Threshold::days), "expiration notice recorded");
                    return Ok(Receipt::Noted {
                        role,
                        recorded: true,
                        alerted,
                    });
                }
                Err(StoreError::Conflict) => continue,
                Err(other) => return Err(other),
            }
        }
        // Written over by others each time: iDenfy's retry will find the record settled.
        Err(StoreError::Conflict)
    }

    /// At most two store requests: the conditional half write, and the verdict write when
    /// this callback finds every session final on results no verdict was decided on.
    pub async fn receive(&self, callback: &Callback) -> Result<Receipt, StoreError> {
        let now = self.clock.now();
        let client_id = &callback.client_id;
        let scan_ref = callback.scan_ref.as_str();
        let rank = match callback.half.rank {
            Rank::Preliminary => "preliminary",
            Rank::Final => "final",
        };
        tracing::debug!(%client_id, scan_ref, rank, overall = callback.half.overall.as_str(), "webhook verified and parsed");
        let (stored, record) = match self.store_half(callback, now).await? {
            Ok(written) => written,
            Err(ignored) => return Ok(ignored),
        };
        let Some((pair, role)) = record
            .live_pair(now)
            .and_then(|pair| pair.role_of(scan_ref).map(|role| (pair, role)))
        else {
            if !stored && machine::owned_by_history(&record, scan_ref) {
                return self.keep_in_history(record, callback, now).await;
            }
            tracing::warn!(%client_id, scan_ref, "callback ignored: scanRef is not a session of the live pair");
            return Ok(Receipt::Ignored(IgnoredBecause::ScanRefNotInPair));
        };
        let past_bound = note_arrival(pair, role, callback, stored);
        let due = machine::verdict_due(pair, &self.policy, now)
            .or_else(|| machine::verdict_past_bound(pair, scan_ref, &callback.half, now));
        let decided = match due {
            Some(verdict) => self
                .store
                .record_verdict(client_id, pair.decision(&verdict, record.expires_at))
                .await?
                .then_some(verdict),
            None => None,
        };
        let event_type = callback.half.event_type.as_deref();
        match &decided {
            Some(verdict) => tracing::info!(
                %client_id,
                scan_ref,
                role = role.as_str(),
                rank,
                stored,
                event_type,
                outcome = ?verdict.outcome,
                reasons = ?verdict.reasons,
                verdict_version = verdict.version,
                "pair decided"
            ),
            None => {
                tracing::info!(%client_id, scan_ref, role = role.as_str(), rank, stored, event_type, "callback handled")
            }
        }
        Ok(if stored {
            Receipt::Stored { role, decided }
        } else {
            Receipt::Unchanged {
                role,
                decided,
                past_bound,
            }
        })
    }

    /// The conditional half write: whether it was stored, and the record after it (or as it
    /// stood); a receipt instead when no record holds the clientId.
    async fn store_half(
        &self,
        callback: &Callback,
        now: Timestamp,
    ) -> Result<Result<(bool, PairRecord), Receipt>, StoreError> {
        let arrival = Arrival {
            scan_ref: &callback.scan_ref,
            half: &callback.half,
            now,
        };
        Ok(
            match self.store.record_half(&callback.client_id, arrival).await? {
                HalfWrite::Stored(record) => Ok((true, record)),
                HalfWrite::Refused(Some(record)) => Ok((false, record)),
                HalfWrite::Refused(None) => {
                    tracing::warn!(client_id = %callback.client_id, scan_ref = %callback.scan_ref, "callback ignored: no pair for this clientId");
                    Err(Receipt::Ignored(IgnoredBecause::UnknownClientId))
                }
            },
        )
    }
}

/// What is worth knowing of a callback placed on `pair`'s `role` session, in the log (codes
/// and scanRefs only): a differing externalRef, a revision, values iDenfy's schema does not
/// list, a final past the pair's bound. Returns whether it is past the bound.
fn note_arrival(pair: &Pair, role: Role, callback: &Callback, stored: bool) -> bool {
    let client_id = &callback.client_id;
    let scan_ref = callback.scan_ref.as_str();
    if let Some(external_ref) = &callback.external_ref
        && pair
            .session(role)
            .is_some_and(|session| &session.external_ref != external_ref)
    {
        // The scanRef decides; a differing externalRef is worth knowing about.
        tracing::warn!(%client_id, scan_ref, external_ref, "externalRef differs from the one issued");
    }
    let finals_of_session = pair
        .finals
        .iter()
        .filter(|f| f.scan_ref == scan_ref)
        .count();
    if stored && callback.half.is_final() && finals_of_session > 1 {
        tracing::warn!(%client_id, scan_ref, role = role.as_str(), overall = callback.half.overall.as_str(), "final result revised");
    }
    let unknown = judgement::unknown_fields_of(&callback.half);
    if stored && !unknown.is_empty() {
        // The fields only: their values are iDenfy's codes, but nothing vouches for that.
        tracing::warn!(%client_id, scan_ref, fields = %unknown.join(","), "iDenfy sent values its schema does not list: a person decides (pair::judgement gives each value a meaning)");
    }
    let past_bound = !stored && machine::revision_past_bound(pair, scan_ref, &callback.half);
    if past_bound {
        tracing::error!(%client_id, scan_ref, role = role.as_str(), overall = callback.half.overall.as_str(), "final result revised past the bound: not stored, a person decides");
    }
    past_bound
}
