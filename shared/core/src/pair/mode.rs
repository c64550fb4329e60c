//! How a pair is verified ([`Mode`]) and which of its sessions a result belongs to ([`Role`]).

use serde::{Deserialize, Serialize};

/// How a pair is verified: the request's `mode`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Mode {
    /// Two chained sessions (iDenfy's recommended method): selfie + ID, then the permit as a
    /// DOCUMENT session. Both documents are extracted and compared, so a pair can be VERIFIED.
    #[default]
    TwoSessions,
    /// One IDENTIFICATION session with the permit uploaded as an additional UPLOAD step. iDenfy
    /// stores the file without extracting it, so a person must review it: never VERIFIED.
    AdditionalStep,
}

impl Mode {
    pub fn as_str(self) -> &'static str {
        match self {
            Mode::TwoSessions => "twoSessions",
            Mode::AdditionalStep => "additionalStep",
        }
    }
}

/// Which of the pair's sessions a callback belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Role {
    /// Selfie + identity document (iDenfy token type IDENTIFICATION), the first session.
    Identity,
    /// The residence permit (iDenfy token type DOCUMENT), the second session.
    Document,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Identity => "identity",
            Role::Document => "document",
        }
    }
}
