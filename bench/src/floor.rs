//! The floor under every cold start figure: a process built like our functions (tokio's
//! multi-threaded runtime, lambda_runtime) that only polls the Runtime API and answers each
//! event with the same fixed body. It reads no configuration and builds no client.

use lambda_runtime::{Error, LambdaEvent, run, service_fn};
use serde_json::{Value, json};

#[tokio::main]
async fn main() -> Result<(), Error> {
    run(service_fn(|_: LambdaEvent<Value>| async {
        Ok::<_, Error>(json!({ "floor": true }))
    }))
    .await
}
