//! The continuation between a pair's two sessions: the identity session ends on the API's own
//! `GET /verifications/{clientId}/continue?c=…`, whose token names the pair and an expiry,
//! MACed (HMAC-SHA256) under the issuing function's continuation keys — current first, so a
//! key can be rotated: a token made under any listed key is accepted.
//!
//! The token carries no personal data: `{pairId}.{expiresAt}.{mac}`, the MAC over the clientId
//! too, so a token cannot be moved to another clientId's path.

use hmac::{Hmac, KeyInit, Mac};
use pair_adapters::secret::runtime::{CONTINUATION_KEYS, SecretDocument, SecretProblem};
use pair_core::clock::Timestamp;
use pair_core::pair::ClientId;
use sha2::Sha256;

/// The shortest continuation key accepted.
pub const CONTINUATION_KEY_MIN: usize = 32;

/// The query parameter that carries the token.
pub const QUERY_PARAMETER: &str = "c";

/// Keys continuation tokens are MACed under, current first.
#[derive(Clone)]
pub struct ContinuationKeys(Vec<Hmac<Sha256>>);

impl std::fmt::Debug for ContinuationKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "ContinuationKeys({} keys)", self.0.len())
    }
}

/// Why a continuation is not followed. None reaches iDenfy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum ContinuationRefused {
    #[error("not a continuation token")]
    Malformed,
    #[error("the continuation's signature does not verify")]
    Forged,
    #[error("the continuation has expired")]
    Expired,
}

/// What a verified token says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Continuation {
    pub pair_id: String,
    pub expires_at: Timestamp,
}

impl ContinuationKeys {
    /// Comma-separated keys, current first, each at least [`CONTINUATION_KEY_MIN`] characters.
    pub fn parse(list: &str) -> Option<Self> {
        let keys: Vec<&str> = list.split(',').map(str::trim).collect();
        if keys.iter().any(|k| k.len() < CONTINUATION_KEY_MIN) {
            return None;
        }
        keys.into_iter()
            .map(|k| Hmac::new_from_slice(k.as_bytes()).ok())
            .collect::<Option<Vec<_>>>()
            .filter(|keys| !keys.is_empty())
            .map(Self)
    }

    /// From the issuing function's secret (`continuationKeys`).
    pub fn read(document: &SecretDocument) -> Result<Self, SecretProblem> {
        let list = document.required(CONTINUATION_KEYS)?;
        Self::parse(list).ok_or_else(|| {
            SecretProblem::invalid(
                CONTINUATION_KEYS,
                format!(
                    "must be keys of at least {CONTINUATION_KEY_MIN} characters, comma-separated, current first"
                ),
            )
        })
    }

    /// The token for `pair_id` of `client_id`, valid until `expires_at`.
    pub fn sign(&self, client_id: &ClientId, pair_id: &str, expires_at: Timestamp) -> String {
        let expires = expires_at.unix_seconds();
        let mac = mac(&self.0[0], client_id, pair_id, expires);
        format!("{pair_id}.{expires}.{mac}")
    }

    /// The continuation `token` names, if a listed key made it for `client_id` and it has not
    /// expired at `now`.
    pub fn verify(
        &self,
        token: &str,
        client_id: &ClientId,
        now: Timestamp,
    ) -> Result<Continuation, ContinuationRefused> {
        let mut parts = token.split('.');
        let (Some(pair_id), Some(expires), Some(given), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(ContinuationRefused::Malformed);
        };
        let expires: i64 = expires
            .parse()
            .map_err(|_| ContinuationRefused::Malformed)?;
        let given = hex::decode(given).map_err(|_| ContinuationRefused::Malformed)?;
        if pair_id.is_empty() || given.len() != MAC_BYTES {
            return Err(ContinuationRefused::Malformed);
        }
        let genuine = self.0.iter().any(|key| {
            let mut check = key.clone();
            update(&mut check, client_id, pair_id, expires);
            // Constant time, on the truncated MAC.
            check.verify_truncated_left(&given).is_ok()
        });
        if !genuine {
            return Err(ContinuationRefused::Forged);
        }
        let expires_at = Timestamp::from_unix_seconds(expires);
        if now >= expires_at {
            return Err(ContinuationRefused::Expired);
        }
        Ok(Continuation {
            pair_id: pair_id.to_owned(),
            expires_at,
        })
    }
}

/// 128 bits of the MAC are kept: a short link, and still out of reach of guessing.
const MAC_BYTES: usize = 16;

fn update(mac: &mut Hmac<Sha256>, client_id: &ClientId, pair_id: &str, expires: i64) {
    update_parts(
        mac,
        &[
            "continue".as_bytes(),
            client_id.as_str().as_bytes(),
            pair_id.as_bytes(),
            expires.to_string().as_bytes(),
        ],
    );
}

/// Each part with its length first, so no two lists of parts MAC the same bytes.
fn update_parts(mac: &mut Hmac<Sha256>, parts: &[&[u8]]) {
    for part in parts {
        mac.update(&(part.len() as u64).to_be_bytes());
        mac.update(part);
    }
}

fn mac(key: &Hmac<Sha256>, client_id: &ClientId, pair_id: &str, expires: i64) -> String {
    let mut mac = key.clone();
    update(&mut mac, client_id, pair_id, expires);
    hex::encode(&mac.finalize().into_bytes()[..MAC_BYTES])
}

impl ContinuationKeys {
    /// The MAC (hex) of `parts` under the current key: for the API's other opaque tokens (the
    /// review queue's cursor), whose first part names what they are, so none passes for another.
    pub fn mac_parts(&self, parts: &[&[u8]]) -> String {
        let mut mac = self.0[0].clone();
        update_parts(&mut mac, parts);
        hex::encode(&mac.finalize().into_bytes()[..MAC_BYTES])
    }

    /// Whether `given` (hex) is the MAC of `parts` under any listed key (constant time).
    pub fn verify_parts(&self, parts: &[&[u8]], given: &str) -> bool {
        let Some(given) = hex::decode(given).ok().filter(|g| g.len() == MAC_BYTES) else {
            return false;
        };
        self.0.iter().any(|key| {
            let mut check = key.clone();
            update_parts(&mut check, parts);
            check.verify_truncated_left(&given).is_ok()
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str = "continuation-key-0123456789abcdef";
    const OLD: &str = "old-continuation-key-0123456789abc";

    fn at(seconds: i64) -> Timestamp {
        Timestamp::from_unix_seconds(1_800_000_000 + seconds)
    }

    fn client(id: &str) -> ClientId {
        ClientId::parse(id).expect("an id")
    }

    #[test]
    fn a_token_verifies_for_its_client_until_it_expires() {
        let keys = ContinuationKeys::parse(KEY).expect("keys");
        let token = keys.sign(&client("U1"), "pair-1", at(600));
        assert!(token.starts_with("pair-1."), "{token}");
        assert_eq!(
            keys.verify(&token, &client("U1"), at(0)),
            Ok(Continuation {
                pair_id: "pair-1".into(),
                expires_at: at(600)
            })
        );
        assert_eq!(
            keys.verify(&token, &client("U1"), at(600)),
            Err(ContinuationRefused::Expired)
        );
        // Another clientId's path, a tampered pair or expiry, another key: forged.
        assert_eq!(
            keys.verify(&token, &client("U2"), at(0)),
            Err(ContinuationRefused::Forged)
        );
        let tampered = token.replacen("pair-1", "pair-2", 1);
        assert_eq!(
            keys.verify(&tampered, &client("U1"), at(0)),
            Err(ContinuationRefused::Forged)
        );
        let later = token.replacen(
            &at(600).unix_seconds().to_string(),
            &at(9_999).unix_seconds().to_string(),
            1,
        );
        assert_eq!(
            keys.verify(&later, &client("U1"), at(0)),
            Err(ContinuationRefused::Forged)
        );
        let other = ContinuationKeys::parse("another-key-0123456789abcdef01234").expect("keys");
        assert_eq!(
            other.verify(&token, &client("U1"), at(0)),
            Err(ContinuationRefused::Forged)
        );
        for malformed in [
            "",
            "pair-1",
            "pair-1.x.00",
            "pair-1.5.zz",
            "a.1.00.extra",
            ".1.00",
        ] {
            assert_eq!(
                keys.verify(malformed, &client("U1"), at(0)),
                Err(ContinuationRefused::Malformed),
                "{malformed}"
            );
        }
    }

    #[test]
    fn keys_rotate_current_first_and_must_be_long() {
        let old = ContinuationKeys::parse(OLD).expect("keys");
        let token = old.sign(&client("U1"), "pair-1", at(600));
        let rotated = ContinuationKeys::parse(&format!("{KEY}, {OLD}")).expect("keys");
        assert!(rotated.verify(&token, &client("U1"), at(0)).is_ok());
        // New tokens are made under the current key.
        let fresh = rotated.sign(&client("U1"), "pair-1", at(600));
        assert!(
            ContinuationKeys::parse(KEY)
                .expect("keys")
                .verify(&fresh, &client("U1"), at(0))
                .is_ok()
        );
        assert!(old.verify(&fresh, &client("U1"), at(0)).is_err());
        for refused in ["short", "", &format!("{KEY},"), &format!("{KEY},short")] {
            assert!(ContinuationKeys::parse(refused).is_none(), "{refused}");
        }
        assert!(!format!("{rotated:?}").contains("continuation-key"));
    }
}
