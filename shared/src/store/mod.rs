//! The store port: one record per clientId, read consistently, written only under a
//! condition on what was read. Two adapters with the same semantics: [`dynamo`] and [`memory`].

pub mod dynamo;
pub mod memory;

use crate::pair::machine::Expected;
use crate::pair::{ClientId, PairRecord};
use async_trait::async_trait;

pub use dynamo::DynamoStore;
pub use memory::MemoryStore;

#[async_trait]
pub trait PairStore: Send + Sync {
    /// The record as last written (strongly consistent), expired or not.
    async fn load(&self, client_id: &ClientId) -> Result<Option<PairRecord>, StoreError>;

    /// Writes `record` whole if the stored one is still as `expected`, else `Conflict`.
    /// `record.version` is the version being written.
    async fn save(&self, record: &PairRecord, expected: Expected) -> Result<(), StoreError>;
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StoreError {
    #[error("the record changed since it was read")]
    Conflict,
    #[error("the store is unavailable: {0}")]
    Unavailable(String),
    #[error("a stored record could not be read: {0}")]
    Corrupt(String),
}
