//! Receiving iDenfy's result webhooks: each callback's half is stored in one conditional
//! write, and the callback that leaves the pair's sessions final records the verdict — once.

pub mod payload;
pub mod signature;

use crate::clock::Clock;
use crate::pair::machine;
use crate::pair::verdict::VerdictPolicy;
use crate::pair::{Rank, Role, Verdict};
use crate::store::{HalfWrite, PairStore, StoreError};
use std::sync::Arc;

pub use payload::{Callback, DocumentHasher, PayloadError};
pub use signature::{SignatureError, SigningKeys};

/// What became of a callback. Every variant is a 200 for iDenfy: it was handled.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Receipt {
    /// The half was stored; `decided` when this callback completed the pair.
    Stored {
        role: Role,
        decided: Option<Verdict>,
    },
    /// A duplicate or stale delivery: nothing stored. It may still record a verdict that a
    /// crashed earlier delivery left undone.
    Unchanged {
        role: Role,
        decided: Option<Verdict>,
    },
    /// Not a session issued here (or no longer live): knowingly ignored.
    Ignored(IgnoredBecause),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IgnoredBecause {
    UnknownClientId,
    ScanRefNotInPair,
}

#[derive(Clone)]
pub struct CallbackService {
    store: Arc<dyn PairStore>,
    clock: Arc<dyn Clock>,
    policy: Arc<VerdictPolicy>,
    hasher: DocumentHasher,
}

impl CallbackService {
    pub fn new(
        store: Arc<dyn PairStore>,
        clock: Arc<dyn Clock>,
        policy: VerdictPolicy,
        hasher: DocumentHasher,
    ) -> Self {
        Self {
            store,
            clock,
            policy: Arc::new(policy),
            hasher,
        }
    }

    /// Reads a (verified) webhook body; see [`payload::parse`].
    pub fn parse(&self, body: &[u8], event_type: Option<&str>) -> Result<Callback, PayloadError> {
        payload::parse(
            body,
            event_type,
            self.clock.now(),
            &self.hasher,
            &self.policy.permit_step,
        )
    }

    /// At most two store requests: the conditional half write, and the verdict write when
    /// this callback finds both halves final and no verdict.
    pub async fn receive(&self, callback: &Callback) -> Result<Receipt, StoreError> {
        let now = self.clock.now();
        let client_id = &callback.client_id;
        let scan_ref = callback.scan_ref.as_str();
        let rank = match callback.half.rank {
            Rank::Preliminary => "preliminary",
            Rank::Final => "final",
        };
        let (stored, record) = match self
            .store
            .record_half(client_id, scan_ref, &callback.half, now)
            .await?
        {
            HalfWrite::Stored(record) => (true, record),
            HalfWrite::Refused(Some(record)) => (false, record),
            HalfWrite::Refused(None) => {
                tracing::warn!(%client_id, scan_ref, "callback ignored: no pair for this clientId");
                return Ok(Receipt::Ignored(IgnoredBecause::UnknownClientId));
            }
        };
        let Some((pair, role)) = record
            .live_pair(now)
            .and_then(|pair| pair.role_of(scan_ref).map(|role| (pair, role)))
        else {
            tracing::warn!(%client_id, scan_ref, "callback ignored: scanRef is not a session of the live pair");
            return Ok(Receipt::Ignored(IgnoredBecause::ScanRefNotInPair));
        };
        if let Some(external_ref) = &callback.external_ref
            && pair
                .session(role)
                .is_some_and(|session| &session.external_ref != external_ref)
        {
            // The scanRef decides; a differing externalRef is worth knowing about.
            tracing::warn!(%client_id, scan_ref, external_ref, "externalRef differs from the one issued");
        }

        let decided = match machine::verdict_due(pair, &self.policy, now) {
            Some(verdict) => self
                .store
                .record_verdict(client_id, &pair.pair_id, &verdict)
                .await?
                .then_some(verdict),
            None => None,
        };
        match &decided {
            Some(verdict) => tracing::info!(
                %client_id,
                scan_ref,
                role = role.as_str(),
                rank,
                stored,
                outcome = ?verdict.outcome,
                reasons = ?verdict.reasons,
                "pair decided"
            ),
            None => {
                tracing::info!(%client_id, scan_ref, role = role.as_str(), rank, stored, "callback handled")
            }
        }
        Ok(if stored {
            Receipt::Stored { role, decided }
        } else {
            Receipt::Unchanged { role, decided }
        })
    }
}
