//! The Standard Webhooks signature (standardwebhooks.com): `webhook-signature` is `v1,` and the
//! base64 HMAC-SHA256 of `{webhook-id}.{webhook-timestamp}.{body}` under a secret given as
//! `whsec_` + base64. Several secrets (newest first, during a rotation) each add a signature,
//! space-separated, so a receiver holding either one accepts the message.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

type HmacSha256 = Hmac<Sha256>;

pub const ID_HEADER: &str = "webhook-id";
pub const TIMESTAMP_HEADER: &str = "webhook-timestamp";
pub const SIGNATURE_HEADER: &str = "webhook-signature";

const SECRET_PREFIX: &str = "whsec_";

/// A shorter secret is refused: it would make the signature guessable offline.
pub const MIN_SECRET_BYTES: usize = 32;

/// How far a receiver lets a timestamp stray from its clock (the specification's suggestion).
pub const TOLERANCE_SECONDS: i64 = 5 * 60;

/// The signing secrets, newest first. Never empty; `Debug` shows only how many.
#[derive(Clone)]
pub struct WebhookSecrets(Vec<HmacSha256>);

impl WebhookSecrets {
    /// From the stack's secret: `siteWebhookSecrets`.
    pub fn read(
        document: &pair_adapters::secret::runtime::SecretDocument,
    ) -> Result<Self, pair_adapters::secret::runtime::SecretProblem> {
        use pair_adapters::secret::runtime::{SITE_WEBHOOK_SECRETS, SecretProblem};
        Self::parse(document.required(SITE_WEBHOOK_SECRETS)?)
            .map_err(|e| SecretProblem::invalid(SITE_WEBHOOK_SECRETS, e.to_string()))
    }
}

impl std::fmt::Debug for WebhookSecrets {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "WebhookSecrets({} secrets)", self.0.len())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum SecretError {
    #[error("no secret given")]
    Empty,
    #[error("a secret must be whsec_ followed by base64 of at least 32 bytes")]
    Malformed,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum VerifyError {
    #[error("a webhook header is missing")]
    MissingHeader,
    #[error("the timestamp is not a number or too far from now")]
    Timestamp,
    #[error("no signature matches")]
    Mismatch,
}

impl WebhookSecrets {
    /// Comma-separated `whsec_…` secrets, newest first.
    pub fn parse(list: &str) -> Result<Self, SecretError> {
        let mut keys = Vec::new();
        for secret in list.split(',').map(str::trim).filter(|s| !s.is_empty()) {
            let encoded = secret
                .strip_prefix(SECRET_PREFIX)
                .ok_or(SecretError::Malformed)?;
            let key = STANDARD
                .decode(encoded)
                .map_err(|_| SecretError::Malformed)?;
            if key.len() < MIN_SECRET_BYTES {
                return Err(SecretError::Malformed);
            }
            keys.push(HmacSha256::new_from_slice(&key).map_err(|_| SecretError::Malformed)?);
        }
        if keys.is_empty() {
            return Err(SecretError::Empty);
        }
        Ok(Self(keys))
    }

    /// The `webhook-signature` value for this message: one `v1,…` per secret.
    pub fn sign(&self, id: &str, timestamp: i64, body: &str) -> String {
        self.0
            .iter()
            .map(|key| format!("v1,{}", STANDARD.encode(mac(key, id, timestamp, body))))
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// What a receiver checks: the timestamp within [`TOLERANCE_SECONDS`] of `now`, and one of
    /// the `v1` signatures made with one of these secrets (compared in constant time).
    pub fn verify(
        &self,
        id: &str,
        timestamp: &str,
        signatures: &str,
        body: &str,
        now: i64,
    ) -> Result<(), VerifyError> {
        let timestamp: i64 = timestamp
            .trim()
            .parse()
            .map_err(|_| VerifyError::Timestamp)?;
        // abs_diff: no overflow whatever number the header holds.
        if now.abs_diff(timestamp) > TOLERANCE_SECONDS.unsigned_abs() {
            return Err(VerifyError::Timestamp);
        }
        let matches = signatures
            .split_whitespace()
            .filter_map(|signature| signature.strip_prefix("v1,"))
            .filter_map(|encoded| STANDARD.decode(encoded).ok())
            .any(|given| {
                self.0.iter().any(|key| {
                    let mut check = key.clone();
                    check.update(signed_content(id, timestamp, body).as_bytes());
                    check.verify_slice(&given).is_ok()
                })
            });
        if matches {
            Ok(())
        } else {
            Err(VerifyError::Mismatch)
        }
    }
}

fn signed_content(id: &str, timestamp: i64, body: &str) -> String {
    format!("{id}.{timestamp}.{body}")
}

fn mac(key: &HmacSha256, id: &str, timestamp: i64, body: &str) -> Vec<u8> {
    let mut mac = key.clone();
    mac.update(signed_content(id, timestamp, body).as_bytes());
    mac.finalize().into_bytes().to_vec()
}

#[cfg(test)]
mod tests {
    use super::*;

    const NEW: &str = "whsec_aWRlbmZ5LXBhaXItdGVzdC1zaXRlLXNlY3JldC1uZXc=";
    const OLD: &str = "whsec_aWRlbmZ5LXBhaXItdGVzdC1zaXRlLXNlY3JldC1vbGQ=";

    #[test]
    fn the_specifications_example_signs_as_published() {
        // The example of the Standard Webhooks specification, whose secret (24 bytes) is
        // shorter than `parse` accepts: the key is built directly.
        let key = STANDARD
            .decode("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
            .expect("base64");
        let secrets = WebhookSecrets(vec![HmacSha256::new_from_slice(&key).expect("a key")]);
        let signature = secrets.sign(
            "msg_p5jXN8AQM9LWM0D4loKWxJek",
            1614265330,
            r#"{"test": 2432232314}"#,
        );
        assert_eq!(signature, "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
    }

    #[test]
    fn during_a_rotation_either_secret_verifies() {
        let both = WebhookSecrets::parse(&format!("{NEW}, {OLD}")).unwrap();
        let header = both.sign("msg_1", 1000, "{}");
        assert_eq!(header.split(' ').count(), 2);
        for one in [NEW, OLD] {
            let receiver = WebhookSecrets::parse(one).unwrap();
            assert_eq!(
                receiver.verify("msg_1", "1000", &header, "{}", 1010),
                Ok(())
            );
            assert_eq!(
                receiver.verify("msg_1", "1000", &header, "{ }", 1010),
                Err(VerifyError::Mismatch)
            );
            assert_eq!(
                receiver.verify("msg_2", "1000", &header, "{}", 1010),
                Err(VerifyError::Mismatch)
            );
            assert_eq!(
                receiver.verify("msg_1", "1000", &header, "{}", 1000 + 301),
                Err(VerifyError::Timestamp)
            );
            for extreme in ["-9223372036854775808", "9223372036854775807", "1e3"] {
                assert_eq!(
                    receiver.verify("msg_1", extreme, &header, "{}", 1010),
                    Err(VerifyError::Timestamp)
                );
            }
        }
    }

    #[test]
    fn secrets_must_be_whsec_base64() {
        assert_eq!(
            WebhookSecrets::parse(" , ").unwrap_err(),
            SecretError::Empty
        );
        for bad in [
            "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
            "whsec_not base64",
            "whsec_c2hvcnQ=",
            // 24 bytes: the specification's example, too short for a real secret.
            "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
        ] {
            assert_eq!(
                WebhookSecrets::parse(bad).unwrap_err(),
                SecretError::Malformed,
                "{bad}"
            );
        }
        assert!(!format!("{:?}", WebhookSecrets::parse(NEW).unwrap()).contains("aWRl"));
    }
}
