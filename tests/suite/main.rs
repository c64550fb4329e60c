//! Integration suite: one binary, one module per concern.

mod chain;
mod issue_tokens_events;
mod store_conformance;
mod token_client;
