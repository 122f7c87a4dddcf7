//! Printing a resolved scenario as a TOML file that reads like the
//! hand-written ones: plain keys first, then `[tables]`, then
//! `[[arrays of tables]]`, keys in the order of the parameter reference,
//! with distributions kept inline, e.g.
//! `purchase_rate = { gamma = { mean = 0.3, shape = 2.0 } }`.
//! The text loads back to the same scenario.

use std::fmt::Write as _;

use super::reference::{Kind, kind_of, params};
use super::{RawScenario, Resolved};

/// The fully resolved scenario (bases merged, defaults filled, overrides
/// applied) as TOML, with its effective `name` written in.
pub fn resolved_toml(resolved: &Resolved) -> Result<String, String> {
    let mut raw: RawScenario = resolved.raw.clone();
    raw.name = Some(resolved.scenario.name.clone());
    raw_toml(&raw)
}

/// A scenario as TOML in the same layout (used for the resolved scenario
/// a manifest records).
pub fn raw_toml(raw: &RawScenario) -> Result<String, String> {
    match toml::Value::try_from(raw) {
        Ok(toml::Value::Table(t)) => {
            let mut out = String::new();
            write_table(&mut out, "", "", &t);
            Ok(out)
        }
        Ok(other) => Err(format!("resolved scenario is not a table: {other}")),
        Err(e) => Err(format!("cannot print the resolved scenario: {e}")),
    }
}

fn key(k: &str) -> String {
    if !k.is_empty()
        && k.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
    {
        k.to_string()
    } else {
        toml::Value::String(k.to_string()).to_string()
    }
}

fn join(prefix: &str, k: &str) -> String {
    if prefix.is_empty() {
        k.to_string()
    } else {
        format!("{prefix}.{k}")
    }
}

fn is_section(pattern: &str, v: &toml::Value) -> bool {
    match v {
        toml::Value::Table(_) => kind_of(pattern) != Some(Kind::Distribution),
        toml::Value::Array(a) => !a.is_empty() && a.iter().all(toml::Value::is_table),
        _ => false,
    }
}

/// Position of the first documented key at or under `pattern`, so keys
/// print in reference order (undocumented ones last, in name order).
fn rank(pattern: &str, order: &[&str]) -> usize {
    order
        .iter()
        .position(|k| {
            k.strip_prefix(pattern).is_some_and(|rest| {
                rest.is_empty() || rest.starts_with('.') || rest.starts_with('[')
            })
        })
        .unwrap_or(usize::MAX)
}

/// Writes the body of the table whose header is `header` (dotted, quoted
/// keys) and whose key pattern is `pattern` (`platforms[]`).
fn write_table(out: &mut String, header: &str, pattern: &str, table: &toml::Table) {
    let documented = params();
    let order: Vec<&str> = documented.iter().map(|p| p.key).collect();
    let mut t: Vec<(&String, &toml::Value)> = table.iter().collect();
    t.sort_by_key(|(k, _)| rank(&join(pattern, k), &order));
    for &(k, v) in &t {
        if !is_section(&join(pattern, k), v) {
            let _ = writeln!(out, "{} = {v}", key(k));
        }
    }
    for &(k, v) in &t {
        let p = join(pattern, k);
        if !is_section(&p, v) {
            continue;
        }
        let h = join(header, &key(k));
        match v {
            toml::Value::Table(sub) => {
                let _ = writeln!(out, "\n[{h}]");
                write_table(out, &h, &p, sub);
            }
            toml::Value::Array(items) => {
                for item in items {
                    if let toml::Value::Table(sub) = item {
                        let _ = writeln!(out, "\n[[{h}]]");
                        write_table(out, &h, &format!("{p}[]"), sub);
                    }
                }
            }
            _ => {}
        }
    }
}
