//! Parameter sweeps: points × replications → runs, in parallel, durable
//! and resumable, sliceable into shards that merge back.
//!
//! ```text
//!  scenario.toml [sweep] ──► Sweep::load: spec (spec.rs) → points (design.rs)
//!                            every point validated as a scenario
//!                                   │
//!       run_sweep: (point, replication) runs of this shard, rayon pool
//!                                   │ each finished run appended + fsynced
//!                                   ▼
//!                            journal.jsonl ──► points / runs / aggregate /
//!                                   ▲          failures .csv + manifest.json
//!       merge: shard journals ──────┘          (one renderer, files.rs)
//! ```
//!
//! A sweep has `points × replications` runs; run `i` is point
//! `i / replications`, replication `i % replications`. Each point is the
//! base scenario with the point's values written in by key path
//! ([`scenario::Override`]) and validated as usual; every point uses the
//! scenario's seed, so replication `r` of every point draws the same random
//! streams (common random numbers: differences between points are not
//! masked by sampling noise). Shard `K/N` runs the runs with
//! `i % N == K − 1`.
//!
//! The journal is the record of truth: the final CSV files are rendered
//! from it, sorted, whether the runs finished in one go, across several
//! resumed attempts, or in several shards; so all three give the same
//! bytes, whatever the thread count.

mod design;
mod execute;
mod files;
mod journal;
mod merge;
mod spec;

use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::scenario::{self, Override, Problem, RawScenario, Scenario, ScenarioError};

pub use design::{Point, points};
pub use execute::{Event, Outcome, SweepOptions, SweepReport, run_sweep};
pub use files::{
    AGGREGATE_CSV, FAILURES_CSV, JOURNAL, POINTS_CSV, RUNS_CSV, SweepManifest, aggregate_columns,
    reference, runs_columns,
};
pub use merge::{MergeReport, merge};
pub use spec::{
    Domain, MAX_POINTS, MAX_REPLICATIONS, MAX_RUNS, Method, Number, Parameter, SweepSpec,
    parameter_key,
};

/// Why a sweep or a merge could not be done.
#[derive(Debug, thiserror::Error)]
pub enum SweepError {
    /// The scenario or its `[sweep]` table is invalid.
    #[error(transparent)]
    Scenario(#[from] ScenarioError),
    /// The request cannot be carried out as asked (an output directory in
    /// the way, shards that do not belong together, a journal of another
    /// sweep); the message says what to do.
    #[error("{0}")]
    Refused(String),
    /// Reading or writing a file failed.
    #[error("cannot {action} `{path}`: {source}")]
    Io {
        /// What was being done (`write`, `read`, …).
        action: &'static str,
        /// The file or directory.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The worker pool could not be built.
    #[error("cannot start {threads} worker threads: {message}")]
    Threads {
        /// Threads requested.
        threads: usize,
        /// Why it failed.
        message: String,
    },
}

impl SweepError {
    /// Whether the user can fix this by changing the input or the command
    /// (as opposed to an I/O or internal failure).
    pub fn is_input(&self) -> bool {
        matches!(self, SweepError::Scenario(_) | SweepError::Refused(_))
    }

    pub(crate) fn io(action: &'static str, path: &Path) -> impl FnOnce(std::io::Error) -> Self {
        let path = path.to_path_buf();
        move |source| SweepError::Io {
            action,
            path,
            source,
        }
    }
}

/// A deterministic slice of a sweep: shard `index` of `count` (1-based),
/// written `K/N` on the command line. Shard `K/N` holds the runs whose
/// index `i` has `i % N == K − 1`, so every shard gets a similar mix of
/// points.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Shard {
    /// Which slice, from 1.
    pub index: u32,
    /// How many slices.
    pub count: u32,
}

impl Shard {
    /// The whole sweep (`1/1`).
    pub const ALL: Shard = Shard { index: 1, count: 1 };

    /// Whether run `run` belongs to this shard.
    pub fn contains(self, run: u64) -> bool {
        run % u64::from(self.count) == u64::from(self.index - 1)
    }

    /// Whether this is the whole sweep.
    pub fn is_all(self) -> bool {
        self.count == 1
    }
}

impl fmt::Display for Shard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

impl FromStr for Shard {
    type Err = String;

    fn from_str(s: &str) -> Result<Shard, String> {
        let bad = || format!("a shard is K/N with 1 ≤ K ≤ N (e.g. 2/8), got `{s}`");
        let (k, n) = s.split_once('/').ok_or_else(bad)?;
        let index: u32 = k.trim().parse().map_err(|_| bad())?;
        let count: u32 = n.trim().parse().map_err(|_| bad())?;
        if index == 0 || index > count {
            return Err(bad());
        }
        Ok(Shard { index, count })
    }
}

/// A validated sweep: the base scenario, the `[sweep]` spec and its points,
/// each of which is known to be a valid scenario.
#[derive(Debug, Clone)]
pub struct Sweep {
    /// The scenario as written (its `[sweep]` table is not applied).
    pub base: Scenario,
    /// The base's resolved file, recorded in manifests.
    raw: RawScenario,
    /// The validated `[sweep]` table.
    pub spec: SweepSpec,
    /// The points, in id order.
    pub points: Vec<Point>,
    /// Horizon of each point's runs, in days (for progress reporting).
    pub horizons: Vec<u32>,
    /// Overrides given on the command line (`--set`), applied before each
    /// point's values.
    user: Vec<Override>,
    text: String,
    label: String,
    default_name: String,
}

/// Most invalid points listed in one error.
const MAX_POINT_PROBLEMS: usize = 5;

impl Sweep {
    /// Reads a scenario file and validates its `[sweep]` table and every
    /// point.
    pub fn load(path: &Path) -> Result<Sweep, ScenarioError> {
        Sweep::load_with(path, &[])
    }

    /// Like [`Sweep::load`], with `overrides` (`--set`) applied to the
    /// scenario before the sweep's points, exactly as `run` applies them.
    pub fn load_with(path: &Path, overrides: &[Override]) -> Result<Sweep, ScenarioError> {
        // The same guard as every scenario file: a directory, a device or
        // an oversized file is refused before it is read.
        let source = scenario::Source::read(path)?;
        Sweep::parse_with(&source.text, &source.label, &source.default_name, overrides)
    }

    /// Validates scenario `text` and its `[sweep]` table; `label` names the
    /// file in messages and `default_name` is used when it sets no `name`.
    ///
    /// Each parameter path must name a number in the scenario (a path the
    /// scenario does not have is tried by writing a value there and
    /// validating, so it is refused with the loader's own rule, such as
    /// "unknown key (did you mean …)"). Then every point is validated as a
    /// whole scenario: a value out of range, or values that conflict (a
    /// subsidy window ending before it starts), are refused before anything
    /// runs, naming the parameter, its value and the rule.
    pub fn parse(text: &str, label: &str, default_name: &str) -> Result<Sweep, ScenarioError> {
        Sweep::parse_with(text, label, default_name, &[])
    }

    /// Like [`Sweep::parse`], with `overrides` (`--set`) applied to the
    /// scenario before the sweep's points: a problem they cause is tagged
    /// with the `--set` that caused it, and a `--set` of a swept parameter
    /// (whose values the points set) is refused.
    pub fn parse_with(
        text: &str,
        label: &str,
        default_name: &str,
        overrides: &[Override],
    ) -> Result<Sweep, ScenarioError> {
        let scenario::Resolved {
            scenario: base,
            raw,
        } = scenario::parse_resolved(text, label, default_name, overrides)?;
        let error = |problems: Vec<Problem>| ScenarioError {
            file: label.to_string(),
            problems,
        };
        let Some(table) = raw.sweep.clone() else {
            return Err(error(vec![Problem {
                path: "sweep".into(),
                rule: "the scenario has no [sweep] table: add one listing the parameters to vary \
                       (see \"Sweeps\" in the README)"
                    .into(),
                line: None,
                origin: None,
            }]));
        };
        let spec = spec::read(&table, text, base.seed, base.replications).map_err(error)?;

        let swept: Vec<Problem> = overrides
            .iter()
            .filter(|o| spec.parameters.iter().any(|p| p.path == o.path))
            .map(|o| Problem {
                path: o.path.clone(),
                rule: "is a swept parameter: its values come from [sweep.parameters], so it \
                       cannot also be set"
                    .into(),
                line: None,
                origin: Some(o.origin.clone()),
            })
            .collect();
        if !swept.is_empty() {
            return Err(error(swept));
        }
        let problems: Vec<Problem> = spec
            .parameters
            .iter()
            .filter_map(|p| check_parameter(text, label, default_name, &raw, overrides, p))
            .collect();
        if !problems.is_empty() {
            return Err(error(problems));
        }

        let mut sweep = Sweep {
            points: points(&spec),
            horizons: Vec::new(),
            base,
            raw,
            spec,
            user: overrides.to_vec(),
            text: text.to_string(),
            label: label.to_string(),
            default_name: default_name.to_string(),
        };
        let mut listed: Vec<Problem> = Vec::new();
        let mut invalid = 0usize;
        let mut horizons = Vec::with_capacity(sweep.points.len());
        for point in &sweep.points {
            match sweep.scenario(point.id) {
                Ok(s) => horizons.push(s.horizon_days),
                Err(e) => {
                    invalid += 1;
                    for p in sweep.point_problems(point, &e) {
                        if listed.len() < MAX_POINT_PROBLEMS && !listed.contains(&p) {
                            listed.push(p);
                        }
                    }
                }
            }
        }
        if invalid > 0 {
            listed.push(Problem {
                path: "sweep.parameters".into(),
                rule: format!(
                    "{invalid} of the sweep's {} points are not valid scenarios",
                    sweep.points.len()
                ),
                line: line_of_sweep(text),
                origin: None,
            });
            return Err(error(listed));
        }
        sweep.horizons = horizons;
        Ok(sweep)
    }

    /// The file as the user named it.
    pub fn label(&self) -> &str {
        &self.label
    }

    /// Whether the sweep fits this machine's memory with `threads` runs at
    /// once (0: one per core), as `flywheel sweep` checks before it
    /// starts: for callers other than the command line (the Python
    /// package). A refusal names the key that makes the largest point
    /// large and the estimate.
    pub fn check_fits(&self, threads: usize) -> Result<(), String> {
        let threads = if threads == 0 {
            std::thread::available_parallelism().map_or(1, |n| n.get())
        } else {
            threads
        };
        let sizes = (0..self.points.len() as u32)
            .map(|p| {
                self.scenario(p)
                    .map(|s| crate::resources::MarketSize::of(&s))
            })
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| e.to_string())?;
        crate::resources::check_sweep(
            &sizes,
            self.runs(),
            threads,
            crate::resources::Machine::this(),
        )
        .map_err(|e| e.to_string())
    }

    /// Total runs: points × replications.
    pub fn runs(&self) -> u64 {
        self.points.len() as u64 * u64::from(self.spec.replications)
    }

    /// The overrides given on the command line (`--set`).
    pub fn user_overrides(&self) -> &[Override] {
        &self.user
    }

    /// The overrides of point `point`: the command line's (`--set`), then
    /// the point's values.
    pub fn overrides(&self, point: u32) -> Vec<Override> {
        let Some(p) = self.points.get(point as usize) else {
            return self.user.clone();
        };
        let values = self
            .spec
            .parameters
            .iter()
            .zip(&p.values)
            .map(|(param, v)| Override {
                path: param.path.clone(),
                value: v.to_toml(),
                origin: parameter_key(&param.path),
            });
        self.user.iter().cloned().chain(values).collect()
    }

    /// The scenario of point `point`.
    pub fn scenario(&self, point: u32) -> Result<Scenario, ScenarioError> {
        scenario::parse(
            &self.text,
            &self.label,
            &self.default_name,
            &self.overrides(point),
        )
    }

    /// The problems of an invalid point: those the loader traced to one
    /// parameter are reported at that parameter with its value (so the same
    /// bad value in many points is reported once); others name the point
    /// and all its values.
    fn point_problems(&self, point: &Point, e: &ScenarioError) -> Vec<Problem> {
        let values: Vec<String> = self
            .spec
            .parameters
            .iter()
            .zip(&point.values)
            .map(|(p, v)| format!("{} = {v}", p.path))
            .collect();
        e.problems
            .iter()
            .map(|q| {
                let param = self
                    .spec
                    .parameters
                    .iter()
                    .zip(&point.values)
                    .find(|(p, _)| q.origin.as_deref() == Some(parameter_key(&p.path).as_str()));
                let rule = if q.path.is_empty() {
                    q.rule.clone()
                } else {
                    format!("{}: {}", q.path, q.rule)
                };
                match param {
                    Some((p, v)) => Problem {
                        path: parameter_key(&p.path),
                        rule: if q.path == p.path {
                            format!("with value {v}: {}", q.rule)
                        } else {
                            format!("with value {v}: {rule}")
                        },
                        line: spec::line_of_parameter(&self.text, &p.path),
                        origin: None,
                    },
                    None => Problem {
                        path: "sweep.parameters".into(),
                        rule: format!("point {} ({}): {rule}", point.id, values.join(", ")),
                        line: line_of_sweep(&self.text),
                        origin: None,
                    },
                }
            })
            .collect()
    }
}

fn line_of_sweep(text: &str) -> Option<usize> {
    scenario::line_of_path(text, "sweep.parameters")
}

/// The value at `path` in the resolved scenario, if the path reaches one.
pub(crate) fn resolved_value(raw: &RawScenario, path: &str) -> Option<toml::Value> {
    let Ok(mut node) = toml::Value::try_from(raw) else {
        return None;
    };
    for seg in scenario::parse_path(path)? {
        node = match (seg, node) {
            (scenario::Segment::Key(k), toml::Value::Table(mut t)) => t.remove(&k)?,
            (scenario::Segment::Index(i), toml::Value::Array(mut a)) if i < a.len() => {
                a.swap_remove(i)
            }
            _ => return None,
        };
    }
    Some(node)
}

/// Checks that a parameter's path names a number in the scenario. Value
/// rules are left to the validation of each point, where every other
/// parameter has its value too (checking one parameter against the base
/// scenario's other values would refuse valid combinations).
fn check_parameter(
    text: &str,
    label: &str,
    default_name: &str,
    raw: &RawScenario,
    user: &[Override],
    p: &Parameter,
) -> Option<Problem> {
    let problem = |rule: String| Problem {
        path: parameter_key(&p.path),
        rule,
        line: spec::line_of_parameter(text, &p.path),
        origin: None,
    };
    let probes = p.domain.probes();
    match resolved_value(raw, &p.path) {
        Some(toml::Value::Float(_)) => None,
        Some(toml::Value::Integer(_)) => {
            probes
                .iter()
                .find(|v| matches!(v, Number::Real(_)))
                .map(|v| {
                    problem(format!(
                        "is a whole number in the scenario; give whole numbers, got {v}"
                    ))
                })
        }
        Some(other) => Some(problem(format!(
            "is not a numeric parameter (the scenario has a {} there)",
            other.type_str()
        ))),
        None => {
            // Not in the resolved scenario: let the loader say why (an
            // unknown key, an index past the end of a list), or accept a
            // key the file simply leaves out.
            let first = probes.first()?;
            let o = Override {
                path: p.path.clone(),
                value: first.to_toml(),
                origin: parameter_key(&p.path),
            };
            let mut with = user.to_vec();
            with.push(o);
            let e = scenario::parse(text, label, default_name, &with).err()?;
            let why: Vec<String> = e
                .problems
                .iter()
                .map(|q| {
                    if q.path == p.path || q.path.is_empty() {
                        q.rule.clone()
                    } else {
                        format!("{}: {}", q.path, q.rule)
                    }
                })
                .collect();
            Some(problem(format!("with value {first}: {}", why.join("; "))))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_parse_and_partition_runs() {
        assert_eq!("2/8".parse::<Shard>(), Ok(Shard { index: 2, count: 8 }));
        for bad in ["0/3", "4/3", "1", "a/b", "1/0", ""] {
            assert!(bad.parse::<Shard>().is_err(), "{bad}");
        }
        let n = 3;
        for run in 0..20u64 {
            let owners = (1..=n)
                .filter(|&k| Shard { index: k, count: n }.contains(run))
                .count();
            assert_eq!(owners, 1, "run {run}");
        }
        assert!((0..5).all(|r| Shard::ALL.contains(r)));
    }
}
