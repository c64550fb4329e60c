//! The benchmark table of docs/benchmarks.md, rewritten between its markers from results.json.

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

/// Cold start targets for every function (issue 15): init and peak memory.
pub const INIT_TARGET_MS: f64 = 5.0;
pub const RSS_TARGET_MB: f64 = 16.0;
/// And init beside the floor's (issue 39): a function builds at init only what its first
/// request needs.
pub const INIT_TARGET_FLOORS: f64 = 1.5;

/// The programs of the cold start table, in its order: key in results.json, row name, and
/// whether the targets apply.
const COLD_STARTS: [(&str, &str, bool); 5] = [
    (
        "runtime-floor",
        "floor: a runtime client that does nothing",
        false,
    ),
    ("issue-tokens", "issue-tokens", true),
    ("idenfy-callback", "idenfy-callback", true),
    ("notify-decisions", "notify-decisions", true),
    (
        "peer-node-webhook",
        "Node.js peer (the guide's webhook)",
        false,
    ),
];

/// The functions that missed a cold start target (empty when all met them).
pub fn missed_targets(results: &Value) -> Vec<&'static str> {
    COLD_STARTS
        .iter()
        .filter(|(key, _, targeted)| {
            *targeted && meets_targets(&results["cold_start"], key) != "met"
        })
        .map(|(key, _, _)| *key)
        .collect()
}

/// The median init of `key` over the floor's.
fn floors(cold: &Value, key: &str) -> Option<f64> {
    let floor = number(&cold["runtime-floor"]["init_ms"]["median"])?;
    let init = number(&cold[key]["init_ms"]["median"])?;
    (floor > 0.0).then(|| init / floor)
}

fn meets_targets(cold: &Value, key: &str) -> String {
    let figures = &cold[key];
    match (
        number(&figures["init_ms"]["median"]),
        number(&figures["peak_rss_mb"]["max"]),
        floors(cold, key),
    ) {
        (Some(init), Some(rss), Some(floors))
            if init <= INIT_TARGET_MS && rss <= RSS_TARGET_MB && floors <= INIT_TARGET_FLOORS =>
        {
            "met".into()
        }
        (Some(_), Some(_), Some(_)) => "**missed**".into(),
        _ => "—".into(),
    }
}

pub fn cold_start_table(results: &Value) -> String {
    let cold = &results["cold_start"];
    let floor = &cold["runtime-floor"];
    let mut out = format!(
        "Cold starts: each program started {} times as a plain process under a Lambda Runtime API \
         emulator, the floor and the functions in turn (rounds, their order rotated), with this \
         machine's CA store ({} entries in /etc/ssl/certs) and environment. \
         The first response includes reading the secret from Secrets Manager (moto_server) and \
         the function's first DynamoDB request; issue-tokens' includes two token calls.\n\n\
         | program | init, median / p90 (ms) | above the floor (ms) | × the floor | first response, median (ms) \
         | peak RSS, max (MB) | target: init ≤ {INIT_TARGET_MS} ms and ≤ {INIT_TARGET_FLOORS}× the floor, RSS ≤ {RSS_TARGET_MB} MB |\n\
         |---|---|---|---|---|---|---|\n",
        cell(&floor["runs"]),
        cell(&results["machine"]["ca_certificate_files"]),
    );
    for (key, name, targeted) in COLD_STARTS {
        let figures = &cold[key];
        let (above, times) = match (
            number(&figures["init_ms"]["median"]),
            number(&floor["init_ms"]["median"]),
            floors(cold, key),
        ) {
            (Some(init), Some(floor), Some(times)) if key != "runtime-floor" => {
                (format!("{:.2}", init - floor), format!("{times:.2}×"))
            }
            _ => ("—".into(), "—".into()),
        };
        out.push_str(&format!(
            "| {name} | {} / {} | {above} | {times} | {} | {} | {} |\n",
            cell(&figures["init_ms"]["median"]),
            cell(&figures["init_ms"]["p90"]),
            cell(&figures["first_response_ms"]["median"]),
            cell(&figures["peak_rss_mb"]["max"]),
            if targeted {
                meets_targets(cold, key)
            } else {
                "—".into()
            },
        ));
    }
    out
}

pub fn table(results: &Value) -> String {
    let load = &results["load"];
    let (ours, theirs) = (&load["functions_on_moto"], &load["peer_on_moto"]);
    let mut rows: Vec<[String; 5]> = vec![
        [
            "issuance: iDenfy round trips waited for (median at a 200 ms stand-in − at 0 ms, / 200 ms)"
                .into(),
            cell(&results["issuance_round_trips"]["round_trips"]),
            "—".into(),
            "—".into(),
            "≤ 1.2".into(),
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
    out.push_str(&cold_start_table(results));
    out.push_str(
        "\n| figure | idenfy-pair | Node.js peer | ratio | target |\n|---|---|---|---|---|\n",
    );
    for row in rows.drain(..) {
        out.push_str(&format!("| {} |\n", row.join(" | ")));
    }
    out
}

/// The page (docs/benchmarks.md) with the table between the markers replaced.
pub fn update_page(page: &str, results: &Value) -> Result<String, String> {
    let start = page.find(START).ok_or("no bench:start marker")?;
    let end = page.find(END).ok_or("no bench:end marker")?;
    if end < start {
        return Err("the bench markers are out of order".into());
    }
    Ok(format!(
        "{}{START}\n{}{}",
        &page[..start],
        table(results),
        &page[end..]
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
            "cold_start": {
                "runtime-floor": {"runs": 3, "init_ms": {"median": 2.0}},
                "idenfy-callback": {"init_ms": {"median": 2.9, "p90": 6.0}, "peak_rss_mb": {"max": 12.0}},
                "issue-tokens": {"init_ms": {"median": 5.5}, "peak_rss_mb": {"max": 12.0}},
                // Within 5 ms, but over 1.5× the floor.
                "notify-decisions": {"init_ms": {"median": 3.1}, "peak_rss_mb": {"max": 12.0}},
                "peer-node-webhook": {"init_ms": {"median": 250.0}},
            },
            "load": {"functions_on_moto": {"pairs": 10, "processes": 4}},
        });
        let page = format!("# Title\n\n{START}\nSTALE TABLE\n{END}\n\n## After\n");
        let updated = update_page(&page, &results).unwrap();
        assert!(updated.starts_with("# Title\n\n<!-- bench:start -->\nMeasured by `make bench` on CPU (2 cores, 24 GiB), 10 pairs"));
        assert!(
            updated.contains("| idenfy-callback | 2.9 / 6.0 | 0.90 | 1.45× | — | 12.0 | met |")
        );
        assert!(
            updated.contains("| issue-tokens | 5.5 / — | 3.50 | 2.75× | — | 12.0 | **missed** |")
        );
        assert!(
            updated
                .contains("| notify-decisions | 3.1 / — | 1.10 | 1.55× | — | 12.0 | **missed** |")
        );
        assert_eq!(
            missed_targets(&results),
            ["issue-tokens", "notify-decisions"],
            "over a target"
        );
        let mut unmeasured = results.clone();
        unmeasured["cold_start"]["runtime-floor"] = json!(null);
        assert_eq!(
            missed_targets(&unmeasured),
            ["issue-tokens", "idenfy-callback", "notify-decisions"],
            "without the floor, no function is known to meet its targets"
        );
        assert!(updated.ends_with(&format!("{END}\n\n## After\n")));
        assert!(!updated.contains("STALE TABLE"));
        assert!(update_page("no markers", &results).is_err());
    }
}
