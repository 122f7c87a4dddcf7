//! Paired comparison of scenario variants with common random numbers.
//!
//! Every variant runs with the first variant's seed and replication
//! count, so replication `r` of every variant has the same replication
//! seed. Because every random stream derives from (seed, replication,
//! purpose, agent) — see [`crate::rng`] — consumer `i` of replication `r`
//! has the same traits, the same arrival clock and the same choice draws
//! in every variant, and merchant `j` the same price, cost and listings,
//! wherever the variants do not differ. The variants' results then move
//! together from one replication to the next, and only the change itself
//! separates them.
//!
//! That is why the difference is estimated *paired*: for each replication
//! the difference `B_r − A_r` is taken first, and the interval is built
//! from the spread of those differences. Its variance is
//! `(σ_A² + σ_B² − 2 cov(A, B)) / n`, against `(σ_A² + σ_B²) / n` if the
//! runs were independent (the unpaired Welch interval, reported alongside
//! for contrast); with common random numbers the covariance is large and
//! positive, so a small change is resolved with far fewer replications.
//!
//! Platforms are matched across variants by name, and so are lenders that
//! are not a platform's lending arm (a bank), which get rows of their own
//! for the lending figures. This module computes and writes; loading and
//! running are the caller's ([`load_variants`], then
//! [`crate::runner::run_all`] per variant).

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::PathBuf;

use crate::metrics::columns::{Kind, printed, printed_half_width};
use crate::metrics::stats::{Difference, Estimate, estimate, welch};
use crate::metrics::{HEADLINES, Headline, RunOutput, own_row_lenders};
use crate::scenario::{self, Override, RawScenario, Scenario, ScenarioError};

mod files;

pub use files::{
    COMPARISON_COLUMNS, CompareManifest, VARIANT_COLUMN, VariantRecord, reference,
    write_compare_dir, write_comparison, write_summaries,
};

/// Confidence level of every interval in a comparison.
pub const LEVEL: f64 = 0.95;

/// Name of the comparison table in a comparison directory.
pub const COMPARISON_CSV: &str = "comparison.csv";

/// Name of the per-replication summaries in a comparison directory.
pub const SUMMARIES_CSV: &str = "summaries.csv";

/// One scenario of a comparison, loaded with the common seed.
#[derive(Debug, Clone)]
pub struct Variant {
    /// Short label used in tables and files: the file name, or the path
    /// when two files share a name.
    pub label: String,
    /// The file as given.
    pub path: PathBuf,
    /// Overrides applied when loading (the user's, then the common seed
    /// and replication count).
    pub overrides: Vec<Override>,
    /// The validated scenario.
    pub scenario: Scenario,
    /// The resolved file it was validated from, for the manifest.
    pub raw: RawScenario,
}

/// Variants ready to run, and what loading changed.
#[derive(Debug, Clone)]
pub struct Loaded {
    /// The variants, first one first.
    pub variants: Vec<Variant>,
    /// Notes for the user (a variant's own seed or replication count
    /// replaced by the first's).
    pub notes: Vec<String>,
}

fn labels(paths: &[PathBuf]) -> Vec<String> {
    let stems: Vec<String> = paths
        .iter()
        .map(|p| {
            p.file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_else(|| p.display().to_string())
        })
        .collect();
    let unique = |v: &[String]| v.iter().enumerate().all(|(i, a)| !v[..i].contains(a));
    if unique(&stems) {
        return stems;
    }
    let shown: Vec<String> = paths.iter().map(|p| p.display().to_string()).collect();
    if unique(&shown) {
        return shown;
    }
    shown
        .iter()
        .enumerate()
        .map(|(i, s)| format!("{s}#{}", i + 1))
        .collect()
}

/// Loads the variant files for a comparison. The first is loaded with
/// `overrides`; every other one with `overrides` plus the first's seed and
/// replication count, so that replication `r` of every variant shares its
/// random draws.
pub fn load_variants(paths: &[PathBuf], overrides: &[Override]) -> Result<Loaded, ScenarioError> {
    load_variants_with(paths, overrides, &|i, own| {
        scenario::load_resolved(&paths[i], own)
    })
}

/// Loads variant `i` of a comparison with the given overrides (see
/// [`load_variants_with`]).
pub type LoadVariant<'a> =
    dyn Fn(usize, &[Override]) -> Result<scenario::Resolved, ScenarioError> + 'a;

/// Like [`load_variants`], with variant `i` loaded by `load(i, overrides)`
/// instead of from the file `paths[i]` (which still names it): for
/// callers that hold scenarios as text, such as the Python package.
pub fn load_variants_with(
    paths: &[PathBuf],
    overrides: &[Override],
    load: &LoadVariant,
) -> Result<Loaded, ScenarioError> {
    let labels = labels(paths);
    let mut variants: Vec<Variant> = Vec::with_capacity(paths.len());
    let mut notes = Vec::new();
    for (i, (path, label)) in paths.iter().zip(labels).enumerate() {
        let mut own = overrides.to_vec();
        if let Some(first) = variants.first() {
            let origin = format!("common random numbers: as {}", first.label);
            own.push(Override {
                path: "seed".into(),
                // TOML integers are signed; a seed above i64::MAX cannot be
                // written in a file, so it cannot arrive here.
                value: toml::Value::Integer(i64::try_from(first.scenario.seed).unwrap_or(i64::MAX)),
                origin: origin.clone(),
            });
            own.push(Override {
                path: "replications".into(),
                value: toml::Value::Integer(i64::from(first.scenario.replications)),
                origin,
            });
        }
        let scenario::Resolved { scenario, raw } = load(i, &own)?;
        // The variant as it would run alone, to say what was replaced.
        let alone = if i > 0 {
            load(i, overrides).ok().map(|r| r.scenario)
        } else {
            None
        };
        if let Some(alone) = alone {
            if alone.seed != scenario.seed {
                notes.push(format!(
                    "{label}: its seed {} is replaced by {} (the first variant's)",
                    alone.seed, scenario.seed
                ));
            }
            if alone.replications != scenario.replications {
                notes.push(format!(
                    "{label}: its {} replication(s) are replaced by {} (the first variant's)",
                    alone.replications, scenario.replications
                ));
            }
        }
        variants.push(Variant {
            label,
            path: path.clone(),
            overrides: own,
            scenario,
            raw,
        });
    }
    Ok(Loaded { variants, notes })
}

/// One line of a comparison: a headline metric of one platform (or one
/// lender of its own: a bank) in one variant.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    /// Metric name, as in `summary.csv`.
    pub metric: &'static str,
    /// Platform name (`None` on a lender's row).
    pub platform: Option<String>,
    /// Name of a lender that is not a platform's lending arm (`None` on a
    /// platform's row).
    pub lender: Option<String>,
    /// Variant label.
    pub variant: String,
    /// Whether this is the first variant (the reference).
    pub first: bool,
    /// Mean across the replications where the metric is defined, and its
    /// interval (an estimate of no values when it is defined in none);
    /// `None` when the variant has no such platform or lender.
    pub mean: Option<Estimate>,
    /// Paired difference against the first variant over the replications
    /// where both define the metric, and its interval; `None` for the
    /// first variant and when either lacks the platform or lender.
    pub paired: Option<Estimate>,
    /// The same difference with the unpaired (Welch) interval; `None` as
    /// for `paired`, and when either variant never defines the metric.
    pub unpaired: Option<Difference>,
}

impl Row {
    /// The platform or lender the row is about.
    pub fn entity(&self) -> &str {
        self.platform
            .as_deref()
            .or(self.lender.as_deref())
            .unwrap_or_default()
    }
}

/// A finished comparison.
#[derive(Debug, Clone, PartialEq)]
pub struct Comparison {
    /// Variant labels, first one first.
    pub variants: Vec<String>,
    /// Common seed.
    pub seed: u64,
    /// Replications per variant.
    pub replications: u32,
    /// Rows, metric-major, then platform, then lender, then variant.
    pub rows: Vec<Row>,
    /// Platforms and lenders not present in every variant, in words.
    pub notes: Vec<String>,
}

/// One variant's results, as given to [`compare`].
#[derive(Debug, Clone, Copy)]
pub struct Results<'a> {
    /// Variant label.
    pub label: &'a str,
    /// Its scenario.
    pub scenario: &'a Scenario,
    /// Its replications, in replication order.
    pub runs: &'a [RunOutput],
}

/// What a comparison row is about, matched across variants by name.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Entity {
    Platform(String),
    Lender(String),
}

impl Entity {
    fn name(&self) -> &str {
        match self {
            Entity::Platform(n) | Entity::Lender(n) => n,
        }
    }

    fn what(&self) -> &'static str {
        match self {
            Entity::Platform(_) => "platform",
            Entity::Lender(_) => "lender",
        }
    }

    /// Whether `results` has it (a lender: as a lender of its own).
    fn index_in(&self, results: &Results) -> Option<usize> {
        let s = results.scenario;
        match self {
            Entity::Platform(name) => s.platforms.iter().position(|p| &p.name == name),
            Entity::Lender(name) => own_row_lenders(s)
                .into_iter()
                .find(|&l| &s.lenders[l].name == name),
        }
    }
}

/// Per replication where it is defined, the value of `h` for `who`, or
/// `None` when the variant has no such platform or lender.
fn values(results: &Results, who: &Entity, h: &Headline) -> Option<BTreeMap<u32, f64>> {
    let index = who.index_in(results)?;
    let runs = results.runs.iter();
    Some(match who {
        Entity::Platform(_) => runs
            .filter_map(|r| {
                r.summary
                    .iter()
                    .find(|s| s.platform == index)
                    .and_then(|s| (h.value)(s).map(|v| (r.replication, v)))
            })
            .collect(),
        Entity::Lender(_) => runs
            .filter_map(|r| {
                let f = h.lender?;
                r.lenders
                    .iter()
                    .find(|l| l.lender == index)
                    .and_then(|l| f(l).map(|v| (r.replication, v)))
            })
            .collect(),
    })
}

/// Compares the variants' results: for each headline metric and platform
/// (and each lending metric and lender of its own), each variant's mean,
/// and its paired and unpaired differences against the first variant.
pub fn compare(results: &[Results]) -> Comparison {
    let mut entities: Vec<Entity> = Vec::new();
    for r in results {
        for p in &r.scenario.platforms {
            let e = Entity::Platform(p.name.clone());
            if !entities.contains(&e) {
                entities.push(e);
            }
        }
    }
    for r in results {
        for l in own_row_lenders(r.scenario) {
            let e = Entity::Lender(r.scenario.lenders[l].name.clone());
            if !entities.contains(&e) {
                entities.push(e);
            }
        }
    }
    let mut notes = Vec::new();
    let first_label = results.first().map_or("", |r| r.label);
    for e in &entities {
        for r in results {
            if e.index_in(r).is_none() {
                let (what, name) = (e.what(), e.name());
                notes.push(if r.label == first_label {
                    format!(
                        "{what} `{name}` is not in the first variant `{}`: its differences are left empty",
                        r.label
                    )
                } else {
                    format!(
                        "{what} `{name}` is not in variant `{}`: its rows there are left empty",
                        r.label
                    )
                });
            }
        }
    }
    let mut rows = Vec::new();
    for h in HEADLINES {
        for who in &entities {
            if matches!(who, Entity::Lender(_)) && h.lender.is_none() {
                continue;
            }
            let first = results.first().and_then(|r| values(r, who, h));
            for (k, r) in results.iter().enumerate() {
                let mine = values(r, who, h);
                let mean = mine
                    .as_ref()
                    .map(|m| estimate(&m.values().copied().collect::<Vec<_>>(), LEVEL));
                let (paired, unpaired) = match (&first, &mine) {
                    (Some(a), Some(b)) if k > 0 => {
                        let diffs: Vec<f64> = b
                            .iter()
                            .filter_map(|(rep, vb)| a.get(rep).map(|va| vb - va))
                            .collect();
                        let a: Vec<f64> = a.values().copied().collect();
                        let b: Vec<f64> = b.values().copied().collect();
                        // A metric undefined in every replication of either
                        // (e.g. lending figures without a lender) has no
                        // difference.
                        let unpaired =
                            (!a.is_empty() && !b.is_empty()).then(|| welch(&a, &b, LEVEL));
                        (Some(estimate(&diffs, LEVEL)), unpaired)
                    }
                    _ => (None, None),
                };
                let (platform, lender) = match who {
                    Entity::Platform(n) => (Some(n.clone()), None),
                    Entity::Lender(n) => (None, Some(n.clone())),
                };
                rows.push(Row {
                    metric: h.name,
                    platform,
                    lender,
                    variant: r.label.to_string(),
                    first: k == 0,
                    mean,
                    paired,
                    unpaired,
                });
            }
        }
    }
    Comparison {
        variants: results.iter().map(|r| r.label.to_string()).collect(),
        seed: results.first().map_or(0, |r| r.scenario.seed),
        replications: results.first().map_or(0, |r| r.runs.len() as u32),
        rows,
        notes,
    }
}

/// The comparison as a table for the terminal: per metric and platform,
/// each variant's mean, its paired difference against the first and the
/// half-width the difference would have without pairing.
pub fn table(c: &Comparison) -> String {
    let mut lines: Vec<[String; 5]> = vec![[
        "platform or lender".into(),
        "variant".into(),
        "mean ± 95%".into(),
        "Δ vs first ± 95% (paired)".into(),
        "unpaired ±".into(),
    ]];
    let mut breaks = Vec::new();
    let mut last_metric = "";
    for r in &c.rows {
        if r.metric != last_metric {
            last_metric = r.metric;
            let label = HEADLINES
                .iter()
                .find(|h| h.name == r.metric)
                .map_or(r.metric, |h| h.label);
            breaks.push((lines.len(), label));
        }
        let kind = HEADLINES
            .iter()
            .find(|h| h.name == r.metric)
            .map_or(Kind::Decimal, |h| h.kind);
        let mean = match r.mean {
            Some(e) => printed(kind, &e),
            None if r.lender.is_some() => "(no such lender)".to_string(),
            None => "(no such platform)".to_string(),
        };
        let paired = r.paired.map_or_else(String::new, |e| {
            let sign = if e.n > 0 && e.mean >= 0.0 { "+" } else { "" };
            format!("{sign}{}", printed(kind, &e))
        });
        let unpaired = match r.unpaired {
            Some(Difference {
                mean,
                half_width: Some(h),
            }) => printed_half_width(kind, mean, h),
            _ => String::new(),
        };
        lines.push([
            r.entity().to_string(),
            r.variant.clone(),
            mean,
            paired,
            unpaired,
        ]);
    }
    let mut widths = [0usize; 5];
    for l in &lines {
        for (w, cell) in widths.iter_mut().zip(l) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let mut s = String::new();
    let _ = writeln!(
        s,
        "paired comparison of {} variants, {} replication(s) each, with common random numbers:\n\
         every variant runs with seed {} (the first variant's), so replication r of each shares its draws",
        c.variants.len(),
        c.replications,
        c.seed
    );
    let mut next_break = breaks.iter().peekable();
    for (i, l) in lines.iter().enumerate() {
        if let Some((_, label)) = next_break.next_if(|(at, _)| *at == i) {
            let _ = writeln!(s, "{label}");
        }
        let mut line = String::from("  ");
        for (k, (cell, w)) in l.iter().zip(widths).enumerate() {
            let pad = w.saturating_sub(cell.chars().count());
            if k < 2 {
                line.push_str(cell);
                line.push_str(&" ".repeat(pad));
            } else {
                line.push_str(&" ".repeat(pad));
                line.push_str(cell);
            }
            line.push_str("   ");
        }
        let _ = writeln!(s, "{}", line.trim_end());
    }
    for n in &c.notes {
        let _ = writeln!(s, "note: {n}");
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_are_file_names_unless_they_clash() {
        let p = |s: &str| PathBuf::from(s);
        assert_eq!(labels(&[p("a/x.toml"), p("b/y.toml")]), ["x", "y"]);
        assert_eq!(
            labels(&[p("a/x.toml"), p("b/x.toml")]),
            ["a/x.toml", "b/x.toml"]
        );
        assert_eq!(
            labels(&[p("x.toml"), p("x.toml")]),
            ["x.toml#1", "x.toml#2"]
        );
    }
}
