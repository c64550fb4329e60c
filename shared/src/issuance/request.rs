//! What an issuance request asks for, validated: the boundary (the issue-tokens function)
//! reads it from its API's JSON.

use crate::idenfy::{FinishPages, Person};
use crate::pair::{ClientId, Mode};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IssueRequest {
    pub client_id: ClientId,
    pub person: Person,
    /// A two-letter language code, lower case.
    pub locale: Option<String>,
    /// Where the person lands after the last session; each absent page falls back to the
    /// configured default, then to iDenfy's dashboard setting.
    pub site_urls: FinishPages,
    /// Replace the clientId's pair whatever its state.
    pub restart: bool,
    pub mode: Mode,
}

impl IssueRequest {
    /// A plain two-session request for `client_id`, nothing else set.
    pub fn new(client_id: ClientId) -> Self {
        Self {
            client_id,
            person: Person::default(),
            locale: None,
            site_urls: FinishPages::default(),
            restart: false,
            mode: Mode::default(),
        }
    }
}
