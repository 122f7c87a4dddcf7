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

mod balance_figures;
mod market_figures;
mod series;
#[cfg(test)]
mod tests;

use balance_figures::{balances, products};
use market_figures::*;
use series::*;

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
    /// `products.csv`, if present.
    pub products: Option<Table>,
    /// `manifest.json`, if present and readable.
    pub manifest: Option<Value>,
}

/// Name of the lending book's daily file, when a run has lenders.
pub const LENDING_CSV: &str = "lending.csv";

/// Name of the daily file of balances and profit by business line
/// (lending, payments, local services), when a run writes one.
pub const BUSINESS_LINES_CSV: &str = "business_lines.csv";

/// Name of the daily file of products sold to users, when a run has
/// products.
pub const PRODUCTS_CSV: &str = "products.csv";

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
        name: "balances",
        file: "timeseries.csv",
        needs: &["day", "platform", "consumer_balances", "merchant_balances"],
        absent: None,
        build: balances,
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
    FigureSpec {
        name: "products",
        file: PRODUCTS_CSV,
        needs: &["day", "product", "members_represented"],
        absent: None,
        build: products,
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
            PRODUCTS_CSV => self.products.as_ref(),
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
