//! The ports, as traits in the domain's words: the store ([`store`]), one per function, and
//! iDenfy ([`idenfy`]). Their adapters are in `pair-adapters`.

pub mod idenfy;
pub mod store;
