//! Each function's handler over the embedded store and doubles: routes, refusals and the
//! bodies of answers, with no DynamoDB or network.

mod idenfy_callback;
mod issue_request;
mod issue_tokens;
mod notify_decisions;
mod routes;
