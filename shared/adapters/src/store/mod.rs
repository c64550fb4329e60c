//! The two adapters of the store ports ([`pair_core::ports::store`]) and of the session
//! ledger's ([`pair_core::ports::ledger`]), with the same semantics: [`dynamo`]
//! (aws-sdk-dynamodb) and [`memory`], [`memory_ledger`] (tests, the local stack). The ports
//! are re-exported here so a caller names the port and its adapters from one place.

pub mod dynamo;
pub mod memory;
pub mod memory_ledger;
pub use dynamo::{DynamoLedger, DynamoStore};
pub use memory::MemoryStore;
pub use memory_ledger::MemoryLedger;

pub use pair_core::ports::ledger;
pub use pair_core::ports::store::*;
