//! Integration suite: one binary, one module per concern.

mod additional_step;
mod callback_events;
mod callback_logs;
mod callback_model;
mod callback_race;
mod callback_rules;
mod callback_signature;
mod chain;
mod fuzz;
mod issue_tokens_events;
mod lambda_runtime;
mod lifecycle;
mod local_stack;
mod store_conformance;
mod token_client;
