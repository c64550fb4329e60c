//! The ports, as traits in the domain's words: the store ([`store`]), one per function, the
//! session ledger ([`ledger`]), and iDenfy ([`idenfy`]). Their adapters are in `pair-adapters`.

pub mod idenfy;
pub mod ledger;
pub mod store;
