//! The sessions iDenfy's duplicate check points at, for the reviewer: which of this pair's
//! sessions named each, and — where this deployment opened it — the clientId it belongs to, so
//! the reviewer can look at both accounts.
//!
//! iDenfy names a duplicate by scanRef only. Its status endpoint says which clientId holds the
//! session; the clientId is shown only when that client's own record here holds the scanRef
//! (its live pair, or a pair a restart replaced), so a session of another integration of the
//! same iDenfy account never shows as ours.

use futures_util::future::join_all;
use pair_core::pair::{ClientId, Pair, PairRecord, Role};
use pair_core::ports::idenfy::SessionFiles;
use pair_core::ports::store::PairReader;
use std::time::Instant;

/// At most this many duplicates are looked up per evidence request (each costs an iDenfy call
/// and a read); the rest are listed without their clientId.
pub const MAX_LOOKED_UP: usize = 10;

/// One session iDenfy found this pair's face, document face or data in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DuplicateSession {
    /// The session of this pair whose result names it.
    pub flagged_by: Role,
    pub scan_ref: String,
    /// The clientId it belongs to, when this deployment opened it.
    pub client_id: Option<ClientId>,
}

/// Every duplicate scanRef the pair's current results name, each once (in the order of the
/// pair's sessions).
fn named(pair: &Pair) -> Vec<(Role, String)> {
    let mut all: Vec<(Role, String)> = Vec::new();
    for role in [Role::Identity, Role::Document] {
        let Some(half) = pair.half(role) else {
            continue;
        };
        for scan_ref in half.duplicates.scan_refs() {
            if !all.iter().any(|(_, seen)| seen == scan_ref) {
                all.push((role, scan_ref.to_owned()));
            }
        }
    }
    all
}

/// Whether `record` holds the session `scan_ref`: in its live pair or a replaced one.
fn holds(record: &PairRecord, scan_ref: &str) -> bool {
    record
        .pair
        .iter()
        .flat_map(Pair::sessions)
        .any(|s| s.scan_ref == scan_ref)
        || record
            .previous_pairs
            .iter()
            .any(|p| p.scan_refs.iter().any(|s| s == scan_ref))
}

/// The clientId of the session `scan_ref`, if iDenfy names one and its record here holds the
/// session. A failed lookup only leaves the clientId out: the duplicate is listed anyway.
async fn owner(
    files: &dyn SessionFiles,
    store: &dyn PairReader,
    scan_ref: &str,
    answer_by: Instant,
) -> Option<ClientId> {
    let named = match files.client_id_of(scan_ref, answer_by).await {
        Ok(named) => named?,
        Err(error) => {
            tracing::warn!(scan_ref, error = %error, "duplicate's clientId not read from iDenfy");
            return None;
        }
    };
    let client_id = ClientId::parse(&named).ok()?;
    match store.load(&client_id).await {
        Ok(Some(record)) if holds(&record, scan_ref) => Some(client_id),
        Ok(_) => None,
        Err(error) => {
            tracing::warn!(scan_ref, error = %error, "duplicate's record not read");
            None
        }
    }
}

/// The pair's duplicates, the first [`MAX_LOOKED_UP`] with their clientId where this
/// deployment opened them, looked up at once.
pub async fn of(
    pair: &Pair,
    files: &dyn SessionFiles,
    store: &dyn PairReader,
    answer_by: Instant,
) -> Vec<DuplicateSession> {
    let named = named(pair);
    let owners = join_all(
        named
            .iter()
            .take(MAX_LOOKED_UP)
            .map(|(_, scan_ref)| owner(files, store, scan_ref, answer_by)),
    )
    .await;
    named
        .into_iter()
        .enumerate()
        .map(|(n, (flagged_by, scan_ref))| DuplicateSession {
            flagged_by,
            scan_ref,
            client_id: owners.get(n).cloned().flatten(),
        })
        .collect()
}
