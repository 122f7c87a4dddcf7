//! The two searches: one player's best response by Nelder–Mead
//! ([`run_optimize`]), and iterated damped best responses until no player
//! can improve ([`run_equilibrium`]). Both go through one stage function,
//! `search_player`, that spends a budget of distinct evaluations of one
//! player's variables with everyone else's held fixed.

use std::cell::{Cell, RefCell};
use std::collections::BTreeSet;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;
use std::time::Instant;

use argmin::core::{CostFunction, Error as ArgminError, Executor};
use argmin::solver::neldermead::NelderMead;

use super::evaluate::{Evaluator, Event, Outcome, Score, SearchOptions, value_text};
use super::files;
use super::spec::Player;
use super::{Goal, Search, SearchError};
use crate::metrics::stats::{Estimate, estimate};

/// Side of the starting simplex, as a share of each variable's range.
const SIMPLEX_STEP: f64 = 0.25;
/// Nelder–Mead stops when its vertices' costs differ by less than this.
const SD_TOLERANCE: f64 = 1e-9;
/// Positions (shares of each range) closer than this count as the same
/// profile when looking for cycles.
const CYCLE_TOLERANCE: f64 = 0.01;

/// One evaluation of a search, as `trials.csv` reports it.
#[derive(Debug, Clone)]
pub(crate) struct Trial {
    /// Round of the equilibrium iteration (`None` for `optimize`).
    pub round: Option<u32>,
    /// Index of the player whose variables were searched.
    pub player: usize,
    /// 1-based evaluation within the stage.
    pub evaluation: u32,
    /// The whole profile, as positions in the variables' ranges.
    pub profile: Vec<f64>,
    /// The player's score of it.
    pub score: Score,
    /// The best feasible objective of the stage so far.
    pub best_so_far: Option<f64>,
}

/// What one stage found.
pub(crate) struct Stage {
    /// The stage's first evaluation: the profile it started from.
    pub start: Trial,
    /// The best candidate: the feasible one with the highest mean
    /// objective, else the one that breaks the constraints least.
    pub best: Trial,
    /// Every distinct evaluation of the stage, in order.
    pub trials: Vec<Trial>,
}

/// How a stage scores an outcome.
pub(crate) type Scorer<'s> = &'s dyn Fn(&Evaluator, &Outcome) -> Score;

struct Context<'e, 'a> {
    ev: RefCell<&'e mut Evaluator<'a>>,
    scorer: Scorer<'e>,
    player_index: usize,
    round: Option<u32>,
    base: Vec<f64>,
    range: Range<usize>,
    budget: u32,
    seen: RefCell<BTreeSet<String>>,
    trials: RefCell<Vec<Trial>>,
    error: RefCell<Option<SearchError>>,
    best: Cell<Option<f64>>,
    /// Calls of the cost so far, and how many of them price the starting
    /// simplex (see [`Context::cannot_evaluate`]).
    calls: Cell<usize>,
    simplex_calls: usize,
    stage: String,
    total: &'e Cell<u64>,
    on_event: &'e (dyn Fn(Event) + Sync),
}

impl Context<'_, '_> {
    /// The cost of a point that will not be evaluated (`why`: the budget
    /// is spent, or the evaluations were stopped). The solver unwraps the
    /// costs of its starting simplex, so there the point gets the worst
    /// cost instead of an error and the search ends at its first step;
    /// later an error ends it at once.
    fn cannot_evaluate(&self, why: &str) -> Result<f64, ArgminError> {
        if self.calls.get() <= self.simplex_calls {
            Ok(f64::MAX)
        } else {
            Err(ArgminError::msg(why.to_string()))
        }
    }
}

struct Problem<'c, 'e, 'a>(&'c Context<'e, 'a>);

impl CostFunction for Problem<'_, '_, '_> {
    type Param = Vec<f64>;
    type Output = f64;

    fn cost(&self, u: &Vec<f64>) -> Result<f64, ArgminError> {
        let c = self.0;
        c.calls.set(c.calls.get() + 1);
        if c.error.borrow().is_some() {
            return c.cannot_evaluate("evaluation stopped");
        }
        let clamped: Vec<f64> = u.iter().map(|x| x.clamp(0.0, 1.0)).collect();
        let outside = u
            .iter()
            .zip(&clamped)
            .map(|(a, b)| (a - b).powi(2))
            .sum::<f64>()
            .sqrt();
        let mut profile = c.base.clone();
        profile[c.range.clone()].copy_from_slice(&clamped);
        let mut ev = c.ev.borrow_mut();
        let key = ev.key(&profile);
        let new = !c.seen.borrow().contains(&key);
        if new && c.seen.borrow().len() >= c.budget as usize {
            return c.cannot_evaluate("budget spent");
        }
        let outcome = match ev.outcome(&profile) {
            Ok(o) => o,
            Err(e) => {
                *c.error.borrow_mut() = Some(e);
                return c.cannot_evaluate("evaluation stopped");
            }
        };
        let score = (c.scorer)(&ev, &outcome);
        let cost = score.cost();
        if new {
            c.seen.borrow_mut().insert(key);
            if score.feasible() {
                let m = score.objective.mean;
                if c.best.get().is_none_or(|b| m > b) {
                    c.best.set(Some(m));
                }
            }
            let mut trials = c.trials.borrow_mut();
            let evaluation = trials.len() as u32 + 1;
            trials.push(Trial {
                round: c.round,
                player: c.player_index,
                evaluation,
                profile,
                score,
                best_so_far: c.best.get(),
            });
            c.total.set(c.total.get() + 1);
            (c.on_event)(Event::Evaluated {
                stage: c.stage.clone(),
                evaluations: c.total.get(),
                best: c.best.get(),
            });
        }
        // Outside the box: the clamped point's cost, made worse with the
        // distance so the simplex turns back.
        Ok((cost + (1.0 + cost.abs()) * outside).min(f64::MAX))
    }
}

/// The starting simplex around `start` (positions in `[0, 1]`): the start
/// and one vertex `step` along each axis, stepping down where up would
/// leave the range.
fn simplex(start: &[f64], step: f64) -> Vec<Vec<f64>> {
    let mut out = vec![start.to_vec()];
    for i in 0..start.len() {
        let mut v = start.to_vec();
        v[i] = if start[i] + step <= 1.0 {
            start[i] + step
        } else {
            start[i] - step
        };
        out.push(v);
    }
    out
}

/// Spends up to `budget` distinct evaluations on player `player_index`'s
/// variables (positions `range` of the profile), the rest of the profile
/// held at `base`.
#[allow(clippy::too_many_arguments)]
fn search_player<'a>(
    ev: &mut Evaluator<'a>,
    player: &Player,
    player_index: usize,
    round: Option<u32>,
    base: &[f64],
    range: Range<usize>,
    budget: u32,
    total: &Cell<u64>,
    on_event: &(dyn Fn(Event) + Sync),
) -> Result<Stage, SearchError> {
    let stage = match round {
        Some(r) => format!("round {}: {}", r + 1, player.name),
        None => format!("optimize {}", player.name),
    };
    let scorer = |ev: &Evaluator, o: &Outcome| ev.score(o, player);
    nelder_mead(
        ev,
        &scorer,
        stage,
        player_index,
        round,
        base,
        range,
        SIMPLEX_STEP,
        budget,
        total,
        on_event,
    )
}

/// Spends up to `budget` distinct evaluations minimising the cost of
/// `scorer` over positions `range` of the profile, the rest held at
/// `base`, by Nelder–Mead from `base` with a starting simplex of side
/// `step`.
#[allow(clippy::too_many_arguments)]
pub(crate) fn nelder_mead<'a>(
    ev: &mut Evaluator<'a>,
    scorer: Scorer<'_>,
    stage: String,
    player_index: usize,
    round: Option<u32>,
    base: &[f64],
    range: Range<usize>,
    step: f64,
    budget: u32,
    total: &Cell<u64>,
    on_event: &(dyn Fn(Event) + Sync),
) -> Result<Stage, SearchError> {
    let start = base[range.clone()].to_vec();
    let simplex_calls = start.len() + 1;
    let ctx = Context {
        ev: RefCell::new(ev),
        scorer,
        player_index,
        round,
        base: base.to_vec(),
        range,
        budget,
        seen: RefCell::new(BTreeSet::new()),
        trials: RefCell::new(Vec::new()),
        error: RefCell::new(None),
        best: Cell::new(None),
        calls: Cell::new(0),
        simplex_calls,
        stage,
        total,
        on_event,
    };
    let solver = NelderMead::new(simplex(&start, step))
        .with_sd_tolerance(SD_TOLERANCE)
        .map_err(|e| SearchError::Refused(format!("the optimiser refused its settings: {e}")))?;
    // Each iteration evaluates one to `n + 2` points; repeats of a
    // candidate (integer variables) cost no budget, so cap the iterations
    // too.
    let max_iters = 10 * u64::from(budget) + 10;
    let _ = Executor::new(Problem(&ctx), solver)
        .configure(|s| s.max_iters(max_iters))
        .run();
    if let Some(e) = ctx.error.into_inner() {
        return Err(e);
    }
    let trials = ctx.trials.into_inner();
    let Some(first) = trials.first().cloned() else {
        return Err(SearchError::Refused(
            "the search evaluated nothing (budget 0)".into(),
        ));
    };
    let best = trials
        .iter()
        .fold(None::<&Trial>, |acc, t| match acc {
            None => Some(t),
            Some(b) => {
                let better = match (t.score.feasible(), b.score.feasible()) {
                    (true, true) => t.score.objective.mean > b.score.objective.mean,
                    (true, false) => true,
                    (false, true) => false,
                    (false, false) => t.score.cost() < b.score.cost(),
                };
                Some(if better { t } else { b })
            }
        })
        .cloned()
        .unwrap_or_else(|| first.clone());
    Ok(Stage {
        start: first,
        best,
        trials,
    })
}

/// Gets `out` ready: creates it, or checks that it holds a search of this
/// kind (to resume or replace).
pub(crate) fn prepare(out: &Path, kind: &str, resume: bool) -> Result<(), SearchError> {
    let shown = out.display();
    if !out.exists() {
        return std::fs::create_dir_all(out).map_err(SearchError::io("create", out));
    }
    if !out.is_dir() {
        return Err(SearchError::Refused(format!(
            "`{shown}` exists and is not a directory; choose another --out"
        )));
    }
    let empty = std::fs::read_dir(out)
        .map_err(SearchError::io("read", out))?
        .next()
        .is_none();
    if empty {
        return Ok(());
    }
    let journal = out.join(super::SEARCH_JOURNAL).is_file();
    let manifest = files::SearchManifest::kind_of(out);
    match (manifest.as_deref(), journal) {
        (Some(k), _) if k != kind => Err(SearchError::Refused(format!(
            "`{shown}` holds the results of `flywheel {k}`; choose another --out"
        ))),
        (None, true) if !resume => Err(SearchError::Refused(format!(
            "`{shown}` holds an unfinished search (a journal without a manifest): add --resume \
             to finish it, or remove the directory to start again"
        ))),
        (None, false) => Err(SearchError::Refused(format!(
            "output directory `{shown}` exists and is not a Flywheel {kind} directory; choose \
             another --out"
        ))),
        _ => Ok(()),
    }
}

/// A finished `flywheel optimize`.
#[derive(Debug, Clone)]
pub struct OptimizeReport {
    /// The output directory.
    pub dir: PathBuf,
    /// The best values found, by key path, as written into `best.toml`.
    pub best: Vec<(String, String)>,
    /// The objective at the best point.
    pub objective: Estimate,
    /// The objective at the starting point (the scenario's own values).
    pub start_objective: Estimate,
    /// Whether the best point meets every constraint.
    pub feasible: bool,
    /// Why the best point could not be scored, if it could not: then no
    /// candidate could.
    pub failure: Option<String>,
    /// Distinct evaluations.
    pub evaluations: u64,
    /// Evaluations found in the journal (`--resume`).
    pub resumed: u64,
    /// Runs made by this invocation.
    pub runs: u64,
    /// Wall-clock seconds of this invocation.
    pub wall_seconds: f64,
    /// Files written.
    pub files: Vec<&'static str>,
}

/// Runs `flywheel optimize` into `out`.
pub fn run_optimize(
    search: &Search,
    out: &Path,
    options: &SearchOptions,
    stop: &AtomicBool,
    on_event: &(dyn Fn(Event) + Sync),
) -> Result<OptimizeReport, SearchError> {
    let started = Instant::now();
    let Goal::Optimize(spec) = &search.goal else {
        return Err(SearchError::Refused("not an [optimize] search".into()));
    };
    prepare(out, "optimize", options.resume)?;
    let fingerprint = files::fingerprint(search);
    let mut ev = Evaluator::open(search, out, &fingerprint, options, stop)?;
    let total = Cell::new(0);
    let d = spec.player.variables.len();
    let stage = search_player(
        &mut ev,
        &spec.player,
        0,
        None,
        &search.start,
        0..d,
        spec.budget,
        &total,
        on_event,
    )?;
    let best_toml = search
        .scenario_toml(&stage.best.profile, &format!("{}-best", search.base.name))
        .map_err(SearchError::Refused)?;
    let header = format!(
        "# The best point `flywheel optimize` found for {} ({}) in `{}`,\n\
         # over {} evaluations of {} replications; load it like any scenario,\n\
         # or compare it with the original: flywheel compare {} best.toml\n\n",
        spec.player.name,
        spec.player.objective_text,
        search.label(),
        stage.trials.len(),
        spec.replications,
        search.label(),
    );
    let best: Vec<(String, String)> = spec
        .player
        .variables
        .iter()
        .zip(&stage.best.profile)
        .map(|(v, &u)| (v.path.clone(), value_text(&v.at(u))))
        .collect();
    let wall_seconds = started.elapsed().as_secs_f64();
    files::begin_results(out)?;
    let mut written = files::write_trials(out, search, &stage.trials)?;
    files::write_text(out, super::BEST_TOML, &format!("{header}{best_toml}"))?;
    written.push(super::BEST_TOML);
    written.push(super::SEARCH_JOURNAL);
    written.push(crate::metrics::write::MANIFEST);
    let result = serde_json::json!({
        "best": best.iter().map(|(k, v)| (k.clone(), v.clone())).collect::<std::collections::BTreeMap<_, _>>(),
        "objective": files::estimate_json(&stage.best.score.objective),
        "start_objective": files::estimate_json(&stage.start.score.objective),
        "feasible": stage.best.score.feasible(),
    });
    files::write_manifest(
        out,
        search,
        "optimize",
        &fingerprint,
        &ev,
        stage.trials.len() as u64,
        wall_seconds,
        result,
        &written,
    )?;
    Ok(OptimizeReport {
        dir: out.to_path_buf(),
        best,
        objective: stage.best.score.objective,
        start_objective: stage.start.score.objective,
        feasible: stage.best.score.feasible(),
        failure: stage.best.score.failure.clone(),
        evaluations: stage.trials.len() as u64,
        resumed: ev.resumed,
        runs: ev.runs,
        wall_seconds,
        files: written,
    })
}

/// One player at the end of `flywheel equilibrium`.
#[derive(Debug, Clone)]
pub struct PlayerResult {
    /// Platform name.
    pub name: String,
    /// Its strategy at the equilibrium, by key path.
    pub strategy: Vec<(String, String)>,
    /// Its objective at the equilibrium.
    pub payoff: Estimate,
    /// Its best deviation found against the others' equilibrium
    /// strategies, by key path.
    pub deviation: Vec<(String, String)>,
    /// Its objective there.
    pub deviation_payoff: Estimate,
    /// Best deviation minus equilibrium payoff (paired over replications):
    /// the ε-Nash certificate.
    pub regret: Estimate,
    /// Whether the upper end of the regret's interval is above `epsilon`.
    pub can_improve: bool,
}

/// A finished `flywheel equilibrium`.
#[derive(Debug, Clone)]
pub struct EquilibriumReport {
    /// The output directory.
    pub dir: PathBuf,
    /// Whether no player could improve by more than epsilon.
    pub converged: bool,
    /// Whether the iteration came back to an earlier profile.
    pub cycled: bool,
    /// Rounds of best responses.
    pub rounds: u32,
    /// Each player at the final profile.
    pub players: Vec<PlayerResult>,
    /// Distinct evaluations over every stage.
    pub evaluations: u64,
    /// Evaluations found in the journal (`--resume`).
    pub resumed: u64,
    /// Runs made by this invocation.
    pub runs: u64,
    /// Wall-clock seconds of this invocation.
    pub wall_seconds: f64,
    /// Files written.
    pub files: Vec<&'static str>,
}

/// One row group of `path.csv`: a player in a round.
#[derive(Debug, Clone)]
pub(crate) struct Step {
    pub round: u32,
    pub player: usize,
    pub profile: Vec<f64>,
    pub response: Vec<f64>,
    pub payoff: Estimate,
    pub gain: Estimate,
}

fn strategy(
    search: &Search,
    player: &Player,
    range: Range<usize>,
    profile: &[f64],
) -> Vec<(String, String)> {
    let _ = search;
    player
        .variables
        .iter()
        .zip(&profile[range])
        .map(|(v, &u)| (v.path.clone(), value_text(&v.at(u))))
        .collect()
}

/// Runs `flywheel equilibrium` into `out`.
pub fn run_equilibrium(
    search: &Search,
    out: &Path,
    options: &SearchOptions,
    stop: &AtomicBool,
    on_event: &(dyn Fn(Event) + Sync),
) -> Result<EquilibriumReport, SearchError> {
    let started = Instant::now();
    let Goal::Equilibrium(spec) = &search.goal else {
        return Err(SearchError::Refused("not an [equilibrium] search".into()));
    };
    prepare(out, "equilibrium", options.resume)?;
    let fingerprint = files::fingerprint(search);
    let mut ev = Evaluator::open(search, out, &fingerprint, options, stop)?;
    let level = search.confidence();
    let mut ranges = Vec::new();
    let mut at = 0;
    for p in &spec.players {
        ranges.push(at..at + p.variables.len());
        at += p.variables.len();
    }
    let total = Cell::new(0);
    let mut all_trials = Vec::new();
    let mut steps = Vec::new();
    let mut history: Vec<Vec<f64>> = Vec::new();
    let mut x = search.start.clone();
    let (mut converged, mut cycled, mut rounds) = (false, false, 0);
    let mut players = Vec::new();
    for round in 0..spec.max_rounds {
        rounds = round + 1;
        let here = ev.outcome(&x)?;
        let mut responses = Vec::new();
        players.clear();
        for (i, p) in spec.players.iter().enumerate() {
            let stage = search_player(
                &mut ev,
                p,
                i,
                Some(round),
                &x,
                ranges[i].clone(),
                spec.budget,
                &total,
                on_event,
            )?;
            let eq = ev.score(&here, p);
            // Only a deviation that meets the constraints counts; if none
            // does, the player stays.
            let best = if stage.best.score.feasible() || !eq.feasible() {
                stage.best.clone()
            } else {
                stage.start.clone()
            };
            let diffs: Vec<f64> = best
                .score
                .per_replication
                .iter()
                .zip(&eq.per_replication)
                .map(|(a, b)| a - b)
                .collect();
            let gain = estimate(&diffs, level);
            let high = gain.high().unwrap_or(gain.mean);
            // An undefined gain (NaN) cannot certify anything.
            let can_improve = high >= spec.epsilon || high.is_nan() || !gain.mean.is_finite();
            steps.push(Step {
                round,
                player: i,
                profile: x.clone(),
                response: best.profile.clone(),
                payoff: eq.objective,
                gain,
            });
            players.push(PlayerResult {
                name: p.name.clone(),
                strategy: strategy(search, p, ranges[i].clone(), &x),
                payoff: eq.objective,
                deviation: strategy(search, p, ranges[i].clone(), &best.profile),
                deviation_payoff: best.score.objective,
                regret: gain,
                can_improve,
            });
            responses.push(best.profile[ranges[i].clone()].to_vec());
            all_trials.extend(stage.trials);
        }
        if players.iter().all(|p| !p.can_improve) {
            converged = true;
            break;
        }
        if round + 1 == spec.max_rounds {
            break;
        }
        let mut next = x.clone();
        for (i, r) in ranges.iter().enumerate() {
            for (k, pos) in r.clone().enumerate() {
                next[pos] = x[pos] + spec.damping * (responses[i][k] - x[pos]);
            }
        }
        let distance = |a: &[f64], b: &[f64]| {
            a.iter()
                .zip(b)
                .map(|(p, q)| (p - q).abs())
                .fold(0.0, f64::max)
        };
        let moving = distance(&next, &x) > CYCLE_TOLERANCE;
        if moving
            && history
                .iter()
                .any(|h| distance(h, &next) <= CYCLE_TOLERANCE)
        {
            // The next profile is one already left behind: stop, and
            // report the regrets at the current one.
            cycled = true;
            break;
        }
        history.push(x.clone());
        x = next;
    }
    let wall_seconds = started.elapsed().as_secs_f64();
    files::begin_results(out)?;
    let mut written = files::write_trials(out, search, &all_trials)?;
    files::write_path(out, search, &steps)?;
    written.push(super::PATH_CSV);
    files::write_regrets(out, search, &players, spec.epsilon)?;
    written.push(super::REGRETS_CSV);
    let eq_profile = steps
        .last()
        .map(|s| s.profile.clone())
        .unwrap_or_else(|| x.clone());
    let toml = search
        .scenario_toml(&eq_profile, &format!("{}-equilibrium", search.base.name))
        .map_err(SearchError::Refused)?;
    let status = if converged {
        "an ε-Nash equilibrium: no player can improve by more than epsilon"
    } else if cycled {
        "NOT an equilibrium: the iteration cycled"
    } else {
        "NOT an equilibrium: max_rounds ran out"
    };
    files::write_text(
        out,
        super::EQUILIBRIUM_TOML,
        &format!(
            "# The profile `flywheel equilibrium` ended at for `{}`: {status}\n\
             # (epsilon {}, see regrets.csv); load it like any scenario.\n\n{toml}",
            search.label(),
            spec.epsilon
        ),
    )?;
    written.push(super::EQUILIBRIUM_TOML);
    written.push(super::SEARCH_JOURNAL);
    written.push(crate::metrics::write::MANIFEST);
    let result = serde_json::json!({
        "converged": converged,
        "cycled": cycled,
        "rounds": rounds,
        "players": players.iter().map(|p| serde_json::json!({
            "name": p.name,
            "strategy": p.strategy.iter().cloned().collect::<std::collections::BTreeMap<_, _>>(),
            "payoff": files::estimate_json(&p.payoff),
            "regret": files::estimate_json(&p.regret),
            "can_improve": p.can_improve,
        })).collect::<Vec<_>>(),
    });
    files::write_manifest(
        out,
        search,
        "equilibrium",
        &fingerprint,
        &ev,
        total.get(),
        wall_seconds,
        result,
        &written,
    )?;
    Ok(EquilibriumReport {
        dir: out.to_path_buf(),
        converged,
        cycled,
        rounds,
        players,
        evaluations: total.get(),
        resumed: ev.resumed,
        runs: ev.runs,
        wall_seconds,
        files: written,
    })
}
