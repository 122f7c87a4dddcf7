//! Observation series: per-run daily values, grouped, cumulated, rolled and shared out, and categories with their means.

use super::*;

/// One value of one group (platform, lender) on one day of one
/// replication.
#[derive(Debug, Clone)]
pub(super) struct Obs {
    pub(super) group: String,
    pub(super) rep: String,
    pub(super) day: f64,
    pub(super) value: f64,
}

/// Every defined value of `value`, by `group`, replication and day.
pub(super) fn observations(t: &Table, group: &str, value: &str) -> Result<Vec<Obs>, String> {
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
pub(super) fn obs_series(obs: Vec<Obs>, factor: f64) -> Vec<Series> {
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
pub(super) fn by_run(obs: Vec<Obs>) -> BTreeMap<(String, String), Vec<Obs>> {
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
pub(super) fn cumulative(obs: Vec<Obs>) -> Vec<Obs> {
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
pub(super) fn rolling(obs: Vec<Obs>, days: f64) -> Vec<Obs> {
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
pub(super) fn share_of_day(obs: Vec<Obs>) -> Vec<Obs> {
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
pub(super) fn total(obs: &[Obs], label: &str) -> Vec<Obs> {
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

pub(super) fn group_order(obs: &[Obs]) -> Vec<String> {
    let mut order: Vec<String> = Vec::new();
    for o in obs {
        if !order.contains(&o.group) {
            order.push(o.group.clone());
        }
    }
    order
}

pub(super) fn reorder(obs: &mut [Obs], order: &[String]) {
    obs.sort_by_key(|o| order.iter().position(|g| *g == o.group));
}

/// Per-replication values of one column of a per-replication file, by
/// replication.
pub(super) fn per_run(t: &Table, column: &str) -> Result<BTreeMap<String, f64>, String> {
    let v = t.column(column)?;
    let r = t.find("replication");
    Ok(t.rows()
        .filter_map(|row| Some((r.map_or("", |r| row.text(r)).to_string(), row.number(v)?)))
        .collect())
}

/// A mean-and-range marker per category, for per-run totals.
pub(super) fn category_series(label: &str, values: Vec<Vec<f64>>) -> Series {
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
pub(super) fn with_means(names: &[String], series: &Series) -> Vec<String> {
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
