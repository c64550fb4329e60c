//! idenfy-pair's library: the pair domain, its ports, and the adapters the functions compose.
//!
//! The domain (`pair`, `issuance`, `callback`) knows no AWS or HTTP type; `idenfy::client`
//! (reqwest) and `store::dynamo` (aws-sdk-dynamodb) are the adapters for the real world,
//! `store::memory` the adapter for tests and the local stack, `http_api` the HTTP pieces the
//! function handlers share.

pub mod callback;
pub mod clock;
pub mod config;
pub mod http_api;
pub mod idenfy;
pub mod issuance;
pub mod logging;
pub mod pair;
pub mod store;
