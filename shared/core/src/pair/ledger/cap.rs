//! The daily pair cap, counted from the ledger: what reached iDenfy, not what was installed.

use super::Entry;
use crate::clock::Timestamp;
use std::time::Duration;

/// The window of the daily pair cap.
pub const PAIRS_WINDOW: Duration = Duration::from_secs(24 * 3600);

/// Whether the clientId may have another pair at `now`, given the ledger's entries minted in
/// the last [`PAIRS_WINDOW`]: at most `max_pairs` issuances reached iDenfy (a pair counts once,
/// whether one of its tokens or both were minted; a renewal is not an issuance; an erasure
/// removes nothing from the ledger). `Err` holds when the oldest of them leaves the window.
pub fn pair_allowed(entries: &[Entry], max_pairs: usize, now: Timestamp) -> Result<(), Timestamp> {
    let window_start = now.unix_seconds() - PAIRS_WINDOW.as_secs().cast_signed();
    let mut first_minted: Vec<(String, Timestamp)> = Vec::new();
    for entry in entries
        .iter()
        .filter(|e| !e.renewal && e.minted_at.unix_seconds() > window_start)
    {
        match first_minted
            .iter_mut()
            .find(|(pair, _)| *pair == entry.pair_id)
        {
            Some((_, at)) => *at = (*at).min(entry.minted_at),
            None => first_minted.push((entry.pair_id.clone(), entry.minted_at)),
        }
    }
    if first_minted.len() < max_pairs.max(1) {
        return Ok(());
    }
    let mut recent: Vec<Timestamp> = first_minted.into_iter().map(|(_, at)| at).collect();
    recent.sort();
    let leaving = recent[recent.len() - max_pairs.max(1)];
    Err(leaving.plus(PAIRS_WINDOW))
}
