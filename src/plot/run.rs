//! The figures of a run directory (`flywheel run --out DIR`), listed as
//! data in [`FIGURES`]: each figure names the file and the columns it
//! needs, so a file or column that is missing skips that figure with a
//! note rather than failing the others, and a figure whose columns a later
//! version adds (balances and profit by business line) appears by itself
//! once the columns do.
//!
//! Every figure with a time axis marks the run's dated events
//! ([`super::events`]); series over a rolling 30-day window (active users)
//! draw their first 30 days as a warm-up, not as a real low value.

use std::collections::BTreeMap;

use serde_json::Value;

use super::figure::{Event, Figure, Interval, Look, Panel, Point, Series, mean_and_range};
use super::table::Table;
use crate::metrics::{ACTIVE_WINDOW_DAYS, COHORT_MONTH_DAYS};

/// The files of a run directory that figures are drawn from.
#[derive(Debug, Clone)]
pub struct RunFiles {
    /// Scenario name, for titles.
    pub scenario: String,
    /// `timeseries.csv`.
    pub timeseries: Table,
    /// `cohorts.csv`, if present.
    pub cohorts: Option<Table>,
    /// `lending.csv`, if present.
    pub lending: Option<Table>,
    /// `market.csv`, if present.
    pub market: Option<Table>,
    /// `summary.csv`, if present.
    pub summary: Option<Table>,
    /// `business_lines.csv`, if present.
    pub business_lines: Option<Table>,
    /// `manifest.json`, if present and readable.
    pub manifest: Option<Value>,
}

/// Name of the lending book's daily file, when a run has lenders.
pub const LENDING_CSV: &str = "lending.csv";

/// Name of the daily file of balances and profit by business line
/// (lending, payments, local services), when a run writes one.
pub const BUSINESS_LINES_CSV: &str = "business_lines.csv";

/// One figure of a run directory: its file stem, the file it is drawn
/// from, the columns it needs there, and its builder.
pub struct FigureSpec {
    /// File stem of the figure.
    pub name: &'static str,
    /// The result file it is drawn from.
    pub file: &'static str,
    /// Columns it cannot be drawn without.
    pub needs: &'static [&'static str],
    /// What to say when the file is absent (`None`: say nothing, for a
    /// file that only some versions or scenarios write).
    pub absent: Option<&'static str>,
    build: fn(&RunFiles, &Context) -> Result<Figure, String>,
}

/// What every builder shares.
struct Context {
    reps: usize,
    events: Vec<Event>,
}

/// Every run figure, in drawing order.
pub const FIGURES: &[FigureSpec] = &[
    FigureSpec {
        name: "overview",
        file: "timeseries.csv",
        needs: &["day", "platform", "share", "cumulative_burn"],
        absent: None,
        build: overview,
    },
    FigureSpec {
        name: "orders",
        file: "timeseries.csv",
        needs: &["day", "platform", "orders"],
        absent: None,
        build: orders,
    },
    FigureSpec {
        name: "market_share",
        file: "timeseries.csv",
        needs: &["day", "platform", "share"],
        absent: None,
        build: market_share,
    },
    FigureSpec {
        name: "cash_burn",
        file: "timeseries.csv",
        needs: &["day", "platform", "cash", "cumulative_burn"],
        absent: None,
        build: cash_burn,
    },
    FigureSpec {
        name: "active_users",
        file: "timeseries.csv",
        needs: &["day", "platform", "active_consumers"],
        absent: None,
        build: active_users,
    },
    FigureSpec {
        name: "merchants",
        file: "timeseries.csv",
        needs: &["day", "platform", "merchants"],
        absent: None,
        build: merchants,
    },
    FigureSpec {
        name: "wallet",
        file: "timeseries.csv",
        needs: &["day", "platform", "wallet_payments"],
        absent: None,
        build: wallet,
    },
    FigureSpec {
        name: "purchases",
        file: "market.csv",
        needs: &[
            "platform_orders",
            "direct_orders",
            "member_orders",
            "no_purchase",
        ],
        absent: Some("no market.csv in the directory"),
        build: purchases,
    },
    FigureSpec {
        name: "retention",
        file: "cohorts.csv",
        needs: &[
            "platform",
            "cohort_month",
            "age_months",
            "observed",
            "retained",
        ],
        absent: Some("no cohorts.csv in the directory"),
        build: retention,
    },
    FigureSpec {
        name: "lending",
        file: LENDING_CSV,
        needs: &["day", "outstanding"],
        absent: Some("no lending.csv (run a scenario with lending to get one)"),
        build: lending,
    },
    FigureSpec {
        name: "lending_losses",
        file: LENDING_CSV,
        needs: &["day", "credit_loss", "expected_loss"],
        absent: None,
        build: lending_losses,
    },
    FigureSpec {
        name: "business_lines",
        file: BUSINESS_LINES_CSV,
        needs: &["day", "platform", "line"],
        absent: None,
        build: business_lines,
    },
];

impl RunFiles {
    fn table(&self, file: &str) -> Option<&Table> {
        match file {
            "timeseries.csv" => Some(&self.timeseries),
            "cohorts.csv" => self.cohorts.as_ref(),
            LENDING_CSV => self.lending.as_ref(),
            "market.csv" => self.market.as_ref(),
            "summary.csv" => self.summary.as_ref(),
            BUSINESS_LINES_CSV => self.business_lines.as_ref(),
            _ => None,
        }
    }
}

/// Builds every run figure it can, adding a note for each it skips.
pub fn figures(files: &RunFiles, notes: &mut Vec<String>) -> Vec<Figure> {
    let cx = Context {
        reps: replications(&files.timeseries),
        events: super::events::events(files.manifest.as_ref(), files.summary.as_ref()),
    };
    let mut out = Vec::new();
    for spec in FIGURES {
        let Some(table) = files.table(spec.file) else {
            if let Some(why) = spec.absent {
                notes.push(format!("skipped {}: {why}", spec.name));
            }
            continue;
        };
        if let Err(why) = spec
            .needs
            .iter()
            .try_for_each(|c| table.column(c).map(|_| ()))
        {
            notes.push(format!("skipped {}: {why}", spec.name));
            continue;
        }
        match (spec.build)(files, &cx) {
            Ok(mut f) => {
                mark_events(&mut f, &cx.events);
                if f.panels.iter().any(|p| p.warm_up.is_some()) {
                    f.subtitle.push_str(&format!(
                        " Grey band at the start: the first {ACTIVE_WINDOW_DAYS} days, when a \
                         {ACTIVE_WINDOW_DAYS}-day window is not yet full (dotted line)."
                    ));
                }
                out.push(f);
            }
            Err(why) => notes.push(format!("skipped {}: {why}", spec.name)),
        }
    }
    out
}

/// Puts the events on every panel with a day axis; only the top one
/// carries their labels.
fn mark_events(f: &mut Figure, events: &[Event]) {
    let mut first = true;
    for p in &mut f.panels {
        if p.x_label == "day" {
            p.events = events.to_vec();
            p.event_labels = first;
            first = false;
        }
    }
}

/// Distinct values of the `replication` column (1 if there is none).
fn replications(t: &Table) -> usize {
    let Some(c) = t.find("replication") else {
        return 1;
    };
    let mut seen: Vec<&str> = t.rows().map(|r| r.text(c)).collect();
    seen.sort_unstable();
    seen.dedup();
    seen.len().max(1)
}

fn band_subtitle(reps: usize) -> String {
    if reps > 1 {
        format!(
            "Lines: mean of {reps} replications. Shaded bands: 5–95% range across replications."
        )
    } else {
        "One replication (run more replications to see the spread).".to_string()
    }
}

/// Values of `value` grouped by `group` (in order of first appearance)
/// and then by `x`: for each group, each x with every replication's value.
fn grouped(t: &Table, group: &str, x: &str, value: &str) -> Result<Vec<Group>, String> {
    let [g, xc, v] = t.columns([group, x, value])?;
    let mut groups: Vec<Group> = Vec::new();
    for row in t.rows() {
        let (Some(xv), Some(val)) = (row.number(xc), row.number(v)) else {
            continue;
        };
        let name = row.text(g);
        let i = match groups.iter().position(|gr| gr.name == name) {
            Some(i) => i,
            None => {
                groups.push(Group {
                    name: name.to_string(),
                    values: Vec::new(),
                });
                groups.len() - 1
            }
        };
        groups[i].values.push((xv, val));
    }
    if groups.is_empty() {
        return Err(format!(
            "`{value}` has no values in `{}`",
            t.path.file_name().map_or_else(
                || t.path.display().to_string(),
                |n| n.to_string_lossy().into_owned()
            )
        ));
    }
    Ok(groups)
}

struct Group {
    name: String,
    values: Vec<(f64, f64)>,
}

/// One series per group: the mean over replications at each x, with the
/// 5–95% range as a band.
fn band_series(groups: Vec<Group>, factor: f64) -> Vec<Series> {
    groups
        .into_iter()
        .enumerate()
        .map(|(i, mut g)| {
            g.values.sort_by(|a, b| a.0.total_cmp(&b.0));
            let mut points = Vec::new();
            let mut k = 0;
            while k < g.values.len() {
                let x = g.values[k].0;
                let mut same = Vec::new();
                while k < g.values.len() && g.values[k].0 == x {
                    same.push(g.values[k].1 * factor);
                    k += 1;
                }
                if let Some(p) = mean_and_range(same) {
                    points.push(Point { x, ..p });
                }
            }
            Series {
                label: g.name,
                look: Look::Categorical(i),
                interval: Interval::Band,
                mark_every_point: false,
                join: true,
                points,
            }
        })
        .collect()
}

fn day_panel(title: &str, y_label: &str, series: Vec<Series>) -> Panel {
    Panel::new(title, "day", y_label, series)
}

fn money_panel(t: &Table, column: &str, title: &str, what: &str) -> Result<Panel, String> {
    let mut panel = day_panel(
        title,
        "",
        band_series(grouped(t, "platform", "day", column)?, 1.0),
    );
    let unit = panel.scale_money();
    panel.y_label = format!("{what} ({unit})");
    Ok(panel)
}

/// Cash and cumulative burn per platform over time, and the runway when
/// recorded.
fn cash_burn(files: &RunFiles, cx: &Context) -> Result<Figure, String> {
    let (scenario, t, reps) = (&files.scenario, &files.timeseries, cx.reps);
    let cash = money_panel(t, "cash", "Cash in hand", "cash")?;
    let burn = money_panel(
        t,
        "cumulative_burn",
        "Cumulative burn (funding received minus cash)",
        "cumulative burn",
    )?;
    Ok(Figure {
        name: "cash_burn".into(),
        title: format!("{scenario}: cash and cumulative burn by platform"),
        subtitle: band_subtitle(reps),
        panels: vec![cash, burn],
        columns: 1,
    })
}

/// The headline picture of a subsidy war: share above, what it cost below.
fn overview(files: &RunFiles, cx: &Context) -> Result<Figure, String> {
    let (scenario, t, reps) = (&files.scenario, &files.timeseries, cx.reps);
    let mut share = share_panel(t)?;
    share.title = "Market share (share of the day's platform orders)".into();
    let burn = money_panel(
        t,
        "cumulative_burn",
        "Cumulative burn (funding received minus cash)",
        "cumulative burn",
    )?;
    Ok(Figure {
        name: "overview".into(),
        title: format!("{scenario}: what the burn bought"),
        subtitle: band_subtitle(reps),
        panels: vec![share, burn],
        columns: 1,
    })
}

fn share_panel(t: &Table) -> Result<Panel, String> {
    let mut panel = day_panel(
        "Share of the day's platform orders (direct purchases excluded)",
        "market share (%)",
        band_series(grouped(t, "platform", "day", "share")?, 100.0),
    );
    panel.y_range = Some((0.0, 100.0));
    Ok(panel)
}

/// Each platform's share of the day's platform orders.
fn market_share(files: &RunFiles, cx: &Context) -> Result<Figure, String> {
    let (scenario, t, reps) = (&files.scenario, &files.timeseries, cx.reps);
    let panel = share_panel(t)?;
    Ok(Figure {
        name: "market_share".into(),
        title: format!("{scenario}: market share by platform"),
        subtitle: band_subtitle(reps),
        panels: vec![panel],
        columns: 1,
    })
}

/// Active users (and installed users, when recorded) per platform.
fn active_users(files: &RunFiles, cx: &Context) -> Result<Figure, String> {
    let (scenario, t, reps) = (&files.scenario, &files.timeseries, cx.reps);
    let mut active = day_panel(
        &format!("Active users (ordered in the last {ACTIVE_WINDOW_DAYS} days)"),
        "active consumers",
        band_series(grouped(t, "platform", "day", "active_consumers")?, 1.0),
    );
    // Day d counts orders on days d − 29 to d: full from day 29.
    active.warm_up = Some(f64::from(ACTIVE_WINDOW_DAYS) - 1.0);
    let mut panels = vec![active];
    if let Ok(groups) = grouped(t, "platform", "day", "installed_consumers") {
        panels.push(day_panel(
            "Installed users (have the app)",
            "consumers with the app installed",
            band_series(groups, 1.0),
        ));
    }
    Ok(Figure {
        name: "active_users".into(),
        title: format!("{scenario}: active and installed users by platform"),
        subtitle: band_subtitle(reps),
        panels,
        columns: 1,
    })
}

/// Cohort retention curves: one panel per platform, one line per
/// acquisition month, pooled over replications and consumer segments.
fn retention(files: &RunFiles, cx: &Context) -> Result<Figure, String> {
    let Some(t) = files.cohorts.as_ref() else {
        return Err("no cohorts.csv".into());
    };
    let (scenario, reps) = (&files.scenario, cx.reps);
    let [platform, cohort, age, observed, retained] = t.columns([
        "platform",
        "cohort_month",
        "age_months",
        "observed",
        "retained",
    ])?;
    let mut platforms: Vec<String> = Vec::new();
    // (platform, cohort, age) -> (observed, retained)
    let mut pooled: BTreeMap<(usize, u64, u64), (f64, f64)> = BTreeMap::new();
    for row in t.rows() {
        let (Some(c), Some(a), Some(o), Some(r)) = (
            row.number(cohort),
            row.number(age),
            row.number(observed),
            row.number(retained),
        ) else {
            continue;
        };
        if c < 0.0 || a < 0.0 {
            continue;
        }
        let name = row.text(platform);
        let p = match platforms.iter().position(|n| n == name) {
            Some(p) => p,
            None => {
                platforms.push(name.to_string());
                platforms.len() - 1
            }
        };
        let e = pooled.entry((p, c as u64, a as u64)).or_insert((0.0, 0.0));
        e.0 += o;
        e.1 += r;
    }
    let mut panels = Vec::new();
    for (p, name) in platforms.iter().enumerate() {
        let mut cohorts: BTreeMap<u64, Vec<Point>> = BTreeMap::new();
        for (&(_, c, a), &(o, r)) in pooled.range((p, 0, 0)..=(p, u64::MAX, u64::MAX)) {
            if o > 0.0 {
                cohorts.entry(c).or_default().push(Point {
                    x: a as f64,
                    y: 100.0 * r / o,
                    low: None,
                    high: None,
                });
            }
        }
        let n = cohorts.len();
        let series = cohorts
            .into_iter()
            .enumerate()
            .map(|(i, (c, points))| {
                let from = c * u64::from(COHORT_MONTH_DAYS);
                Series {
                    label: format!(
                        "joined month {c} (days {from}–{})",
                        from + u64::from(COHORT_MONTH_DAYS) - 1
                    ),
                    look: Look::Sequential(i, n),
                    interval: Interval::None,
                    mark_every_point: true,
                    join: true,
                    points,
                }
            })
            .collect();
        let mut panel = Panel::new(
            name,
            &format!("months since joining ({COHORT_MONTH_DAYS}-day months)"),
            "still installed, first spell (%)",
            series,
        );
        panel.y_range = Some((0.0, 100.0));
        panel.legend = p == 0;
        panels.push(panel);
    }
    if panels.iter().all(|p| !p.has_data()) {
        return Err("`cohorts.csv` has no observed cohorts".into());
    }
    let pooled_over = if reps > 1 {
        format!("pooled over {reps} replications and all consumer segments")
    } else {
        "pooled over all consumer segments".to_string()
    };
    Ok(Figure {
        name: "retention".into(),
        title: format!("{scenario}: retention by acquisition cohort"),
        subtitle: format!(
            "Share of each month's new users still in their first install spell, {pooled_over}; \
             darker lines joined earlier."
        ),
        columns: panels.len().clamp(1, 3),
        panels,
    })
}

/// Loans outstanding and NPL ratio per lender, from `lending.csv`.
fn lending(files: &RunFiles, _: &Context) -> Result<Figure, String> {
    let Some(t) = files.lending.as_ref() else {
        return Err("no lending.csv".into());
    };
    let scenario = &files.scenario;
    let who = if t.find("lender").is_some() {
        "lender"
    } else {
        "platform"
    };
    let reps = replications(t);
    let mut outstanding = day_panel(
        "Loans outstanding",
        "",
        band_series(grouped(t, who, "day", "outstanding")?, 1.0),
    );
    let unit = outstanding.scale_money();
    outstanding.y_label = format!("outstanding principal ({unit})");
    let mut panels = vec![outstanding];
    if let Ok(groups) = grouped(t, who, "day", "npl_ratio") {
        panels.push(day_panel(
            "Non-performing loan ratio",
            "NPL ratio (% of outstanding)",
            band_series(groups, 100.0),
        ));
    }
    if let Ok(obs) = observations(t, who, "loans_disbursed") {
        let mut panel = day_panel(
            &format!("Loans disbursed in the last {ACTIVE_WINDOW_DAYS} days"),
            &format!("loans per {ACTIVE_WINDOW_DAYS} days"),
            obs_series(rolling(obs, f64::from(ACTIVE_WINDOW_DAYS)), 1.0),
        );
        panel.warm_up = Some(f64::from(ACTIVE_WINDOW_DAYS) - 1.0);
        panels.push(panel);
    }
    Ok(Figure {
        name: "lending".into(),
        title: format!("{scenario}: loans outstanding, NPL ratio and lending by lender"),
        subtitle: band_subtitle(reps),
        panels,
        columns: 1,
    })
}

/// One value of one group (platform, lender) on one day of one
/// replication.
#[derive(Debug, Clone)]
struct Obs {
    group: String,
    rep: String,
    day: f64,
    value: f64,
}

/// Every defined value of `value`, by `group`, replication and day.
fn observations(t: &Table, group: &str, value: &str) -> Result<Vec<Obs>, String> {
    let [g, d, v] = t.columns([group, "day", value])?;
    let r = t.find("replication");
    Ok(t.rows()
        .filter_map(|row| {
            Some(Obs {
                group: row.text(g).to_string(),
                rep: r.map_or("", |r| row.text(r)).to_string(),
                day: row.number(d)?,
                value: row.number(v)?,
            })
        })
        .collect())
}

/// Mean and 5–95% band per group and day, groups in order of first
/// appearance.
fn obs_series(obs: Vec<Obs>, factor: f64) -> Vec<Series> {
    let mut groups: Vec<Group> = Vec::new();
    for o in obs {
        match groups.iter_mut().find(|g| g.name == o.group) {
            Some(g) => g.values.push((o.day, o.value)),
            None => groups.push(Group {
                name: o.group,
                values: vec![(o.day, o.value)],
            }),
        }
    }
    band_series(groups, factor)
}

/// Each replication's series, in day order, per group.
fn by_run(obs: Vec<Obs>) -> BTreeMap<(String, String), Vec<Obs>> {
    let mut runs: BTreeMap<(String, String), Vec<Obs>> = BTreeMap::new();
    for o in obs {
        runs.entry((o.group.clone(), o.rep.clone()))
            .or_default()
            .push(o);
    }
    for v in runs.values_mut() {
        v.sort_by(|a, b| a.day.total_cmp(&b.day));
    }
    runs
}

/// Running totals, per group and replication; keeps the first-appearance
/// order of groups.
fn cumulative(obs: Vec<Obs>) -> Vec<Obs> {
    let order = group_order(&obs);
    let mut out: Vec<Obs> = by_run(obs)
        .into_values()
        .flat_map(|run| {
            let mut sum = 0.0;
            run.into_iter().map(move |o| {
                sum += o.value;
                Obs { value: sum, ..o }
            })
        })
        .collect();
    reorder(&mut out, &order);
    out
}

/// Sums over the last `days` days (fewer at the start), per group and
/// replication.
fn rolling(obs: Vec<Obs>, days: f64) -> Vec<Obs> {
    let order = group_order(&obs);
    let mut out: Vec<Obs> = by_run(obs)
        .into_values()
        .flat_map(|run| {
            let window: Vec<Obs> = run
                .iter()
                .map(|o| Obs {
                    value: run
                        .iter()
                        .filter(|p| p.day <= o.day && p.day > o.day - days)
                        .map(|p| p.value)
                        .sum(),
                    ..o.clone()
                })
                .collect();
            window
        })
        .collect();
    reorder(&mut out, &order);
    out
}

/// Each group's share of the day's total over all groups (days with a
/// total of zero have no share).
fn share_of_day(obs: Vec<Obs>) -> Vec<Obs> {
    let mut totals: BTreeMap<(String, u64), f64> = BTreeMap::new();
    for o in &obs {
        *totals.entry((o.rep.clone(), o.day.to_bits())).or_default() += o.value;
    }
    obs.into_iter()
        .filter_map(|o| {
            let total = *totals.get(&(o.rep.clone(), o.day.to_bits()))?;
            (total > 0.0).then(|| Obs {
                value: o.value / total,
                ..o
            })
        })
        .collect()
}

/// The sum over all groups, per replication and day, as group `label`.
fn total(obs: &[Obs], label: &str) -> Vec<Obs> {
    let mut totals: BTreeMap<(String, u64), (f64, f64)> = BTreeMap::new();
    for o in obs {
        totals
            .entry((o.rep.clone(), o.day.to_bits()))
            .or_insert((o.day, 0.0))
            .1 += o.value;
    }
    totals
        .into_iter()
        .map(|((rep, _), (day, value))| Obs {
            group: label.to_string(),
            rep,
            day,
            value,
        })
        .collect()
}

fn group_order(obs: &[Obs]) -> Vec<String> {
    let mut order: Vec<String> = Vec::new();
    for o in obs {
        if !order.contains(&o.group) {
            order.push(o.group.clone());
        }
    }
    order
}

fn reorder(obs: &mut [Obs], order: &[String]) {
    obs.sort_by_key(|o| order.iter().position(|g| *g == o.group));
}

/// Per-replication values of one column of a per-replication file, by
/// replication.
fn per_run(t: &Table, column: &str) -> Result<BTreeMap<String, f64>, String> {
    let v = t.column(column)?;
    let r = t.find("replication");
    Ok(t.rows()
        .filter_map(|row| Some((r.map_or("", |r| row.text(r)).to_string(), row.number(v)?)))
        .collect())
}

/// A mean-and-range marker per category, for per-run totals.
fn category_series(label: &str, values: Vec<Vec<f64>>) -> Series {
    Series {
        label: label.to_string(),
        look: Look::Categorical(0),
        interval: Interval::Bars,
        mark_every_point: true,
        join: false,
        points: values
            .into_iter()
            .enumerate()
            .filter_map(|(i, v)| mean_and_range(v).map(|p| Point { x: i as f64, ..p }))
            .collect(),
    }
}

/// Category names with the mean (a percentage) each shows: `Azure (34.5%)`.
fn with_means(names: &[String], series: &Series) -> Vec<String> {
    names
        .iter()
        .enumerate()
        .map(
            |(i, n)| match series.points.iter().find(|p| p.x == i as f64) {
                Some(p) => format!("{n} ({:.1}%)", p.y),
                None => n.clone(),
            },
        )
        .collect()
}

/// Orders per day through each platform and through all of them, with
/// the run's average of direct purchases per day for scale.
fn orders(files: &RunFiles, cx: &Context) -> Result<Figure, String> {
    let t = &files.timeseries;
    let obs = observations(t, "platform", "orders")?;
    let platforms = group_order(&obs).len();
    let mut all = obs.clone();
    if platforms > 1 {
        all.extend(total(&obs, "all platforms"));
    }
    let mut series = obs_series(all, 1.0);
    let days = {
        let mut d: Vec<u64> = obs.iter().map(|o| o.day.to_bits()).collect();
        d.sort_unstable();
        d.dedup();
        d.len()
    };
    let mut direct_note = String::new();
    if let Some(direct) = files
        .market
        .as_ref()
        .and_then(|m| per_run(m, "direct_orders").ok())
        .filter(|d| !d.is_empty() && days > 0)
    {
        let per_day = direct.values().sum::<f64>() / direct.len() as f64 / days as f64;
        let (first, last) = obs
            .iter()
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), o| {
                (a.min(o.day), b.max(o.day))
            });
        let n = series.len();
        series.push(Series {
            label: "direct purchases (average per day over the run)".into(),
            look: Look::Categorical(n),
            interval: Interval::None,
            mark_every_point: false,
            join: true,
            points: [first, last]
                .into_iter()
                .map(|x| Point {
                    x,
                    y: per_day,
                    low: None,
                    high: None,
                })
                .collect(),
        });
        direct_note = " Direct purchases are recorded for the whole run only (market.csv), so \
                        they show as a flat average."
            .into();
    }
    Ok(Figure {
        name: "orders".into(),
        title: format!("{}: orders per day", files.scenario),
        subtitle: format!("{}{direct_note}", band_subtitle(cx.reps)),
        panels: vec![day_panel("Orders per day", "orders per day", series)],
        columns: 1,
    })
}

/// Merchants listed on each platform at each day's end.
fn merchants(files: &RunFiles, cx: &Context) -> Result<Figure, String> {
    let obs = observations(&files.timeseries, "platform", "merchants")?;
    let closed = files
        .market
        .as_ref()
        .and_then(|m| per_run(m, "merchants_closed").ok())
        .filter(|c| !c.is_empty())
        .map(|c| {
            format!(
                " Merchants closed for lack of cash over the run: {:.0} on average.",
                c.values().sum::<f64>() / c.len() as f64
            )
        })
        .unwrap_or_default();
    Ok(Figure {
        name: "merchants".into(),
        title: format!("{}: merchants listed per platform", files.scenario),
        subtitle: format!("{}{closed}", band_subtitle(cx.reps)),
        panels: vec![day_panel(
            "Merchants listed at the day's end",
            "merchants",
            obs_series(obs, 1.0),
        )],
        columns: 1,
    })
}

/// Wallet payments per day, each wallet's share of them, and the share
/// of direct purchases paid with each wallet; skipped when no platform
/// has a wallet.
fn wallet(files: &RunFiles, cx: &Context) -> Result<Figure, String> {
    let obs = observations(&files.timeseries, "platform", "wallet_payments")?;
    if obs.iter().all(|o| o.value == 0.0) {
        return Err("no wallet payments in this run".into());
    }
    let mut panels = vec![
        day_panel(
            "Direct purchases paid with each wallet, per day",
            "wallet payments per day",
            obs_series(obs.clone(), 1.0),
        ),
        {
            let mut p = day_panel(
                "Share of the day's wallet payments",
                "wallet share (%)",
                obs_series(share_of_day(obs), 100.0),
            );
            p.y_range = Some((0.0, 100.0));
            p
        },
    ];
    // Over the run: wallet payments over all direct purchases.
    if let (Some(summary), Some(market)) = (&files.summary, &files.market)
        && let (Ok([p, w]), Ok(direct)) = (
            summary.columns(["platform", "wallet_payments"]),
            per_run(market, "direct_orders"),
        )
    {
        let r = summary.find("replication");
        let mut names: Vec<String> = Vec::new();
        let mut values: Vec<Vec<f64>> = Vec::new();
        for row in summary.rows() {
            let rep = r.map_or("", |r| row.text(r));
            let (Some(paid), Some(&d)) = (row.number(w), direct.get(rep)) else {
                continue;
            };
            if d <= 0.0 {
                continue;
            }
            let name = row.text(p);
            let i = match names.iter().position(|n| n == name) {
                Some(i) => i,
                None => {
                    names.push(name.to_string());
                    values.push(Vec::new());
                    names.len() - 1
                }
            };
            values[i].push(100.0 * paid / d);
        }
        if !names.is_empty() {
            let mut panel = Panel::new(
                "Share of all direct purchases paid with the wallet, over the run",
                "platform",
                "paid with the wallet (% of direct purchases)",
                vec![category_series("mean; bars: 5–95% range", values)],
            );
            panel.x_categories = Some(with_means(&names, &panel.series[0]));
            panel.legend = false;
            panel.y_range = Some((0.0, 100.0));
            panels.push(panel);
        }
    }
    Ok(Figure {
        name: "wallet".into(),
        title: format!("{}: wallet payments and wallet share", files.scenario),
        subtitle: band_subtitle(cx.reps),
        panels,
        columns: 1,
    })
}

/// Where purchase occasions went over the run: through a platform,
/// direct (members and others), or no purchase.
fn purchases(files: &RunFiles, cx: &Context) -> Result<Figure, String> {
    let Some(m) = files.market.as_ref() else {
        return Err("no market.csv".into());
    };
    let [platform, direct, member, none] = m.columns([
        "platform_orders",
        "direct_orders",
        "member_orders",
        "no_purchase",
    ])?;
    let mut values: Vec<Vec<f64>> = vec![Vec::new(); 4];
    for row in m.rows() {
        let (Some(p), Some(d), Some(mo), Some(n)) = (
            row.number(platform),
            row.number(direct),
            row.number(member),
            row.number(none),
        ) else {
            continue;
        };
        let all = p + d + n;
        if all <= 0.0 {
            continue;
        }
        for (slot, v) in values.iter_mut().zip([p, d - mo, mo, n]) {
            slot.push(100.0 * v / all);
        }
    }
    if values[0].is_empty() {
        return Err("`market.csv` has no replication with purchase occasions".into());
    }
    let mut panel = Panel::new(
        "Share of all purchase occasions over the run",
        "",
        "share of purchase occasions (%)",
        vec![category_series("mean; bars: 5–95% range", values)],
    );
    panel.x_categories = Some(with_means(
        &[
            "through a platform",
            "direct, not a member",
            "direct, as a member",
            "no purchase",
        ]
        .map(String::from),
        &panel.series[0],
    ));
    panel.legend = false;
    panel.y_range = Some((0.0, 100.0));
    let reps = if cx.reps > 1 {
        format!(
            "Markers: mean of {} replications; bars: 5–95% range.",
            cx.reps
        )
    } else {
        "One replication.".to_string()
    };
    Ok(Figure {
        name: "purchases".into(),
        title: format!("{}: platform, direct and member purchases", files.scenario),
        subtitle: format!(
            "{reps} Direct purchases bypass the platforms; members buy direct from their \
             merchant's own programme."
        ),
        panels: vec![panel],
        columns: 1,
    })
}

/// Per lender: credit losses written off against the expected loss priced
/// in at approval, both cumulative.
fn lending_losses(files: &RunFiles, cx: &Context) -> Result<Figure, String> {
    let Some(t) = files.lending.as_ref() else {
        return Err("no lending.csv".into());
    };
    let who = if t.find("lender").is_some() {
        "lender"
    } else {
        "platform"
    };
    let realised = cumulative(observations(t, who, "credit_loss")?);
    let expected = cumulative(observations(t, who, "expected_loss")?);
    let mut panels = Vec::new();
    for (i, lender) in group_order(&realised).into_iter().enumerate() {
        let pick = |obs: &[Obs], label: &str| -> Vec<Obs> {
            obs.iter()
                .filter(|o| o.group == lender)
                .map(|o| Obs {
                    group: label.to_string(),
                    ..o.clone()
                })
                .collect()
        };
        let mut both = pick(&realised, "credit losses (written off)");
        both.extend(pick(&expected, "expected loss (priced in at approval)"));
        let mut panel = day_panel(&lender, "", obs_series(both, 1.0));
        let unit = panel.scale_money();
        panel.y_label = format!("cumulative ({unit})");
        panel.legend = i == 0;
        panels.push(panel);
    }
    if panels.is_empty() {
        return Err("`lending.csv` has no lender".into());
    }
    Ok(Figure {
        name: "lending_losses".into(),
        title: format!(
            "{}: realised against expected credit losses",
            files.scenario
        ),
        subtitle: band_subtitle(cx.reps),
        panels,
        columns: 1,
    })
}

/// Balances and profit by business line, when the run writes
/// [`BUSINESS_LINES_CSV`] (one row per replication × day × platform ×
/// line, with `balance` and/or `profit` in yuan).
fn business_lines(files: &RunFiles, cx: &Context) -> Result<Figure, String> {
    let Some(t) = files.business_lines.as_ref() else {
        return Err(format!("no {BUSINESS_LINES_CSV}"));
    };
    let [p, l] = t.columns(["platform", "line"])?;
    let labelled = |value: &str| -> Result<Vec<Obs>, String> {
        let [d, v] = t.columns(["day", value])?;
        let r = t.find("replication");
        Ok(t.rows()
            .filter_map(|row| {
                Some(Obs {
                    group: format!("{} · {}", row.text(p), row.text(l)),
                    rep: r.map_or("", |r| row.text(r)).to_string(),
                    day: row.number(d)?,
                    value: row.number(v)?,
                })
            })
            .collect())
    };
    let mut panels = Vec::new();
    for (column, title, what) in [
        ("balance", "Balance by business line", "balance"),
        (
            "profit",
            "Cumulative profit by business line",
            "cumulative profit",
        ),
    ] {
        let Ok(obs) = labelled(column) else { continue };
        let obs = if column == "profit" {
            cumulative(obs)
        } else {
            obs
        };
        let mut panel = day_panel(title, "", obs_series(obs, 1.0));
        let unit = panel.scale_money();
        panel.y_label = format!("{what} ({unit})");
        panels.push(panel);
    }
    if panels.is_empty() {
        return Err(format!(
            "`{BUSINESS_LINES_CSV}` has neither `balance` nor `profit`"
        ));
    }
    Ok(Figure {
        name: "business_lines".into(),
        title: format!("{}: balances and profit by business line", files.scenario),
        subtitle: band_subtitle(cx.reps),
        panels,
        columns: 1,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(text: &str) -> Table {
        Table::from_text("timeseries.csv", text).unwrap()
    }

    fn files(timeseries: Table) -> RunFiles {
        RunFiles {
            scenario: "s".into(),
            timeseries,
            cohorts: None,
            lending: None,
            market: None,
            summary: None,
            business_lines: None,
            manifest: None,
        }
    }

    fn context(t: &Table) -> Context {
        Context {
            reps: replications(t),
            events: Vec::new(),
        }
    }

    #[test]
    fn cumulative_and_rolling_sums_run_per_replication() {
        let t = table(
            "replication,day,lender,x\n0,0,A,1\n0,1,A,2\n0,2,A,3\n1,0,A,10\n1,1,A,20\n1,2,A,30\n",
        );
        let obs = observations(&t, "lender", "x").unwrap();
        let c: Vec<f64> = cumulative(obs.clone()).iter().map(|o| o.value).collect();
        assert_eq!(c, [1.0, 3.0, 6.0, 10.0, 30.0, 60.0]);
        let r: Vec<f64> = rolling(obs, 2.0).iter().map(|o| o.value).collect();
        assert_eq!(r, [1.0, 3.0, 5.0, 10.0, 30.0, 50.0]);
    }

    #[test]
    fn every_figure_with_a_day_axis_carries_the_events() {
        let t = table(
            "replication,day,platform,share,orders,cumulative_burn\n0,0,A,1,5,0\n0,1,A,1,6,1\n",
        );
        let manifest: Value = serde_json::from_str(
            r#"{"scenario": {"platforms": [{"name": "A", "subsidy": [{"from_day": 0, "to_day": 1, "per_order": 3}]}]}}"#,
        )
        .unwrap();
        let mut run = files(t);
        run.manifest = Some(manifest);
        let figs = figures(&run, &mut Vec::new());
        let names: Vec<&str> = figs.iter().map(|f| f.name.as_str()).collect();
        assert_eq!(names, ["overview", "orders", "market_share"]);
        for f in &figs {
            assert_eq!(f.panels[0].events.len(), 1, "{}", f.name);
            assert!(f.panels[0].event_labels);
            assert!(f.panels.iter().skip(1).all(|p| !p.event_labels));
        }
    }

    #[test]
    fn a_run_without_wallets_has_no_wallet_figure() {
        let t = table("replication,day,platform,wallet_payments\n0,0,A,0\n0,1,A,0\n");
        let mut notes = Vec::new();
        let figs = figures(&files(t), &mut notes);
        assert!(figs.iter().all(|f| f.name != "wallet"));
        assert!(
            notes.iter().any(|n| n.contains("no wallet payments")),
            "{notes:?}"
        );
    }

    #[test]
    fn bands_span_the_replications() {
        let t = table(
            "replication,day,platform,share,cash,cumulative_burn,active_consumers\n\
             0,0,A,0.5,100,0,10\n0,0,B,0.5,100,0,10\n\
             1,0,A,0.7,100,0,10\n1,0,B,0.3,100,0,10\n\
             0,1,A,0.6,90,10,11\n0,1,B,0.4,90,10,11\n\
             1,1,A,0.8,90,10,11\n1,1,B,0.2,90,10,11\n",
        );
        let f = market_share(&files(t.clone()), &context(&t)).unwrap();
        let a = &f.panels[0].series[0];
        assert_eq!(a.label, "A");
        assert_eq!(a.points.len(), 2);
        assert!((a.points[0].y - 60.0).abs() < 1e-9);
        assert!((a.points[0].low.unwrap() - 51.0).abs() < 1e-9);
        assert!((a.points[0].high.unwrap() - 69.0).abs() < 1e-9);
        assert!(f.subtitle.contains("2 replications"));
    }

    #[test]
    fn retention_pools_segments_and_orders_cohorts() {
        let t = Table::from_text(
            "cohorts.csv",
            "replication,platform,segment,cohort_month,age_months,observed,retained,retention\n\
             0,A,x,0,0,10,10,1\n0,A,y,0,0,10,10,1\n0,A,x,0,1,10,5,0.5\n0,A,y,0,1,10,10,1\n\
             0,A,x,1,0,4,4,1\n",
        )
        .unwrap();
        let mut run = files(table("replication,day,platform,share\n0,0,A,1\n"));
        run.cohorts = Some(t);
        let f = retention(&run, &context(&run.timeseries)).unwrap();
        let s = &f.panels[0].series;
        assert_eq!(s.len(), 2);
        assert_eq!(s[0].points[1].y, 75.0);
        assert_eq!(s[1].look, Look::Sequential(1, 2));
    }

    #[test]
    fn a_missing_column_skips_the_figure_with_its_name() {
        let t = table("replication,day,platform,share\n0,0,A,1\n");
        let mut notes = Vec::new();
        let figs = figures(&files(t), &mut notes);
        assert_eq!(figs.len(), 1);
        assert!(notes.iter().any(|n| n.contains("`cash`")), "{notes:?}");
        assert!(notes.iter().any(|n| n.contains("lending.csv")), "{notes:?}");
        // A file no version writes yet says nothing.
        assert!(!notes.iter().any(|n| n.contains("business")), "{notes:?}");
    }
}
