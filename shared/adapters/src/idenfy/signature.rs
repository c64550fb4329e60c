//! iDenfy's webhook signature: `Idenfy-Signature` is the hex HMAC-SHA256 of the raw body under
//! a signing key. Hex of either case is decoded and compared in constant time (length checked
//! by the comparison itself) against every configured key, so keys can be rotated.

use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

type HmacSha256 = Hmac<Sha256>;

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    #[error("the Idenfy-Signature header is missing")]
    Missing,
    #[error("the Idenfy-Signature header is not a hex HMAC-SHA256")]
    Malformed,
    #[error("the signature does not match any configured signing key")]
    Mismatch,
}

/// A signing key shorter than this is refused: HMAC-SHA256 with less than its output's length
/// of key is guessable offline from any one signed body.
pub const MIN_SIGNING_KEY_BYTES: usize = 32;

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum SigningKeysError {
    #[error("holds no key")]
    Empty,
    #[error(
        "must be keys of at least {MIN_SIGNING_KEY_BYTES} bytes, comma-separated, newest first"
    )]
    TooShort,
}

/// The webhook signing keys, newest first. Never empty.
#[derive(Clone)]
pub struct SigningKeys(Vec<HmacSha256>);

impl std::fmt::Debug for SigningKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SigningKeys({} keys)", self.0.len())
    }
}

impl SigningKeys {
    /// Comma-separated keys, each at least [`MIN_SIGNING_KEY_BYTES`] long.
    pub fn parse(list: &str) -> Result<Self, SigningKeysError> {
        let mut keys = Vec::new();
        for key in list.split(',').map(str::trim).filter(|k| !k.is_empty()) {
            if key.len() < MIN_SIGNING_KEY_BYTES {
                return Err(SigningKeysError::TooShort);
            }
            keys.push(
                HmacSha256::new_from_slice(key.as_bytes())
                    .map_err(|_| SigningKeysError::TooShort)?,
            );
        }
        if keys.is_empty() {
            return Err(SigningKeysError::Empty);
        }
        Ok(Self(keys))
    }

    pub fn verify(&self, body: &[u8], header: Option<&str>) -> Result<(), SignatureError> {
        let header = header.map(str::trim).ok_or(SignatureError::Missing)?;
        if header.is_empty() {
            return Err(SignatureError::Missing);
        }
        let signature = hex::decode(header).map_err(|_| SignatureError::Malformed)?;
        let matches = self.0.iter().any(|key| {
            let mut mac = key.clone();
            mac.update(body);
            mac.verify_slice(&signature).is_ok()
        });
        if matches {
            Ok(())
        } else {
            Err(SignatureError::Mismatch)
        }
    }
}

/// The signature iDenfy would send for `body` under `key` (lower-case hex): for tests, the local
/// simulator and the sample events.
pub fn sign(key: &str, body: &[u8]) -> String {
    // HMAC takes keys of any length; an empty signature would never verify anyway.
    let Ok(mut mac) = HmacSha256::new_from_slice(key.as_bytes()) else {
        return String::new();
    };
    mac.update(body);
    hex::encode(mac.finalize().into_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_vector() {
        // RFC 4231 test case 2.
        assert_eq!(
            sign("Jefe", b"what do ya want for nothing?"),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    #[test]
    fn accepts_any_configured_key_and_either_hex_case() {
        const NEW: &str = "new-signing-key-0123456789abcdef";
        const OLD: &str = "old-signing-key-0123456789abcdef";
        let keys = SigningKeys::parse(&format!("{NEW}, {OLD}")).unwrap();
        let body = br#"{"final":true}"#;
        assert_eq!(keys.verify(body, Some(&sign(OLD, body))), Ok(()));
        assert_eq!(
            keys.verify(body, Some(&sign(NEW, body).to_uppercase())),
            Ok(())
        );
        assert_eq!(
            keys.verify(body, Some(&sign("other", body))),
            Err(SignatureError::Mismatch)
        );
        assert_eq!(keys.verify(body, None), Err(SignatureError::Missing));
        assert_eq!(
            SigningKeys::parse(" , ").err(),
            Some(SigningKeysError::Empty)
        );
    }

    #[test]
    fn a_key_shorter_than_32_bytes_is_refused() {
        let short = "k".repeat(MIN_SIGNING_KEY_BYTES - 1);
        let long = "k".repeat(MIN_SIGNING_KEY_BYTES);
        assert!(SigningKeys::parse(&long).is_ok());
        for list in [short.clone(), format!("{long},{short}")] {
            assert_eq!(
                SigningKeys::parse(&list).err(),
                Some(SigningKeysError::TooShort)
            );
        }
    }
}
