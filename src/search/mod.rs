//! Strategy search: the best values of a platform's levers (`flywheel
//! optimize`) and an equilibrium of several platforms' levers (`flywheel
//! equilibrium`), found by simulation. The same loading, evaluation,
//! journal and optimiser serve calibration (`flywheel calibrate`, see
//! the `calibrate` module).
//!
//! ```text
//!  scenario.toml [optimize] / [equilibrium] ──► Search::load (spec.rs)
//!        variables checked by the scenario loader, bounds probed
//!                          │
//!   Nelder–Mead (argmin) over the variables, scaled to [0, 1]
//!                          │ candidate
//!   Evaluator: the scenario with the candidate written in by key path,
//!   `replications` runs on a rayon pool, every candidate with the same
//!   replication seeds (common random numbers)
//!                          │ each evaluation appended + fsynced
//!                          ▼
//!   journal.jsonl ──► trials.csv, best.toml | path.csv, regrets.csv,
//!                     equilibrium.toml, manifest.json (files.rs)
//! ```
//!
//! **Comparing candidates.** Every candidate is run with the scenario's
//! seed, so replication `r` of every candidate draws the same random
//! streams and differences between candidates are not masked by sampling
//! noise; gains and regrets are estimated from the per-replication
//! differences (paired).
//!
//! **The optimiser.** argmin's Nelder–Mead simplex, on the variables scaled
//! to the unit cube (integers rounded when written into the scenario).
//! It needs no random numbers, so a search is a deterministic function of
//! the scenario; on a noisy test problem it came closer to the optimum
//! than CMA-ES (`cmaes` crate) at the small budgets simulation affords
//! (20–40 evaluations); see the README. A candidate that breaks a
//! constraint ranks below every one that meets all of them.
//!
//! **Resume.** Every evaluation is journalled with its key (the values it
//! wrote). Because the search is deterministic, `--resume` replays it from
//! the start, taking evaluations found in the journal instead of running
//! them, and so ends where an uninterrupted search would, at any thread
//! count.
//!
//! **Equilibrium.** Iterated best response (Jacobi, damped): each round,
//! every player's best response to the current profile is searched; if no
//! player's gain from its best response exceeds `epsilon` with the stated
//! confidence (the upper end of the paired interval is below `epsilon`),
//! the profile is an ε-Nash equilibrium and the gains are its regrets.
//! Otherwise every player moves `damping` of the way to its best response.
//! A profile that comes back to one seen in an earlier round is reported
//! as a cycle.

pub(crate) mod evaluate;
pub(crate) mod files;
pub(crate) mod run;
pub mod spec;
pub mod targets;

use std::path::{Path, PathBuf};

use crate::scenario::{self, Override, Problem, RawScenario, Scenario, ScenarioError};

pub use evaluate::{Event, SearchOptions};
pub use files::{
    BEST_TOML, EQUILIBRIUM_TOML, PATH_CSV, REGRETS_CSV, SEARCH_JOURNAL, SearchManifest, TRIALS_CSV,
    reference,
};
pub use run::{EquilibriumReport, OptimizeReport, PlayerResult, run_equilibrium, run_optimize};
pub use spec::{Constraint, EquilibriumSpec, OptimizeSpec, Player, Variable, metric_names};

/// Why a search could not be done.
#[derive(Debug, thiserror::Error)]
pub enum SearchError {
    /// The scenario or its `[optimize]`/`[equilibrium]` table is invalid.
    #[error(transparent)]
    Scenario(#[from] ScenarioError),
    /// The request cannot be carried out as asked; the message says why.
    #[error("{0}")]
    Refused(String),
    /// Reading or writing a file failed.
    #[error("cannot {action} `{path}`: {message}")]
    Io {
        /// What was being done.
        action: &'static str,
        /// The file or directory.
        path: PathBuf,
        /// The error.
        message: String,
    },
    /// Stopped on request; the journal holds what finished.
    #[error(
        "interrupted: {evaluations} evaluation(s) are journalled in `{dir}`; rerun with --resume to finish"
    )]
    Interrupted {
        /// Evaluations journalled.
        evaluations: u64,
        /// The output directory.
        dir: String,
    },
}

impl SearchError {
    /// Whether the user can fix this by changing the input or the command.
    pub fn is_input(&self) -> bool {
        matches!(self, SearchError::Scenario(_) | SearchError::Refused(_))
    }

    pub(crate) fn io(action: &'static str, path: &Path) -> impl FnOnce(std::io::Error) -> Self {
        let path = path.to_path_buf();
        move |e| SearchError::Io {
            action,
            path,
            message: e.to_string(),
        }
    }
}

/// What is searched for.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Goal {
    /// One platform's best levers (`[optimize]`).
    Optimize(OptimizeSpec),
    /// An equilibrium of several platforms' levers (`[equilibrium]`).
    Equilibrium(EquilibriumSpec),
    /// The parameters that reproduce observed figures (`[calibrate]`).
    Calibrate(targets::CalibrateSpec),
}

/// Which table of a scenario a search reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// `[optimize]`.
    Optimize,
    /// `[equilibrium]`.
    Equilibrium,
    /// `[calibrate]`.
    Calibrate,
}

impl Kind {
    /// The table's (and the command's) name.
    pub fn name(self) -> &'static str {
        match self {
            Kind::Optimize => "optimize",
            Kind::Equilibrium => "equilibrium",
            Kind::Calibrate => "calibrate",
        }
    }
}

/// A validated search: the scenario, the goal, and the starting values of
/// every variable.
#[derive(Debug, Clone)]
pub struct Search {
    /// The scenario as written (its search tables are not applied).
    pub base: Scenario,
    raw: RawScenario,
    /// What is searched for.
    pub goal: Goal,
    /// Starting value of each variable, in [`Search::variables`] order,
    /// as a position in its range (`[0, 1]`).
    pub start: Vec<f64>,
    user: Vec<Override>,
    text: String,
    label: String,
    default_name: String,
}

impl Search {
    /// Reads a scenario file and validates its `[optimize]` table (with
    /// `equilibrium` false) or its `[equilibrium]` table, with `overrides`
    /// (`--set`) applied first as `run` applies them.
    pub fn load(
        path: &Path,
        equilibrium: bool,
        overrides: &[Override],
    ) -> Result<Search, ScenarioError> {
        let kind = if equilibrium {
            Kind::Equilibrium
        } else {
            Kind::Optimize
        };
        Search::load_kind(path, kind, overrides)
    }

    /// Reads a scenario file and validates its table of `kind`, with
    /// `overrides` (`--set`) applied first as `run` applies them.
    pub fn load_kind(
        path: &Path,
        kind: Kind,
        overrides: &[Override],
    ) -> Result<Search, ScenarioError> {
        let source = scenario::Source::read(path)?;
        Search::parse_kind(
            &source.text,
            &source.label,
            &source.default_name,
            kind,
            overrides,
        )
    }

    /// Validates scenario `text` and its search table; `label` names the
    /// file in messages.
    ///
    /// Each variable's path must name a number in the scenario (a path the
    /// scenario does not have is tried by writing the variable's bounds
    /// there and validating, so it is refused with the loader's own rule),
    /// and the scenario must be valid with each variable at either bound.
    pub fn parse(
        text: &str,
        label: &str,
        default_name: &str,
        equilibrium: bool,
        overrides: &[Override],
    ) -> Result<Search, ScenarioError> {
        let kind = if equilibrium {
            Kind::Equilibrium
        } else {
            Kind::Optimize
        };
        Search::parse_kind(text, label, default_name, kind, overrides)
    }

    /// Validates scenario `text` and its table of `kind`; `label` names
    /// the file in messages (and, for `[calibrate]`, locates series files
    /// relative to it).
    pub fn parse_kind(
        text: &str,
        label: &str,
        default_name: &str,
        kind: Kind,
        overrides: &[Override],
    ) -> Result<Search, ScenarioError> {
        let scenario::Resolved {
            scenario: base,
            raw,
        } = scenario::parse_resolved(text, label, default_name, overrides)?;
        let error = |problems: Vec<Problem>| ScenarioError {
            file: label.to_string(),
            problems,
        };
        let name = kind.name();
        let table = match kind {
            Kind::Optimize => raw.optimize.clone(),
            Kind::Equilibrium => raw.equilibrium.clone(),
            Kind::Calibrate => raw.calibrate.clone(),
        };
        let Some(table) = table else {
            let section = if kind == Kind::Calibrate {
                "Calibration"
            } else {
                "Strategy search"
            };
            return Err(error(vec![Problem {
                path: name.into(),
                rule: format!(
                    "the scenario has no [{name}] table: add one (see \"{section}\" in the README)"
                ),
                line: None,
                origin: None,
            }]));
        };
        let platforms: Vec<String> = base.platforms.iter().map(|p| p.name.clone()).collect();
        let goal = match kind {
            Kind::Equilibrium => Goal::Equilibrium(
                spec::read_equilibrium(&table, text, &platforms, base.replications)
                    .map_err(error)?,
            ),
            Kind::Optimize => Goal::Optimize(
                spec::read_optimize(&table, text, &platforms, base.replications).map_err(error)?,
            ),
            Kind::Calibrate => {
                let dir = Path::new(label)
                    .parent()
                    .map(Path::to_path_buf)
                    .unwrap_or_default();
                Goal::Calibrate(targets::read_calibrate(&table, text, &base, &dir).map_err(error)?)
            }
        };
        let mut search = Search {
            base,
            raw,
            goal,
            start: Vec::new(),
            user: overrides.to_vec(),
            text: text.to_string(),
            label: label.to_string(),
            default_name: default_name.to_string(),
        };
        let mut problems = Vec::new();
        let mut start = Vec::new();
        for (at, v) in search.variable_keys() {
            let key = format!("{at}.\"{}\"", v.path);
            let fail = |rule: String| Problem {
                path: key.clone(),
                rule,
                line: scenario::line_of_path(text, &at),
                origin: None,
            };
            if overrides.iter().any(|o| o.path == v.path) {
                let rule = if kind == Kind::Calibrate {
                    "is a calibrated parameter: its values come from the calibration, so it cannot also be set"
                } else {
                    "is a decision variable: its values come from the search, so it cannot also be set"
                };
                problems.push(fail(rule.into()));
                continue;
            }
            match crate::sweep::resolved_value(&search.raw, &v.path) {
                Some(toml::Value::Float(x)) => start.push(v.position(x)),
                Some(toml::Value::Integer(i)) if v.integer => start.push(v.position(i as f64)),
                Some(toml::Value::Integer(_)) => {
                    problems.push(fail(format!(
                        "is a whole number in the scenario; give whole-number bounds, got {} and {}",
                        v.min, v.max
                    )));
                    continue;
                }
                Some(other) => {
                    problems.push(fail(format!(
                        "is not a numeric parameter (the scenario has a {} there)",
                        other.type_str()
                    )));
                    continue;
                }
                None => start.push(0.5),
            }
            for u in [0.0, 1.0] {
                let o = Override {
                    path: v.path.clone(),
                    value: v.at(u),
                    origin: key.clone(),
                };
                let mut with = overrides.to_vec();
                with.push(o);
                if let Err(e) = scenario::parse(text, label, default_name, &with) {
                    let why: Vec<String> = e
                        .problems
                        .iter()
                        .map(|q| {
                            if q.path == v.path || q.path.is_empty() {
                                q.rule.clone()
                            } else {
                                format!("{}: {}", q.path, q.rule)
                            }
                        })
                        .collect();
                    problems.push(fail(format!("with value {}: {}", v.at(u), why.join("; "))));
                    break;
                }
            }
        }
        if !problems.is_empty() {
            return Err(error(problems));
        }
        search.start = start;
        Ok(search)
    }

    /// The players: one for `[optimize]`, each player for `[equilibrium]`,
    /// none for `[calibrate]`.
    pub fn players(&self) -> &[Player] {
        match &self.goal {
            Goal::Optimize(o) => std::slice::from_ref(&o.player),
            Goal::Equilibrium(e) => &e.players,
            Goal::Calibrate(_) => &[],
        }
    }

    /// Every variable of every player (or every calibrated parameter), in
    /// order.
    pub fn variables(&self) -> Vec<&Variable> {
        match &self.goal {
            Goal::Calibrate(c) => c.parameters.iter().collect(),
            _ => self.players().iter().flat_map(|p| &p.variables).collect(),
        }
    }

    /// Each variable with the key path of the table that declares it.
    fn variable_keys(&self) -> Vec<(String, Variable)> {
        match &self.goal {
            Goal::Optimize(o) => o
                .player
                .variables
                .iter()
                .map(|v| ("optimize.variables".to_string(), v.clone()))
                .collect(),
            Goal::Equilibrium(e) => e
                .players
                .iter()
                .enumerate()
                .flat_map(|(i, p)| {
                    p.variables
                        .iter()
                        .map(move |v| (format!("equilibrium.players[{i}].variables"), v.clone()))
                })
                .collect(),
            Goal::Calibrate(c) => c
                .parameters
                .iter()
                .map(|v| ("calibrate.parameters".to_string(), v.clone()))
                .collect(),
        }
    }

    /// Replications of every evaluation.
    pub fn replications(&self) -> u32 {
        match &self.goal {
            Goal::Optimize(o) => o.replications,
            Goal::Equilibrium(e) => e.replications,
            Goal::Calibrate(c) => c.replications,
        }
    }

    /// Two-sided level of the intervals.
    pub fn confidence(&self) -> f64 {
        match &self.goal {
            Goal::Optimize(o) => o.confidence,
            Goal::Equilibrium(e) => e.confidence,
            Goal::Calibrate(c) => c.confidence,
        }
    }

    /// The file as the user named it.
    pub fn label(&self) -> &str {
        &self.label
    }

    /// The overrides of a profile (a value for every variable, in
    /// [`Search::variables`] order, as positions in their ranges).
    pub(crate) fn overrides(&self, profile: &[f64]) -> Vec<Override> {
        let values = self
            .variables()
            .into_iter()
            .zip(profile)
            .map(|(v, &u)| Override {
                path: v.path.clone(),
                value: v.at(u),
                origin: format!("search variable `{}`", v.path),
            });
        self.user.iter().cloned().chain(values).collect()
    }

    /// The scenario of a profile.
    pub(crate) fn scenario(&self, profile: &[f64]) -> Result<Scenario, ScenarioError> {
        scenario::parse(
            &self.text,
            &self.label,
            &self.default_name,
            &self.overrides(profile),
        )
    }

    /// The scenario of a profile as a TOML file that loads on its own
    /// (bases merged, defaults filled, no search tables), named `name`.
    pub(crate) fn scenario_toml(&self, profile: &[f64], name: &str) -> Result<String, String> {
        let resolved = scenario::parse_resolved(
            &self.text,
            &self.label,
            &self.default_name,
            &self.overrides(profile),
        )
        .map_err(|e| e.to_string())?;
        let mut raw = resolved.raw;
        raw.name = Some(name.to_string());
        raw.sweep = None;
        raw.optimize = None;
        raw.equilibrium = None;
        raw.calibrate = None;
        scenario::raw_toml(&raw)
    }
}
