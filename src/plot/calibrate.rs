//! Figures of a calibration directory: every target's observed value
//! against its simulated value at the estimate with the 5–95% band across
//! replications (`fit.csv`), and the loss landscape over the two most
//! influential parameters (the highest `sensitivity` in `estimates.csv`)
//! from every evaluation in `trials.csv`.

use super::figure::{Figure, Interval, Look, Panel, Point, Series};
use super::table::Table;

/// `fit.csv` of a calibration directory.
pub const FIT_CSV: &str = "fit.csv";
/// `estimates.csv` of a calibration directory.
pub const ESTIMATES_CSV: &str = "estimates.csv";

fn series(label: &str, look: usize, interval: Interval, join: bool, points: Vec<Point>) -> Series {
    Series {
        label: label.to_string(),
        look: Look::Categorical(look),
        interval,
        mark_every_point: true,
        join,
        points,
    }
}

/// The fit figure: one panel per target. A target of several moments
/// with days (a series) is drawn against the day; a single figure as
/// two markers, observed (with ±1.645 standard errors) and simulated
/// (with its 5–95% band).
pub fn fit(scenario: &str, t: &Table) -> Result<Figure, String> {
    let [target, day, observed, simulated, p5, p95] = t.columns([
        "target",
        "day",
        "observed",
        "simulated",
        "simulated_p5",
        "simulated_p95",
    ])?;
    let se = t.find("se");
    let metric = t.find("metric");
    let mut targets: Vec<String> = Vec::new();
    for row in t.rows() {
        if !targets.iter().any(|x| x == row.text(target)) {
            targets.push(row.text(target).to_string());
        }
    }
    if targets.is_empty() {
        return Err(format!("`{FIT_CSV}` has no targets to draw"));
    }
    let mut panels = Vec::new();
    for (i, name) in targets.iter().enumerate() {
        let rows: Vec<_> = t.rows().filter(|r| r.text(target) == name).collect();
        let dated = rows.len() > 1 && rows.iter().all(|r| r.number(day).is_some());
        let unit = metric
            .and_then(|m| rows.first().map(|r| r.text(m).to_string()))
            .unwrap_or_default();
        let (obs, sim): (Vec<Point>, Vec<Point>) = rows
            .iter()
            .enumerate()
            .filter_map(|(k, r)| {
                let x = if dated { r.number(day)? } else { k as f64 };
                let o = r.number(observed)?;
                let s = se.and_then(|c| r.number(c));
                Some((
                    Point {
                        x,
                        y: o,
                        low: s.map(|s| o - 1.645 * s),
                        high: s.map(|s| o + 1.645 * s),
                    },
                    Point {
                        x,
                        y: r.number(simulated).unwrap_or(f64::NAN),
                        low: r.number(p5),
                        high: r.number(p95),
                    },
                ))
            })
            .unzip();
        let sim: Vec<Point> = sim.into_iter().filter(|p| p.y.is_finite()).collect();
        let mut panel = Panel::new(
            name,
            if dated { "day" } else { "" },
            &unit,
            vec![
                series(
                    "observed (± 1.645 stated standard errors)",
                    0,
                    Interval::Bars,
                    false,
                    obs,
                ),
                series(
                    "simulated at the estimate (5-95% of replications)",
                    1,
                    if dated {
                        Interval::Band
                    } else {
                        Interval::Bars
                    },
                    dated,
                    sim,
                ),
            ],
        );
        if !dated {
            panel.x_categories = Some(
                rows.iter()
                    .map(|r| r.text(t.find("moment").unwrap_or(target)).to_string())
                    .collect(),
            );
        }
        panel.legend = i == 0;
        panels.push(panel);
    }
    let columns = if panels.len() > 1 { 2 } else { 1 };
    Ok(Figure {
        name: "calibration_fit".into(),
        title: format!("{scenario}: observed against simulated"),
        subtitle: "each target at the estimate; the band is the 5-95% range over replications"
            .into(),
        panels,
        columns,
    })
}

/// A parameter of `estimates.csv`, ranked by sensitivity.
struct Ranked {
    sensitivity: f64,
    path: String,
    estimate: Option<f64>,
    low: Option<f64>,
    high: Option<f64>,
}

/// The loss landscape: every evaluation of the search placed by the two
/// parameters with the highest sensitivity, marked by how good its loss
/// was (best tenth, next four tenths, rest), with the estimate's
/// interval; and the loss along each of the two.
pub fn landscape(scenario: &str, trials: &Table, estimates: &Table) -> Result<Figure, String> {
    let [parameter, estimate, sensitivity] =
        estimates.columns(["parameter", "estimate", "sensitivity"])?;
    let (low, high) = (estimates.find("low"), estimates.find("high"));
    let mut ranked: Vec<Ranked> = estimates
        .rows()
        .map(|r| Ranked {
            sensitivity: r.number(sensitivity).unwrap_or(0.0),
            path: r.text(parameter).to_string(),
            estimate: r.number(estimate),
            low: low.and_then(|c| r.number(c)),
            high: high.and_then(|c| r.number(c)),
        })
        .collect();
    ranked.sort_by(|a, b| b.sensitivity.total_cmp(&a.sensitivity));
    ranked.truncate(2);
    if ranked.is_empty() {
        return Err(format!("`{ESTIMATES_CSV}` has no parameters"));
    }
    let loss = trials.column("loss")?;
    let cols: Vec<usize> = ranked
        .iter()
        .map(|p| trials.column(&p.path))
        .collect::<Result<_, _>>()?;
    let phase = trials.find("phase");
    let rows: Vec<(Vec<f64>, f64)> = trials
        .rows()
        .filter(|r| phase.is_none_or(|c| r.text(c) != "jacobian"))
        .filter_map(|r| {
            let xs: Option<Vec<f64>> = cols.iter().map(|&c| r.number(c)).collect();
            Some((xs?, r.number(loss)?))
        })
        .collect();
    if rows.is_empty() {
        return Err(format!("`{}` has no evaluation with a loss", "trials.csv"));
    }
    let mut sorted: Vec<f64> = rows.iter().map(|r| r.1).collect();
    sorted.sort_by(f64::total_cmp);
    let cut = |q: f64| sorted[((sorted.len() - 1) as f64 * q).round() as usize];
    let (tenth, half) = (cut(0.1), cut(0.5));
    let mut panels = Vec::new();
    let point = |x: f64, y: f64| Point {
        x,
        y,
        low: None,
        high: None,
    };
    if ranked.len() == 2 {
        let group = |keep: &dyn Fn(f64) -> bool| -> Vec<Point> {
            let mut p: Vec<Point> = rows
                .iter()
                .filter(|r| keep(r.1))
                .map(|r| point(r.0[0], r.0[1]))
                .collect();
            p.sort_by(|a, b| a.x.total_cmp(&b.x));
            p
        };
        let (a, b) = (&ranked[0], &ranked[1]);
        let est = match (a.estimate, b.estimate) {
            (Some(x), Some(y)) => vec![Point {
                x,
                y,
                low: b.low,
                high: b.high,
            }],
            _ => Vec::new(),
        };
        let panel = Panel::new(
            "evaluations by loss",
            &a.path,
            &b.path,
            vec![
                series(
                    "best tenth of losses",
                    0,
                    Interval::None,
                    false,
                    group(&|l| l <= tenth),
                ),
                series(
                    "next four tenths",
                    1,
                    Interval::None,
                    false,
                    group(&|l| l > tenth && l <= half),
                ),
                series("worst half", 2, Interval::None, false, group(&|l| l > half)),
                series(
                    "estimate (interval of the second parameter)",
                    3,
                    Interval::Bars,
                    false,
                    est,
                ),
            ],
        );
        panels.push(panel);
    }
    for (j, p) in ranked.iter().enumerate() {
        let mut pts: Vec<Point> = rows.iter().map(|r| point(r.0[j], r.1)).collect();
        pts.sort_by(|a, b| a.x.total_cmp(&b.x));
        let mut panel = Panel::new(
            &format!("loss along {}", p.path),
            &p.path,
            "loss",
            vec![series("evaluation", 0, Interval::None, false, pts)],
        );
        panel.legend = false;
        panels.push(panel);
    }
    Ok(Figure {
        name: "loss_landscape".into(),
        title: format!("{scenario}: loss landscape"),
        subtitle: "every evaluation of the search over the two most influential parameters".into(),
        panels,
        columns: 2,
    })
}
