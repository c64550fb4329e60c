//! idenfy-pair's library: the pair domain, its ports, and the adapters the functions compose.
//!
//! - The domain: [`pair`] (the record, every state rule, the verdict policy), [`issuance`] and
//!   [`callback`] (the two use cases), [`review`] (a reviewer's decision and evidence),
//!   [`erasure`], [`expiry`] (the daily watch of verified pairs' ends), [`notify`] (telling
//!   the site about each decision and expiry). It knows no AWS or HTTP type.
//! - The ports: [`store`] (one per function) and [`idenfy::SessionIssuer`].
//! - The adapters: [`idenfy`] (every fact of iDenfy's wire format; its reqwest client),
//!   `store::dynamo` (aws-sdk-dynamodb), `store::memory` (tests, the local stack), and
//!   [`http_api`] (what both HTTP handlers share).
//! - Composition: [`config`] (every setting and default, read once at cold start), [`clock`],
//!   [`logging`], [`outbound`] (every outgoing client's setup), [`secret`], [`urls`].
//!
//! - Measurement: [`corpus`] (the labelled pairs the verdict is measured on; `make corpus`).
//!
//! `docs/architecture.md` has the module map and the path of one webhook.

pub mod callback;
pub mod clock;
pub mod config;
pub mod corpus;
pub mod env;
pub mod erasure;
pub mod expiry;
pub mod http_api;
pub mod idenfy;
pub mod issuance;
pub mod logging;
pub mod metrics;
pub mod notify;
pub mod outbound;
pub mod pair;
pub mod review;
pub mod secret;
pub mod store;
pub mod urls;
