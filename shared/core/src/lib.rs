//! The pair, and nothing else: what a pair of iDenfy sessions is, every rule of its state
//! machine, the verdict policy, names across alphabets, ids and digests, the clock — and the
//! ports the use cases reach the world through, as traits ([`ports`]).
//!
//! This crate depends on no AWS SDK, smithy, HTTP, Lambda or async-runtime crate, so the
//! domain cannot know an AWS type: Cargo enforces it (`tests/fast/core_dependencies.rs`
//! checks the dependency list). Adapters live in `pair-adapters`; the use cases and the
//! composition in `shared`.

pub mod clock;
pub mod pair;
pub mod ports;
