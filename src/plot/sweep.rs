//! The figures of a sweep directory (`points.csv` + `aggregate.csv`): each
//! headline metric against the swept parameter, one line per platform,
//! with the 95% confidence interval of the mean at each point.
//!
//! `aggregate.csv` is read in either of two shapes, so that figures keep
//! working as the sweep files evolve:
//!
//! - wide: one row per point and platform, with `<metric>_mean` and
//!   `<metric>_ci_low` / `<metric>_ci_high` (or `<metric>_half_width`)
//!   columns for each metric;
//! - long: one row per point, platform and metric, with `metric`, `mean`
//!   and `ci_low` / `ci_high` (or `half_width`) columns.
//!
//! The horizontal axis is the first parameter in `points.csv` whose value
//! varies (numeric if every value is a number, otherwise categories in
//! point order); when several parameters vary, each combination of the
//! others gets its own line.

use std::collections::HashMap;

use super::figure::{Figure, Interval, Look, Panel, Point, Series};
use super::table::{Row, Table};
use crate::metrics::HEADLINES;

/// Name of the file listing a sweep's points.
pub const POINTS_CSV: &str = "points.csv";
/// Name of the file of per-point statistics.
pub const AGGREGATE_CSV: &str = "aggregate.csv";

/// The files of a sweep directory that figures are drawn from.
#[derive(Debug, Clone)]
pub struct SweepFiles {
    /// Scenario name, for titles.
    pub scenario: String,
    /// `points.csv`.
    pub points: Table,
    /// `aggregate.csv`.
    pub aggregate: Table,
    /// `manifest.json`, if present and readable (for platform names).
    pub manifest: Option<serde_json::Value>,
}

const LOW: [&str; 7] = [
    "ci_low", "ci_lo", "ci95_low", "ci_lower", "lower", "low", "lo",
];
const HIGH: [&str; 7] = [
    "ci_high",
    "ci_hi",
    "ci95_high",
    "ci_upper",
    "upper",
    "high",
    "hi",
];
const HALF: [&str; 4] = ["ci_half_width", "half_width", "ci95_half_width", "ci_half"];

/// Where one metric's statistics are in `aggregate.csv`.
#[derive(Debug, Clone)]
struct MetricColumns {
    name: String,
    mean: usize,
    low: Option<usize>,
    high: Option<usize>,
    half: Option<usize>,
}

impl MetricColumns {
    fn read(&self, row: &Row<'_>) -> Option<Point> {
        let y = row.number(self.mean)?;
        let half = self.half.and_then(|h| row.number(h));
        let low = self.low.and_then(|c| row.number(c)).or(half.map(|h| y - h));
        let high = self
            .high
            .and_then(|c| row.number(c))
            .or(half.map(|h| y + h));
        Some(Point {
            x: 0.0,
            y,
            low,
            high,
        })
    }
}

fn first_of(t: &Table, prefix: &str, suffixes: &[&str]) -> Option<usize> {
    suffixes
        .iter()
        .find_map(|s| t.find(&format!("{prefix}{s}")))
}

/// Wide-format metrics: every `<metric>_mean` column.
fn wide_metrics(t: &Table) -> Vec<MetricColumns> {
    t.header()
        .iter()
        .enumerate()
        .filter_map(|(i, h)| {
            let name = h.strip_suffix("_mean")?;
            let prefix = format!("{name}_");
            Some(MetricColumns {
                name: name.to_string(),
                mean: i,
                low: first_of(t, &prefix, &LOW),
                high: first_of(t, &prefix, &HIGH),
                half: first_of(t, &prefix, &HALF),
            })
        })
        .collect()
}

/// How a metric is shown: axis label and how values are scaled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Scale {
    /// As written.
    Plain,
    /// A fraction shown in percent.
    Percent,
    /// Yuan, shown in a readable unit.
    Money,
}

/// A metric's axis label and how its values are scaled.
pub(crate) fn describe(metric: &str) -> (String, Scale) {
    let label = HEADLINES
        .iter()
        .find(|h| h.name == metric)
        .map(|h| h.label.to_string())
        .unwrap_or_else(|| metric.replace('_', " "));
    let base = match label.find(" (") {
        Some(i) => label[..i].to_string(),
        None => label.clone(),
    };
    let percent = metric.contains("share")
        || metric.contains("retention")
        || metric.ends_with("_ratio")
        || metric.ends_with("_rate")
        || metric == "exited";
    let money = label.contains("(yuan)")
        || [
            "amount",
            "outstanding",
            "loss",
            "income",
            "burn",
            "cash",
            "spend",
            "revenue",
            "gmv",
        ]
        .iter()
        .any(|w| metric.contains(w));
    if metric == "exited" {
        ("platform exited (% of replications)".into(), Scale::Percent)
    } else if percent {
        (base, Scale::Percent)
    } else if money {
        (base, Scale::Money)
    } else {
        (label, Scale::Plain)
    }
}

fn last_component(path: &str) -> &str {
    path.rsplit('.').next().unwrap_or(path)
}

/// The unit of a scenario key, from the parameter reference (empty when
/// it has none or the key is not documented).
fn unit_of(key: &str) -> &'static str {
    let pattern = crate::scenario::reference::pattern_of(key);
    crate::scenario::reference::params()
        .iter()
        .find(|p| p.key == pattern)
        .map_or("", |p| p.unit)
}

/// A swept key with its unit: `platforms[1].subsidy[0].per_order (yuan
/// per order)`.
fn with_unit(key: &str) -> String {
    match unit_of(key) {
        "" => key.to_string(),
        unit => format!("{key} ({unit})"),
    }
}

/// `platforms[1] is Challenger`, for each platform a swept key names,
/// from the manifest's resolved scenario.
fn platform_names(keys: &[&String], manifest: Option<&serde_json::Value>) -> Vec<String> {
    let mut out = Vec::new();
    for key in keys {
        let Some(rest) = key.strip_prefix("platforms[") else {
            continue;
        };
        let Some(index) = rest.split(']').next().and_then(|i| i.parse::<usize>().ok()) else {
            continue;
        };
        let Some(name) = manifest.and_then(|m| m["scenario"]["platforms"][index]["name"].as_str())
        else {
            continue;
        };
        let text = format!("platforms[{index}] is {name}");
        if !out.contains(&text) {
            out.push(text);
        }
    }
    out
}

/// Builds one figure per metric. A malformed sweep directory (no point
/// column, no statistics) is an error naming the file and what is missing.
pub fn figures(files: &SweepFiles, notes: &mut Vec<String>) -> Result<Vec<Figure>, String> {
    let points = &files.points;
    let agg = &files.aggregate;
    let point_col = points.column("point")?;
    let params: Vec<(usize, &String)> = points
        .header()
        .iter()
        .enumerate()
        .filter(|(i, _)| *i != point_col)
        .collect();
    if params.is_empty() {
        return Err(format!(
            "`{POINTS_CSV}` names no swept parameter (only a `point` column)"
        ));
    }
    // Each point's parameter values, in file order.
    let mut order: Vec<String> = Vec::new();
    let mut values: HashMap<String, Vec<String>> = HashMap::new();
    for row in points.rows() {
        let id = row.text(point_col).to_string();
        values.insert(
            id.clone(),
            params
                .iter()
                .map(|(c, _)| row.text(*c).to_string())
                .collect(),
        );
        order.push(id);
    }
    let distinct = |k: usize| {
        let mut v: Vec<&str> = order
            .iter()
            .filter_map(|p| values.get(p).map(|v| v[k].as_str()))
            .collect();
        v.sort_unstable();
        v.dedup();
        v.len()
    };
    let varying: Vec<usize> = (0..params.len()).filter(|&k| distinct(k) > 1).collect();
    let x_param = varying.first().copied().unwrap_or(0);
    let others: Vec<usize> = varying.iter().copied().skip(1).collect();
    let x_name = with_unit(params[x_param].1);
    let numeric = order.iter().all(|p| {
        values
            .get(p)
            .is_some_and(|v| v[x_param].parse::<f64>().is_ok_and(f64::is_finite))
    });
    let mut categories: Vec<String> = Vec::new();
    let mut x_of: HashMap<String, f64> = HashMap::new();
    for p in &order {
        let Some(v) = values.get(p) else { continue };
        let text = &v[x_param];
        let x = if numeric {
            text.parse::<f64>().unwrap_or(0.0)
        } else {
            match categories.iter().position(|c| c == text) {
                Some(i) => i as f64,
                None => {
                    categories.push(text.clone());
                    (categories.len() - 1) as f64
                }
            }
        };
        x_of.insert(p.clone(), x);
    }
    // A random or Latin-hypercube design has a new value of every
    // parameter at every point: nothing to join into lines.
    let combos = {
        let mut c: Vec<String> = order
            .iter()
            .filter_map(|p| values.get(p))
            .map(|v| {
                others
                    .iter()
                    .map(|&k| v[k].as_str())
                    .collect::<Vec<_>>()
                    .join("\u{1f}")
            })
            .collect();
        c.sort_unstable();
        c.dedup();
        c.len()
    };
    let scattered = !others.is_empty() && combos == order.len();
    let others: Vec<usize> = if scattered { Vec::new() } else { others };
    if scattered {
        notes.push(format!(
            "the sweep's points vary every parameter at once; its figures show each metric \
             against `{}` alone",
            params[x_param].1
        ));
    }
    if !others.is_empty() {
        notes.push(format!(
            "sweep figures put `{}` on the horizontal axis and draw one line per value of {}",
            params[x_param].1,
            others
                .iter()
                .map(|&k| format!("`{}`", params[k].1))
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }

    // Statistics: wide or long.
    let agg_point = agg.column("point")?;
    let platform = agg.find("platform");
    let lender = agg.find("lender");
    let n_col = agg.find("n");
    let long = agg.find("metric").zip(agg.find("mean"));
    let metrics: Vec<MetricColumns> = match long {
        Some((m, mean)) => {
            let mut names: Vec<String> = agg.rows().map(|r| r.text(m).to_string()).collect();
            let mut seen = std::collections::HashSet::new();
            names.retain(|n| seen.insert(n.clone()));
            names
                .into_iter()
                .map(|name| MetricColumns {
                    name,
                    mean,
                    low: first_of(agg, "", &LOW),
                    high: first_of(agg, "", &HIGH),
                    half: first_of(agg, "", &HALF),
                })
                .collect()
        }
        None => wide_metrics(agg),
    };
    if metrics.is_empty() {
        return Err(format!(
            "`{AGGREGATE_CSV}` has neither `<metric>_mean` columns nor `metric` and `mean` columns"
        ));
    }
    let metric_col = long.map(|(m, _)| m);

    // One line per combination of the other swept parameters, ordered by
    // their values; a single numeric one gets a light-to-dark ramp.
    let sequential = others.len() == 1
        && order.iter().all(|p| {
            values
                .get(p)
                .is_some_and(|v| v[others[0]].parse::<f64>().is_ok())
        });
    let combo_label = |vals: &[String]| -> String {
        others
            .iter()
            .map(|&k| {
                let unit = unit_of(params[k].1);
                let unit = if unit.is_empty() {
                    String::new()
                } else {
                    format!(" ({unit})")
                };
                format!("{} = {}{unit}", last_component(params[k].1), vals[k])
            })
            .collect::<Vec<_>>()
            .join(", ")
    };
    let mut ns: Vec<f64> = Vec::new();
    let mut figures = Vec::new();
    for metric in &metrics {
        // (platform, combination, sort key, points)
        let mut series: Vec<(String, String, Vec<f64>, Vec<Point>)> = Vec::new();
        for row in agg.rows() {
            if metric_col.is_some_and(|m| row.text(m) != metric.name) {
                continue;
            }
            let id = row.text(agg_point);
            let (Some(&x), Some(vals)) = (x_of.get(id), values.get(id)) else {
                continue;
            };
            let Some(p) = metric.read(&row) else { continue };
            if let Some(n) = n_col.and_then(|c| row.number(c)) {
                ns.push(n);
            }
            // A lender of its own (a bank) has an empty `platform` and its
            // name in `lender`.
            let who = match (platform.map(|c| row.text(c)), lender) {
                (Some(""), Some(l)) => row.text(l),
                (p, _) => p.unwrap_or("all"),
            }
            .to_string();
            let combo = combo_label(vals);
            let i = match series.iter().position(|s| s.0 == who && s.1 == combo) {
                Some(i) => i,
                None => {
                    let key = others
                        .iter()
                        .map(|&k| vals[k].parse::<f64>().unwrap_or(f64::NAN))
                        .collect();
                    series.push((who, combo, key, Vec::new()));
                    series.len() - 1
                }
            };
            series[i].3.push(Point { x, ..p });
        }
        if series.is_empty() {
            notes.push(format!(
                "skipped sweep figure for `{}`: no values",
                metric.name
            ));
            continue;
        }
        let (label, scale) = describe(&metric.name);
        let mut who: Vec<String> = Vec::new();
        for s in &series {
            if !who.contains(&s.0) {
                who.push(s.0.clone());
            }
        }
        // Without other parameters, one panel with a line per platform;
        // with them, small multiples: a panel per platform, a line per
        // combination.
        let groups: Vec<Option<&String>> = if others.is_empty() {
            vec![None]
        } else {
            who.iter().map(Some).collect()
        };
        let mut panels = Vec::new();
        for (g, group) in groups.iter().enumerate() {
            let mut mine: Vec<&(String, String, Vec<f64>, Vec<Point>)> = series
                .iter()
                .filter(|s| group.is_none_or(|w| *w == s.0))
                .collect();
            if group.is_some() {
                mine.sort_by(|a, b| {
                    a.2.iter()
                        .zip(&b.2)
                        .map(|(x, y)| x.total_cmp(y))
                        .find(|o| o.is_ne())
                        .unwrap_or(std::cmp::Ordering::Equal)
                });
            }
            let n = mine.len();
            // Lines that coincide would hide one another: each is nudged
            // sideways by a little (1% of the axis between neighbours).
            let dodge = if numeric && n > 1 && group.is_some() {
                let (lo, hi) = x_of
                    .values()
                    .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &x| {
                        (a.min(x), b.max(x))
                    });
                (hi - lo) * 0.01
            } else {
                0.0
            };
            let lines = mine
                .into_iter()
                .enumerate()
                .map(|(i, (w, combo, _, points))| {
                    let shift = dodge * (i as f64 - (n as f64 - 1.0) / 2.0);
                    let mut points: Vec<Point> = points
                        .iter()
                        .map(|p| Point {
                            x: p.x + shift,
                            ..*p
                        })
                        .collect();
                    points.sort_by(|a, b| a.x.total_cmp(&b.x));
                    Series {
                        label: if group.is_some() {
                            combo.clone()
                        } else {
                            w.clone()
                        },
                        look: if sequential && group.is_some() {
                            Look::Sequential(i, n)
                        } else {
                            Look::Categorical(i)
                        },
                        interval: Interval::Bars,
                        mark_every_point: true,
                        join: !scattered,
                        points,
                    }
                })
                .collect();
            let mut panel = Panel::new(group.map_or("", |w| w.as_str()), &x_name, &label, lines);
            panel.x_categories = (!numeric).then(|| categories.clone());
            panel.legend = g == 0;
            match scale {
                Scale::Percent => {
                    panel.scale(100.0);
                    panel.y_label = if label.contains('%') {
                        label.clone()
                    } else {
                        format!("{label} (%)")
                    };
                }
                Scale::Money => {
                    let unit = panel.scale_money();
                    panel.y_label = format!("{label} ({unit})");
                }
                Scale::Plain => {}
            }
            panels.push(panel);
        }
        let name: String = metric
            .name
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
            .collect();
        let title_label = match label.find(" (") {
            Some(i) => &label[..i],
            None => &label,
        };
        figures.push(Figure {
            name: format!("sweep_{name}"),
            title: format!(
                "{}: {title_label} against {}",
                files.scenario, params[x_param].1
            ),
            subtitle: String::new(),
            columns: panels.len().clamp(1, 2),
            panels,
        });
    }
    ns.sort_by(f64::total_cmp);
    let reps = match (ns.first(), ns.last()) {
        (Some(a), Some(b)) if a == b => format!(" of {a} replications"),
        (Some(a), Some(b)) => format!(" of {a}–{b} replications"),
        _ => String::new(),
    };
    let swept: Vec<&String> = params.iter().map(|(_, k)| *k).collect();
    let names = platform_names(&swept, files.manifest.as_ref());
    let names = if names.is_empty() {
        String::new()
    } else {
        format!(" ({})", names.join(", "))
    };
    for f in &mut figures {
        f.subtitle = format!(
            "Markers: mean{reps} at each sweep point. Bars: 95% confidence interval of the \
             mean.{names}"
        );
    }
    Ok(figures)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn files(points: &str, aggregate: &str) -> SweepFiles {
        SweepFiles {
            scenario: "s".into(),
            points: Table::from_text("points.csv", points).unwrap(),
            aggregate: Table::from_text("aggregate.csv", aggregate).unwrap(),
            manifest: None,
        }
    }

    #[test]
    fn wide_aggregate_gives_one_figure_per_metric() {
        let f = files(
            "point,platforms[1].subsidy[0].per_order\n0,0\n1,3\n2,6.5\n",
            "point,platforms[1].subsidy[0].per_order,platform,n,final_share_mean,final_share_sd,\
             final_share_ci_low,final_share_ci_high,cumulative_burn_mean,cumulative_burn_ci_low,\
             cumulative_burn_ci_high\n\
             0,0,A,3,0.6,0.1,0.5,0.7,1000,900,1100\n0,0,B,3,0.4,0.1,0.3,0.5,2000,1900,2100\n\
             1,3,A,3,0.5,0.1,0.4,0.6,1000,900,1100\n1,3,B,3,0.5,0.1,0.4,0.6,3000,,\n\
             2,6.5,A,3,0.4,0.1,0.3,0.5,1000,900,1100\n2,6.5,B,3,0.6,0.1,0.5,0.7,4000,3900,4100\n",
        );
        let mut notes = Vec::new();
        let figs = figures(&f, &mut notes).unwrap();
        assert_eq!(figs.len(), 2);
        let share = &figs[0];
        assert_eq!(share.name, "sweep_final_share");
        assert_eq!(share.panels[0].y_label, "final share (%)");
        let b = &share.panels[0].series[1];
        assert_eq!(b.label, "B");
        assert_eq!(
            b.points.iter().map(|p| p.x).collect::<Vec<_>>(),
            [0.0, 3.0, 6.5]
        );
        assert!((b.points[2].high.unwrap() - 70.0).abs() < 1e-9);
        // An empty interval (n < 2) is no interval.
        let burn = &figs[1].panels[0].series[1];
        assert_eq!(burn.points[1].low, None);
        assert!(
            share.subtitle.contains("3 replications"),
            "{}",
            share.subtitle
        );
    }

    #[test]
    fn long_aggregate_and_categorical_parameters() {
        let f = files(
            "point,market.customer_data,seed\n0,merchant,1\n1,platform,1\n",
            "point,platform,metric,mean,half_width\n\
             0,A,orders,100,10\n1,A,orders,80,5\n0,A,gmv,5,1\n1,A,gmv,6,1\n",
        );
        let mut notes = Vec::new();
        let figs = figures(&f, &mut notes).unwrap();
        assert_eq!(figs.len(), 2);
        let p = &figs[0].panels[0];
        assert_eq!(p.x_label, "market.customer_data");
        assert_eq!(figs[0].panels.len(), 1);
        assert_eq!(
            p.x_categories.as_deref(),
            Some(&["merchant".to_string(), "platform".to_string()][..])
        );
        assert_eq!(p.series[0].points[1].low, Some(75.0));
    }

    #[test]
    fn a_second_parameter_gives_a_panel_per_platform_and_a_ramp() {
        let mut points = String::from(
            "point,platforms[1].subsidy[0].per_order,platforms[1].subsidy[0].to_day\n",
        );
        let mut agg = String::from(
            "point,platform,n,final_share_mean,final_share_ci_low,final_share_ci_high\n",
        );
        let mut id = 0;
        for size in [0, 2, 5, 8] {
            for days in [30, 45, 60, 75] {
                points.push_str(&format!("{id},{size},{days}\n"));
                for p in ["A", "B"] {
                    agg.push_str(&format!("{id},{p},4,0.5,0.4,0.6\n"));
                }
                id += 1;
            }
        }
        let mut f = files(&points, &agg);
        f.manifest =
            Some(serde_json::json!({"scenario": {"platforms": [{"name": "A"}, {"name": "B"}]}}));
        let figs = figures(&f, &mut Vec::new()).unwrap();
        let share = &figs[0];
        assert_eq!(share.panels.len(), 2);
        let p = &share.panels[0];
        assert_eq!(p.title, "A");
        assert_eq!(
            p.x_label,
            "platforms[1].subsidy[0].per_order (yuan per order)"
        );
        assert_eq!(p.series.len(), 4);
        assert_eq!(p.series[0].label, "to_day = 30 (day)");
        assert_eq!(p.series[3].look, Look::Sequential(3, 4));
        assert!(
            share.subtitle.contains("platforms[1] is B"),
            "{}",
            share.subtitle
        );
    }

    #[test]
    fn an_aggregate_without_statistics_is_refused() {
        let f = files("point,a\n0,1\n", "point,platform,whatever\n0,A,1\n");
        let err = figures(&f, &mut Vec::new()).unwrap_err();
        assert!(err.contains("aggregate.csv"), "{err}");
    }
}
