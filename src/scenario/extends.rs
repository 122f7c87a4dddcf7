//! Variants: a scenario file that says `extends = "base.toml"` is its base
//! with the variant's values written over it.
//!
//! The chain is read from the variant down to the root (a base may extend
//! another base). Each file is parsed on its own, so a syntax error names
//! the file that has it; a missing base or a cycle is one problem at the
//! `extends` key, naming the whole chain (`c.toml → b.toml → a.toml →
//! c.toml`). The files are then merged from the root up:
//!
//! - tables merge key by key, the more derived file winning;
//! - arrays of tables (`[[platforms]]`, `[[platforms.subsidy]]`) merge
//!   element by element by index, so a variant can change
//!   `platforms[1].cash` by writing two `[[platforms]]` headers, the first
//!   empty; elements past the end of the base's array are appended, and a
//!   variant cannot delete an element;
//! - a value written as a table but meaning one thing (a distribution such
//!   as `consumers.purchase_rate`, the `sweep` table; see
//!   [`reference::replaced_whole`](super::reference::replaced_whole)) and
//!   any other value are replaced whole;
//! - `name` is not inherited: a variant is a different scenario, named by
//!   its own `name` or its file name, so its results never land in its
//!   base's directory.
//!
//! Problems found after the merge are placed in the file that wrote the
//! key, by [`place`].

use std::path::{Path, PathBuf};

use super::error::{Problem, ScenarioError};
use super::locate::{Segment, line_of_path, parse_path};
use super::{display_path, parse_syntax, reference, walk_path};

/// The key that names a base file.
pub(super) const KEY: &str = "extends";

/// One file of an `extends` chain, as read.
#[derive(Debug)]
pub(super) struct Layer {
    /// The file, as shown in messages.
    pub label: String,
    /// Its text, for line numbers.
    pub text: String,
    /// Its parsed table, without the `extends` key.
    pub table: toml::Table,
}

/// Reads the chain that starts with `text` (the file at `path`, shown as
/// `label`): the variant first, its root base last.
pub(super) fn read_chain(
    text: &str,
    label: &str,
    path: &Path,
) -> Result<Vec<Layer>, ScenarioError> {
    let mut layers: Vec<Layer> = Vec::new();
    let mut chain = vec![label.to_string()];
    let mut seen: Vec<PathBuf> = std::fs::canonicalize(path).into_iter().collect();
    let mut current = path.to_path_buf();
    let mut current_text = text.to_string();
    loop {
        let current_label = chain.last().cloned().unwrap_or_default();
        let mut table = parse_syntax(&current_text, &current_label).map_err(|mut e| {
            if !layers.is_empty() {
                for p in &mut e.problems {
                    p.origin = Some(format!("base of {label}"));
                }
            }
            e
        })?;
        let extends = table.remove(KEY);
        layers.push(Layer {
            label: current_label,
            text: current_text,
            table,
        });
        let Some(extends) = extends else {
            return Ok(layers);
        };
        let here = layers.len() - 1;
        let toml::Value::String(relative) = extends else {
            return Err(problem(
                &layers,
                here,
                "must be the path of a base scenario file (a string), relative to this file",
            ));
        };
        let base = current
            .parent()
            .unwrap_or_else(|| Path::new(""))
            .join(&relative);
        chain.push(display_path(&base));
        let unreadable = |e: std::io::Error| {
            format!(
                "cannot read base scenario `{}`: {e} (chain: {})",
                display_path(&base),
                chain.join(" → ")
            )
        };
        let canonical = match std::fs::canonicalize(&base) {
            Ok(c) => c,
            Err(e) => return Err(problem(&layers, here, unreadable(e))),
        };
        if seen.contains(&canonical) {
            return Err(problem(
                &layers,
                here,
                format!("`extends` forms a cycle: {}", chain.join(" → ")),
            ));
        }
        seen.push(canonical);
        current_text = match super::read_text(&base) {
            Ok(t) => t,
            Err(e) => return Err(problem(&layers, here, unreadable(e))),
        };
        current = base;
    }
}

/// A problem with the `extends` key of layer `index`, reported against the
/// file the user named.
fn problem(layers: &[Layer], index: usize, rule: impl Into<String>) -> ScenarioError {
    let (line, origin) = place_in(layers, index, KEY);
    ScenarioError {
        file: layers.first().map(|l| l.label.clone()).unwrap_or_default(),
        problems: vec![Problem {
            path: KEY.to_string(),
            rule: rule.into(),
            line,
            origin,
        }],
    }
}

/// Merges the chain into one table (see the module documentation).
pub(super) fn merge_layers(layers: &[Layer]) -> toml::Table {
    let mut merged = layers.last().map(|l| l.table.clone()).unwrap_or_default();
    for layer in layers.iter().rev().skip(1) {
        merge_into(&mut merged, layer.table.clone(), "");
    }
    if layers.len() > 1 {
        match layers.first().and_then(|l| l.table.get("name")) {
            Some(name) => {
                merged.insert("name".to_string(), name.clone());
            }
            None => {
                merged.remove("name");
            }
        }
    }
    merged
}

fn is_table_array(a: &[toml::Value]) -> bool {
    a.iter().all(toml::Value::is_table)
}

/// Writes `over` into `base`; `prefix` is the pattern of `base`'s key path
/// (`platforms[]`), used to find values replaced whole.
fn merge_into(base: &mut toml::Table, over: toml::Table, prefix: &str) {
    for (key, value) in over {
        let pattern = if prefix.is_empty() {
            key.clone()
        } else {
            format!("{prefix}.{key}")
        };
        match (base.get_mut(&key), value) {
            (Some(toml::Value::Table(b)), toml::Value::Table(o))
                if !reference::replaced_whole(&pattern) =>
            {
                merge_into(b, o, &pattern);
            }
            (Some(toml::Value::Array(b)), toml::Value::Array(o))
                if is_table_array(b) && is_table_array(&o) =>
            {
                let item = format!("{pattern}[]");
                for (i, element) in o.into_iter().enumerate() {
                    match (b.get_mut(i), element) {
                        (Some(toml::Value::Table(bt)), toml::Value::Table(ot)) => {
                            merge_into(bt, ot, &item);
                        }
                        (Some(slot), element) => *slot = element,
                        (None, element) => b.push(element),
                    }
                }
            }
            (_, value) => {
                base.insert(key, value);
            }
        }
    }
}

/// Where a problem at `path` is written: the file that holds the deepest
/// part of the path (the most derived file on a tie). Returns the line when
/// that is the file the user named, or `from <file>:<line>` as the
/// problem's origin when it is a base.
pub(super) fn place(layers: &[Layer], path: &str) -> (Option<usize>, Option<String>) {
    let Some(segments) = parse_path(path) else {
        return (None, None);
    };
    let mut best = (0, 0);
    for (i, layer) in layers.iter().enumerate() {
        let depth = depth_in(&layer.table, &segments);
        if depth > best.1 {
            best = (i, depth);
        }
    }
    place_in(layers, best.0, path)
}

fn depth_in(table: &toml::Table, segments: &[Segment]) -> usize {
    walk_path(table, segments).0
}

fn place_in(layers: &[Layer], index: usize, path: &str) -> (Option<usize>, Option<String>) {
    let Some(layer) = layers.get(index) else {
        return (None, None);
    };
    let line = line_of_path(&layer.text, path);
    if index == 0 {
        (line, None)
    } else {
        let at = match line {
            Some(l) => format!("{}:{l}", layer.label),
            None => layer.label.clone(),
        };
        (None, Some(format!("from {at}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn layer(label: &str, text: &str) -> Layer {
        let mut table: toml::Table = match text.parse() {
            Ok(t) => t,
            Err(e) => panic!("{e}"),
        };
        table.remove(KEY);
        Layer {
            label: label.to_string(),
            text: text.to_string(),
            table,
        }
    }

    const BASE: &str = "name = \"base\"\nseed = 1\n[consumers]\npurchase_rate = { gamma = { shape = 2.0, mean = 0.3 } }\n\
        [[platforms]]\nname = \"A\"\ncash = 1.0\n[[platforms.subsidy]]\nper_order = 5.0\n\
        [[platforms]]\nname = \"B\"\ncash = 2.0\n";

    #[test]
    fn tables_merge_by_key_and_arrays_by_index() {
        let variant = "extends = \"base.toml\"\nseed = 2\n[consumers]\npurchase_rate = { uniform = { min = 0.1, max = 0.2 } }\n\
            [[platforms]]\n[[platforms]]\ncash = 3.0\n[[platforms]]\nname = \"C\"\n";
        let layers = [layer("variant.toml", variant), layer("base.toml", BASE)];
        let merged = merge_layers(&layers);
        let get = |p: &str| super::super::get_path(&merged, p).cloned();
        assert_eq!(get("seed"), Some(toml::Value::Integer(2)));
        // `name` is not inherited.
        assert_eq!(get("name"), None);
        assert_eq!(get("platforms[0].name"), Some("A".into()));
        assert_eq!(get("platforms[0].cash"), Some(toml::Value::Float(1.0)));
        assert_eq!(
            get("platforms[0].subsidy[0].per_order"),
            Some(toml::Value::Float(5.0))
        );
        assert_eq!(get("platforms[1].name"), Some("B".into()));
        assert_eq!(get("platforms[1].cash"), Some(toml::Value::Float(3.0)));
        assert_eq!(get("platforms[2].name"), Some("C".into()));
        // A distribution is replaced whole, not merged with the base's.
        assert_eq!(get("consumers.purchase_rate.gamma"), None);
        assert_eq!(
            get("consumers.purchase_rate.uniform.max"),
            Some(toml::Value::Float(0.2))
        );
    }

    #[test]
    fn problems_are_placed_in_the_file_that_wrote_the_key() {
        let variant = "extends = \"base.toml\"\n\n[[platforms]]\n[[platforms]]\ncash = 3.0\n";
        let layers = [layer("variant.toml", variant), layer("base.toml", BASE)];
        assert_eq!(place(&layers, "platforms[1].cash"), (Some(5), None));
        assert_eq!(
            place(&layers, "platforms[0].subsidy[0].per_order"),
            (None, Some("from base.toml:9".to_string()))
        );
        assert_eq!(
            place(&layers, "seed"),
            (None, Some("from base.toml:2".to_string()))
        );
    }
}
