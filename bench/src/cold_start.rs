//! Cold starts: each function's binary started under the Runtime API emulator, its init, first
//! answer and peak memory; and the machine they ran on.

use super::*;

/// Peak resident set size of a process, in MB.
fn peak_rss_mb(pid: u32) -> Option<f64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}

/// Cold starts of a function's binary under the Runtime API emulator, each answering
/// `event_file`; `command` is the program and its arguments.
pub(crate) async fn cold_starts(
    command: &[PathBuf],
    event_file: &str,
    // The answer expected: this field of the response, with this value.
    expected: (&str, Value),
    runs: usize,
    env: &[(String, String)],
    // A clientId whose record is removed before each run: each issuance is a first pair,
    // never one past the pairs-per-day cap.
    fresh_client: Option<(&pair_adapters::store::DynamoStore, &str)>,
) -> Result<Value, String> {
    let event_path = workspace().join("events").join(event_file);
    let event = std::fs::read_to_string(&event_path)
        .map_err(|e| format!("{}: {e}", event_path.display()))?;
    let (mut init, mut first, mut rss) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..runs {
        if let Some((store, client_id)) = fresh_client {
            store
                .client()
                .await
                .delete_item()
                .table_name(store.table())
                .key(
                    "clientId",
                    aws_sdk_dynamodb::types::AttributeValue::S(client_id.to_owned()),
                )
                .send()
                .await
                .map_err(|e| format!("resetting {client_id}: {e}"))?;
        }
        let emulator = Emulator::new(event.clone());
        let (address, server) = emulator.serve().await.map_err(|e| e.to_string())?;
        let started = Instant::now();
        let (program, arguments) = command.split_first().ok_or("no program")?;
        let binary = program.as_path();
        let mut child = Command::new(binary)
            .args(arguments)
            .envs(env.iter().cloned())
            .env("AWS_LAMBDA_RUNTIME_API", &address)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| format!("{}: {e}", binary.display()))?;
        let observed = emulator.observe(started, Duration::from_secs(15)).await;
        let peak = peak_rss_mb(child.id());
        let _ = child.kill();
        let _ = child.wait();
        server.abort();
        let observed = observed.map_err(|e| format!("{}: {e}", binary.display()))?;
        let response: Value =
            serde_json::from_str(&observed.response).map_err(|e| e.to_string())?;
        if response[expected.0] != expected.1 {
            return Err(format!("{}: answered {response}", binary.display()));
        }
        init.push(observed.init.as_secs_f64() * 1000.0);
        first.push(observed.first_response.as_secs_f64() * 1000.0);
        rss.push(peak.ok_or("no VmHWM")?);
    }
    Ok(json!({
        "runs": runs,
        "event": event_file,
        "init_ms": summary(init),
        "first_response_ms": summary(first),
        "peak_rss_mb": summary(rss),
    }))
}

pub(crate) fn machine() -> Value {
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let model = cpuinfo
        .lines()
        .find(|l| l.starts_with("model name"))
        .and_then(|l| l.split(':').nth(1))
        .map(|m| m.trim().to_owned())
        .unwrap_or_else(|| "unknown".into());
    let memory = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|m| {
            m.lines()
                .next()
                .map(|l| l.split_whitespace().nth(1).unwrap_or("0").to_owned())
        })
        .and_then(|kb| kb.parse::<f64>().ok())
        .map(|kb| round(kb / 1024.0 / 1024.0));
    // The CA store a function would read if it loaded the system's roots.
    let ca_certificate_files = std::fs::read_dir("/etc/ssl/certs")
        .map(|dir| dir.count())
        .unwrap_or(0);
    json!({
        "cpu": model,
        "ca_certificate_files": ca_certificate_files,
        "cores": std::thread::available_parallelism().map(|n| n.get()).unwrap_or(0),
        "memory_gib": memory,
        "os": std::env::consts::OS,
        "arch": std::env::consts::ARCH,
    })
}
