//! Keyed digests: a document number is kept only as a keyed hash (so two halves can be
//! compared for `SAME_DOCUMENT_TWICE`), and a result as a keyed digest of what the verdict reads
//! (so a revision can be told from a redelivery) — neither reversible by guessing.

use super::HalfResult;
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

/// Hashes document numbers under secret keys, so that two halves can be compared
/// (`SAME_DOCUMENT_TWICE`) without the number being stored. Several keys while one is rotated:
/// the current one (first) makes what is stored; the earlier ones make the values a result is
/// also compared by, so a body replayed after a rotation is still known, and the same document
/// is still caught across the keys.
#[derive(Clone)]
pub struct DocumentHasher {
    /// Current first; never empty.
    keys: Vec<Hmac<Sha256>>,
}

impl std::fmt::Debug for DocumentHasher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "DocumentHasher({} keys)", self.keys.len())
    }
}

impl DocumentHasher {
    pub fn new(key: &[u8]) -> Option<Self> {
        Self::with_keys([key])
    }

    /// `keys`, current first; `None` without any.
    pub fn with_keys<'k>(keys: impl IntoIterator<Item = &'k [u8]>) -> Option<Self> {
        let keys: Vec<Hmac<Sha256>> = keys
            .into_iter()
            .map(Hmac::new_from_slice)
            .collect::<Result<_, _>>()
            .ok()?;
        (!keys.is_empty()).then_some(Self { keys })
    }

    /// 128 bits of HMAC-SHA256 over the document type and the number (letters and digits
    /// only, upper case), in hex, under the current key.
    pub fn hash(&self, doc_type: Option<&str>, number: &str) -> String {
        number_hash(&self.keys[0], doc_type, number)
    }

    /// The same under each earlier key, in the keys' order.
    pub fn earlier_hashes(&self, doc_type: Option<&str>, number: &str) -> Vec<String> {
        self.keys[1..]
            .iter()
            .map(|key| number_hash(key, doc_type, number))
            .collect()
    }

    /// [`Self::result_digest`] under each earlier key, each over the number's hash under that
    /// key (`half.doc_number_earlier_hashes`): what the result's digest was before a rotation.
    pub fn earlier_digests(&self, scan_ref: &str, half: &HalfResult) -> Vec<String> {
        self.keys[1..]
            .iter()
            .enumerate()
            .map(|(i, key)| {
                let number = half.doc_number_earlier_hashes.get(i).map(String::as_str);
                result_digest(key, scan_ref, half, number)
            })
            .collect()
    }

    /// 128 bits of HMAC-SHA256 over the session's scanRef and what the verdict reads of its
    /// result, under the current key: keyed, so the digest of a few names and a date cannot
    /// be reversed by guessing.
    pub fn result_digest(&self, scan_ref: &str, half: &HalfResult) -> String {
        result_digest(
            &self.keys[0],
            scan_ref,
            half,
            half.doc_number_hash.as_deref(),
        )
    }
}

fn number_hash(key: &Hmac<Sha256>, doc_type: Option<&str>, number: &str) -> String {
    let mut mac = key.clone();
    mac.update(doc_type.unwrap_or("").as_bytes());
    mac.update(b"\0");
    for c in number.chars().filter(|c| c.is_alphanumeric()) {
        for upper in c.to_uppercase() {
            let mut buffer = [0; 4];
            mac.update(upper.encode_utf8(&mut buffer).as_bytes());
        }
    }
    hex::encode(&mac.finalize().into_bytes()[..16])
}

/// `doc_number_hash` is the number's hash under `key`.
fn result_digest(
    key: &Hmac<Sha256>,
    scan_ref: &str,
    half: &HalfResult,
    doc_number_hash: Option<&str>,
) -> String {
    let mut owned = key.clone();
    let mac = &mut owned;
    field(mac, Some("result"));
    field(mac, Some(scan_ref));
    field(mac, Some(half.overall.as_str()));
    for value in [
        &half.first_name,
        &half.last_name,
        &half.date_of_birth,
        &half.doc_type,
    ] {
        field(mac, value.as_deref());
    }
    field(mac, doc_number_hash);
    // The same tags in another order are the same result.
    unordered(mac, &half.tags);
    unordered(mac, &half.mismatch_tags);
    let facts = &half.facts;
    for value in [
        &facts.expiry,
        &facts.issuing_country,
        &facts.nationality,
        &facts.sex,
        &facts.original_first_name,
        &facts.original_last_name,
    ] {
        field(mac, value.as_deref());
    }
    // iDenfy's own judgement: the per-check statuses, the duplicates (in any order), the issue
    // date. A re-review that changes only these is new information.
    let checks = &half.checks;
    for value in [
        &checks.auto_face,
        &checks.manual_face,
        &checks.auto_document,
        &checks.manual_document,
        &facts.issued,
    ] {
        field(mac, value.as_deref());
    }
    unordered(mac, &half.duplicates.faces);
    unordered(mac, &half.duplicates.doc_faces);
    // Of the permit's upload step, what the verdict reads: not where the file was listed.
    match &half.permit_step {
        None => field(mac, None),
        Some(step) => {
            let uploaded = if step.is_uploaded() {
                "uploaded"
            } else {
                "not uploaded"
            };
            field(mac, Some(uploaded));
            field(mac, step.status.as_deref());
        }
    }
    hex::encode(&owned.finalize().into_bytes()[..16])
}

/// One value, length-prefixed (absent ≠ empty), so no two contents feed the same bytes.
fn field(mac: &mut Hmac<Sha256>, value: Option<&str>) {
    match value {
        None => mac.update(&[0]),
        Some(text) => {
            mac.update(&[1]);
            mac.update(&(text.len() as u64).to_be_bytes());
            mac.update(text.as_bytes());
        }
    }
}

/// A list whose order carries nothing: its length, then its values sorted.
fn unordered(mac: &mut Hmac<Sha256>, list: &[String]) {
    let mut values: Vec<&str> = list.iter().map(String::as_str).collect();
    values.sort_unstable();
    field(mac, Some(&values.len().to_string()));
    for value in values {
        field(mac, Some(value));
    }
}
