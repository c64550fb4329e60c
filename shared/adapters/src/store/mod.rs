//! The two adapters of the store ports ([`pair_core::ports::store`]), with the same
//! semantics: [`dynamo`] (aws-sdk-dynamodb) and [`memory`] (tests, the local stack). The ports
//! are re-exported here so a caller names the port and its adapters from one place.

pub mod dynamo;
pub mod memory;
pub use dynamo::DynamoStore;
pub use memory::MemoryStore;

pub use pair_core::ports::store::*;
