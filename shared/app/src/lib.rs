//! idenfy-pair's use cases and their one composition, over the domain (`pair-core`) and its
//! adapters (`pair-adapters`):
//!
//! - The use cases: [`issuance`] and [`callback`], [`review`] (a reviewer's decision and
//!   evidence), [`erasure`], [`expiry`] (the daily watch of verified pairs' ends), [`notify`]
//!   (telling the site about each decision and expiry), over the ports only.
//! - Composition: [`config`] (every setting and default, read once at cold start), [`urls`].
//! - Measurement: [`corpus`] (the labelled pairs the verdict is measured on; `make corpus`).
//!
//! Nothing of the domain or the adapters is re-exported: an import names the crate a thing
//! lives in (`pair_core`, `pair_adapters`, `pair_app`). `docs/architecture.md` has the crate and
//! module map.

pub mod callback;
pub mod config;
pub mod corpus;
pub mod erasure;
pub mod expiry;
pub mod issuance;
pub mod notify;
pub mod review;
pub mod urls;
