//! The dated events of a run, marked on every time-axis figure: each
//! platform's coupon windows (`platforms[].subsidy`) and schedule windows
//! (`platforms[].schedule`), dated funding rounds (`platforms[].funding`
//! with a `day`), market shocks (`economy.shocks`), and from `summary.csv`
//! exits (`exit_day`) and mergers (`acquired_day`, `acquired_by`: "Didi
//! acquires Kuaidi"). The rest is read from the resolved scenario the
//! manifest records; the manifest is read as plain JSON, so an older or
//! newer manifest yields what it has rather than an error. Rules and
//! conditional funding rounds have no date and are not marked (a merger a
//! rule makes is marked by the day it happened).

use serde_json::Value;

use super::figure::{Event, EventKind, quantile};
use super::table::Table;

/// Every dated event the manifest's scenario and `summary.csv` record.
pub fn events(manifest: Option<&Value>, summary: Option<&Table>) -> Vec<Event> {
    let mut out = Vec::new();
    if let Some(scenario) = manifest.map(|m| &m["scenario"]) {
        out.extend(scenario_events(scenario));
    }
    if let Some(t) = summary {
        out.extend(exits(t));
        out.extend(acquisitions(t));
    }
    out
}

fn day(v: &Value) -> Option<f64> {
    v.as_f64().filter(|d| d.is_finite())
}

/// A number as a label shows it: `8`, `0.5`, `12 million`.
fn amount(v: f64) -> String {
    let a = v.abs();
    let (scaled, unit) = if a >= 1e9 {
        (v / 1e9, " billion")
    } else if a >= 1e6 {
        (v / 1e6, " million")
    } else {
        (v, "")
    };
    let text = format!("{scaled:.2}");
    let text = text.trim_end_matches('0').trim_end_matches('.');
    format!("{text}{unit}")
}

/// What a schedule sets, in a few words: `coupon 10 yuan`.
fn lever(name: &str, value: &Value) -> String {
    let words = name.replace('_', " ");
    let yuan = matches!(
        name,
        "coupon" | "new_user_bonus" | "merchant_subsidy" | "red_packet" | "consumer_fee"
    );
    match value {
        Value::Number(n) => match n.as_f64() {
            Some(v) if yuan => format!("{words} {} yuan", amount(v)),
            Some(v) if name == "marketing_budget" => format!("{words} {} yuan/day", amount(v)),
            Some(v) => format!("{words} {}", amount(v)),
            None => words,
        },
        Value::String(metric) => format!("{words} = {}", metric.replace('_', " ")),
        Value::Object(o) => match o.get("scale").and_then(Value::as_f64) {
            Some(f) => format!("{words} ×{}", amount(f)),
            None => words,
        },
        _ => words,
    }
}

fn scenario_events(s: &Value) -> Vec<Event> {
    // (from, to, what) per platform, merged across platforms below.
    let mut windows: Vec<(f64, f64, String, Vec<String>)> = Vec::new();
    let mut add_window = |from: f64, to: f64, what: String, who: &str| match windows
        .iter_mut()
        .find(|w| w.0 == from && w.1 == to && w.2 == what)
    {
        Some(w) => w.3.push(who.to_string()),
        None => windows.push((from, to, what, vec![who.to_string()])),
    };
    let mut out = Vec::new();
    for p in s["platforms"].as_array().into_iter().flatten() {
        let who = p["name"].as_str().unwrap_or("platform");
        for w in p["subsidy"].as_array().into_iter().flatten() {
            if let (Some(from), Some(to)) = (day(&w["from_day"]), day(&w["to_day"])) {
                let what = match w["per_order"].as_f64() {
                    Some(v) => format!("coupon {} yuan", amount(v)),
                    None => "coupon".to_string(),
                };
                add_window(from, to, what, who);
            }
        }
        for w in p["schedule"].as_array().into_iter().flatten() {
            if let (Some(from), Some(to)) = (day(&w["from_day"]), day(&w["to_day"])) {
                let set: Vec<String> = w["set"]
                    .as_object()
                    .into_iter()
                    .flatten()
                    .map(|(k, v)| lever(k, v))
                    .collect();
                add_window(from, to, set.join(", "), who);
            }
        }
        for f in p["funding"].as_array().into_iter().flatten() {
            if let Some(d) = day(&f["day"]) {
                let raised = f["amount"]
                    .as_f64()
                    .map(|a| format!(" {} yuan", amount(a)))
                    .unwrap_or_default();
                out.push(Event {
                    from: d,
                    to: None,
                    label: format!("{who} raises{raised}"),
                    kind: EventKind::Day,
                });
            }
        }
    }
    for (from, to, what, who) in windows {
        out.push(Event {
            from,
            to: Some(to),
            label: format!("{}: {what}, days {from}–{to}", who.join(", ")),
            kind: EventKind::Policy,
        });
    }
    for shock in s["economy"]["shocks"].as_array().into_iter().flatten() {
        if let (Some(from), Some(to)) = (day(&shock["from_day"]), day(&shock["to_day"])) {
            let label = match shock["demand"].as_f64() {
                Some(d) => format!("shock: demand ×{}", amount(d)),
                None => "shock".to_string(),
            };
            out.push(Event {
                from,
                to: Some(to),
                label,
                kind: EventKind::Shock,
            });
        }
    }
    out
}

/// One mark per platform that exited in any replication, at the median
/// exit day of the replications in which it exited.
fn exits(t: &Table) -> Vec<Event> {
    let Some(exit) = t.find("exit_day") else {
        return Vec::new();
    };
    dated(t, exit, None, |name, _| format!("{name} exits"))
}

/// One mark per (acquirer, target) pair that merged in any replication,
/// at the median day of the replications in which it did.
fn acquisitions(t: &Table) -> Vec<Event> {
    let (Some(day), Some(by)) = (t.find("acquired_day"), t.find("acquired_by")) else {
        return Vec::new();
    };
    dated(t, day, Some(by), |name, by| format!("{by} acquires {name}"))
}

/// Marks of a day column of `summary.csv`: per platform (and, with `by`,
/// per value of that column), at the median of the replications that
/// have a day, labelled by `what` and how many replications did.
fn dated(
    t: &Table,
    day: usize,
    by: Option<usize>,
    what: impl Fn(&str, &str) -> String,
) -> Vec<Event> {
    let Some(platform) = t.find("platform") else {
        return Vec::new();
    };
    // Rows per platform, in order of first appearance.
    let mut runs: Vec<(String, usize)> = Vec::new();
    // (platform, by, days), in order of first appearance.
    let mut seen: Vec<(String, String, Vec<f64>)> = Vec::new();
    for row in t.rows() {
        let name = row.text(platform);
        match runs.iter_mut().find(|r| r.0 == name) {
            Some(r) => r.1 += 1,
            None => runs.push((name.to_string(), 1)),
        }
        let Some(d) = row.number(day) else {
            continue;
        };
        let other = by.map_or("", |b| row.text(b));
        match seen.iter_mut().find(|s| s.0 == name && s.1 == other) {
            Some(s) => s.2.push(d),
            None => seen.push((name.to_string(), other.to_string(), vec![d])),
        }
    }
    seen.into_iter()
        .filter_map(|(name, other, mut days)| {
            days.sort_by(f64::total_cmp);
            let median = quantile(&days, 0.5)?;
            let total = runs.iter().find(|r| r.0 == name).map_or(1, |r| r.1);
            let what = what(&name, &other);
            let label = if total == 1 {
                what
            } else if days.len() == 1 {
                format!("{what} (1 of {total} runs)")
            } else {
                format!(
                    "{what} ({} of {total} runs, median day {})",
                    days.len(),
                    median.round()
                )
            };
            Some(Event {
                from: median,
                to: None,
                label,
                kind: EventKind::Day,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_rounds_shocks_and_exits_are_dated() {
        let manifest: Value = serde_json::from_str(
            r#"{"scenario": {
                "platforms": [
                  {"name": "Didi", "subsidy": [],
                   "schedule": [{"from_day": 0, "to_day": 60, "set": {"coupon": 10.0}},
                                {"from_day": 60, "to_day": 95, "set": {"coupon": 12.0}}],
                   "funding": [{"amount": 5000000.0, "day": 30}, {"amount": 1.0, "when": ["share > 0.5"]}]},
                  {"name": "Kuaidi", "subsidy": [{"from_day": 0, "to_day": 60, "per_order": 11.0}],
                   "schedule": [{"from_day": 60, "to_day": 95, "set": {"coupon": 12.0}}]}
                ],
                "economy": {"shocks": [{"from_day": 180, "to_day": 270, "demand": 0.75}]}
            }}"#,
        )
        .unwrap();
        let summary = Table::from_text(
            "summary.csv",
            "replication,platform,exit_day\n0,Didi,\n0,Kuaidi,100\n1,Didi,\n1,Kuaidi,140\n2,Kuaidi,\n2,Didi,\n",
        )
        .unwrap();
        let e = events(Some(&manifest), Some(&summary));
        let labels: Vec<&str> = e.iter().map(|e| e.label.as_str()).collect();
        assert!(labels.contains(&"Didi raises 5 million yuan"), "{labels:?}");
        assert!(
            labels.contains(&"Didi: coupon 10 yuan, days 0–60"),
            "{labels:?}"
        );
        // The same window on two platforms is one mark.
        assert!(
            labels.contains(&"Didi, Kuaidi: coupon 12 yuan, days 60–95"),
            "{labels:?}"
        );
        assert!(
            labels.contains(&"Kuaidi: coupon 11 yuan, days 0–60"),
            "{labels:?}"
        );
        assert!(labels.contains(&"shock: demand ×0.75"), "{labels:?}");
        let exit = e
            .iter()
            .find(|e| e.label.starts_with("Kuaidi exits"))
            .unwrap();
        assert_eq!(exit.from, 120.0);
        assert_eq!(exit.label, "Kuaidi exits (2 of 3 runs, median day 120)");
        // The conditional round has no date and no mark.
        assert_eq!(e.iter().filter(|e| e.label.contains("raises")).count(), 1);
    }

    #[test]
    fn mergers_are_marked_from_the_summary() {
        let summary = Table::from_text(
            "summary.csv",
            "replication,platform,exit_day,acquired_day,acquired_by\n\
             0,Didi,,,\n0,Kuaidi,,84,Didi\n\
             1,Didi,,,\n1,Kuaidi,,91,Didi\n\
             2,Didi,,,\n2,Kuaidi,,84,Didi\n",
        )
        .unwrap();
        let e = events(None, Some(&summary));
        assert_eq!(e.len(), 1, "{e:?}");
        assert_eq!(
            e[0].label,
            "Didi acquires Kuaidi (3 of 3 runs, median day 84)"
        );
        assert_eq!(e[0].from, 84.0);
        let one = Table::from_text(
            "summary.csv",
            "replication,platform,exit_day,acquired_day,acquired_by\n0,Didi,,,\n0,Kuaidi,,84,Didi\n",
        )
        .unwrap();
        let e = events(None, Some(&one));
        assert_eq!(e[0].label, "Didi acquires Kuaidi");
    }

    #[test]
    fn no_manifest_and_no_summary_mean_no_events() {
        assert!(events(None, None).is_empty());
    }
}
