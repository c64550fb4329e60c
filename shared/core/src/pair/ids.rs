//! The pair's identifiers: iDenfy's `clientId` as this service accepts it, and the random ids
//! of pairs and claims.

use serde::{Deserialize, Serialize};
use std::fmt;

/// iDenfy's `clientId`: 1–100 printable ASCII characters (no spaces, so it is safe in a path).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct ClientId(String);

pub const CLIENT_ID_MAX_LEN: usize = 100;

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum ClientIdError {
    #[error("must not be empty")]
    Empty,
    #[error("must be at most {CLIENT_ID_MAX_LEN} characters")]
    TooLong,
    #[error("must be printable ASCII without spaces")]
    NotPrintableAscii,
    #[error(
        "must be letters, digits and - . _ ~ ! $ & ' ( ) * + , ; = : @ only, and not . or .. \
         (it is a segment of the API's paths)"
    )]
    NotPathSafe,
}

impl ClientId {
    pub fn parse(value: &str) -> Result<Self, ClientIdError> {
        if value.is_empty() {
            return Err(ClientIdError::Empty);
        }
        if value.len() > CLIENT_ID_MAX_LEN {
            return Err(ClientIdError::TooLong);
        }
        if !value.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(ClientIdError::NotPrintableAscii);
        }
        Ok(Self(value.to_owned()))
    }

    /// A clientId for a new pair: [`Self::parse`], and usable as one segment of the API's
    /// paths as it is — RFC 3986's path characters without `%` (nothing to percent-decode),
    /// and not `.` or `..`, which a path resolves. Ids issued before this rule stay readable
    /// through [`Self::parse`], which the stored records and iDenfy's webhooks use.
    pub fn parse_new(value: &str) -> Result<Self, ClientIdError> {
        let id = Self::parse(value)?;
        let path_char = |b: u8| b.is_ascii_alphanumeric() || b"-._~!$&'()*+,;=:@".contains(&b);
        if !value.bytes().all(path_char) || value == "." || value == ".." {
            return Err(ClientIdError::NotPathSafe);
        }
        Ok(id)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Who acted on a pair (a reviewer, an eraser), as API Gateway's authorizer established it —
/// a JWT's subject or an IAM caller's ARN; never a field of the request's body.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Principal(String);

/// The longest principal accepted (an assumed role's ARN with its session name fits).
pub const PRINCIPAL_MAX_CHARS: usize = 256;

impl Principal {
    /// The authorizer's value, trimmed; `None` when empty, too long or holding a control
    /// character — such a caller counts as unauthenticated.
    pub fn parse(value: &str) -> Option<Self> {
        let value = value.trim();
        let usable = !value.is_empty()
            && value.chars().count() <= PRINCIPAL_MAX_CHARS
            && !value.chars().any(char::is_control);
        usable.then(|| Self(value.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Principal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for ClientId {
    type Error = ClientIdError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<ClientId> for String {
    fn from(id: ClientId) -> Self {
        id.0
    }
}

impl fmt::Display for ClientId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A fresh random identifier (96 bits, hex): pair ids and claim ids. Not a secret.
pub fn new_id() -> String {
    format!("{:016x}{:08x}", fastrand::u64(..), fastrand::u32(..))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn client_id_limits() {
        assert!(ClientId::parse("USER_12345").is_ok());
        assert_eq!(ClientId::parse(""), Err(ClientIdError::Empty));
        assert_eq!(
            ClientId::parse(&"a".repeat(101)),
            Err(ClientIdError::TooLong)
        );
        assert!(ClientId::parse(&"a".repeat(100)).is_ok());
        assert_eq!(
            ClientId::parse("a b"),
            Err(ClientIdError::NotPrintableAscii)
        );
        assert_eq!(
            ClientId::parse("MÜLLER"),
            Err(ClientIdError::NotPrintableAscii)
        );
    }

    #[test]
    fn a_new_client_id_is_one_path_segment_as_it_is() {
        for good in [
            "USER_12345",
            "user@example.com",
            "a+b",
            "x:y",
            "o'neil",
            "a.b",
            "~1",
        ] {
            assert!(ClientId::parse_new(good).is_ok(), "{good}");
        }
        for bad in [
            "a/b", "a?b", "a#b", "a%2Fb", "a%20b", ".", "..", "a\"b", "a[1]", "a{b}", "a|b",
            "a\\b", "a^b", "a`b", "<a>",
        ] {
            assert_eq!(
                ClientId::parse_new(bad),
                Err(ClientIdError::NotPathSafe),
                "{bad}"
            );
            // Ids issued before the rule stay readable.
            assert!(ClientId::parse(bad).is_ok(), "{bad}");
        }
        assert_eq!(
            ClientId::parse_new("a b"),
            Err(ClientIdError::NotPrintableAscii)
        );
    }

    #[test]
    fn ids_are_24_hex_digits_and_distinct() {
        let a = new_id();
        assert_eq!(a.len(), 24);
        assert!(a.bytes().all(|b| b.is_ascii_hexdigit()));
        assert_ne!(a, new_id());
    }
}
