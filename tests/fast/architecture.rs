//! The shape docs/architecture.md states, held by the code: no crate re-exports another's
//! modules, and no use case changes a pair record by hand (every change is a function of
//! `pair/machine/`).

use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// Every `.rs` file under `dir`, with its text, unit tests left out (`tests.rs`, `tests/`).
fn sources(dir: &Path) -> Vec<(PathBuf, String)> {
    let mut found = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(dir) = pending.pop() {
        let entries = std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
        for entry in entries {
            let path = entry.expect("a directory entry").path();
            let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
            if path.is_dir() && name != "tests" {
                pending.push(path);
            } else if name.ends_with(".rs") && name != "tests.rs" {
                let text = std::fs::read_to_string(&path).expect("readable source");
                // What follows `#[cfg(test)]` is test code.
                let production = text.split("#[cfg(test)]").next().unwrap_or("").to_owned();
                found.push((path, production));
            }
        }
    }
    assert!(!found.is_empty(), "no source under {}", dir.display());
    found
}

const CRATES: [&str; 3] = ["pair_core", "pair_adapters", "pair_app"];

#[test]
fn no_crate_re_exports_another_crates_modules() {
    let mut checked = 0;
    for dir in [
        "shared/core/src",
        "shared/adapters/src",
        "shared/app/src",
        "functions",
        "local/src",
    ] {
        for (path, text) in sources(&root().join(dir)) {
            for line in text.lines().map(str::trim_start) {
                let re_export = line.starts_with("pub use ")
                    && CRATES
                        .iter()
                        .any(|c| line.starts_with(&format!("pub use {c}::")));
                assert!(!re_export, "{}: {line}", path.display());
            }
            checked += 1;
        }
    }
    assert!(checked > 50, "only {checked} files read");
}

#[test]
fn no_use_case_changes_a_pair_record_by_hand() {
    // How a record is changed outside the machine: a version bumped, a pair or one of its
    // parts taken mutably, a field of the record assigned.
    let by_hand = [
        "version += 1",
        "pair.as_mut()",
        "document_link.as_mut()",
        ".claim = ",
        ".continued_at",
    ];
    let files = sources(&root().join("shared/app/src"));
    let mut found = Vec::new();
    for (path, text) in &files {
        for pattern in by_hand {
            found.extend(
                text.lines()
                    .filter(|l| l.contains(pattern) && !l.trim_start().starts_with("//"))
                    .filter(|l| pattern != ".continued_at" || l.contains(".continued_at ="))
                    .map(|l| format!("{} ({pattern}): {}", path.display(), l.trim())),
            );
        }
    }
    assert!(
        found.is_empty(),
        "use cases change a record themselves; make each a function of pair/machine/: {found:#?}"
    );
    assert!(files.len() > 20, "only {} use-case files read", files.len());
}

/// The check above sees a change by hand when there is one.
#[test]
fn the_by_hand_check_finds_what_it_looks_for() {
    let dir = std::env::temp_dir().join(format!("arch-check-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("a temp dir");
    std::fs::write(
        dir.join("a.rs"),
        "fn f(r: &mut R) { r.version += 1; }\n#[cfg(test)]\nfn g() { x.version += 1; }",
    )
    .expect("written");
    let files = sources(&dir);
    std::fs::remove_dir_all(&dir).ok();
    let (_, text) = &files[0];
    assert!(text.contains("version += 1"), "production code is read");
    assert_eq!(
        text.matches("version += 1").count(),
        1,
        "test code is left out"
    );
}

const FUNCTIONS: [(&str, &str); 3] = [
    ("issue-tokens", "VerificationsApi"),
    ("idenfy-callback", "IdenfyCallback"),
    ("notify-decisions", "NotifyDecisions"),
];

/// The ways `text` (a function's lib.rs) makes its handler, `handler`: every `pub fn` of its
/// `impl` that returns `Self`.
fn constructors(text: &str, handler: &str) -> Vec<String> {
    let Some(start) = text.find(&format!("impl {handler} {{")) else {
        return Vec::new();
    };
    let body = &text[start..];
    let end = body.find("\n}\n").unwrap_or(body.len());
    body[..end]
        .split("pub fn ")
        .skip(1)
        .filter_map(|item| {
            let signature = &item[..item.find('{')?];
            let name = &item[..item.find('(')?];
            signature.contains("-> Self").then(|| name.to_owned())
        })
        .collect()
}

#[test]
fn each_function_is_built_one_way_by_its_main() {
    for (function, handler) in FUNCTIONS {
        let source = root().join("functions").join(function).join("src");
        let lib = std::fs::read_to_string(source.join("lib.rs")).expect("the lib");
        let made = constructors(&lib, handler);
        // The notifier's sinks are its port: a test hands in its own recording ones.
        let allowed: &[&str] = if handler == "NotifyDecisions" {
            &["build", "delivering_to"]
        } else {
            &["build"]
        };
        assert_eq!(made, allowed, "{function}: {handler} is made by {made:?}");
        let main = std::fs::read_to_string(source.join("main.rs")).expect("the main");
        assert!(
            main.contains(&format!("{handler}::build(config, ports)")),
            "{function}'s main does not call {handler}::build(config, ports)"
        );
    }
    let local = std::fs::read_to_string(root().join("local/src/stack.rs")).expect("the stack");
    for (function, handler) in FUNCTIONS {
        assert!(
            local.contains(&format!("{handler}::build(")),
            "the local stack does not build {function} with its build"
        );
    }
}

#[test]
fn the_constructor_check_finds_what_it_looks_for() {
    let text = "impl Api {\n    pub fn build(c: C, p: P) -> Self {\n    }\n\n    pub fn with_metrics(mut self, m: M) -> Self {\n    }\n\n    pub async fn handle(&self) -> R {\n    }\n}\n";
    assert_eq!(constructors(text, "Api"), ["build", "with_metrics"]);
    assert!(constructors(text, "Other").is_empty());
}

/// Every AWS SDK or reqwest client of the functions is built at its first use: the text
/// that builds one (`Client::new(&`, `http_client()`) sits in an `OnFirstUse::new` closure.
#[test]
fn every_client_is_built_at_its_first_use() {
    let mut builds = 0;
    for dir in [
        "shared/adapters/src",
        "shared/app/src",
        "functions/issue-tokens/src",
        "functions/idenfy-callback/src",
        "functions/notify-decisions/src",
    ] {
        for (path, text) in sources(&root().join(dir)) {
            for marker in ["Client::new(&", "http_client()"] {
                for (at, _) in text.match_indices(marker) {
                    let before = &text[..at];
                    if before.ends_with("fn ") {
                        continue;
                    }
                    builds += 1;
                    let opened = before.rfind("OnFirstUse::new(");
                    assert!(
                        opened.is_some_and(|open| !before[open..].contains("\n}\n")),
                        "{}: a client built outside OnFirstUse::new: {}",
                        path.display(),
                        &text[at..(at + 60).min(text.len())]
                    );
                }
            }
        }
    }
    assert!(builds >= 4, "only {builds} client builds found");
}

/// reqwest has no TLS provider of its own here (rustls on ring, set by
/// `outbound::http_client`): a client built any other way panics when built.
#[test]
fn every_reqwest_client_starts_from_the_functions_tls_settings() {
    let mut read = 0;
    for dir in [
        "shared/adapters/src",
        "shared/app/src",
        "functions",
        "local/src",
        "bench/src",
        "tests/src",
        "tests/suite",
        "tests/fast",
        "tests/sam_local",
    ] {
        for (path, text) in sources(&root().join(dir)) {
            read += 1;
            if path.ends_with("shared/adapters/src/outbound.rs")
                || path.ends_with("architecture.rs")
            {
                continue;
            }
            for bare in [
                "reqwest::Client::new()",
                "reqwest::Client::builder()",
                "reqwest::get(",
            ] {
                assert!(
                    !text.contains(bare),
                    "{}: {bare} has no TLS provider; start from outbound::http_client()",
                    path.display()
                );
            }
        }
    }
    assert!(read > 100, "only {read} files read");
}
