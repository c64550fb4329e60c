//! The README's benchmark table, rewritten between its markers from results.json.

use serde_json::Value;

pub const START: &str = "<!-- bench:start -->";
pub const END: &str = "<!-- bench:end -->";

fn number(value: &Value) -> Option<f64> {
    value.as_f64()
}

fn cell(value: &Value) -> String {
    match value {
        Value::Number(n) => n.to_string(),
        Value::String(s) => s.clone(),
        Value::Null => "—".into(),
        other => other.to_string(),
    }
}

fn ratio(ours: &Value, peer: &Value) -> String {
    match (number(ours), number(peer)) {
        (Some(ours), Some(peer)) if peer > 0.0 => format!("{:.2}×", ours / peer),
        _ => "—".into(),
    }
}

pub fn table(results: &Value) -> String {
    let cold = &results["cold_start"];
    let (issue, callback, notify, peer) = (
        &cold["issue-tokens"],
        &cold["idenfy-callback"],
        &cold["notify-decisions"],
        &cold["peer-node-webhook"],
    );
    let load = &results["load"];
    let (ours, theirs) = (&load["functions_on_moto"], &load["peer_on_moto"]);
    let mut rows: Vec<[String; 5]> = vec![
        [
            "callback cold start: init, median (ms)".into(),
            cell(&callback["init_ms"]["median"]),
            cell(&peer["init_ms"]["median"]),
            ratio(&callback["init_ms"]["median"], &peer["init_ms"]["median"]),
            "≤ 15".into(),
        ],
        [
            "callback cold start: init, p90 (ms)".into(),
            cell(&callback["init_ms"]["p90"]),
            cell(&peer["init_ms"]["p90"]),
            ratio(&callback["init_ms"]["p90"], &peer["init_ms"]["p90"]),
            "".into(),
        ],
        [
            "callback cold start: first response, median (ms)".into(),
            cell(&callback["first_response_ms"]["median"]),
            cell(&peer["first_response_ms"]["median"]),
            ratio(
                &callback["first_response_ms"]["median"],
                &peer["first_response_ms"]["median"],
            ),
            "".into(),
        ],
        [
            "callback peak RSS, max (MB)".into(),
            cell(&callback["peak_rss_mb"]["max"]),
            cell(&peer["peak_rss_mb"]["max"]),
            ratio(&callback["peak_rss_mb"]["max"], &peer["peak_rss_mb"]["max"]),
            "≤ 32".into(),
        ],
        [
            "issue-tokens cold start: init, median / p90 (ms)".into(),
            format!(
                "{} / {}",
                cell(&issue["init_ms"]["median"]),
                cell(&issue["init_ms"]["p90"])
            ),
            "—".into(),
            "—".into(),
            "≤ 15 (median)".into(),
        ],
        [
            "issue-tokens peak RSS, max (MB)".into(),
            cell(&issue["peak_rss_mb"]["max"]),
            "—".into(),
            "—".into(),
            "≤ 32".into(),
        ],
        [
            "notify-decisions cold start: init, median / p90 (ms)".into(),
            format!(
                "{} / {}",
                cell(&notify["init_ms"]["median"]),
                cell(&notify["init_ms"]["p90"])
            ),
            "—".into(),
            "—".into(),
            "".into(),
        ],
        [
            "notify-decisions peak RSS, max (MB)".into(),
            cell(&notify["peak_rss_mb"]["max"]),
            "—".into(),
            "—".into(),
            "≤ 32".into(),
        ],
        [
            "notify-decisions: one record, signed and delivered to a local site, p50 / p99 (ms)"
                .into(),
            format!(
                "{} / {}",
                cell(&results["notifier_per_record"]["p50_ms"]),
                cell(&results["notifier_per_record"]["p99_ms"])
            ),
            "—".into(),
            "—".into(),
            "".into(),
        ],
        [
            "callback CPU path: verify + parse + decide, p50 / p99 (µs)".into(),
            format!(
                "{} / {}",
                cell(&results["callback_cpu_path"]["p50_us"]),
                cell(&results["callback_cpu_path"]["p99_us"])
            ),
            "—".into(),
            "—".into(),
            "p99 ≤ 100".into(),
        ],
        [
            "callback CPU path, criterion median (µs)".into(),
            cell(&results["callback_cpu_path"]["criterion_median_us"]),
            "—".into(),
            "—".into(),
            "".into(),
        ],
        [
            "load on moto_server: callbacks/s".into(),
            cell(&ours["callbacks_per_second"]),
            cell(&theirs["callbacks_per_second"]),
            ratio(
                &ours["callbacks_per_second"],
                &theirs["callbacks_per_second"],
            ),
            "".into(),
        ],
        [
            "load on moto_server: latency p50 / p99 (ms)".into(),
            format!(
                "{} / {}",
                cell(&ours["latency_ms"]["p50"]),
                cell(&ours["latency_ms"]["p99"])
            ),
            format!(
                "{} / {}",
                cell(&theirs["latency_ms"]["p50"]),
                cell(&theirs["latency_ms"]["p99"])
            ),
            ratio(&ours["latency_ms"]["p99"], &theirs["latency_ms"]["p99"]),
            "".into(),
        ],
        [
            "DynamoDB requests per callback".into(),
            cell(&ours["dynamodb_requests_per_callback"]),
            cell(&theirs["dynamodb_requests_per_callback"]),
            ratio(
                &ours["dynamodb_requests_per_callback"],
                &theirs["dynamodb_requests_per_callback"],
            ),
            "≤ 2".into(),
        ],
        [
            "pairs re-reviewed / verdicts a revision brought".into(),
            format!(
                "{} / {}",
                cell(&ours["revised_pairs"]),
                cell(&ours["verdicts_after_a_revision"])
            ),
            "not judged".into(),
            "".into(),
            "".into(),
        ],
        [
            "lost halves".into(),
            cell(&ours["lost_halves"]),
            cell(&theirs["lost_halves"]),
            "".into(),
            "0".into(),
        ],
        [
            "double verdicts".into(),
            cell(&ours["double_verdicts"]),
            "not observable".into(),
            "".into(),
            "0".into(),
        ],
        [
            "pairs left undecided / decided wrongly".into(),
            format!(
                "{} / {}",
                cell(&ours["missing_verdicts"]),
                cell(&ours["wrong_verdicts"])
            ),
            format!(
                "{} / {}",
                cell(&theirs["missing_verdicts"]),
                cell(&theirs["wrong_verdicts"])
            ),
            "".into(),
            "0 / 0".into(),
        ],
        [
            "handler alone on the embedded store: callbacks/s, p99 (ms)".into(),
            format!(
                "{}, {}",
                cell(&load["handler_in_process_embedded_store"]["callbacks_per_second"]),
                cell(&load["handler_in_process_embedded_store"]["latency_ms"]["p99"])
            ),
            "—".into(),
            "—".into(),
            "".into(),
        ],
    ];
    let machine = &results["machine"];
    let mut out = format!(
        "Measured by `make bench` on {} ({} cores, {} GiB), {} pairs, {} function processes per load:\n\n",
        cell(&machine["cpu"]),
        cell(&machine["cores"]),
        cell(&machine["memory_gib"]),
        cell(&ours["pairs"]),
        cell(&ours["processes"]),
    );
    out.push_str(
        "| figure | idenfy-pair | Node.js peer | ratio | target |\n|---|---|---|---|---|\n",
    );
    for row in rows.drain(..) {
        out.push_str(&format!("| {} |\n", row.join(" | ")));
    }
    out
}

/// README.md with the table between the markers replaced.
pub fn update_readme(readme: &str, results: &Value) -> Result<String, String> {
    let start = readme
        .find(START)
        .ok_or("README has no bench:start marker")?;
    let end = readme.find(END).ok_or("README has no bench:end marker")?;
    if end < start {
        return Err("README's bench markers are out of order".into());
    }
    Ok(format!(
        "{}{START}\n{}{}",
        &readme[..start],
        table(results),
        &readme[end..]
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn replaces_only_the_text_between_the_markers() {
        let results = json!({
            "machine": {"cpu": "CPU", "cores": 2, "memory_gib": 24},
            "cold_start": {"idenfy-callback": {"init_ms": {"median": 5.0}}, "peer-node-webhook": {"init_ms": {"median": 250.0}}},
            "load": {"functions_on_moto": {"pairs": 10, "processes": 4}},
        });
        let readme = format!("# Title\n\n{START}\nSTALE TABLE\n{END}\n\n## After\n");
        let updated = update_readme(&readme, &results).unwrap();
        assert!(updated.starts_with("# Title\n\n<!-- bench:start -->\nMeasured by `make bench` on CPU (2 cores, 24 GiB), 10 pairs"));
        assert!(
            updated.contains(
                "| callback cold start: init, median (ms) | 5.0 | 250.0 | 0.02× | ≤ 15 |"
            )
        );
        assert!(updated.ends_with(&format!("{END}\n\n## After\n")));
        assert!(!updated.contains("STALE TABLE"));
        assert!(update_readme("no markers", &results).is_err());
    }
}
