//! `--simulator-only`: the iDenfy simulator alone, for the functions under `sam local`.

use super::*;
use crate::stack::{bind_on, serve};

/// Where `--simulator-only` may listen: this machine, or a private address such as the Docker
/// bridge's, which only this machine and its containers reach (`sam local`).
pub fn reachable_only_from_here(host: IpAddr) -> bool {
    match host {
        IpAddr::V4(v4) => v4.is_loopback() || v4.is_private(),
        IpAddr::V6(v6) => v6.is_loopback(),
    }
}

/// The iDenfy simulator alone, on `host`, for functions that run elsewhere (`sam local`):
/// webhooks go to each token's `callbackUrl`. In DynamoDB mode the table is created first.
pub async fn start_simulator_only(
    config: LocalConfig,
    host: IpAddr,
) -> Result<Running, StartError> {
    if !reachable_only_from_here(host) {
        return Err(StartError::Config(format!(
            "{host}: the simulator listens only on loopback or a private address (the Docker bridge)"
        )));
    }
    if let StoreChoice::DynamoDb { table, .. } = &config.store {
        let store = DynamoStore::from_env(table.clone(), Default::default());
        store
            .ensure_table()
            .await
            .map_err(|e| StartError::Store(e.to_string()))?;
        DynamoLedger::new(store.shared_client(), crate::ledger_table_of(table))
            .ensure_table()
            .await
            .map_err(|e| StartError::Store(e.to_string()))?;
    }
    let port = config.simulator_port.unwrap_or(0);
    let (listener, address) = bind_on(host, port).await?;
    let simulator = Simulator::new(SimulatorConfig {
        api_key: config.api_key.clone(),
        api_secret: config.api_secret.expose().to_owned(),
        signing_key: config.signing_key.expose().to_owned(),
        default_webhook_url: None,
        final_delay: config.final_delay,
    });
    let url = format!("http://{address}");
    Ok(Running {
        site_url: format!("{url}/"),
        simulator_url: Some(url),
        tasks: vec![serve(listener, simulator.router())],
    })
}
