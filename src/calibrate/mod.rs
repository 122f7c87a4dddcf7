//! Calibration to data: `flywheel calibrate` finds the values of a
//! scenario's parameters that reproduce observed figures, with an interval
//! for each estimate and diagnostics of what the figures can and cannot
//! tell apart.
//!
//! ```text
//!  scenario.toml [calibrate] ──► Search::load_kind (search/mod.rs)
//!     parameters checked by the scenario loader, bounds probed;
//!     targets expanded into moments (spec.rs; series files read)
//!                          │
//!   the scenario's own values, then a Halton sequence over the bounds,
//!   then Nelder–Mead (argmin) from the best point, on the unit cube
//!   (log-scale parameters on the log of their range)
//!                          │ candidate
//!   search::Evaluator: every candidate run with the same replication
//!   seeds (common random numbers), the moments read from each run
//!   (simulate), journalled for --resume
//!                          │
//!   loss: Σ_k ((mean simulated_k − observed_k) / s_k)²  (estimate.rs)
//!   intervals: sandwich covariance from a finite-difference Jacobian
//!                          ▼
//!   trials.csv, estimates.csv, correlations.csv, fit.csv, best.toml,
//!   journal.jsonl, manifest.json (files.rs)
//! ```
//!
//! **The loss** is the method of simulated moments with a diagonal
//! weight: `s_k` is the target's stated standard error, or, where none is
//! stated, the standard deviation of the simulated moment across the
//! replications at the scenario's own values (the spread of one draw of
//! the data if the model is right), floored at 0.1% of the observed value
//! so a deterministic figure cannot take an infinite weight.
//!
//! **The intervals** are the asymptotic covariance of the estimator,
//! `V = A⁻¹ Gᵀ W (Ω + Ω_sim / R) W G A⁻¹` with `A = Gᵀ W G`: `G` the
//! Jacobian of the simulated moments by central finite differences at
//! the estimate (common random numbers make it smooth), `W` the weights,
//! `Ω` the data's covariance (stated standard errors, correlated as the
//! simulated moments are) and `Ω_sim / R` the simulation noise of a mean
//! over `R` replications (with no stated errors this is the textbook
//! `(1 + 1/R)` correction). It costs `2 × parameters` evaluations where a
//! parametric bootstrap costs a whole calibration per draw, which is why
//! it is the method here; it is local, so it is honest when the loss is
//! close to quadratic around the estimate, which the diagnostics check:
//! a parameter whose whole range moves the moments by less than two
//! standard errors in total (`sensitivity < 2`), or whose interval is
//! wider than its range, is reported `identified = false` (and held
//! fixed when the others' covariance is computed); an estimate within 1%
//! of a bound is reported `bound_hit = true`.
//!
//! **Determinism.** The Halton points, the optimiser and the Jacobian use
//! no random numbers; evaluations run with the scenario's seeds; so a
//! calibration is a deterministic function of the scenario and files, at
//! any thread count, and `--resume` replays it to the same result.

mod estimate;
mod files;
mod run;
pub mod spec;

use crate::metrics::RunOutput;
use crate::metrics::columns::Value;
use crate::metrics::tables::{LENDER_FIGURES, MARKET, Row, SUMMARY_METRICS, timeseries};
use crate::scenario::Scenario;

pub use files::{CORRELATIONS_CSV, ESTIMATES_CSV, FIT_CSV, reference};
pub use run::{CalibrateReport, ParameterEstimate, run_calibrate, short};
pub use spec::{CalibrateSpec, Moment, Quantity, Target};

/// A cell's value as a number (`None` for text and empty cells).
fn number(v: Value) -> Option<f64> {
    match v {
        Value::Int(n) => Some(n as f64),
        Value::Money(m) => Some(m.as_major()),
        Value::Fraction(x) | Value::Decimal(x) | Value::Exact(x) => Some(x),
        Value::Text(_) | Value::Missing => None,
    }
}

fn ratio(a: Option<f64>, b: Option<f64>) -> Option<f64> {
    match (a, b) {
        (Some(a), Some(b)) if b != 0.0 => Some(a / b),
        _ => None,
    }
}

/// Day by day, the sum of a `timeseries.csv` column over the platforms
/// selected (`None`: every platform).
fn daily(
    scenario: &Scenario,
    out: &RunOutput,
    platform: Option<usize>,
    column: usize,
) -> Vec<Option<f64>> {
    let columns = timeseries();
    let read = columns[column].read;
    let mut by_day: Vec<Option<f64>> = vec![None; scenario.horizon_days as usize];
    for (index, d) in out.days.iter().enumerate() {
        if platform.is_some_and(|p| p != d.platform) {
            continue;
        }
        let row = Row {
            scenario,
            run: out,
            index,
            record: d,
        };
        if let (Some(slot), Some(x)) = (by_day.get_mut(d.day as usize), number(read(&row))) {
            *slot = Some(slot.unwrap_or(0.0) + x);
        }
    }
    by_day
}

fn quantity(scenario: &Scenario, out: &RunOutput, q: &Quantity) -> Option<f64> {
    match q {
        Quantity::Summary {
            platform,
            column,
            over,
        } => {
            let s = out.summary.iter().find(|s| s.platform == *platform)?;
            let a = number((SUMMARY_METRICS[*column].read)(s));
            match over {
                Some(b) => ratio(a, number((SUMMARY_METRICS[*b].read)(s))),
                None => a,
            }
        }
        Quantity::Lender {
            lender,
            column,
            over,
        } => {
            let l = out.lenders.get(*lender)?;
            let a = number((LENDER_FIGURES[*column].read)(l));
            match over {
                Some(b) => ratio(a, number((LENDER_FIGURES[*b].read)(l))),
                None => a,
            }
        }
        Quantity::Market { column, over } => {
            let a = number((MARKET[*column].read)(out));
            match over {
                Some(b) => ratio(a, number((MARKET[*b].read)(out))),
                None => a,
            }
        }
        Quantity::Daily {
            platform,
            column,
            days,
        } => {
            let by_day = daily(scenario, out, *platform, *column);
            // A day without a record (a platform that has exited) counts
            // as zero.
            let total: f64 = days
                .iter()
                .map(|&d| by_day.get(d as usize).copied().flatten().unwrap_or(0.0))
                .sum();
            Some(total / days.len().max(1) as f64)
        }
        Quantity::Peak { platform, column } => {
            let by_day: Vec<f64> = daily(scenario, out, *platform, *column)
                .into_iter()
                .map(|x| x.unwrap_or(0.0))
                .collect();
            let w = (spec::PEAK_WINDOW_DAYS as usize).min(by_day.len()).max(1);
            by_day
                .windows(w)
                .map(|win| win.iter().sum::<f64>() / w as f64)
                .fold(None, |best: Option<f64>, x| {
                    Some(best.map_or(x, |b| b.max(x)))
                })
        }
    }
}

/// The simulated value of every moment of `spec` in one replication
/// (`None` where the run leaves it undefined, e.g. a ratio over zero).
pub fn simulate(spec: &CalibrateSpec, scenario: &Scenario, out: &RunOutput) -> Vec<Option<f64>> {
    spec.moments
        .iter()
        .map(|m| {
            let v = quantity(scenario, out, &m.value);
            match &m.relative_to {
                Some(r) => ratio(v, quantity(scenario, out, r)),
                None => v,
            }
        })
        .collect()
}
