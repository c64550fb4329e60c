//! Keyed digests: a document number is kept only as a keyed hash (so two halves can be
//! compared for `SAME_DOCUMENT_TWICE`), and a result as a keyed digest of what the verdict reads
//! (so a revision can be told from a redelivery) — neither reversible by guessing.

use super::HalfResult;
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

/// Hashes document numbers under a secret key, so that two halves can be compared
/// (`SAME_DOCUMENT_TWICE`) without the number being stored.
#[derive(Clone)]
pub struct DocumentHasher(Hmac<Sha256>);

impl std::fmt::Debug for DocumentHasher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("DocumentHasher(..)")
    }
}

impl DocumentHasher {
    pub fn new(key: &[u8]) -> Option<Self> {
        Hmac::new_from_slice(key).ok().map(Self)
    }

    /// 128 bits of HMAC-SHA256 over the document type and the number (letters and digits
    /// only, upper case), in hex.
    pub fn hash(&self, doc_type: Option<&str>, number: &str) -> String {
        let mut mac = self.0.clone();
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

    /// 128 bits of HMAC-SHA256 over the session's scanRef and what the verdict reads of its
    /// result: keyed, so the digest of a few names and a date cannot be reversed by guessing.
    pub fn result_digest(&self, scan_ref: &str, half: &HalfResult) -> String {
        let mut mac = self.0.clone();
        // Each value length-prefixed (absent ≠ empty), so no two contents feed the same bytes.
        let mut field = |value: Option<&str>| match value {
            None => mac.update(&[0]),
            Some(text) => {
                mac.update(&[1]);
                mac.update(&(text.len() as u64).to_be_bytes());
                mac.update(text.as_bytes());
            }
        };
        field(Some("result"));
        field(Some(scan_ref));
        field(Some(half.overall.as_str()));
        for value in [
            &half.first_name,
            &half.last_name,
            &half.date_of_birth,
            &half.doc_type,
            &half.doc_number_hash,
        ] {
            field(value.as_deref());
        }
        // The same tags in another order are the same result.
        for list in [&half.tags, &half.mismatch_tags] {
            let mut tags: Vec<&str> = list.iter().map(String::as_str).collect();
            tags.sort_unstable();
            field(Some(&tags.len().to_string()));
            for tag in tags {
                field(Some(tag));
            }
        }
        let facts = &half.facts;
        for value in [
            &facts.expiry,
            &facts.issuing_country,
            &facts.nationality,
            &facts.sex,
            &facts.original_first_name,
            &facts.original_last_name,
        ] {
            field(value.as_deref());
        }
        // Of the permit's upload step, what the verdict reads: not where the file was listed.
        match &half.permit_step {
            None => field(None),
            Some(step) => {
                field(Some(if step.is_uploaded() {
                    "uploaded"
                } else {
                    "not uploaded"
                }));
                field(step.status.as_deref());
            }
        }
        hex::encode(&mac.finalize().into_bytes()[..16])
    }
}
