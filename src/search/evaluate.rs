//! Evaluating candidates: a profile of variable values becomes a scenario,
//! its replications run on a rayon pool with the scenario's seeds (the
//! same for every candidate), and the metrics of every platform in every
//! replication are kept, journalled and cached by the values written.
//!
//! The journal (`journal.jsonl`) is a header line naming the search (a
//! fingerprint of everything that decides its results) and one line per
//! evaluation, appended and synced as each finishes. A resumed search
//! loads it into the cache and replays the deterministic search, running
//! only what the journal lacks. A line torn by a kill is ignored.

use std::collections::BTreeMap;
use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::spec::{CONTRIBUTION, Player, metric_names};
use super::{Search, SearchError};
use crate::metrics::stats::{Estimate, estimate};
use crate::metrics::{HEADLINES, PlatformSummary};
use crate::runner::{RunError, RunOptions, run_one_until};

/// Format tag of the journal's header.
const FORMAT: &str = "flywheel-search-journal/1";

/// How to run a search.
#[derive(Debug, Clone, Copy, Default)]
pub struct SearchOptions {
    /// Worker threads; 0 means one per core.
    pub threads: usize,
    /// Continue the search journalled in the output directory, if any.
    pub resume: bool,
}

/// Progress of a search, reported as it happens.
#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    /// A candidate was evaluated (or found in the journal).
    Evaluated {
        /// What is being searched (`optimize`, or `round R: PLAYER`).
        stage: String,
        /// Evaluations so far in the whole search.
        evaluations: u64,
        /// The best objective found so far in this stage, if any
        /// candidate met the constraints.
        best: Option<f64>,
    },
}

/// What one evaluation found: per replication, per platform, the value
/// of every metric of [`metric_names`] (`None` where undefined) — for a
/// calibration, per replication one row of the simulated value of every
/// observed figure — or why the candidate could not be run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum Outcome {
    /// The runs finished.
    Runs(Vec<Vec<Vec<Option<f64>>>>),
    /// The candidate is not a valid scenario, or a run failed.
    Failed(String),
}

#[derive(Serialize, Deserialize)]
struct Header {
    format: String,
    fingerprint: String,
}

#[derive(Serialize, Deserialize)]
struct Line {
    key: String,
    outcome: Outcome,
}

/// A candidate's standing for one player: the objective per replication,
/// its estimate, and each constraint's mean.
#[derive(Debug, Clone)]
pub(crate) struct Score {
    /// Objective per replication (NaN where undefined).
    pub per_replication: Vec<f64>,
    /// Mean and interval of the objective.
    pub objective: Estimate,
    /// Mean of each constraint's metric, in the player's order.
    pub constraints: Vec<f64>,
    /// Total violation of the constraints (0 when all are met).
    pub violation: f64,
    /// Why the candidate could not be run, if it could not.
    pub failure: Option<String>,
}

impl Score {
    /// Whether the candidate meets every constraint and ran.
    pub(crate) fn feasible(&self) -> bool {
        self.failure.is_none() && self.violation == 0.0 && self.objective.mean.is_finite()
    }

    /// The value the optimiser minimises: minus the objective when
    /// feasible; otherwise above every feasible value, ordered by how far
    /// the constraints are broken.
    pub(crate) fn cost(&self) -> f64 {
        if self.feasible() {
            -self.objective.mean
        } else if self.failure.is_some() || !self.violation.is_finite() {
            2e300
        } else {
            1e300 + self.violation.min(1e299)
        }
    }
}

fn metric_value(s: &PlatformSummary, name: &str) -> Option<f64> {
    if name == CONTRIBUTION {
        let f = &s.flows;
        return Some((f.revenue - f.subsidy_spend - f.variable_cost).as_major());
    }
    HEADLINES
        .iter()
        .find(|h| h.name == name)
        .and_then(|h| (h.value)(s))
}

/// Runs candidates, caches and journals what they found.
pub(crate) struct Evaluator<'a> {
    search: &'a Search,
    pool: rayon::ThreadPool,
    cache: BTreeMap<String, Outcome>,
    /// Keys loaded from the journal and not yet asked for.
    from_journal: std::collections::BTreeSet<String>,
    journal: File,
    journal_path: PathBuf,
    stop: &'a AtomicBool,
    metrics: Vec<&'static str>,
    /// Evaluations asked for (found in the journal or run).
    pub evaluations: u64,
    /// Distinct evaluations taken from the journal instead of run.
    pub resumed: u64,
    /// Replications run now.
    pub runs: u64,
    /// Engine events processed by those runs.
    pub events: u64,
    /// Worker threads used.
    pub threads: usize,
}

impl<'a> Evaluator<'a> {
    /// Opens the journal in `dir` (loading it with `resume`) and the
    /// worker pool.
    pub(crate) fn open(
        search: &'a Search,
        dir: &Path,
        fingerprint: &str,
        options: &SearchOptions,
        stop: &'a AtomicBool,
    ) -> Result<Evaluator<'a>, SearchError> {
        let journal_path = dir.join(super::SEARCH_JOURNAL);
        let mut cache = BTreeMap::new();
        let mut keep = false;
        if options.resume && journal_path.is_file() {
            let f = File::open(&journal_path).map_err(SearchError::io("read", &journal_path))?;
            let mut lines = BufReader::new(f).lines();
            let header: Option<Header> = lines
                .next()
                .and_then(|l| l.ok())
                .and_then(|l| serde_json::from_str(&l).ok());
            match header {
                Some(h) if h.format == FORMAT && h.fingerprint == fingerprint => {
                    for line in lines.map_while(Result::ok) {
                        // A torn last line does not parse: it is run again.
                        if let Ok(l) = serde_json::from_str::<Line>(&line) {
                            cache.insert(l.key, l.outcome);
                        }
                    }
                    keep = true;
                }
                Some(_) => {
                    return Err(SearchError::Refused(format!(
                        "cannot resume from `{}`: the scenario, its search table, the --set \
                         values or the Flywheel version have changed since; remove the \
                         directory or choose another --out",
                        journal_path.display()
                    )));
                }
                None => {}
            }
        }
        // Rewrite the journal whole: complete lines only, so a torn line
        // never sits before new ones.
        let tmp = dir.join(format!(".{}.partial", super::SEARCH_JOURNAL));
        {
            let mut f = File::create(&tmp).map_err(SearchError::io("write", &tmp))?;
            let header = Header {
                format: FORMAT.into(),
                fingerprint: fingerprint.into(),
            };
            let mut text = serde_json::to_string(&header).unwrap_or_default();
            text.push('\n');
            if keep {
                for (key, outcome) in &cache {
                    let line = Line {
                        key: key.clone(),
                        outcome: outcome.clone(),
                    };
                    text.push_str(&serde_json::to_string(&line).unwrap_or_default());
                    text.push('\n');
                }
            }
            f.write_all(text.as_bytes())
                .map_err(SearchError::io("write", &tmp))?;
            f.sync_all().map_err(SearchError::io("write", &tmp))?;
        }
        std::fs::rename(&tmp, &journal_path).map_err(SearchError::io("write", &journal_path))?;
        let journal = OpenOptions::new()
            .append(true)
            .open(&journal_path)
            .map_err(SearchError::io("open", &journal_path))?;
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(options.threads.min(crate::runner::MAX_THREADS))
            .build()
            .map_err(|e| {
                SearchError::Refused(format!(
                    "cannot start {} worker threads: {e}",
                    options.threads
                ))
            })?;
        let threads = pool.current_num_threads();
        let from_journal = cache.keys().cloned().collect();
        Ok(Evaluator {
            search,
            pool,
            cache,
            from_journal,
            journal,
            journal_path,
            stop,
            metrics: metric_names(),
            evaluations: 0,
            resumed: 0,
            runs: 0,
            events: 0,
            threads,
        })
    }

    /// The cache key of a profile: the values written, in variable order.
    pub(crate) fn key(&self, profile: &[f64]) -> String {
        self.search
            .variables()
            .iter()
            .zip(profile)
            .map(|(v, &u)| format!("{}={}", v.path, value_text(&v.at(u))))
            .collect::<Vec<_>>()
            .join("; ")
    }

    /// The outcome of a profile: from the cache, or run now and journalled.
    pub(crate) fn outcome(&mut self, profile: &[f64]) -> Result<Outcome, SearchError> {
        let key = self.key(profile);
        self.evaluations += 1;
        if let Some(o) = self.cache.get(&key) {
            if self.from_journal.remove(&key) {
                self.resumed += 1;
            }
            return Ok(o.clone());
        }
        if self.stop.load(Ordering::SeqCst) {
            return Err(self.interrupted());
        }
        let outcome = match self.search.scenario(profile) {
            Err(e) => Outcome::Failed(format!("not a valid scenario: {e}")),
            Ok(scenario) => {
                let reps = self.search.replications();
                let stop = self.stop;
                let options = RunOptions {
                    threads: 1,
                    journal: false,
                };
                let results: Vec<_> = self.pool.install(|| {
                    (0..reps)
                        .into_par_iter()
                        .with_max_len(1)
                        .map(|r| run_one_until(&scenario, r, &options, &|| {}, stop))
                        .collect()
                });
                let mut runs = Vec::with_capacity(results.len());
                let mut failure = None;
                for r in results {
                    match r {
                        Ok(out) => {
                            self.events += out.events;
                            self.runs += 1;
                            runs.push(match &self.search.goal {
                                // One row: the simulated value of every
                                // observed figure.
                                super::Goal::Calibrate(spec) => {
                                    vec![super::targets::simulate(spec, &scenario, &out)]
                                }
                                _ => out
                                    .summary
                                    .iter()
                                    .map(|s| {
                                        self.metrics.iter().map(|m| metric_value(s, m)).collect()
                                    })
                                    .collect(),
                            });
                        }
                        Err(RunError::Interrupted { .. }) => return Err(self.interrupted()),
                        Err(e) => {
                            failure.get_or_insert_with(|| format!("a run failed: {e}"));
                        }
                    }
                }
                match failure {
                    Some(f) => Outcome::Failed(f),
                    None => Outcome::Runs(runs),
                }
            }
        };
        let line = Line {
            key: key.clone(),
            outcome: outcome.clone(),
        };
        let mut text = serde_json::to_string(&line).unwrap_or_default();
        text.push('\n');
        self.journal
            .write_all(text.as_bytes())
            .and_then(|()| self.journal.sync_data())
            .map_err(SearchError::io("append to", &self.journal_path))?;
        self.cache.insert(key, outcome.clone());
        Ok(outcome)
    }

    fn interrupted(&self) -> SearchError {
        SearchError::Interrupted {
            evaluations: self.cache.len() as u64,
            dir: self
                .journal_path
                .parent()
                .map(|p| p.display().to_string())
                .unwrap_or_default(),
        }
    }

    /// A player's score of an outcome.
    pub(crate) fn score(&self, outcome: &Outcome, player: &Player) -> Score {
        let level = self.search.confidence();
        let idx = |m: &str| self.metrics.iter().position(|x| *x == m);
        let value = |run: &Vec<Vec<Option<f64>>>, m: &str| {
            idx(m)
                .and_then(|i| {
                    run.get(player.platform)
                        .and_then(|p| p.get(i).copied().flatten())
                })
                .unwrap_or(f64::NAN)
        };
        match outcome {
            Outcome::Failed(why) => Score {
                per_replication: Vec::new(),
                objective: estimate(&[f64::NAN], level),
                constraints: vec![f64::NAN; player.constraints.len()],
                violation: f64::INFINITY,
                failure: Some(why.clone()),
            },
            Outcome::Runs(runs) => {
                let per_replication: Vec<f64> = runs
                    .iter()
                    .map(|run| {
                        player
                            .objective
                            .iter()
                            .map(|(m, w)| w * value(run, m))
                            .sum()
                    })
                    .collect();
                let constraints: Vec<f64> = player
                    .constraints
                    .iter()
                    .map(|c| {
                        let v: Vec<f64> = runs.iter().map(|run| value(run, &c.metric)).collect();
                        v.iter().sum::<f64>() / v.len().max(1) as f64
                    })
                    .collect();
                let violation = player
                    .constraints
                    .iter()
                    .zip(&constraints)
                    .map(|(c, &v)| c.violation(v))
                    .sum();
                // An objective reading a metric a run leaves undefined (the
                // exit day of a platform that never exits, a 90-day figure
                // of a shorter run), or weights past what a float holds,
                // cannot rank candidates: say so rather than rank by NaN.
                let undefined = per_replication.iter().filter(|x| !x.is_finite()).count();
                let failure = (undefined > 0).then(|| {
                    format!(
                        "the objective `{}` is undefined or not finite in {undefined} of {} \
                         replications",
                        player.objective_text,
                        per_replication.len()
                    )
                });
                Score {
                    objective: estimate(&per_replication, level),
                    per_replication,
                    constraints,
                    violation,
                    failure,
                }
            }
        }
    }
}

/// A TOML value as written in keys and files: integers as written, reals
/// in the shortest form that reads back the same, with a decimal point.
pub(crate) fn value_text(v: &toml::Value) -> String {
    match v {
        toml::Value::Integer(i) => i.to_string(),
        toml::Value::Float(x) => format!("{x:?}"),
        other => other.to_string(),
    }
}
