//! The `[calibrate]` table as written, read into a [`CalibrateSpec`], and
//! the simulated value of each of its moments read from a run
//! ([`simulate`]); the search reads and evaluates calibrations with it,
//! and the `calibrate` module does the rest:
//! which scenario values are estimated (key paths with bounds, optionally
//! on a log scale), which observed figures they are fitted to, and how
//! much the search may spend.
//!
//! A target is either a **moment** (one figure of a platform, a lender or
//! the market, or a daily metric averaged over a window, optionally
//! relative to another window or to the peak) or a **series** (a CSV file
//! of `day, platform, metric, value[, se]` rows matched against
//! `timeseries.csv`, optionally averaged to weeks or 30-day months). Both
//! are expanded into [`Moment`]s: one observed number each, and the recipe
//! that reads the simulated number from a run.
//!
//! Reading is strict: unknown keys, unknown platforms, lenders and
//! metrics, empty ranges, a series file that is missing or malformed are
//! refused before anything runs, each naming the key path and line (and
//! the series file's own line).

use std::path::Path;

use serde::Serialize;

use super::spec::{MAX_BUDGET, MAX_REPLICATIONS, Reader, Variable};
use crate::metrics::RunOutput;
use crate::metrics::columns::Value;
use crate::metrics::tables::{LENDER_FIGURES, MARKET, Row, SUMMARY_METRICS, timeseries};
use crate::scenario::{Problem, Scenario};

/// Days of the window over which `relative_to = "peak"` looks for the
/// highest mean.
pub const PEAK_WINDOW_DAYS: u32 = 7;

/// How a series is averaged before it is compared.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Aggregate {
    /// Every row is a moment.
    Day,
    /// Rows of the same 7-day week (days 0–6, 7–13, …) are averaged.
    Week,
    /// Rows of the same 30-day month are averaged.
    Month,
}

impl Aggregate {
    fn days(self) -> u32 {
        match self {
            Aggregate::Day => 1,
            Aggregate::Week => 7,
            Aggregate::Month => 30,
        }
    }

    fn name(self) -> &'static str {
        match self {
            Aggregate::Day => "day",
            Aggregate::Week => "week",
            Aggregate::Month => "month",
        }
    }
}

/// How the simulated value of a moment is read from one replication.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Quantity {
    /// A `summary.csv` figure of a platform (column index into
    /// `SUMMARY_METRICS`), optionally divided by another of its figures.
    Summary {
        /// Platform index.
        platform: usize,
        /// Column of the numerator.
        column: usize,
        /// Column of the denominator, if a ratio.
        over: Option<usize>,
    },
    /// A `lenders.csv` figure of a lender (index into `LENDER_FIGURES`),
    /// optionally divided by another.
    Lender {
        /// Lender index.
        lender: usize,
        /// Column of the numerator.
        column: usize,
        /// Column of the denominator, if a ratio.
        over: Option<usize>,
    },
    /// A `market.csv` figure (index into `MARKET`), optionally divided by
    /// another.
    Market {
        /// Column of the numerator.
        column: usize,
        /// Column of the denominator, if a ratio.
        over: Option<usize>,
    },
    /// The mean over `days` of a `timeseries.csv` figure of one platform,
    /// or of the sum over every platform (`platform` none).
    Daily {
        /// Platform index, or none for the sum over platforms.
        platform: Option<usize>,
        /// Column of `timeseries.csv`.
        column: usize,
        /// The days averaged.
        days: Vec<u32>,
    },
    /// The highest mean over [`PEAK_WINDOW_DAYS`] consecutive days of a
    /// `timeseries.csv` figure.
    Peak {
        /// Platform index, or none for the sum over platforms.
        platform: Option<usize>,
        /// Column of `timeseries.csv`.
        column: usize,
    },
}

/// One observed number and how to simulate it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Moment {
    /// Name in files and figures, e.g. `QR Lender average loan` or
    /// `all orders week 3`.
    pub name: String,
    /// Index of the target it comes from.
    pub target: usize,
    /// Platform, lender or `market` (`all` for the sum over platforms).
    pub entity: String,
    /// The metric as written.
    pub metric: String,
    /// First day of the window or series bucket, if it has one.
    pub day: Option<u32>,
    /// The observed value.
    pub observed: f64,
    /// Its standard error, if stated.
    pub se: Option<f64>,
    /// The simulated value.
    pub value: Quantity,
    /// The simulated value is divided by this one, if set.
    pub relative_to: Option<Quantity>,
}

/// One target as written.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Target {
    /// Its name (written, or made from what it measures).
    pub name: String,
    /// The series file, for a series target.
    pub series: Option<String>,
    /// First and one-past-last index of its moments.
    pub moments: (usize, usize),
}

/// How the intervals of the estimates are computed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Intervals {
    /// Asymptotic (sandwich) covariance of the method of simulated
    /// moments with the simulation correction, from a finite-difference
    /// Jacobian of the moments at the estimate.
    Sandwich,
}

/// A validated `[calibrate]` table.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CalibrateSpec {
    /// The estimated parameters, in file order.
    pub parameters: Vec<Variable>,
    /// The targets, in file order.
    pub targets: Vec<Target>,
    /// Every observed number, target by target.
    pub moments: Vec<Moment>,
    /// Evaluations the search may spend (space-filling start included,
    /// the Jacobian for the intervals not).
    pub budget: u32,
    /// Points of the space-filling (Halton) start.
    pub start_points: u32,
    /// Replications of every evaluation (the same seeds for each).
    pub replications: u32,
    /// Two-sided level of the intervals.
    pub confidence: f64,
    /// How the intervals are computed.
    pub intervals: Intervals,
    /// Step of the finite differences, as a share of each range.
    pub step: f64,
}

impl CalibrateSpec {
    /// Whether some target has no stated standard error (its weight then
    /// comes from the simulated variance).
    pub fn needs_simulated_variance(&self) -> bool {
        self.moments.iter().any(|m| m.se.is_none())
    }
}

const CALIBRATE_KEYS: [&str; 8] = [
    "parameters",
    "targets",
    "budget",
    "start_points",
    "replications",
    "confidence",
    "intervals",
    "step",
];
const MOMENT_KEYS: [&str; 8] = [
    "name",
    "platform",
    "lender",
    "metric",
    "value",
    "se",
    "days",
    "relative_to",
];
const SERIES_KEYS: [&str; 3] = ["name", "series", "aggregate"];

/// The `timeseries.csv` columns a daily target may name (the numeric
/// ones).
pub fn daily_metrics() -> Vec<&'static str> {
    timeseries()
        .iter()
        .map(|c| c.name)
        .filter(|n| !["replication", "day", "platform"].contains(n))
        .collect()
}

fn summary_metrics() -> Vec<&'static str> {
    SUMMARY_METRICS.iter().map(|c| c.name).collect()
}

fn lender_metrics() -> Vec<&'static str> {
    LENDER_FIGURES.iter().map(|c| c.name).collect()
}

fn market_metrics() -> Vec<&'static str> {
    MARKET
        .iter()
        .map(|c| c.name)
        .filter(|n| !["replication", "seed"].contains(n))
        .collect()
}

/// The index of column `name` in the full column table of `file`.
fn index_in(file: &str, name: &str) -> Option<usize> {
    match file {
        "timeseries.csv" => timeseries().iter().position(|c| c.name == name),
        "market.csv" => MARKET.iter().position(|c| c.name == name),
        "lenders.csv" => LENDER_FIGURES.iter().position(|c| c.name == name),
        _ => SUMMARY_METRICS.iter().position(|c| c.name == name),
    }
}

fn hint(names: &[&str], name: &str) -> String {
    names
        .iter()
        .map(|k| (strsim::levenshtein(k, name), k))
        .filter(|(d, _)| *d <= 3)
        .min()
        .map(|(_, k)| format!("did you mean `{k}`?"))
        .unwrap_or_else(|| format!("expected one of: {}", names.join(", ")))
}

struct Targets<'r, 'a> {
    r: &'r mut Reader<'a>,
    scenario: &'r Scenario,
    dir: &'r Path,
    moments: Vec<Moment>,
    targets: Vec<Target>,
}

impl Targets<'_, '_> {
    /// Index of `name` in `names`, or a problem at `path`.
    fn column(&mut self, path: &str, names: &[&str], name: &str, file: &str) -> Option<usize> {
        let i = names
            .iter()
            .position(|n| *n == name)
            .and_then(|_| index_in(file, name));
        if i.is_none() {
            self.r.fail(
                path,
                format!(
                    "unknown metric `{name}`: not a column of {file} ({})",
                    hint(names, name)
                ),
            );
        }
        i
    }

    fn platform_named(&mut self, path: &str, name: &str) -> Option<usize> {
        let i = self.scenario.platforms.iter().position(|p| p.name == name);
        if i.is_none() {
            let names: Vec<&str> = self
                .scenario
                .platforms
                .iter()
                .map(|p| p.name.as_str())
                .collect();
            self.r.fail(
                path,
                format!(
                    "no platform is named `{name}` (the scenario has: {})",
                    names.join(", ")
                ),
            );
        }
        i
    }

    fn window(&mut self, path: &str, v: &toml::Value) -> Option<Vec<u32>> {
        let horizon = self.scenario.horizon_days;
        let pair = v.as_array().and_then(|a| match a.as_slice() {
            [toml::Value::Integer(a), toml::Value::Integer(b)] => Some((*a, *b)),
            _ => None,
        });
        match pair {
            Some((a, b)) if 0 <= a && a <= b && b < i64::from(horizon) => {
                Some((a as u32..=b as u32).collect())
            }
            _ => {
                self.r.fail(
                    path,
                    format!(
                        "must be a window of days [FROM, TO] with 0 <= FROM <= TO < horizon_days \
                         ({horizon}), got {v}"
                    ),
                );
                None
            }
        }
    }

    fn number(&mut self, t: &toml::Table, at: &str, key: &str, positive: bool) -> Option<f64> {
        let v = match t.get(key)? {
            toml::Value::Float(x) => *x,
            toml::Value::Integer(i) => *i as f64,
            other => {
                self.r.fail(
                    &format!("{at}.{key}"),
                    format!("must be a number, got {}", other.type_str()),
                );
                return None;
            }
        };
        if !v.is_finite() || (positive && v <= 0.0) {
            let rule = if positive {
                "must be a positive finite number"
            } else {
                "must be a finite number"
            };
            self.r
                .fail(&format!("{at}.{key}"), format!("{rule}, got {v}"));
            return None;
        }
        Some(v)
    }

    fn text<'t>(&mut self, t: &'t toml::Table, at: &str, key: &str) -> Option<&'t str> {
        match t.get(key)? {
            toml::Value::String(s) => Some(s),
            other => {
                self.r.fail(
                    &format!("{at}.{key}"),
                    format!("must be a string, got {}", other.type_str()),
                );
                None
            }
        }
    }

    /// A `metric` or `metric_a / metric_b` among `names`.
    fn ratio(
        &mut self,
        path: &str,
        names: &[&str],
        metric: &str,
        file: &str,
    ) -> Option<(usize, Option<usize>)> {
        match metric.split_once('/') {
            Some((a, b)) => {
                let a = self.column(path, names, a.trim(), file);
                let b = self.column(path, names, b.trim(), file);
                Some((a?, Some(b?)))
            }
            None => Some((self.column(path, names, metric.trim(), file)?, None)),
        }
    }

    fn moment(&mut self, index: usize, t: &toml::Table, at: &str) {
        self.r.unknown_keys(t, at, &MOMENT_KEYS);
        let Some(metric) = self.text(t, at, "metric") else {
            if !t.contains_key("metric") {
                self.r.fail(
                    &format!("{at}.metric"),
                    "required: the metric the target measures, e.g. \"npl_ratio\", \
                     \"disbursed_amount / loans_disbursed\" or (with days) \"orders\"",
                );
            }
            return;
        };
        let metric = metric.to_string();
        let value = self.number(t, at, "value", false);
        if !t.contains_key("value") {
            self.r
                .fail(&format!("{at}.value"), "required: the observed value");
        }
        let se = self.number(t, at, "se", true);
        let platform = self.text(t, at, "platform").map(str::to_string);
        let lender = self.text(t, at, "lender").map(str::to_string);
        let path = format!("{at}.metric");
        let (quantity, entity, day) = if let Some(days) = t.get("days") {
            if lender.is_some() {
                self.r.fail(
                    &format!("{at}.lender"),
                    "a target over days reads timeseries.csv, which has platforms only",
                );
                return;
            }
            let days = self.window(&format!("{at}.days"), days);
            let p = match &platform {
                Some(name) => match self.platform_named(&format!("{at}.platform"), name) {
                    Some(p) => Some(p),
                    None => return,
                },
                None => None,
            };
            let column = self.column(&path, &daily_metrics(), &metric, "timeseries.csv");
            let (Some(days), Some(column)) = (days, column) else {
                return;
            };
            let day = days.first().copied();
            (
                Quantity::Daily {
                    platform: p,
                    column,
                    days,
                },
                platform.clone().unwrap_or_else(|| "all".into()),
                day,
            )
        } else if let Some(name) = &lender {
            if platform.is_some() {
                self.r.fail(
                    &format!("{at}.platform"),
                    "give either platform or lender, not both",
                );
                return;
            }
            let Some(l) = self.scenario.lenders.iter().position(|l| &l.name == name) else {
                let names: Vec<&str> = self
                    .scenario
                    .lenders
                    .iter()
                    .map(|l| l.name.as_str())
                    .collect();
                self.r.fail(
                    &format!("{at}.lender"),
                    format!(
                        "no lender is named `{name}` (the scenario has: {})",
                        if names.is_empty() {
                            "none".to_string()
                        } else {
                            names.join(", ")
                        }
                    ),
                );
                return;
            };
            let Some((column, over)) = self.ratio(&path, &lender_metrics(), &metric, "lenders.csv")
            else {
                return;
            };
            (
                Quantity::Lender {
                    lender: l,
                    column,
                    over,
                },
                name.clone(),
                None,
            )
        } else if let Some(name) = &platform {
            let Some(p) = self.platform_named(&format!("{at}.platform"), name) else {
                return;
            };
            let Some((column, over)) =
                self.ratio(&path, &summary_metrics(), &metric, "summary.csv")
            else {
                return;
            };
            (
                Quantity::Summary {
                    platform: p,
                    column,
                    over,
                },
                name.clone(),
                None,
            )
        } else {
            let Some((column, over)) = self.ratio(&path, &market_metrics(), &metric, "market.csv")
            else {
                return;
            };
            (Quantity::Market { column, over }, "market".into(), None)
        };
        let relative_to = match t.get("relative_to") {
            None => None,
            Some(v) => {
                let Quantity::Daily {
                    platform, column, ..
                } = &quantity
                else {
                    self.r.fail(
                        &format!("{at}.relative_to"),
                        "only a target over days can be relative to another window",
                    );
                    return;
                };
                if v.as_str() == Some("peak") {
                    Some(Quantity::Peak {
                        platform: *platform,
                        column: *column,
                    })
                } else if v.is_array() {
                    let (platform, column) = (*platform, *column);
                    self.window(&format!("{at}.relative_to"), v)
                        .map(|days| Quantity::Daily {
                            platform,
                            column,
                            days,
                        })
                } else {
                    self.r.fail(
                        &format!("{at}.relative_to"),
                        format!("must be \"peak\" or a window of days [FROM, TO], got {v}"),
                    );
                    return;
                }
            }
        };
        if t.contains_key("relative_to") && relative_to.is_none() {
            return;
        }
        let Some(observed) = value else { return };
        let name = match self.text(t, at, "name") {
            Some(n) => n.to_string(),
            None => {
                let window = match (&quantity, &relative_to) {
                    (Quantity::Daily { days, .. }, _) => format!(
                        " days {}-{}",
                        days.first().copied().unwrap_or(0),
                        days.last().copied().unwrap_or(0)
                    ),
                    _ => String::new(),
                };
                let rel = match &relative_to {
                    Some(Quantity::Peak { .. }) => " / peak".to_string(),
                    Some(Quantity::Daily { days, .. }) => format!(
                        " / days {}-{}",
                        days.first().copied().unwrap_or(0),
                        days.last().copied().unwrap_or(0)
                    ),
                    _ => String::new(),
                };
                format!("{entity} {metric}{window}{rel}")
            }
        };
        let first = self.moments.len();
        self.moments.push(Moment {
            name: name.clone(),
            target: index,
            entity,
            metric,
            day,
            observed,
            se,
            value: quantity,
            relative_to,
        });
        self.targets.push(Target {
            name,
            series: None,
            moments: (first, first + 1),
        });
    }

    fn series(&mut self, index: usize, t: &toml::Table, at: &str) {
        self.r.unknown_keys(t, at, &SERIES_KEYS);
        let path = format!("{at}.series");
        let Some(file) = self.text(t, at, "series").map(str::to_string) else {
            return;
        };
        let aggregate = match self.text(t, at, "aggregate") {
            None if t.contains_key("aggregate") => return,
            None | Some("day") => Aggregate::Day,
            Some("week") => Aggregate::Week,
            Some("month") => Aggregate::Month,
            Some(other) => {
                self.r.fail(
                    &format!("{at}.aggregate"),
                    format!("must be \"day\", \"week\" or \"month\", got \"{other}\""),
                );
                return;
            }
        };
        let full = self.dir.join(&file);
        let text = match crate::scenario::read_text(&full) {
            Ok(t) => t,
            Err(e) => {
                self.r.fail(
                    &path,
                    format!("cannot read the series file `{}`: {e}", full.display()),
                );
                return;
            }
        };
        let Some(rows) = self.rows(&path, &full, &text) else {
            return;
        };
        // Group rows by (platform, metric, bucket), in first-seen order.
        struct Group {
            platform: Option<usize>,
            entity: String,
            metric: String,
            column: usize,
            bucket: u32,
            days: Vec<u32>,
            values: Vec<f64>,
            ses: Vec<Option<f64>>,
        }
        let mut groups: Vec<Group> = Vec::new();
        for row in rows {
            let bucket = row.day / aggregate.days();
            match groups.iter_mut().find(|g| {
                g.platform == row.platform && g.column == row.column && g.bucket == bucket
            }) {
                Some(g) => {
                    if !g.days.contains(&row.day) {
                        g.days.push(row.day);
                    }
                    g.values.push(row.value);
                    g.ses.push(row.se);
                }
                None => groups.push(Group {
                    platform: row.platform,
                    entity: row.entity,
                    metric: row.metric,
                    column: row.column,
                    bucket,
                    days: vec![row.day],
                    values: vec![row.value],
                    ses: vec![row.se],
                }),
            }
        }
        let first = self.moments.len();
        for mut g in groups {
            g.days.sort_unstable();
            let n = g.values.len() as f64;
            let observed = g.values.iter().sum::<f64>() / n;
            // The mean of independent errors: sqrt(Σ se²) / n.
            let se = g
                .ses
                .iter()
                .try_fold(0.0, |acc, s| s.map(|s| acc + s * s))
                .map(|v| v.sqrt() / n);
            self.moments.push(Moment {
                name: format!(
                    "{} {} {} {}",
                    g.entity,
                    g.metric,
                    aggregate.name(),
                    g.bucket
                ),
                target: index,
                entity: g.entity,
                metric: g.metric,
                day: g.days.first().copied(),
                observed,
                se,
                value: Quantity::Daily {
                    platform: g.platform,
                    column: g.column,
                    days: g.days,
                },
                relative_to: None,
            });
        }
        let name = self
            .text(t, at, "name")
            .map(str::to_string)
            .unwrap_or_else(|| file.clone());
        self.targets.push(Target {
            name,
            series: Some(file),
            moments: (first, self.moments.len()),
        });
    }

    /// The rows of a series file, or a problem naming the file and line.
    fn rows(&mut self, path: &str, full: &Path, text: &str) -> Option<Vec<SeriesRow>> {
        let shown = full.display().to_string();
        let mut reader = csv::ReaderBuilder::new()
            .trim(csv::Trim::All)
            .flexible(true)
            .from_reader(text.as_bytes());
        let header: Vec<String> = match reader.headers() {
            Ok(h) => h.iter().map(str::to_string).collect(),
            Err(e) => {
                self.r
                    .fail(path, format!("`{shown}` line 1: not a CSV header: {e}"));
                return None;
            }
        };
        let expected = ["day", "platform", "metric", "value", "se"];
        let ok = header.len() >= 4
            && header.len() <= 5
            && header.iter().zip(expected).all(|(h, e)| h == e);
        if !ok {
            self.r.fail(
                path,
                format!(
                    "`{shown}` line 1: the header must be `day,platform,metric,value` or \
                     `day,platform,metric,value,se`, got `{}`",
                    header.join(",")
                ),
            );
            return None;
        }
        let with_se = header.len() == 5;
        let names = daily_metrics();
        let horizon = self.scenario.horizon_days;
        let mut out = Vec::new();
        // (day, platform, metric) → the line that gave it.
        let mut seen = std::collections::BTreeMap::new();
        for (i, record) in reader.records().enumerate() {
            let line = i + 2;
            let record = match record {
                Ok(r) => r,
                Err(e) => {
                    self.r.fail(path, format!("`{shown}` line {line}: {e}"));
                    return None;
                }
            };
            let fail = |r: &mut Reader, why: String| {
                r.fail(path, format!("`{shown}` line {line}: {why}"));
            };
            if record.len() != header.len() {
                fail(
                    self.r,
                    format!("has {} fields, the header {}", record.len(), header.len()),
                );
                return None;
            }
            let day = match record[0].parse::<u32>() {
                Ok(d) if d < horizon => d,
                _ => {
                    fail(
                        self.r,
                        format!(
                            "day `{}` is not a whole number below horizon_days ({horizon})",
                            &record[0]
                        ),
                    );
                    return None;
                }
            };
            let entity = record[1].to_string();
            let platform = if entity.is_empty() || entity == "all" {
                None
            } else {
                match self
                    .scenario
                    .platforms
                    .iter()
                    .position(|p| p.name == entity)
                {
                    Some(p) => Some(p),
                    None => {
                        let have: Vec<&str> = self
                            .scenario
                            .platforms
                            .iter()
                            .map(|p| p.name.as_str())
                            .collect();
                        fail(
                            self.r,
                            format!(
                                "no platform is named `{entity}` (the scenario has: {}; `all` sums them)",
                                have.join(", ")
                            ),
                        );
                        return None;
                    }
                }
            };
            let metric = record[2].to_string();
            let column = names
                .iter()
                .position(|n| *n == metric)
                .and_then(|_| index_in("timeseries.csv", &metric));
            let Some(column) = column else {
                fail(
                    self.r,
                    format!(
                        "unknown metric `{metric}`: not a column of timeseries.csv ({})",
                        hint(&names, &metric)
                    ),
                );
                return None;
            };
            let value = match record[3].parse::<f64>() {
                Ok(v) if v.is_finite() => v,
                _ => {
                    fail(
                        self.r,
                        format!("value `{}` is not a finite number", &record[3]),
                    );
                    return None;
                }
            };
            let se = if with_se {
                match record[4].parse::<f64>() {
                    Ok(v) if v.is_finite() && v > 0.0 => Some(v),
                    _ => {
                        fail(
                            self.r,
                            format!("se `{}` is not a positive finite number", &record[4]),
                        );
                        return None;
                    }
                }
            } else {
                None
            };
            // Two observations of one figure on one day are a mistake in
            // the data (a pasted block twice), not a weight.
            if let Some(first) = seen.insert((day, platform, metric.clone()), line) {
                fail(
                    self.r,
                    format!(
                        "day {day}, `{}`, `{metric}` is observed again (first on line {first})",
                        if entity.is_empty() {
                            "all"
                        } else {
                            entity.as_str()
                        }
                    ),
                );
                return None;
            }
            out.push(SeriesRow {
                day,
                platform,
                entity: if platform.is_none() {
                    "all".into()
                } else {
                    entity
                },
                metric,
                column,
                value,
                se,
            });
        }
        if out.is_empty() {
            self.r
                .fail(path, format!("`{shown}` has a header but no rows"));
            return None;
        }
        Some(out)
    }
}

struct SeriesRow {
    day: u32,
    platform: Option<usize>,
    entity: String,
    metric: String,
    column: usize,
    value: f64,
    se: Option<f64>,
}

/// Reads the `[calibrate]` table of `scenario`; `dir` is where series
/// files are looked for (the scenario file's directory).
pub(crate) fn read_calibrate(
    table: &toml::Table,
    text: &str,
    scenario: &Scenario,
    dir: &Path,
) -> Result<CalibrateSpec, Vec<Problem>> {
    let platforms: Vec<String> = scenario.platforms.iter().map(|p| p.name.clone()).collect();
    let mut r = Reader {
        text,
        platforms: &platforms,
        problems: Vec::new(),
    };
    r.unknown_keys(table, "calibrate", &CALIBRATE_KEYS);
    let parameters = r.ranges(table, "calibrate", "parameters", true);
    let budget = r.count(table, "calibrate", "budget", MAX_BUDGET, 60);
    let d = parameters.len().max(1) as u32;
    let default_start = (budget / 3).clamp(1, 10 * d);
    let start_points = r.count(
        table,
        "calibrate",
        "start_points",
        MAX_BUDGET,
        default_start,
    );
    let replications = r.count(
        table,
        "calibrate",
        "replications",
        MAX_REPLICATIONS,
        scenario.replications,
    );
    let confidence = r.real(table, "calibrate", "confidence", (0.5, 0.999), 0.9);
    let step = r.real(table, "calibrate", "step", (0.001, 0.25), 0.03);
    let intervals = match table.get("intervals") {
        None => Intervals::Sandwich,
        Some(toml::Value::String(s)) if s == "sandwich" => Intervals::Sandwich,
        Some(other) => {
            r.fail(
                "calibrate.intervals",
                format!("must be \"sandwich\", got {other}"),
            );
            Intervals::Sandwich
        }
    };
    if start_points > budget {
        r.fail(
            "calibrate.start_points",
            format!("must not exceed budget ({budget}), got {start_points}"),
        );
    }
    let mut t = Targets {
        r: &mut r,
        scenario,
        dir,
        moments: Vec::new(),
        targets: Vec::new(),
    };
    match table.get("targets") {
        Some(toml::Value::Array(items)) if !items.is_empty() => {
            for (i, item) in items.iter().enumerate() {
                let at = format!("calibrate.targets[{i}]");
                match item.as_table() {
                    Some(tt) if tt.contains_key("series") => t.series(i, tt, &at),
                    Some(tt) => t.moment(i, tt, &at),
                    None => t.r.fail(&at, "must be a table ([[calibrate.targets]])"),
                }
            }
        }
        _ => t.r.fail(
            "calibrate.targets",
            "required: at least one [[calibrate.targets]], a moment (metric, value, se, and \
             platform, lender or days) or a series (series = \"FILE.csv\")",
        ),
    }
    let (moments, targets) = (t.moments, t.targets);
    let spec = CalibrateSpec {
        parameters,
        targets,
        moments,
        budget,
        start_points,
        replications,
        confidence,
        intervals,
        step,
    };
    if spec.needs_simulated_variance() && replications < 2 {
        r.fail(
            "calibrate.replications",
            "a target without se is weighted by the simulated variance, which needs at least \
             2 replications",
        );
    }
    if r.problems.is_empty() {
        Ok(spec)
    } else {
        Err(r.problems)
    }
}

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
            let w = (PEAK_WINDOW_DAYS as usize).min(by_day.len()).max(1);
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
