//! The layering of `src/`, checked from the source text: `domain` is a leaf,
//! `risk` and `strategy` see only `domain`, the engine (`core`) sits above
//! them, `settings` only looks down, `notify` sees only the vocabulary and
//! its settings, and no two of these modules import each other in a cycle.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

/// The layered modules and the modules of ours each may import.
const ALLOWED: &[(&str, &[&str])] = &[
    ("domain", &[]),
    ("risk", &["domain"]),
    ("strategy", &["domain"]),
    ("core", &["domain", "risk", "strategy"]),
    ("settings", &["domain", "risk", "strategy", "redact"]),
    // The contract between a session and its operators' tools: plain data.
    ("control", &[]),
    // Notifications only say what happened: never the engine, the broker
    // or the journal.
    ("notify", &["domain", "risk", "settings", "redact"]),
];

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The top-level modules of ours that `text` names as `crate::<module>`,
/// outside comments.
fn imported_modules(text: &str) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    for line in text.lines() {
        let code = line.split("//").next().unwrap_or("");
        for (at, _) in code.match_indices("crate::") {
            let rest = &code[at + "crate::".len()..];
            let name: String = rest
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            if !name.is_empty() {
                found.insert(name);
            }
        }
    }
    found
}

/// Module → the other modules of ours it imports.
fn import_graph() -> BTreeMap<String, BTreeSet<String>> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut graph = BTreeMap::new();
    for (module, _) in ALLOWED {
        let mut files = Vec::new();
        // A module is a directory, a single file, or both.
        if src.join(module).is_dir() {
            rust_files(&src.join(module), &mut files);
        }
        let flat = src.join(format!("{module}.rs"));
        if flat.exists() {
            files.push(flat);
        }
        assert!(!files.is_empty(), "src/{module} has no Rust files");
        let mut imports = BTreeSet::new();
        for file in files {
            imports.extend(imported_modules(&fs::read_to_string(&file).unwrap()));
        }
        imports.remove(*module);
        graph.insert(module.to_string(), imports);
    }
    graph
}

#[test]
fn each_layer_imports_only_the_layers_below_it() {
    let graph = import_graph();
    for (module, allowed) in ALLOWED {
        let extra: Vec<&String> = graph[*module]
            .iter()
            .filter(|m| !allowed.contains(&m.as_str()))
            .collect();
        assert!(
            extra.is_empty(),
            "src/{module} imports {extra:?}; it may import only {allowed:?}"
        );
    }
}

#[test]
fn no_cycle_between_the_layered_modules() {
    let graph = import_graph();
    for (a, imports) in &graph {
        for b in imports {
            if let Some(back) = graph.get(b) {
                assert!(
                    !back.contains(a),
                    "cycle: src/{a} imports {b} and src/{b} imports {a}"
                );
            }
        }
    }
}

#[test]
fn the_scanner_sees_imports_and_ignores_comments() {
    let text = "use crate::risk::Gate;\n// crate::settings in a comment\nlet x = crate::domain::types::Side::Buy; // crate::cli";
    let found: Vec<String> = imported_modules(text).into_iter().collect();
    assert_eq!(found, ["domain", "risk"]);
}
