//! Figures of a search directory: the convergence of `flywheel optimize`
//! (every evaluation's objective with its interval, and the best so far)
//! and the path of `flywheel equilibrium` (each player's strategy and best
//! response by round, and the gain its best response offered, which is
//! the regret once the iteration stops).

use super::figure::{Figure, Interval, Look, Panel, Point, Series};
use super::table::Table;

/// `trials.csv` of a search directory.
pub const TRIALS_CSV: &str = "trials.csv";
/// `path.csv` of an equilibrium directory.
pub const PATH_CSV: &str = "path.csv";

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

/// The convergence figure of `trials.csv`: objective of each evaluation
/// (in evaluation order over the whole search) and the best feasible
/// objective so far.
pub fn convergence(scenario: &str, t: &Table) -> Result<Figure, String> {
    let [objective, best] = t.columns(["objective", "best_objective"])?;
    let (low, high) = (t.find("objective_low"), t.find("objective_high"));
    let feasible = t.find("feasible");
    let (mut each, mut infeasible, mut best_line) = (Vec::new(), Vec::new(), Vec::new());
    for (i, row) in t.rows().enumerate() {
        let x = (i + 1) as f64;
        if let Some(y) = row.number(objective) {
            let p = Point {
                x,
                y,
                low: low.and_then(|c| row.number(c)),
                high: high.and_then(|c| row.number(c)),
            };
            if feasible.is_some_and(|c| row.text(c) == "false") {
                infeasible.push(p);
            } else {
                each.push(p);
            }
        }
        if let Some(y) = row.number(best) {
            best_line.push(Point {
                x,
                y,
                low: None,
                high: None,
            });
        }
    }
    if each.is_empty() && infeasible.is_empty() {
        return Err(format!("`{TRIALS_CSV}` has no objective to draw"));
    }
    let mut lines = vec![
        series(
            "each evaluation (95% interval)",
            0,
            Interval::Bars,
            false,
            each,
        ),
        series(
            "best so far (meets the constraints)",
            1,
            Interval::None,
            true,
            best_line,
        ),
    ];
    if !infeasible.is_empty() {
        lines.push(series(
            "breaks a constraint",
            2,
            Interval::Bars,
            false,
            infeasible,
        ));
    }
    let mut panel = Panel::new("", "evaluation", "objective", lines);
    let unit = panel.scale_money();
    panel.y_label = format!("objective ({unit} if money)");
    Ok(Figure {
        name: "convergence".into(),
        title: format!("{scenario}: optimiser convergence"),
        subtitle:
            "objective of each candidate, same replication seeds for all (common random numbers)"
                .into(),
        panels: vec![panel],
        columns: 1,
    })
}

/// The path figure of `path.csv`: one panel per decision variable (the
/// strategy each round started from, and the best response to it), then
/// one panel of each player's gain from its best response.
pub fn path(scenario: &str, t: &Table) -> Result<Figure, String> {
    let [round, player, variable, value, response, gain] = t.columns([
        "round",
        "player",
        "variable",
        "value",
        "best_response",
        "gain",
    ])?;
    let (low, high) = (t.find("gain_low"), t.find("gain_high"));
    let mut variables: Vec<(String, String)> = Vec::new();
    let mut players: Vec<String> = Vec::new();
    for row in t.rows() {
        let key = (row.text(player).to_string(), row.text(variable).to_string());
        if !variables.contains(&key) {
            variables.push(key);
        }
        if !players.iter().any(|p| p == row.text(player)) {
            players.push(row.text(player).to_string());
        }
    }
    if variables.is_empty() {
        return Err(format!("`{PATH_CSV}` has no rounds to draw"));
    }
    let mut panels = Vec::new();
    for (i, (p, v)) in variables.iter().enumerate() {
        let rows = || {
            t.rows()
                .filter(|r| r.text(player) == p && r.text(variable) == v)
        };
        let pts = |c: usize| -> Vec<Point> {
            rows()
                .filter_map(|r| {
                    Some(Point {
                        x: r.number(round)?,
                        y: r.number(c)?,
                        low: None,
                        high: None,
                    })
                })
                .collect()
        };
        let mut panel = Panel::new(
            &format!("{p}: {v}"),
            "round",
            "value",
            vec![
                series("strategy", 0, Interval::None, true, pts(value)),
                series("best response", 1, Interval::None, false, pts(response)),
            ],
        );
        panel.legend = i == 0;
        panels.push(panel);
    }
    let gains: Vec<Series> = players
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let mut seen = Vec::new();
            let points = t
                .rows()
                .filter(|r| r.text(player) == p)
                .filter_map(|r| {
                    let x = r.number(round)?;
                    if seen.contains(&(x as i64)) {
                        return None;
                    }
                    seen.push(x as i64);
                    Some(Point {
                        x,
                        y: r.number(gain)?,
                        low: low.and_then(|c| r.number(c)),
                        high: high.and_then(|c| r.number(c)),
                    })
                })
                .collect();
            series(p, i, Interval::Bars, true, points)
        })
        .collect();
    let mut panel = Panel::new(
        "gain from the best response (the regret at the last round)",
        "round",
        "gain",
        gains,
    );
    panel.zero_line = true;
    let unit = panel.scale_money();
    panel.y_label = format!("gain ({unit} if money)");
    panels.push(panel);
    Ok(Figure {
        name: "equilibrium_path".into(),
        title: format!("{scenario}: best-response path"),
        subtitle: "each round: every player's best response to the same profile; gains paired over replications (95% intervals)".into(),
        panels,
        columns: 2,
    })
}
