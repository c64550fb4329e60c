//! The two adapters of the store ports ([`pair_core::ports::store`]) and of the session
//! ledger's ([`pair_core::ports::ledger`]), with the same semantics: [`dynamo`]
//! (aws-sdk-dynamodb) and [`memory`], [`memory_ledger`] (tests, the local stack). The ports
//! themselves are `pair_core`'s: a caller names each from its own crate.

pub mod dynamo;
pub mod memory;
pub mod memory_ledger;
pub use dynamo::{DynamoLedger, DynamoStore};
pub use memory::MemoryStore;
pub use memory_ledger::MemoryLedger;
