//! Calibration to data: `flywheel calibrate` finds the values of a
//! scenario's parameters that reproduce observed figures, with an interval
//! for each estimate and diagnostics of what the figures can and cannot
//! tell apart.
//!
//! ```text
//!  scenario.toml [calibrate] ──► Search::load_kind (search/mod.rs)
//!     parameters checked by the scenario loader, bounds probed;
//!     targets expanded into moments (search/targets.rs; series files read)
//!                          │
//!   the scenario's own values, then a Halton sequence over the bounds,
//!   then Nelder–Mead (argmin) from the best point, on the unit cube
//!   (log-scale parameters on the log of their range)
//!                          │ candidate
//!   search::Evaluator: every candidate run with the same replication
//!   seeds (common random numbers), the moments read from each run
//!   (search::targets::simulate), journalled for --resume
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

pub use crate::search::targets::{
    Aggregate, CalibrateSpec, Intervals, Moment, PEAK_WINDOW_DAYS, Quantity, Target, daily_metrics,
    simulate,
};
pub(crate) use estimate::MIN_SENSITIVITY;
pub use files::{CORRELATIONS_CSV, ESTIMATES_CSV, FIT_CSV, reference};
pub use run::{CalibrateReport, ParameterEstimate, run_calibrate, short};
