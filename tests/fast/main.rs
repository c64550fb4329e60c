//! The fast tier's integration tests: no external process — the embedded store, a wiremock
//! iDenfy, the functions' own parsers — so a plain `cargo test` on a fresh clone runs them with
//! the domain's and iDenfy layer's unit tests. The pair state machine's property test runs
//! `PAIR_MODEL_CASES` schedules (1 000 here by default; `make test` runs 10 000).

mod additional_step;
mod architecture;
mod budgets;
mod callback_model;
mod chain;
mod core_dependencies;
mod functions;
mod fuzz;
mod judgement;
mod sam_local_env;
mod token_client;
