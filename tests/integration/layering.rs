//! The library's modules form layers: a module may use only modules of
//! lower layers, so there is no import cycle and each layer can be read
//! without the ones above it. This test reads every `crate::` path in
//! `src/` and checks it against the declared order.

use std::collections::BTreeMap;
use std::path::Path;

/// Top-level modules from the bottom layer up; modules of one layer do not
/// use each other.
const LAYERS: &[&[&str]] = &[
    // Memory hints use nothing else, so the ledger and engine may use them.
    &["memory"],
    &["engine", "ledger", "rng"],
    &["scenario"],
    &["agents"],
    &["metrics"],
    &["market"],
    &["runner", "resources"],
    &["compare", "sweep", "plot", "serve"],
    &["search"],
    &["calibrate"],
    &["cli"],
];

fn layer_of(module: &str) -> Option<usize> {
    LAYERS.iter().position(|layer| layer.contains(&module))
}

/// The top-level module a source file belongs to.
fn module_of(path: &Path, src: &Path) -> String {
    let rel = path.strip_prefix(src).unwrap_or(path);
    let first = rel
        .components()
        .next()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .unwrap_or_default();
    first.trim_end_matches(".rs").to_string()
}

/// Top-level modules named by `crate::` paths in `text`, including grouped
/// imports such as `use crate::{a, b::c}`.
fn modules_used(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(i) = rest.find("crate::") {
        rest = &rest[i + "crate::".len()..];
        if let Some(group) = rest.strip_prefix('{') {
            let end = group.find('}').unwrap_or(group.len());
            for item in group[..end].split(',') {
                let name: String = item
                    .trim()
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                    .collect();
                if !name.is_empty() {
                    out.push(name);
                }
            }
        } else {
            let name: String = rest
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            if !name.is_empty() {
                out.push(name);
            }
        }
    }
    out
}

fn rust_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

#[test]
fn modules_use_only_lower_layers() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    files.sort();
    let mut violations = Vec::new();
    let mut edges: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for file in &files {
        let module = module_of(file, &src);
        if module == "lib" || module == "main" {
            continue;
        }
        let Some(own) = layer_of(&module) else {
            violations.push(format!(
                "{}: module `{module}` is in no layer of tests/integration/layering.rs",
                file.display()
            ));
            continue;
        };
        let text = std::fs::read_to_string(file).unwrap();
        // Comments may point anywhere (a doc link up the stack is not an
        // import); code may not.
        let code: String = text
            .lines()
            .map(|line| line.split("//").next().unwrap_or(""))
            .collect::<Vec<_>>()
            .join("\n");
        for used in modules_used(&code) {
            if used == module {
                continue;
            }
            edges.entry(module.clone()).or_default().push(used.clone());
            match layer_of(&used) {
                Some(layer) if layer < own => {}
                _ => violations.push(format!(
                    "{}: `{module}` uses `crate::{used}`, which is not in a lower layer",
                    file.display()
                )),
            }
        }
    }
    assert!(violations.is_empty(), "{}", violations.join("\n"));
    // The check has something to check: the market uses the layers below it.
    let market = &edges["market"];
    for lower in ["engine", "ledger", "scenario", "agents", "metrics"] {
        assert!(
            market.iter().any(|m| m == lower),
            "market does not use {lower}"
        );
    }
}

#[test]
fn grouped_and_nested_paths_are_read() {
    let text = "use crate::{agents::Accounts, ledger};\nlet x = crate::metrics::Flows::default();";
    assert_eq!(modules_used(text), ["agents", "ledger", "metrics"]);
}
