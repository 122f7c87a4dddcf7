//! The teaching library: every scenario file opens with a comment block
//! that states its question, the mechanism it isolates, what to change and
//! what to expect, and `scenarios/README.md` lists every file.

use std::fs;
use std::path::{Path, PathBuf};

const PARTS: [&str; 4] = ["Question:", "Mechanism:", "Try:", "Expect:"];

fn scenario_files() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios");
    let mut files: Vec<PathBuf> = fs::read_dir(&dir)
        .expect("scenarios/")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    files.sort();
    files
}

/// The comment lines before the first line of TOML, without their `#`.
fn opening_comment(text: &str) -> Vec<String> {
    text.lines()
        .map(str::trim)
        .take_while(|l| l.is_empty() || l.starts_with('#'))
        .filter_map(|l| l.strip_prefix('#'))
        .map(|l| l.trim().to_string())
        .collect()
}

/// Problems with a scenario's opening comment block, if any.
fn problems(text: &str) -> Vec<String> {
    let comment = opening_comment(text);
    let mut found = Vec::new();
    let mut out = Vec::new();
    for part in PARTS {
        match comment.iter().position(|l| l.starts_with(part)) {
            None => out.push(format!("no `{part}` line in the opening comment block")),
            Some(i) => {
                let rest = comment[i][part.len()..].trim();
                let next = comment.get(i + 1).map(String::as_str).unwrap_or("");
                if rest.is_empty() && next.is_empty() {
                    out.push(format!("`{part}` says nothing"));
                }
                found.push((part, i));
            }
        }
    }
    if found.windows(2).any(|w| w[0].1 > w[1].1) {
        out.push(format!(
            "the parts are not in the order {}",
            PARTS.join(" ")
        ));
    }
    out
}

#[test]
fn every_scenario_opens_with_question_mechanism_try_and_expect() {
    let files = scenario_files();
    assert!(files.len() >= 2, "expected scenario files");
    let mut failures = Vec::new();
    for path in &files {
        let text = fs::read_to_string(path).expect("scenario text");
        for p in problems(&text) {
            failures.push(format!("{}: {p}", path.display()));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn the_scenario_readme_lists_every_scenario() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios");
    let readme = fs::read_to_string(dir.join("README.md")).expect("scenarios/README.md");
    let missing: Vec<String> = scenario_files()
        .iter()
        .filter_map(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
        .filter(|name| !readme.contains(name.as_str()))
        .collect();
    assert!(
        missing.is_empty(),
        "scenarios/README.md does not list {missing:?}"
    );
}

#[test]
fn the_header_check_catches_a_missing_part() {
    let good =
        "# Title\n#\n# Question:  q?\n# Mechanism: m\n# Try: t\n# Expect: e\n\nname = \"x\"\n";
    assert!(problems(good).is_empty(), "{:?}", problems(good));
    let no_try = "# Question: q?\n# Mechanism: m\n# Expect: e\nname = \"x\"\n";
    assert_eq!(problems(no_try).len(), 1);
    // A block after the first TOML line does not count.
    let late = "name = \"x\"\n# Question: q\n# Mechanism: m\n# Try: t\n# Expect: e\n";
    assert_eq!(problems(late).len(), 4);
    let shuffled = "# Expect: e\n# Question: q\n# Mechanism: m\n# Try: t\n";
    assert_eq!(problems(shuffled).len(), 1);
}
