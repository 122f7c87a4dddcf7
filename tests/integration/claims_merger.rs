//! What `scenarios/merger_2015.toml` says to expect, checked: the day of
//! the merger, Didi's share after it, the burn before and after, and the
//! rides the merger buys compared with waiting for Kuaidi to fail.

use flywheel::metrics::RunOutput;

use crate::scenario_claims::{mean, near};

const DIDI: usize = 0;
const KUAIDI: usize = 1;

/// Loads `scenarios/NAME` with `overrides` and runs it.
fn shipped(name: &str, overrides: &[(&str, &str)]) -> Vec<RunOutput> {
    crate::scenario_claims::shipped(name, overrides).1
}

/// Platform `p`'s cash at the end of `day`, in yuan.
fn cash(run: &RunOutput, p: usize, day: u32) -> f64 {
    run.days
        .iter()
        .find(|r| r.day == day && r.platform == p)
        .map_or(f64::NAN, |r| r.cash.as_major())
}

/// Platform `p`'s rides per day over days `[from, to)`.
fn rides(run: &RunOutput, p: usize, from: u32, to: u32) -> f64 {
    run.days
        .iter()
        .filter(|r| r.platform == p && (from..to).contains(&r.day))
        .map(|r| r.flows.orders as f64)
        .sum::<f64>()
        / f64::from(to - from)
}

fn merger_day(run: &RunOutput) -> u32 {
    match run.summary[KUAIDI].acquired_day {
        Some(d) => d,
        None => panic!("Kuaidi is not bought in replication {}", run.replication),
    }
}

#[test]
fn merger_2015_merges_on_the_stated_days_with_the_stated_share_and_burn() {
    let runs = shipped("merger_2015.toml", &[("replications", "4")]);
    let horizon = 180;
    for run in &runs {
        let day = merger_day(run);
        assert!(
            (77..=98).contains(&day) && (day == 84 || day == 91),
            "the header states a merger on day 84 or 91 (between 77 and 98), got {day}"
        );
        assert_eq!(run.summary[KUAIDI].acquired_by.as_deref(), Some("Didi"));
        assert!(run.summary.iter().all(|s| s.exit_day.is_none()));
    }
    near(
        "Didi's share of app rides from the merger on",
        mean(&runs, |r| {
            let day = merger_day(r);
            let all: f64 = (0..r.summary.len())
                .map(|p| rides(r, p, day, horizon))
                .sum();
            rides(r, DIDI, day, horizon) / all
        }),
        0.89,
        0.02,
    );
    near(
        "Didi's and Kuaidi's burn a day, four weeks before the merger",
        mean(&runs, |r| {
            let day = merger_day(r);
            [DIDI, KUAIDI]
                .iter()
                .map(|&p| (cash(r, p, day - 29) - cash(r, p, day - 1)) / 28.0)
                .sum()
        }),
        23_600.0,
        800.0,
    );
    near(
        "the merged Didi's burn a day after the merger",
        mean(&runs, |r| {
            let day = merger_day(r);
            (cash(r, DIDI, day) - cash(r, DIDI, horizon - 1)) / f64::from(horizon - 1 - day)
        }),
        8_100.0,
        300.0,
    );
    near(
        "Didi's rides a day over the last 30 days",
        mean(&runs, |r| rides(r, DIDI, horizon - 30, horizon)),
        630.0,
        40.0,
    );
}

#[test]
fn merger_2015_without_the_merger_kuaidi_exits_and_didi_carries_fewer_rides() {
    let runs = shipped(
        "merger_2015.toml",
        &[
            ("replications", "4"),
            (
                "platforms[0].rules[0].when",
                r#"["rival_runway_months < 0"]"#,
            ),
        ],
    );
    for run in &runs {
        assert_eq!(run.summary[KUAIDI].acquired_day, None);
        let exit = run.summary[KUAIDI].exit_day.unwrap_or(u32::MAX);
        assert!(
            (120..=135).contains(&exit),
            "the header states Kuaidi exits between day 120 and day 135, got {exit}"
        );
    }
    near(
        "Didi's rides a day over the last 30 days, without the merger",
        mean(&runs, |r| rides(r, DIDI, 150, 180)),
        420.0,
        40.0,
    );
}
