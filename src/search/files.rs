//! The files of a search directory: `trials.csv` (every evaluation),
//! `best.toml` (optimize) or `path.csv`, `regrets.csv` and
//! `equilibrium.toml` (equilibrium), the journal and `manifest.json`; each
//! written under a temporary name and renamed when complete.

use std::path::Path;

use serde::Serialize;

use super::evaluate::{Evaluator, value_text};
use super::run::{PlayerResult, Step, Trial};
use super::{Search, SearchError};
use crate::metrics::columns::{ColumnDoc, Kind};
use crate::metrics::reference::FileDoc;
use crate::metrics::stats::Estimate;
use crate::metrics::write::{
    Build, Cost, MANIFEST, override_texts, write_file_atomically, write_json,
};
use crate::rng::replication_seed;

/// Every evaluation of a search.
pub const TRIALS_CSV: &str = "trials.csv";
/// The scenario with the best point of `optimize` written in.
pub const BEST_TOML: &str = "best.toml";
/// The rounds of `equilibrium`: each player's strategy, best response and
/// gain.
pub const PATH_CSV: &str = "path.csv";
/// Each player's regret at the profile `equilibrium` ended at.
pub const REGRETS_CSV: &str = "regrets.csv";
/// The scenario with the equilibrium strategies written in.
pub const EQUILIBRIUM_TOML: &str = "equilibrium.toml";
/// The record of every evaluation, for `--resume`.
pub const SEARCH_JOURNAL: &str = "journal.jsonl";

fn io_error(
    dir: &Path,
    name: &str,
) -> impl FnOnce(crate::metrics::write::OutputError) -> SearchError {
    let path = dir.join(name);
    move |e| SearchError::Io {
        action: "write",
        path,
        message: e.to_string(),
    }
}

/// Starts writing a search's files into `dir`. The manifest, written
/// last, marks the files as one finished search, so the previous one's
/// goes first: a failure partway leaves an unfinished search (which
/// `--resume` finishes), never old and new files passing for one result.
pub(crate) fn begin_results(dir: &Path) -> Result<(), SearchError> {
    let manifest = dir.join(MANIFEST);
    match std::fs::remove_file(&manifest) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(SearchError::Io {
            action: "remove",
            path: manifest,
            message: e.to_string(),
        }),
        _ => Ok(()),
    }
}

/// Writes `text` as `dir/name`, atomically.
pub(crate) fn write_text(dir: &Path, name: &str, text: &str) -> Result<(), SearchError> {
    write_file_atomically(dir, name, |w| w.write_all(text.as_bytes())).map_err(io_error(dir, name))
}

fn write_csv(
    dir: &Path,
    name: &str,
    header: &[String],
    rows: &[Vec<String>],
) -> Result<(), SearchError> {
    let mut buf = Vec::new();
    {
        let mut w = csv::Writer::from_writer(&mut buf);
        let mut put = |r: &[String]| {
            w.write_record(r).map_err(|e| SearchError::Io {
                action: "write",
                path: dir.join(name),
                message: e.to_string(),
            })
        };
        put(header)?;
        for r in rows {
            put(r)?;
        }
        w.flush()
            .map_err(SearchError::io("write", &dir.join(name)))?;
    }
    write_file_atomically(dir, name, |w| w.write_all(&buf)).map_err(io_error(dir, name))
}

/// A real number to six decimals; empty when undefined.
fn num(x: f64) -> String {
    if x.is_finite() {
        format!("{x:.6}")
    } else {
        String::new()
    }
}

fn opt(x: Option<f64>) -> String {
    x.map(num).unwrap_or_default()
}

/// The distinct constraint metrics of every player, in order.
fn constraint_metrics(search: &Search) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for p in search.players() {
        for c in &p.constraints {
            if !out.contains(&c.metric) {
                out.push(c.metric.clone());
            }
        }
    }
    out
}

/// Writes `trials.csv`; returns the files written so far.
pub(crate) fn write_trials(
    dir: &Path,
    search: &Search,
    trials: &[Trial],
) -> Result<Vec<&'static str>, SearchError> {
    let vars = search.variables();
    let metrics = constraint_metrics(search);
    let mut header: Vec<String> = vec!["round".into(), "player".into(), "evaluation".into()];
    header.extend(vars.iter().map(|v| v.path.clone()));
    header.extend(["objective", "objective_low", "objective_high"].map(String::from));
    header.extend(metrics.iter().cloned());
    header.extend(["feasible", "best_objective", "failure"].map(String::from));
    let players = search.players();
    let rows: Vec<Vec<String>> = trials
        .iter()
        .map(|t| {
            let p = &players[t.player];
            let mut r = vec![
                t.round.map(|r| (r + 1).to_string()).unwrap_or_default(),
                p.name.clone(),
                t.evaluation.to_string(),
            ];
            r.extend(
                vars.iter()
                    .zip(&t.profile)
                    .map(|(v, &u)| value_text(&v.at(u))),
            );
            let o = &t.score.objective;
            r.extend([num(o.mean), opt(o.low()), opt(o.high())]);
            r.extend(metrics.iter().map(|m| {
                p.constraints
                    .iter()
                    .position(|c| &c.metric == m)
                    .and_then(|i| t.score.constraints.get(i).copied())
                    .map(num)
                    .unwrap_or_default()
            }));
            r.push(t.score.feasible().to_string());
            r.push(opt(t.best_so_far));
            r.push(t.score.failure.clone().unwrap_or_default());
            r
        })
        .collect();
    write_csv(dir, TRIALS_CSV, &header, &rows)?;
    Ok(vec![TRIALS_CSV])
}

/// Writes `path.csv`: one row per round, player and variable.
pub(crate) fn write_path(dir: &Path, search: &Search, steps: &[Step]) -> Result<(), SearchError> {
    let header: Vec<String> = [
        "round",
        "player",
        "variable",
        "value",
        "best_response",
        "payoff",
        "payoff_low",
        "payoff_high",
        "gain",
        "gain_low",
        "gain_high",
    ]
    .map(String::from)
    .to_vec();
    let players = search.players();
    let mut offsets = Vec::new();
    let mut at = 0;
    for p in players {
        offsets.push(at);
        at += p.variables.len();
    }
    let mut rows = Vec::new();
    for s in steps {
        let p = &players[s.player];
        for (k, v) in p.variables.iter().enumerate() {
            let pos = offsets[s.player] + k;
            rows.push(vec![
                (s.round + 1).to_string(),
                p.name.clone(),
                v.path.clone(),
                value_text(&v.at(s.profile[pos])),
                value_text(&v.at(s.response[pos])),
                num(s.payoff.mean),
                opt(s.payoff.low()),
                opt(s.payoff.high()),
                num(s.gain.mean),
                opt(s.gain.low()),
                opt(s.gain.high()),
            ]);
        }
    }
    write_csv(dir, PATH_CSV, &header, &rows)
}

/// Writes `regrets.csv`: one row per player.
pub(crate) fn write_regrets(
    dir: &Path,
    _search: &Search,
    players: &[PlayerResult],
    epsilon: f64,
) -> Result<(), SearchError> {
    let header: Vec<String> = [
        "player",
        "strategy",
        "payoff",
        "payoff_low",
        "payoff_high",
        "deviation",
        "deviation_payoff",
        "regret",
        "regret_low",
        "regret_high",
        "epsilon",
        "can_improve",
    ]
    .map(String::from)
    .to_vec();
    let text = |s: &[(String, String)]| {
        s.iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    };
    let rows: Vec<Vec<String>> = players
        .iter()
        .map(|p| {
            vec![
                p.name.clone(),
                text(&p.strategy),
                num(p.payoff.mean),
                opt(p.payoff.low()),
                opt(p.payoff.high()),
                text(&p.deviation),
                num(p.deviation_payoff.mean),
                num(p.regret.mean),
                opt(p.regret.low()),
                opt(p.regret.high()),
                num(epsilon),
                p.can_improve.to_string(),
            ]
        })
        .collect();
    write_csv(dir, REGRETS_CSV, &header, &rows)
}

/// An estimate as JSON: mean and interval.
pub(crate) fn estimate_json(e: &Estimate) -> serde_json::Value {
    let f = |x: f64| {
        if x.is_finite() {
            serde_json::json!(x)
        } else {
            serde_json::Value::Null
        }
    };
    serde_json::json!({
        "mean": f(e.mean),
        "low": e.low().map(f),
        "high": e.high().map(f),
        "n": e.n,
    })
}

#[derive(Serialize)]
struct FingerprintInput<'a> {
    flywheel_version: &'a str,
    scenario: &'a crate::scenario::RawScenario,
    goal: &'a super::Goal,
    overrides: Vec<String>,
    metrics: Vec<&'static str>,
}

/// A hash of everything that decides a search's results.
pub(crate) fn fingerprint(search: &Search) -> String {
    let input = FingerprintInput {
        flywheel_version: env!("CARGO_PKG_VERSION"),
        scenario: &search.raw,
        goal: &search.goal,
        overrides: override_texts(&search.user),
        metrics: super::metric_names(),
    };
    let bytes = serde_json::to_vec(&input).unwrap_or_default();
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in &bytes {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    format!("{h:016x}")
}

/// `manifest.json` of a search directory.
#[derive(Debug, Clone, Serialize, serde::Deserialize)]
pub struct SearchManifest {
    /// `optimize`, `equilibrium` or `calibrate`.
    pub kind: String,
    /// The binary that wrote it.
    pub build: Build,
    /// The scenario file as named on the command line.
    pub scenario_path: String,
    /// The scenario's name.
    pub scenario_name: String,
    /// Hash of everything that decides the results.
    pub fingerprint: String,
    /// The validated search table.
    pub search: serde_json::Value,
    /// `--set` overrides, as `KEY.PATH=VALUE`.
    pub overrides: Vec<String>,
    /// Replications of every evaluation.
    pub replications: u32,
    /// Their seeds: the same for every candidate (common random numbers).
    pub replication_seeds: Vec<u64>,
    /// Distinct evaluations of the search.
    pub evaluations: u64,
    /// Evaluations taken from the journal by this invocation.
    pub evaluations_resumed: u64,
    /// Runs made by this invocation.
    pub runs: u64,
    /// Worker threads.
    pub threads: usize,
    /// Events and wall time of this invocation.
    pub cost: Cost,
    /// What was found.
    pub result: serde_json::Value,
    /// Files written.
    pub files: Vec<String>,
}

impl SearchManifest {
    /// The kind of search directory `dir` holds, if it holds one.
    pub fn kind_of(dir: &Path) -> Option<String> {
        let text = std::fs::read_to_string(dir.join(MANIFEST)).ok()?;
        let v: serde_json::Value = serde_json::from_str(&text).ok()?;
        let kind = v.get("kind")?.as_str()?;
        Some(kind.to_string())
    }

    /// Reads `dir/manifest.json` if it is a search's.
    pub fn read(dir: &Path) -> Option<SearchManifest> {
        let text = std::fs::read_to_string(dir.join(MANIFEST)).ok()?;
        let m: SearchManifest = serde_json::from_str(&text).ok()?;
        matches!(m.kind.as_str(), "optimize" | "equilibrium" | "calibrate").then_some(m)
    }
}

#[allow(clippy::too_many_arguments)]
pub(crate) fn write_manifest(
    dir: &Path,
    search: &Search,
    kind: &str,
    fingerprint: &str,
    ev: &Evaluator,
    evaluations: u64,
    wall_seconds: f64,
    result: serde_json::Value,
    files: &[&'static str],
) -> Result<(), SearchError> {
    let reps = search.replications();
    let m = SearchManifest {
        kind: kind.into(),
        build: Build::current(),
        scenario_path: search.label().to_string(),
        scenario_name: search.base.name.clone(),
        fingerprint: fingerprint.into(),
        search: serde_json::to_value(&search.goal).unwrap_or_default(),
        overrides: override_texts(&search.user),
        replications: reps,
        replication_seeds: (0..reps)
            .map(|r| replication_seed(search.base.seed, r))
            .collect(),
        evaluations,
        evaluations_resumed: ev.resumed,
        runs: ev.runs,
        threads: ev.threads,
        cost: Cost::measure(ev.events, wall_seconds),
        result,
        files: files.iter().map(|f| f.to_string()).collect(),
    };
    write_file_atomically(dir, MANIFEST, |w| write_json(w, &m)).map_err(io_error(dir, MANIFEST))
}

/// The files of `optimize` and `equilibrium`, for the results reference.
pub fn reference() -> Vec<FileDoc> {
    let col = |name: &str, unit: &str, kind: Kind, doc: &str| ColumnDoc {
        name: name.into(),
        unit: unit.into(),
        format: kind.format().into(),
        doc: doc.into(),
    };
    let by = "`optimize`, `equilibrium`";
    vec![
        FileDoc::table(
            TRIALS_CSV,
            by,
            "evaluation (a candidate run for every replication)",
            "In the order evaluated. The objective is the player's, as written in the search table; every candidate uses the same replication seeds.",
            vec![
                col(
                    "round",
                    "",
                    Kind::Int,
                    "Round of best responses (equilibrium); empty for optimize.",
                ),
                col(
                    "player",
                    "",
                    Kind::Text,
                    "Platform whose variables were searched.",
                ),
                col(
                    "evaluation",
                    "",
                    Kind::Int,
                    "1-based evaluation within the round and player (or the whole optimize).",
                ),
                col(
                    "<variable>",
                    "the variable's",
                    Kind::Exact,
                    "One column per decision variable of every player, named by its key path: the value written into the scenario.",
                ),
                col(
                    "objective",
                    "objective's",
                    Kind::Decimal,
                    "Mean objective over the replications.",
                ),
                col(
                    "objective_low",
                    "objective's",
                    Kind::Decimal,
                    "Lower end of its confidence interval.",
                ),
                col(
                    "objective_high",
                    "objective's",
                    Kind::Decimal,
                    "Upper end of its confidence interval.",
                ),
                col(
                    "<metric>",
                    "metric's",
                    Kind::Decimal,
                    "One column per metric named in a constraint: its mean over the replications (empty where the player has no such constraint).",
                ),
                col(
                    "feasible",
                    "",
                    Kind::Text,
                    "true if the candidate ran and met every constraint.",
                ),
                col(
                    "best_objective",
                    "objective's",
                    Kind::Decimal,
                    "Best feasible objective so far in this round and player (the convergence curve).",
                ),
                col(
                    "failure",
                    "",
                    Kind::Text,
                    "Why the candidate could not be run; empty if it ran.",
                ),
            ],
        ),
        FileDoc::other(
            BEST_TOML,
            "`optimize`",
            "the scenario with the best point written in",
            "A complete scenario (bases merged, no search tables) that loads on its own, e.g. as a `compare` variant.",
        ),
        FileDoc::table(
            PATH_CSV,
            "`equilibrium`",
            "round × player × variable",
            "The profile each round started from, each player's best response to it and its gain (paired over replications).",
            vec![
                col("round", "", Kind::Int, "Round, from 1."),
                col("player", "", Kind::Text, "Platform."),
                col("variable", "", Kind::Text, "Key path of the variable."),
                col(
                    "value",
                    "the variable's",
                    Kind::Exact,
                    "Its value in the round's profile.",
                ),
                col(
                    "best_response",
                    "the variable's",
                    Kind::Exact,
                    "Its value in the player's best response to that profile.",
                ),
                col(
                    "payoff",
                    "objective's",
                    Kind::Decimal,
                    "The player's objective at the profile.",
                ),
                col(
                    "payoff_low",
                    "objective's",
                    Kind::Decimal,
                    "Lower end of its interval.",
                ),
                col(
                    "payoff_high",
                    "objective's",
                    Kind::Decimal,
                    "Upper end of its interval.",
                ),
                col(
                    "gain",
                    "objective's",
                    Kind::Decimal,
                    "Best response's objective minus the profile's, mean of the paired differences.",
                ),
                col(
                    "gain_low",
                    "objective's",
                    Kind::Decimal,
                    "Lower end of its interval.",
                ),
                col(
                    "gain_high",
                    "objective's",
                    Kind::Decimal,
                    "Upper end of its interval.",
                ),
            ],
        ),
        FileDoc::table(
            REGRETS_CSV,
            "`equilibrium`",
            "player",
            "At the profile the iteration ended at: the ε-Nash certificate.",
            vec![
                col("player", "", Kind::Text, "Platform."),
                col(
                    "strategy",
                    "",
                    Kind::Text,
                    "Its variables at the equilibrium, `path=value; …`.",
                ),
                col(
                    "payoff",
                    "objective's",
                    Kind::Decimal,
                    "Its objective there.",
                ),
                col(
                    "payoff_low",
                    "objective's",
                    Kind::Decimal,
                    "Lower end of its interval.",
                ),
                col(
                    "payoff_high",
                    "objective's",
                    Kind::Decimal,
                    "Upper end of its interval.",
                ),
                col(
                    "deviation",
                    "",
                    Kind::Text,
                    "The best deviation found against the others' strategies.",
                ),
                col(
                    "deviation_payoff",
                    "objective's",
                    Kind::Decimal,
                    "Its objective.",
                ),
                col(
                    "regret",
                    "objective's",
                    Kind::Decimal,
                    "Best deviation minus equilibrium payoff (paired mean).",
                ),
                col(
                    "regret_low",
                    "objective's",
                    Kind::Decimal,
                    "Lower end of its interval.",
                ),
                col(
                    "regret_high",
                    "objective's",
                    Kind::Decimal,
                    "Upper end of its interval.",
                ),
                col(
                    "epsilon",
                    "objective's",
                    Kind::Decimal,
                    "The tolerance of the search table.",
                ),
                col(
                    "can_improve",
                    "",
                    Kind::Text,
                    "true if regret_high is at least epsilon.",
                ),
            ],
        ),
        FileDoc::other(
            EQUILIBRIUM_TOML,
            "`equilibrium`",
            "the scenario with the final profile written in",
            "A complete scenario that loads on its own; its header says whether the profile is an equilibrium.",
        ),
        FileDoc::other(
            SEARCH_JOURNAL,
            by,
            "one evaluation",
            "A header line (format, fingerprint), then one JSON line per evaluation: its key (the values written) and every platform's metrics in every replication. `--resume` replays the search from it.",
        ),
        FileDoc::other(
            MANIFEST,
            by,
            "the search's provenance",
            "kind, build, scenario, the validated search table, `--set` overrides, replication seeds, evaluation and run counts, threads, cost, and the result (best point, or equilibrium with regrets).",
        ),
    ]
}
