//! The figures of a comparison directory (`flywheel compare`, which
//! writes `comparison.csv`): for every metric, each variant's difference
//! from the first variant per platform, with its paired 95% interval
//! (common random numbers) beside the unpaired (Welch) interval of the
//! same difference — a forest plot turned upright, one panel per metric
//! because the metrics have different units. Metrics are grouped into
//! a few files (market, money, lending) so each stays readable; a metric
//! with no defined difference is left out.

use super::figure::{Figure, Interval, Look, Panel, Point, Series};
use super::sweep::{Scale, describe};
use super::table::Table;

/// Name of the file of paired differences.
pub const COMPARISON_CSV: &str = "comparison.csv";

/// Which file each metric is drawn in; metrics not listed go to
/// `compare_other`.
const GROUPS: [(&str, &str, &[&str]); 3] = [
    (
        "compare_market",
        "orders, share, users and merchants",
        &[
            "orders",
            "gmv",
            "final_share",
            "peak_share",
            "retention_90d",
            "active_users_end",
            "merchants_end",
            "exited",
        ],
    ),
    (
        "compare_money",
        "spending, revenue and cash",
        &[
            "subsidy_spend",
            "marketing_spend",
            "revenue",
            "cumulative_burn",
            "final_cash",
            "ltv_per_user",
            "cac",
        ],
    ),
    (
        "compare_lending",
        "lending",
        &[
            "loans_disbursed",
            "default_rate",
            "npl_ratio",
            "credit_loss",
            "lending_profit",
        ],
    ),
];

/// One difference: its row label and the two intervals.
struct Diff {
    label: String,
    diff: f64,
    paired: (Option<f64>, Option<f64>),
    unpaired: (Option<f64>, Option<f64>),
}

/// Builds the forest figures of `comparison.csv`.
pub fn figures(
    scenario: &str,
    t: &Table,
    replications: Option<u64>,
    notes: &mut Vec<String>,
) -> Result<Vec<Figure>, String> {
    let [metric, platform, variant, diff, low, high] = t.columns([
        "metric",
        "platform",
        "variant",
        "diff_vs_first",
        "diff_ci_low",
        "diff_ci_high",
    ])?;
    let (u_low, u_high) = (
        t.find("unpaired_diff_ci_low"),
        t.find("unpaired_diff_ci_high"),
    );
    let first = t.rows().next().map(|r| r.text(variant).to_string());
    let mut variants: Vec<String> = Vec::new();
    for row in t.rows() {
        let v = row.text(variant);
        if Some(v) != first.as_deref() && !variants.iter().any(|x| x == v) {
            variants.push(v.to_string());
        }
    }
    // Metrics in file order, each with its differences.
    let mut metrics: Vec<(String, Vec<Diff>)> = Vec::new();
    for row in t.rows() {
        let name = row.text(metric);
        let Some(d) = row.number(diff) else { continue };
        let label = if variants.len() > 1 {
            format!("{}: {}", row.text(platform), row.text(variant))
        } else {
            row.text(platform).to_string()
        };
        let entry = Diff {
            label,
            diff: d,
            paired: (row.number(low), row.number(high)),
            unpaired: (
                u_low.and_then(|c| row.number(c)),
                u_high.and_then(|c| row.number(c)),
            ),
        };
        match metrics.iter_mut().find(|(m, _)| m == name) {
            Some((_, v)) => v.push(entry),
            None => metrics.push((name.to_string(), vec![entry])),
        }
    }
    if metrics.is_empty() {
        return Err(format!(
            "`{COMPARISON_CSV}` has no difference to draw (every `diff_vs_first` is empty)"
        ));
    }
    let unpaired_present = u_low.is_some() && u_high.is_some();
    let against = first.unwrap_or_else(|| "the first variant".into());
    let vs = if variants.len() == 1 {
        format!("{} minus {against}", variants[0])
    } else {
        format!("each variant minus {against}")
    };
    let reps = replications
        .map(|n| format!(" over {n} paired replications"))
        .unwrap_or_default();
    let mut subtitle = format!(
        "Difference in the mean ({vs}){reps}. Dark dot and bar: paired 95% interval (common \
         random numbers)."
    );
    if unpaired_present {
        subtitle
            .push_str(" Grey cross and bar: unpaired (Welch) 95% interval of the same difference.");
    }
    let mut out = Vec::new();
    let other: Vec<&str> = metrics
        .iter()
        .map(|(m, _)| m.as_str())
        .filter(|m| !GROUPS.iter().any(|(_, _, ms)| ms.contains(m)))
        .collect();
    let groups = GROUPS
        .iter()
        .map(|&(name, what, ms)| (name, what, ms.to_vec()))
        .chain(std::iter::once(("compare_other", "other figures", other)));
    for (name, what, members) in groups {
        let panels: Vec<Panel> = members
            .iter()
            .filter_map(|m| metrics.iter().find(|(n, _)| n == m))
            .map(|(m, diffs)| panel(m, diffs, unpaired_present))
            .collect();
        if panels.is_empty() {
            continue;
        }
        out.push(Figure {
            name: name.to_string(),
            title: format!("{scenario}: what the variant changes — {what}"),
            subtitle: subtitle.clone(),
            columns: panels.len().clamp(1, 3),
            panels,
        });
    }
    if out.len() < GROUPS.len() {
        notes
            .push("comparison figures are drawn only for metrics with a defined difference".into());
    }
    Ok(out)
}

fn panel(metric: &str, diffs: &[Diff], unpaired: bool) -> Panel {
    let (label, scale) = describe(metric);
    let point = |x: f64, y: f64, (low, high): (Option<f64>, Option<f64>)| Point { x, y, low, high };
    let offset = if unpaired { 0.12 } else { 0.0 };
    let mut series = vec![Series {
        label: "paired 95% interval".into(),
        look: Look::Categorical(0),
        interval: Interval::Bars,
        mark_every_point: true,
        join: false,
        points: diffs
            .iter()
            .enumerate()
            .map(|(i, d)| point(i as f64 - offset, d.diff, d.paired))
            .collect(),
    }];
    if unpaired {
        series.push(Series {
            label: "unpaired (Welch) 95% interval".into(),
            look: Look::Categorical(4),
            interval: Interval::Bars,
            mark_every_point: true,
            join: false,
            points: diffs
                .iter()
                .enumerate()
                .map(|(i, d)| point(i as f64 + offset, d.diff, d.unpaired))
                .collect(),
        });
    }
    let mut p = Panel::new(&label, "", "", series);
    p.x_categories = Some(diffs.iter().map(|d| d.label.clone()).collect());
    p.zero_line = true;
    p.legend = false;
    p.y_label = match scale {
        Scale::Percent => {
            p.scale(100.0);
            "difference (percentage points)".into()
        }
        Scale::Money => {
            let unit = p.scale_money();
            format!("difference ({unit})")
        }
        Scale::Plain => "difference".into(),
    };
    p
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_panel_per_metric_with_paired_and_unpaired_intervals() {
        let t = Table::from_text(
            "comparison.csv",
            "metric,platform,variant,mean,mean_ci_low,mean_ci_high,diff_vs_first,diff_ci_low,\
             diff_ci_high,unpaired_diff_ci_low,unpaired_diff_ci_high\n\
             orders,Blue,a,100,90,110,,,,,\n\
             orders,Red,a,50,40,60,,,,,\n\
             orders,Blue,b,90,80,100,-10,-12,-8,-30,10\n\
             orders,Red,b,55,45,65,5,4,6,-10,20\n\
             final_share,Blue,a,0.6,0.5,0.7,,,,,\n\
             final_share,Blue,b,0.5,0.4,0.6,-0.1,-0.12,-0.08,-0.3,0.1\n\
             credit_loss,Blue,a,0,0,0,,,,,\n",
        )
        .unwrap();
        let figs = figures("war", &t, Some(8), &mut Vec::new()).unwrap();
        assert_eq!(figs.len(), 1, "only market metrics have differences");
        let f = &figs[0];
        assert_eq!(f.name, "compare_market");
        assert!(
            f.subtitle.contains("(b minus a) over 8 paired"),
            "{}",
            f.subtitle
        );
        assert_eq!(f.panels.len(), 2);
        let orders = &f.panels[0];
        assert!(orders.zero_line);
        assert_eq!(
            orders.x_categories.as_deref(),
            Some(&["Blue".to_string(), "Red".to_string()][..])
        );
        assert_eq!(orders.series[0].points[0].low, Some(-12.0));
        assert_eq!(orders.series[1].points[0].low, Some(-30.0));
        let share = &f.panels[1];
        assert_eq!(share.y_label, "difference (percentage points)");
        assert!((share.series[0].points[0].y + 10.0).abs() < 1e-9);
    }
}
