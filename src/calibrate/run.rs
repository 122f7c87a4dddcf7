//! `flywheel calibrate` from start to files: the scenario's own values,
//! the Halton start, Nelder–Mead from the best point found, the Jacobian
//! at the estimate, the intervals and diagnostics, and the output files.

use std::cell::Cell;
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;
use std::time::Instant;

use statrs::distribution::{ContinuousCDF, Normal};

use super::estimate::{self, Covariance};
use super::files;
use crate::metrics::stats::estimate as mean_estimate;
use crate::search::evaluate::{Evaluator, Event, Outcome, Score, SearchOptions, value_text};
use crate::search::run::{nelder_mead, prepare};
use crate::search::targets::CalibrateSpec;
use crate::search::{Goal, Search, SearchError};

/// Most times the Jacobian is taken, moving to a better point found by
/// the finite differences in between.
const POLISH_ROUNDS: u32 = 3;
/// Positions within this share of a bound count as on the bound.
const BOUND_TOLERANCE: f64 = 0.01;

/// One evaluation of a calibration, as `trials.csv` reports it.
#[derive(Debug, Clone)]
pub(crate) struct CalTrial {
    /// `start`, `halton`, `search` or `jacobian`.
    pub phase: &'static str,
    /// Positions of the parameters in their ranges.
    pub profile: Vec<f64>,
    /// The loss (`None` if the candidate failed or a moment is undefined).
    pub loss: Option<f64>,
    /// Mean simulated value of every moment.
    pub means: Vec<Option<f64>>,
    /// Why the candidate could not be run.
    pub failure: Option<String>,
    /// The lowest loss so far.
    pub best_loss: Option<f64>,
}

/// One parameter's estimate.
#[derive(Debug, Clone, PartialEq)]
pub struct ParameterEstimate {
    /// Key path.
    pub path: String,
    /// The estimate, as written into `best.toml`.
    pub estimate: f64,
    /// Lower end of the interval (the lower bound when not identified).
    pub low: f64,
    /// Upper end of the interval (the upper bound when not identified).
    pub high: f64,
    /// Lower bound of the search.
    pub min: f64,
    /// Upper bound of the search.
    pub max: f64,
    /// Standard error (NaN when not identified).
    pub std_error: f64,
    /// Whether the estimate sits within 1% of the range of a bound.
    pub bound_hit: bool,
    /// Whether the targets pin the parameter down.
    pub identified: bool,
    /// How many standard errors, in total, the moments move when the
    /// parameter crosses its whole range.
    pub sensitivity: f64,
}

/// A finished `flywheel calibrate`.
#[derive(Debug, Clone)]
pub struct CalibrateReport {
    /// The output directory.
    pub dir: PathBuf,
    /// Every parameter's estimate, in file order.
    pub estimates: Vec<ParameterEstimate>,
    /// Correlations of the estimates (NaN for unidentified parameters).
    pub correlations: Vec<Vec<f64>>,
    /// The loss at the estimate.
    pub loss: f64,
    /// The loss at the scenario's own values.
    pub start_loss: Option<f64>,
    /// Moments fitted.
    pub moments: usize,
    /// Distinct evaluations of the search (the Jacobian's excluded).
    pub evaluations: u64,
    /// Evaluations of the Jacobian.
    pub jacobian_evaluations: u64,
    /// Evaluations found in the journal (`--resume`).
    pub resumed: u64,
    /// Runs made by this invocation.
    pub runs: u64,
    /// Wall-clock seconds of this invocation.
    pub wall_seconds: f64,
    /// Files written.
    pub files: Vec<&'static str>,
}

/// The simulated moments of every replication of an outcome, or why
/// there are none.
fn runs(outcome: &Outcome) -> Result<Vec<Vec<Option<f64>>>, String> {
    match outcome {
        Outcome::Failed(why) => Err(why.clone()),
        Outcome::Runs(r) => Ok(r
            .iter()
            .map(|rep| rep.first().cloned().unwrap_or_default())
            .collect()),
    }
}

struct Fit<'s> {
    spec: &'s CalibrateSpec,
    observed: Vec<f64>,
    scales: Vec<f64>,
}

impl Fit<'_> {
    /// Loss, means and failure of an outcome.
    fn judge(&self, outcome: &Outcome) -> (Option<f64>, Vec<Option<f64>>, Option<String>) {
        let k = self.spec.moments.len();
        match runs(outcome) {
            Err(why) => (None, vec![None; k], Some(why)),
            Ok(r) => {
                let means = estimate::means(&r, k);
                let loss = estimate::loss(&means, &self.observed, &self.scales);
                let failure = match (loss, means.iter().position(Option::is_none)) {
                    (None, Some(i)) => Some(format!(
                        "the run leaves `{}` undefined",
                        self.spec.moments[i].name
                    )),
                    _ => None,
                };
                (loss, means, failure)
            }
        }
    }
}

/// Runs `flywheel calibrate` into `out`.
pub fn run_calibrate(
    search: &Search,
    out: &Path,
    options: &SearchOptions,
    stop: &AtomicBool,
    on_event: &(dyn Fn(Event) + Sync),
) -> Result<CalibrateReport, SearchError> {
    let started = Instant::now();
    let Goal::Calibrate(spec) = &search.goal else {
        return Err(SearchError::Refused("not a [calibrate] search".into()));
    };
    prepare(out, "calibrate", options.resume)?;
    let fingerprint = crate::search::files::fingerprint(search);
    let mut ev = Evaluator::open(search, out, &fingerprint, options, stop)?;
    let d = spec.parameters.len();
    let k = spec.moments.len();
    let observed: Vec<f64> = spec.moments.iter().map(|m| m.observed).collect();
    let se: Vec<Option<f64>> = spec.moments.iter().map(|m| m.se).collect();

    // 1. The scenario's own values: the spread of every moment there
    //    weighs the targets without a stated standard error.
    let start_outcome = ev.outcome(&search.start)?;
    let start_sd: Vec<f64> = match runs(&start_outcome) {
        Ok(r) => {
            let c = estimate::covariance(&r, k);
            (0..k).map(|i| c[i][i].sqrt()).collect()
        }
        Err(why) if spec.needs_simulated_variance() => {
            return Err(SearchError::Refused(format!(
                "the scenario's own values cannot be run, so the targets without se cannot be \
                 weighted: {why}"
            )));
        }
        Err(_) => vec![f64::NAN; k],
    };
    let fit = Fit {
        spec,
        scales: estimate::scales(&observed, &se, &start_sd),
        observed,
    };
    let total = Cell::new(0u64);
    let mut trials: Vec<CalTrial> = Vec::new();
    let mut keys: Vec<String> = Vec::new();
    let mut best: Option<(f64, Vec<f64>)> = None;
    let mut record = |ev: &mut Evaluator,
                      phase: &'static str,
                      profile: &[f64],
                      trials: &mut Vec<CalTrial>,
                      best: &mut Option<(f64, Vec<f64>)>|
     -> Result<(), SearchError> {
        let key = ev.key(profile);
        if keys.contains(&key) {
            return Ok(());
        }
        let outcome = ev.outcome(profile)?;
        let (loss, means, failure) = fit.judge(&outcome);
        if let Some(l) = loss
            && best.as_ref().is_none_or(|(b, _)| l < *b)
        {
            *best = Some((l, profile.to_vec()));
        }
        keys.push(key);
        trials.push(CalTrial {
            phase,
            profile: profile.to_vec(),
            loss,
            means,
            failure,
            best_loss: best.as_ref().map(|(b, _)| *b),
        });
        if phase != "jacobian" {
            total.set(total.get() + 1);
        }
        if matches!(phase, "start" | "halton") {
            on_event(Event::Evaluated {
                stage: format!("calibrate ({phase})"),
                evaluations: total.get(),
                best: best.as_ref().map(|(b, _)| -b),
            });
        }
        Ok(())
    };
    record(&mut ev, "start", &search.start, &mut trials, &mut best)?;

    // 2. The space-filling start.
    let mut index = 1;
    while (trials.len() as u32) < spec.start_points.min(spec.budget) && d > 0 {
        let point = estimate::halton(index, d);
        index += 1;
        record(&mut ev, "halton", &point, &mut trials, &mut best)?;
        if index > 100 * spec.budget + 100 {
            break;
        }
    }

    // 3. Nelder–Mead from the best point found, with the rest of the
    //    budget (its first evaluation is that point again, from the cache).
    let used = trials.len() as u32;
    if let Some((_, from)) = best.clone()
        && used < spec.budget
    {
        let level = spec.confidence;
        let scorer = |_: &Evaluator, o: &Outcome| {
            let (loss, _, failure) = fit.judge(o);
            Score {
                per_replication: Vec::new(),
                objective: mean_estimate(&[loss.map_or(f64::NAN, |l| -l)], level),
                constraints: Vec::new(),
                violation: if loss.is_some() { 0.0 } else { f64::INFINITY },
                failure: failure.or_else(|| loss.is_none().then(|| "undefined loss".into())),
            }
        };
        // Half the spacing of the start's points along each axis.
        let step = (0.5 * f64::from(used).powf(-1.0 / d as f64)).clamp(0.02, 0.25);
        let base_total = total.get();
        let stage = nelder_mead(
            &mut ev,
            &scorer,
            "calibrate (search)".into(),
            0,
            None,
            &from,
            0..d,
            step,
            spec.budget - used + 1,
            &Cell::new(base_total),
            &|e| {
                let Event::Evaluated {
                    evaluations, best, ..
                } = e;
                on_event(Event::Evaluated {
                    stage: "calibrate (search)".into(),
                    evaluations: evaluations.saturating_sub(1),
                    best,
                });
            },
        )?;
        for t in &stage.trials {
            record(&mut ev, "search", &t.profile, &mut trials, &mut best)?;
        }
    }
    let Some((mut loss, mut at)) = best.clone() else {
        // No file is written without an estimate, so the reason goes in
        // the message: the first candidate's (they share it as a rule).
        let why = trials
            .iter()
            .find_map(|t| t.failure.clone())
            .unwrap_or_else(|| "the loss is not a finite number".into());
        return Err(SearchError::Refused(format!(
            "no candidate could be run with every target defined ({} tried): {why}",
            trials.len()
        )));
    };
    let evaluations = trials.len() as u64;

    // 4. The Jacobian at the estimate, by central differences on the unit
    //    scale (one-sided at a bound). A difference point with a lower
    //    loss than the estimate becomes the estimate and the Jacobian is
    //    taken again there (at most `POLISH_ROUNDS` times).
    let h = spec.step;
    let mut jacobian_evaluations = 0u64;
    let mut round = 0;
    let (here, jacobian) = loop {
        round += 1;
        let here = runs(&ev.outcome(&at)?).map_err(SearchError::Refused)?;
        let here_means = estimate::means(&here, k);
        let mut jacobian = vec![vec![0.0; d]; k];
        for j in 0..d {
            let v = &spec.parameters[j];
            let written = |u: f64| match v.at(u) {
                toml::Value::Float(x) => v.position(x),
                toml::Value::Integer(i) => v.position(i as f64),
                _ => u,
            };
            let (mut lo, mut hi) = (at.clone(), at.clone());
            lo[j] = (at[j] - h).max(0.0);
            hi[j] = (at[j] + h).min(1.0);
            let span = written(hi[j]) - written(lo[j]);
            let mut side = |p: &[f64]| -> Result<Vec<Option<f64>>, SearchError> {
                if p == at.as_slice() {
                    return Ok(here_means.clone());
                }
                jacobian_evaluations += 1;
                record(&mut ev, "jacobian", p, &mut trials, &mut best)?;
                let r = runs(&ev.outcome(p)?).map_err(SearchError::Refused)?;
                Ok(estimate::means(&r, k))
            };
            let (a, b) = (side(&lo)?, side(&hi)?);
            for i in 0..k {
                jacobian[i][j] = match (a[i], b[i]) {
                    (Some(a), Some(b)) if span > 0.0 => (b - a) / span,
                    _ => 0.0,
                };
            }
        }
        match best.clone() {
            Some((l, p)) if l < loss && round < POLISH_ROUNDS => {
                loss = l;
                at = p;
            }
            _ => break (here, jacobian),
        }
    };
    let cov = estimate::covariance(&here, k);
    let Covariance {
        matrix,
        sensitivity,
        identified,
    } = estimate::sandwich(&jacobian, &fit.scales, &cov, spec.replications);
    let z = Normal::new(0.0, 1.0)
        .map(|n| n.inverse_cdf(0.5 + spec.confidence / 2.0))
        .unwrap_or(1.645);
    let estimates: Vec<ParameterEstimate> = spec
        .parameters
        .iter()
        .enumerate()
        .map(|(j, v)| {
            let value = match v.at(at[j]) {
                toml::Value::Integer(i) => i as f64,
                toml::Value::Float(x) => x,
                _ => v.natural(at[j]),
            };
            let se_u = matrix[j][j].sqrt();
            let ok = identified[j] && se_u.is_finite();
            let (low, high) = if ok {
                (v.natural(at[j] - z * se_u), v.natural(at[j] + z * se_u))
            } else {
                (v.min, v.max)
            };
            // The delta method: a unit step is the range (or, on a log
            // scale, the log of its ratio times the value).
            let per_unit = if v.log {
                value * (v.max / v.min).ln()
            } else {
                v.max - v.min
            };
            ParameterEstimate {
                path: v.path.clone(),
                estimate: value,
                low,
                high,
                min: v.min,
                max: v.max,
                std_error: if ok { se_u * per_unit } else { f64::NAN },
                bound_hit: at[j] <= BOUND_TOLERANCE || at[j] >= 1.0 - BOUND_TOLERANCE,
                identified: ok,
                sensitivity: sensitivity[j],
            }
        })
        .collect();
    let correlations: Vec<Vec<f64>> = (0..d)
        .map(|a| {
            (0..d)
                .map(|b| matrix[a][b] / (matrix[a][a] * matrix[b][b]).sqrt())
                .collect()
        })
        .collect();
    let start_loss = trials.first().and_then(|t| t.loss);
    let wall_seconds = started.elapsed().as_secs_f64();
    let mut written = Vec::new();
    crate::search::files::begin_results(out)?;
    files::write_trials(out, spec, &trials)?;
    written.push(crate::search::TRIALS_CSV);
    files::write_estimates(out, &estimates)?;
    written.push(files::ESTIMATES_CSV);
    files::write_correlations(out, &estimates, &correlations)?;
    written.push(files::CORRELATIONS_CSV);
    files::write_fit(out, spec, &fit.scales, &here)?;
    written.push(files::FIT_CSV);
    let best_toml = search
        .scenario_toml(&at, &format!("{}-calibrated", search.base.name))
        .map_err(SearchError::Refused)?;
    let lines: Vec<String> = estimates
        .iter()
        .zip(&spec.parameters)
        .zip(&at)
        .map(|((e, v), &u)| {
            format!(
                "#   {} = {} ({:.0}% interval {} to {}){}{}\n",
                e.path,
                value_text(&v.at(u)),
                100.0 * spec.confidence,
                short(e.low),
                short(e.high),
                if e.identified { "" } else { ", NOT identified" },
                if e.bound_hit { ", on a bound" } else { "" },
            )
        })
        .collect();
    let header = format!(
        "# The scenario `flywheel calibrate` fitted to the {} target(s) of `{}`\n\
         # (loss {:.3} over {} moment(s), {} evaluations of {} replications):\n{}\
         # Load it like any scenario, or compare it with the original:\n\
         # flywheel compare {} best.toml\n\n",
        spec.targets.len(),
        search.label(),
        loss,
        k,
        evaluations,
        spec.replications,
        lines.concat(),
        search.label(),
    );
    crate::search::files::write_text(
        out,
        crate::search::BEST_TOML,
        &format!("{header}{best_toml}"),
    )?;
    written.push(crate::search::BEST_TOML);
    written.push(crate::search::SEARCH_JOURNAL);
    written.push(crate::metrics::write::MANIFEST);
    let num = |x: f64| {
        if x.is_finite() {
            serde_json::json!(x)
        } else {
            serde_json::Value::Null
        }
    };
    let result = serde_json::json!({
        "loss": num(loss),
        "start_loss": start_loss.map(num),
        "jacobian_evaluations": jacobian_evaluations,
        "estimates": estimates.iter().map(|e| serde_json::json!({
            "parameter": e.path,
            "estimate": num(e.estimate),
            "low": num(e.low),
            "high": num(e.high),
            "std_error": num(e.std_error),
            "bound_hit": e.bound_hit,
            "identified": e.identified,
            "sensitivity": num(e.sensitivity),
        })).collect::<Vec<_>>(),
    });
    crate::search::files::write_manifest(
        out,
        search,
        "calibrate",
        &fingerprint,
        &ev,
        evaluations,
        wall_seconds,
        result,
        &written,
    )?;
    Ok(CalibrateReport {
        dir: out.to_path_buf(),
        estimates,
        correlations,
        loss,
        start_loss,
        moments: k,
        evaluations,
        jacobian_evaluations,
        resumed: ev.resumed,
        runs: ev.runs,
        wall_seconds,
        files: written,
    })
}

/// A number to four significant digits, for headers and messages.
pub fn short(x: f64) -> String {
    if !x.is_finite() {
        return "undefined".into();
    }
    if x == 0.0 {
        return "0".into();
    }
    let decimals = (3 - x.abs().log10().floor() as i32).clamp(0, 12) as usize;
    format!("{x:.decimals$}")
}
