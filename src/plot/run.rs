//! The figures of a run directory (`flywheel run --out DIR`): cash and
//! cumulative burn, market share and users over time with the spread
//! across replications, cohort retention curves, and the lending book when
//! the run wrote one. Each builder asks for its columns by name; a file or
//! column that is missing skips that figure with a note rather than
//! failing the others.

use std::collections::BTreeMap;

use super::figure::{Figure, Interval, Look, Panel, Point, Series, mean_and_range};
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
}

/// Name of the lending book's daily file, when a run has lenders.
pub const LENDING_CSV: &str = "lending.csv";

/// Builds every run figure it can, adding a note for each it skips.
pub fn figures(files: &RunFiles, notes: &mut Vec<String>) -> Vec<Figure> {
    let ts = &files.timeseries;
    let reps = replications(ts);
    let mut built = vec![
        ("overview", overview(&files.scenario, ts, reps)),
        ("cash and burn", cash_burn(&files.scenario, ts, reps)),
        ("market share", market_share(&files.scenario, ts, reps)),
        ("active users", active_users(&files.scenario, ts, reps)),
    ];
    match &files.cohorts {
        Some(c) => built.push(("retention", retention(&files.scenario, c, reps))),
        None => notes.push("skipped retention: no cohorts.csv in the directory".into()),
    }
    match &files.lending {
        Some(l) => built.push(("lending", lending(&files.scenario, l))),
        None => notes.push(format!(
            "skipped loans outstanding and NPL ratio: no {LENDING_CSV} (run a scenario with \
             lending to get one)"
        )),
    }
    let mut out = Vec::new();
    for (what, figure) in built {
        match figure {
            Ok(f) => out.push(f),
            Err(why) => notes.push(format!("skipped {what}: {why}")),
        }
    }
    out
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
                points,
            }
        })
        .collect()
}

fn day_panel(title: &str, y_label: &str, series: Vec<Series>) -> Panel {
    Panel {
        title: title.to_string(),
        x_label: "day".to_string(),
        y_label: y_label.to_string(),
        x_categories: None,
        y_range: None,
        legend: true,
        series,
    }
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

/// Cash and cumulative burn per platform over time.
pub fn cash_burn(scenario: &str, t: &Table, reps: usize) -> Result<Figure, String> {
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
pub fn overview(scenario: &str, t: &Table, reps: usize) -> Result<Figure, String> {
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
pub fn market_share(scenario: &str, t: &Table, reps: usize) -> Result<Figure, String> {
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
pub fn active_users(scenario: &str, t: &Table, reps: usize) -> Result<Figure, String> {
    let mut panels = vec![day_panel(
        &format!("Active users (ordered in the last {ACTIVE_WINDOW_DAYS} days)"),
        "active consumers",
        band_series(grouped(t, "platform", "day", "active_consumers")?, 1.0),
    )];
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
pub fn retention(scenario: &str, t: &Table, reps: usize) -> Result<Figure, String> {
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
                    points,
                }
            })
            .collect();
        panels.push(Panel {
            title: name.clone(),
            x_label: format!("months since joining ({COHORT_MONTH_DAYS}-day months)"),
            y_label: "still installed, first spell (%)".into(),
            x_categories: None,
            y_range: Some((0.0, 100.0)),
            legend: p == 0,
            series,
        });
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
pub fn lending(scenario: &str, t: &Table) -> Result<Figure, String> {
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
    Ok(Figure {
        name: "lending".into(),
        title: format!("{scenario}: loans outstanding and NPL ratio by lender"),
        subtitle: band_subtitle(reps),
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

    #[test]
    fn bands_span_the_replications() {
        let t = table(
            "replication,day,platform,share,cash,cumulative_burn,active_consumers\n\
             0,0,A,0.5,100,0,10\n0,0,B,0.5,100,0,10\n\
             1,0,A,0.7,100,0,10\n1,0,B,0.3,100,0,10\n\
             0,1,A,0.6,90,10,11\n0,1,B,0.4,90,10,11\n\
             1,1,A,0.8,90,10,11\n1,1,B,0.2,90,10,11\n",
        );
        let f = market_share("s", &t, replications(&t)).unwrap();
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
        let f = retention("s", &t, 1).unwrap();
        let s = &f.panels[0].series;
        assert_eq!(s.len(), 2);
        assert_eq!(s[0].points[1].y, 75.0);
        assert_eq!(s[1].look, Look::Sequential(1, 2));
    }

    #[test]
    fn a_missing_column_skips_the_figure_with_its_name() {
        let t = table("replication,day,platform,share\n0,0,A,1\n");
        let mut notes = Vec::new();
        let figs = figures(
            &RunFiles {
                scenario: "s".into(),
                timeseries: t,
                cohorts: None,
                lending: None,
            },
            &mut notes,
        );
        assert_eq!(figs.len(), 1);
        assert!(notes.iter().any(|n| n.contains("`cash`")), "{notes:?}");
        assert!(notes.iter().any(|n| n.contains("lending.csv")), "{notes:?}");
    }
}
