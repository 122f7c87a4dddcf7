//! The files of a calibration directory beside the search's own
//! (`trials.csv`, `best.toml`, the journal, `manifest.json`):
//! `estimates.csv` (each parameter with its interval and diagnostics),
//! `correlations.csv` (between the estimates) and `fit.csv` (every
//! observed figure against its simulated value and 5–95% band); each
//! written under a temporary name and renamed when complete.

use std::path::Path;

use super::estimate;
use super::run::{CalTrial, ParameterEstimate};
use crate::metrics::columns::{ColumnDoc, Kind};
use crate::metrics::reference::FileDoc;
use crate::metrics::write::write_file_atomically;
use crate::search::SearchError;
use crate::search::evaluate::value_text;
use crate::search::targets::CalibrateSpec;

/// Each parameter's estimate, interval and diagnostics.
pub const ESTIMATES_CSV: &str = "estimates.csv";
/// Correlations between the estimates.
pub const CORRELATIONS_CSV: &str = "correlations.csv";
/// Every observed figure against its simulated value at the estimate.
pub const FIT_CSV: &str = "fit.csv";

fn write_csv(
    dir: &Path,
    name: &str,
    header: &[String],
    rows: &[Vec<String>],
) -> Result<(), SearchError> {
    let path = dir.join(name);
    let fail = |e: String| SearchError::Io {
        action: "write",
        path: path.clone(),
        message: e,
    };
    let mut buf = Vec::new();
    {
        let mut w = csv::Writer::from_writer(&mut buf);
        w.write_record(header).map_err(|e| fail(e.to_string()))?;
        for r in rows {
            w.write_record(r).map_err(|e| fail(e.to_string()))?;
        }
        w.flush().map_err(|e| fail(e.to_string()))?;
    }
    write_file_atomically(dir, name, |w| w.write_all(&buf)).map_err(|e| fail(e.to_string()))
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

/// A real number in the shortest form that reads back exactly.
fn exact(x: f64) -> String {
    if x.is_finite() {
        format!("{x:?}")
    } else {
        String::new()
    }
}

/// Writes `trials.csv`: one row per evaluation.
pub(crate) fn write_trials(
    dir: &Path,
    spec: &CalibrateSpec,
    trials: &[CalTrial],
) -> Result<(), SearchError> {
    let mut header: Vec<String> = vec!["evaluation".into(), "phase".into()];
    header.extend(spec.parameters.iter().map(|v| v.path.clone()));
    header.push("loss".into());
    header.extend(spec.moments.iter().map(|m| m.name.clone()));
    header.extend(["best_loss", "failure"].map(String::from));
    let rows: Vec<Vec<String>> = trials
        .iter()
        .enumerate()
        .map(|(i, t)| {
            let mut r = vec![(i + 1).to_string(), t.phase.to_string()];
            r.extend(
                spec.parameters
                    .iter()
                    .zip(&t.profile)
                    .map(|(v, &u)| value_text(&v.at(u))),
            );
            r.push(opt(t.loss));
            r.extend(t.means.iter().map(|m| opt(*m)));
            r.push(opt(t.best_loss));
            r.push(t.failure.clone().unwrap_or_default());
            r
        })
        .collect();
    write_csv(dir, crate::search::TRIALS_CSV, &header, &rows)
}

/// Writes `estimates.csv`: one row per parameter.
pub(crate) fn write_estimates(
    dir: &Path,
    estimates: &[ParameterEstimate],
) -> Result<(), SearchError> {
    let header: Vec<String> = ESTIMATE_COLUMNS.iter().map(|c| c.0.to_string()).collect();
    let rows: Vec<Vec<String>> = estimates
        .iter()
        .map(|e| {
            vec![
                e.path.clone(),
                exact(e.estimate),
                exact(e.low),
                exact(e.high),
                exact(e.std_error),
                e.bound_hit.to_string(),
                e.identified.to_string(),
                num(e.sensitivity),
            ]
        })
        .collect();
    write_csv(dir, ESTIMATES_CSV, &header, &rows)
}

/// Writes `correlations.csv`: a square table, one row and column per
/// parameter.
pub(crate) fn write_correlations(
    dir: &Path,
    estimates: &[ParameterEstimate],
    correlations: &[Vec<f64>],
) -> Result<(), SearchError> {
    let mut header: Vec<String> = vec!["parameter".into()];
    header.extend(estimates.iter().map(|e| e.path.clone()));
    let rows: Vec<Vec<String>> = estimates
        .iter()
        .zip(correlations)
        .map(|(e, row)| {
            let mut r = vec![e.path.clone()];
            r.extend(row.iter().map(|&x| num(x)));
            r
        })
        .collect();
    write_csv(dir, CORRELATIONS_CSV, &header, &rows)
}

/// Writes `fit.csv`: one row per observed figure; `runs` are the
/// moments of every replication at the estimate.
pub(crate) fn write_fit(
    dir: &Path,
    spec: &CalibrateSpec,
    scales: &[f64],
    runs: &[Vec<Option<f64>>],
) -> Result<(), SearchError> {
    let header: Vec<String> = FIT_COLUMNS.iter().map(|c| c.0.to_string()).collect();
    let means = estimate::means(runs, spec.moments.len());
    let rows: Vec<Vec<String>> = spec
        .moments
        .iter()
        .enumerate()
        .map(|(k, m)| {
            let values: Vec<f64> = runs
                .iter()
                .filter_map(|r| r.get(k).copied().flatten())
                .collect();
            let sim = means[k];
            vec![
                spec.targets[m.target].name.clone(),
                m.name.clone(),
                m.entity.clone(),
                m.metric.clone(),
                m.day.map(|d| d.to_string()).unwrap_or_default(),
                exact(m.observed),
                m.se.map(exact).unwrap_or_default(),
                num(scales[k]),
                opt(sim),
                num(estimate::quantile(&values, 0.05)),
                num(estimate::quantile(&values, 0.95)),
                opt(sim.map(|s| (s - m.observed) / scales[k])),
            ]
        })
        .collect();
    write_csv(dir, FIT_CSV, &header, &rows)
}

const ESTIMATE_COLUMNS: [(&str, &str, Kind, &str); 8] = [
    (
        "parameter",
        "",
        Kind::Text,
        "Key path of the calibrated parameter.",
    ),
    (
        "estimate",
        "the parameter's",
        Kind::Exact,
        "The value with the lowest loss, as written into best.toml.",
    ),
    (
        "low",
        "the parameter's",
        Kind::Exact,
        "Lower end of the interval at the table's confidence (the lower bound when not identified).",
    ),
    (
        "high",
        "the parameter's",
        Kind::Exact,
        "Upper end of the interval (the upper bound when not identified).",
    ),
    (
        "std_error",
        "the parameter's",
        Kind::Exact,
        "Standard error from the sandwich covariance (delta method on a log scale); empty when not identified.",
    ),
    (
        "bound_hit",
        "",
        Kind::Text,
        "true if the estimate lies within 1% of the range of a bound: widen the bounds or question the model.",
    ),
    (
        "identified",
        "",
        Kind::Text,
        "false if the targets do not pin the parameter down: crossing its whole range moves the moments by less than 2 standard errors in total, or its interval is wider than its range.",
    ),
    (
        "sensitivity",
        "standard errors",
        Kind::Decimal,
        "How far, in standard errors summed in quadrature over the moments, the simulated moments move when the parameter crosses its whole range (at the estimate).",
    ),
];

const FIT_COLUMNS: [(&str, &str, Kind, &str); 12] = [
    (
        "target",
        "",
        Kind::Text,
        "The target's name (a series target has one row per moment).",
    ),
    (
        "moment",
        "",
        Kind::Text,
        "The observed figure's name, as in trials.csv.",
    ),
    (
        "entity",
        "",
        Kind::Text,
        "Platform, lender, `market`, or `all` (summed over platforms).",
    ),
    ("metric", "", Kind::Text, "The metric as written."),
    (
        "day",
        "day",
        Kind::Int,
        "First day of the window or series bucket; empty for a figure over the run.",
    ),
    (
        "observed",
        "the metric's",
        Kind::Exact,
        "The observed value (a series bucket's mean).",
    ),
    (
        "se",
        "the metric's",
        Kind::Exact,
        "Its stated standard error; empty if none was stated.",
    ),
    (
        "scale",
        "the metric's",
        Kind::Decimal,
        "The standard error the loss divides by: the stated one, else the simulated spread at the scenario's own values.",
    ),
    (
        "simulated",
        "the metric's",
        Kind::Decimal,
        "Mean over the replications at the estimate.",
    ),
    (
        "simulated_p5",
        "the metric's",
        Kind::Decimal,
        "5th percentile over the replications at the estimate.",
    ),
    (
        "simulated_p95",
        "the metric's",
        Kind::Decimal,
        "95th percentile over the replications at the estimate.",
    ),
    (
        "z",
        "standard errors",
        Kind::Decimal,
        "(simulated − observed) / scale: the moment's share of the loss is its square.",
    ),
];

/// The files `calibrate` adds to a search directory, for the results
/// reference.
pub fn reference() -> Vec<FileDoc> {
    let col = |(name, unit, kind, doc): &(&str, &str, Kind, &str)| ColumnDoc {
        name: (*name).into(),
        unit: (*unit).into(),
        format: kind.format().into(),
        doc: (*doc).into(),
    };
    let text = |name: &str, kind: Kind, doc: &str| ColumnDoc {
        name: name.into(),
        unit: String::new(),
        format: kind.format().into(),
        doc: doc.into(),
    };
    vec![
        FileDoc::table(
            crate::search::TRIALS_CSV,
            "`calibrate`",
            "evaluation",
            "In the order evaluated: the scenario's own values, the Halton start, the Nelder–Mead search, then the finite differences of the Jacobian. Every candidate uses the same replication seeds.",
            vec![
                text("evaluation", Kind::Int, "1-based evaluation."),
                text(
                    "phase",
                    Kind::Text,
                    "`start`, `halton`, `search` or `jacobian`.",
                ),
                text(
                    "<parameter>",
                    Kind::Exact,
                    "One column per calibrated parameter, named by its key path: the value written into the scenario.",
                ),
                text(
                    "loss",
                    Kind::Decimal,
                    "Σ ((simulated − observed) / scale)² over the moments; empty if a moment is undefined.",
                ),
                text(
                    "<moment>",
                    Kind::Decimal,
                    "One column per observed figure, named as in fit.csv: its mean simulated value.",
                ),
                text("best_loss", Kind::Decimal, "Lowest loss so far."),
                text(
                    "failure",
                    Kind::Text,
                    "Why the candidate could not be run or scored; empty if it was.",
                ),
            ],
        ),
        FileDoc::table(
            ESTIMATES_CSV,
            "`calibrate`",
            "calibrated parameter",
            "In file order. Intervals are the asymptotic (sandwich) covariance of the method of simulated moments with the simulation correction.",
            ESTIMATE_COLUMNS.iter().map(col).collect(),
        ),
        FileDoc::table(
            CORRELATIONS_CSV,
            "`calibrate`",
            "calibrated parameter",
            "Correlation matrix of the estimates (from the sandwich covariance); empty cells for parameters that are not identified.",
            vec![
                text("parameter", Kind::Text, "Key path."),
                text(
                    "<parameter>",
                    Kind::Fraction,
                    "One column per parameter: the correlation of the two estimates.",
                ),
            ],
        ),
        FileDoc::table(
            FIT_CSV,
            "`calibrate`",
            "observed figure (moment)",
            "At the estimate: what `flywheel plot` draws as observed against simulated with the 5–95% band.",
            FIT_COLUMNS.iter().map(col).collect(),
        ),
    ]
}
