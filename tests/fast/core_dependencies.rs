//! The domain crate knows no AWS, HTTP, Lambda or async-runtime type because it cannot: none
//! of those crates is among its normal dependencies, direct or transitive. Read from
//! `cargo metadata`, so a dependency added to `shared/core/Cargo.toml` (or pulled in by one)
//! fails here.

use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::process::Command;

const CORE: &str = "pair-core";

/// Crate name prefixes the domain may not depend on (smithy's crates are `aws-smithy-*`).
const FORBIDDEN: [&str; 9] = [
    "aws-", "aws_", "reqwest", "hyper", "axum", "lambda_", "lambda-", "tokio", "tower",
];

fn forbidden(name: &str) -> bool {
    FORBIDDEN.iter().any(|banned| name.starts_with(banned))
}

/// Package id → (name, normal dependencies' ids), from `cargo metadata`'s resolve graph.
type Graph = BTreeMap<String, (String, Vec<String>)>;

fn graph(metadata: &Value) -> Graph {
    let names: BTreeMap<&str, &str> = metadata["packages"]
        .as_array()
        .expect("packages")
        .iter()
        .map(|p| {
            (
                p["id"].as_str().expect("id"),
                p["name"].as_str().expect("name"),
            )
        })
        .collect();
    metadata["resolve"]["nodes"]
        .as_array()
        .expect("resolve.nodes")
        .iter()
        .map(|node| {
            let id = node["id"].as_str().expect("node id");
            let normal = node["deps"]
                .as_array()
                .expect("deps")
                .iter()
                .filter(|dep| {
                    dep["dep_kinds"]
                        .as_array()
                        .expect("dep_kinds")
                        .iter()
                        .any(|kind| kind["kind"].is_null())
                })
                .map(|dep| dep["pkg"].as_str().expect("pkg").to_owned())
                .collect();
            (id.to_owned(), (names[id].to_owned(), normal))
        })
        .collect()
}

/// Every crate `root` depends on to build its library, by name.
fn normal_closure(graph: &Graph, root: &str) -> BTreeSet<String> {
    let start = graph
        .iter()
        .find(|(_, (name, _))| name == root)
        .map(|(id, _)| id.clone())
        .expect("the root package is in the graph");
    let mut seen = BTreeSet::new();
    let mut todo = vec![start];
    let mut names = BTreeSet::new();
    while let Some(id) = todo.pop() {
        if !seen.insert(id.clone()) {
            continue;
        }
        let (name, deps) = &graph[&id];
        if name != root {
            names.insert(name.clone());
        }
        todo.extend(deps.iter().cloned());
    }
    names
}

fn cargo(args: &[&str]) -> Vec<u8> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let output = Command::new(cargo)
        .args(args)
        .current_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
        .output()
        .expect("cargo metadata runs (cargo is on PATH or in $CARGO)");
    assert!(
        output.status.success(),
        "cargo {args:?} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    output.stdout
}

/// The resolved graph for this machine's platform (the others' crates need not be
/// downloaded, and the domain's list is the same on each).
fn metadata() -> Value {
    let version = String::from_utf8(cargo(&["-vV"])).expect("cargo -vV is text");
    let host = version
        .lines()
        .find_map(|line| line.strip_prefix("host: "))
        .expect("cargo -vV names the host");
    let args = ["metadata", "--format-version", "1", "--locked", "--offline"];
    let json = cargo(&[&args[..], &["--filter-platform", host]].concat());
    serde_json::from_slice(&json).expect("cargo metadata prints JSON")
}

#[test]
fn the_domain_crate_depends_on_no_aws_http_lambda_or_runtime_crate() {
    let metadata = metadata();
    let graph = graph(&metadata);
    let core = normal_closure(&graph, CORE);
    let banned: Vec<&String> = core.iter().filter(|name| forbidden(name)).collect();
    assert!(banned.is_empty(), "{CORE} depends on {banned:?}");
    // The check sees what it should: the domain's own dependencies are there, and the
    // adapters' closure (the same graph) does hold the AWS SDK and tokio.
    for expected in ["serde", "time", "hmac", "unicode-normalization"] {
        assert!(core.contains(expected), "{expected} missing from {core:?}");
    }
    let adapters = normal_closure(&graph, "pair-adapters");
    for expected in ["aws-sdk-dynamodb", "tokio", "reqwest", "pair-core"] {
        assert!(adapters.contains(expected), "{expected} missing");
    }
    println!("{CORE}'s normal dependencies ({}): {core:?}", core.len());
}

#[test]
fn the_ban_names_each_family() {
    for name in [
        "aws-config",
        "aws-sdk-dynamodb",
        "aws-smithy-runtime",
        "aws_lambda_events",
        "reqwest",
        "hyper-util",
        "axum",
        "lambda_http",
        "tokio",
    ] {
        assert!(forbidden(name), "{name} passes the ban");
    }
    for name in ["serde", "time", "sha2", "async-trait", "thiserror"] {
        assert!(!forbidden(name), "{name} is banned");
    }
}
