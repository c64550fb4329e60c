//! The adapters of the domain's ports and the other edges of the functions:
//!
//! - [`idenfy`]: every fact of iDenfy's wire format (token request, webhooks, signature,
//!   errors, files) and its reqwest client, the adapter of the iDenfy ports.
//! - [`store`]: the store ports' two adapters, `store::dynamo` (aws-sdk-dynamodb) and
//!   `store::memory` (tests, the local stack).
//! - [`secret`]: a secret value that never prints, and the stack's secrets read from Secrets
//!   Manager at runtime.
//! - [`outbound`]: every outgoing client's setup (TLS, timeouts, endpoints); [`env`]: the
//!   environment reader the settings are parsed with.
//! - [`http_api`]: what both HTTP handlers share; [`metrics`] (CloudWatch EMF) and
//!   [`logging`].

pub mod env;
pub mod http_api;
pub mod idenfy;
pub mod logging;
pub mod metrics;
pub mod outbound;
pub mod secret;
pub mod store;
