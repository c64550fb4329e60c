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

/// One program's cold starts: what runs, in which environment, and what it must answer.
pub(crate) struct ColdStart<'a> {
    /// The program and its arguments.
    pub command: Vec<PathBuf>,
    pub event_file: &'static str,
    /// The answer expected: this field of the response, with this value.
    pub expected: (&'static str, Value),
    pub env: Vec<(String, String)>,
    /// A clientId whose record is removed before each run: each issuance is a first pair,
    /// never one past the pairs-per-day cap.
    pub fresh_client: Option<(&'a pair_adapters::store::DynamoStore, &'a str)>,
}

/// What one start showed: init, first response, peak RSS (ms, ms, MB).
type Start = (f64, f64, f64);

/// `runs` cold starts of each program, interleaved: each round starts every program once, in
/// an order rotated from round to round. The machine drifts (other tenants, the CPU's clock,
/// moto_server finishing a request) by more than the functions differ from the floor, so
/// figures compared with each other are taken under the same conditions, not one program's
/// block after another's.
pub(crate) async fn cold_starts(
    programs: &[ColdStart<'_>],
    runs: usize,
) -> Result<Vec<Value>, String> {
    let mut starts: Vec<Vec<Start>> = programs.iter().map(|_| Vec::new()).collect();
    for index in turns(runs, programs.len()) {
        starts[index].push(start(&programs[index]).await?);
    }
    Ok(programs
        .iter()
        .zip(starts)
        .map(|(program, starts)| {
            json!({
                "runs": runs,
                "event": program.event_file,
                "init_ms": summary(starts.iter().map(|s| s.0).collect()),
                "first_response_ms": summary(starts.iter().map(|s| s.1).collect()),
                "peak_rss_mb": summary(starts.iter().map(|s| s.2).collect()),
            })
        })
        .collect())
}

/// The order of the starts: round `r` starts program `r mod n` first, then the next ones.
fn turns(runs: usize, programs: usize) -> impl Iterator<Item = usize> {
    (0..runs).flat_map(move |round| (0..programs).map(move |turn| (round + turn) % programs))
}

/// One cold start of `program` under the Runtime API emulator.
async fn start(program: &ColdStart<'_>) -> Result<Start, String> {
    let event_path = workspace().join("events").join(program.event_file);
    let event = std::fs::read_to_string(&event_path)
        .map_err(|e| format!("{}: {e}", event_path.display()))?;
    if let Some((store, client_id)) = program.fresh_client {
        integration_tests::remove_record(store, client_id).await?;
    }
    let emulator = Emulator::new(event);
    let (address, server) = emulator.serve().await.map_err(|e| e.to_string())?;
    let started = Instant::now();
    let (binary, arguments) = program.command.split_first().ok_or("no program")?;
    let mut child = Command::new(binary)
        .args(arguments)
        .envs(program.env.iter().cloned())
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
    let response: Value = serde_json::from_str(&observed.response).map_err(|e| e.to_string())?;
    let (field, value) = &program.expected;
    if response[field] != *value {
        return Err(format!("{}: answered {response}", binary.display()));
    }
    Ok((
        observed.init.as_secs_f64() * 1000.0,
        observed.first_response.as_secs_f64() * 1000.0,
        peak.ok_or("no VmHWM")?,
    ))
}

/// The median, p90 and max of a figure over the runs.
fn summary(mut values: Vec<f64>) -> Value {
    values.sort_by(f64::total_cmp);
    json!({
        "median": round(percentile(&values, 50.0)),
        "p90": round(percentile(&values, 90.0)),
        "max": round(values.last().copied().unwrap_or(f64::NAN)),
    })
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

#[cfg(test)]
mod tests {
    use super::turns;

    #[test]
    fn every_program_starts_in_every_round_and_leads_as_often_as_the_others() {
        let order: Vec<usize> = turns(6, 3).collect();
        assert_eq!(order.len(), 18);
        for round in order.chunks(3) {
            let mut sorted = round.to_vec();
            sorted.sort_unstable();
            assert_eq!(sorted, [0, 1, 2], "{order:?}");
        }
        for program in 0..3 {
            let leads = order.chunks(3).filter(|round| round[0] == program).count();
            assert_eq!(leads, 2, "{order:?}");
        }
    }
}
