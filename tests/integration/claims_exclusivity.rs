//! What `scenarios/merchant_exclusivity.toml` says to expect, checked:
//! the scenario runs as shipped with two replications (and with the
//! overrides its header suggests) and every number of its Expect lines is
//! held to a tolerance of about three standard errors of a two-replication
//! mean.

use flywheel::metrics::RunOutput;

use crate::scenario_claims::{mean, near};

const NUOMI: usize = 0;
const MEITUAN: usize = 1;

/// Runs the shipped scenario with `overrides` (each `KEY=VALUE`).
fn shipped(overrides: &[&str]) -> Vec<RunOutput> {
    let sets: Vec<(&str, &str)> = ["replications=2"]
        .iter()
        .chain(overrides)
        .map(|o| o.split_once('=').unwrap_or((o, "")))
        .collect();
    crate::scenario_claims::shipped("merchant_exclusivity.toml", &sets).1
}

/// Platform `p`'s share of platform orders on days `[from, to)`, per
/// replication, averaged.
fn share(runs: &[RunOutput], p: usize, from: u32, to: u32) -> f64 {
    mean(runs, |r| {
        let days = r.days.iter().filter(|d| (from..to).contains(&d.day));
        let (own, all) = days.fold((0, 0), |(own, all), d| {
            (
                own + if d.platform == p { d.flows.orders } else { 0 },
                all + d.flows.orders,
            )
        });
        own as f64 / all as f64
    })
}

/// Mean over days `[from, to)` and replications of a daily figure of
/// platform `p`.
fn daily(
    runs: &[RunOutput],
    p: usize,
    from: u32,
    to: u32,
    f: impl Fn(&flywheel::metrics::DayRecord) -> f64,
) -> f64 {
    mean(runs, |r| {
        let v: Vec<f64> = r
            .days
            .iter()
            .filter(|d| d.platform == p && (from..to).contains(&d.day))
            .map(&f)
            .collect();
        v.iter().sum::<f64>() / v.len() as f64
    })
}

#[test]
fn merchant_exclusivity_figures_are_as_stated() {
    let runs = shipped(&[]);
    near(
        "Nuomi's merchants on day 29",
        daily(&runs, NUOMI, 29, 30, |d| d.merchants as f64),
        388.0,
        12.0,
    );
    near(
        "Meituan's exclusive merchants, days 90-179",
        daily(&runs, MEITUAN, 90, 180, |d| d.exclusive_merchants as f64),
        78.0,
        15.0,
    );
    near(
        "Meituan's exclusivity spend",
        mean(&runs, |r| {
            r.summary[MEITUAN].flows.exclusivity_spend.as_major()
        }),
        250_000.0,
        50_000.0,
    );
    near(
        "Nuomi's share, days 30-59",
        share(&runs, NUOMI, 30, 60),
        0.43,
        0.02,
    );
    near(
        "Nuomi's share, days 90-179",
        share(&runs, NUOMI, 90, 180),
        0.35,
        0.02,
    );
    near(
        "Nuomi's share, days 210-239",
        share(&runs, NUOMI, 210, 240),
        0.42,
        0.02,
    );
    // Nuomi pays nothing and Meituan's merchants are the only exclusive ones.
    assert!(
        runs.iter()
            .all(|r| r.summary[NUOMI].exclusive_merchants_end == 0
                && r.summary[NUOMI].flows.exclusivity_spend.0 == 0)
    );
}

#[test]
fn merchant_exclusivity_without_data_sharing_is_as_stated() {
    let runs = shipped(&["platforms[0].customer_data=\"platform\""]);
    near(
        "Nuomi's merchants on day 29 when it keeps the data",
        daily(&runs, NUOMI, 29, 30, |d| d.merchants as f64),
        322.0,
        12.0,
    );
    near(
        "exclusive merchants when Nuomi keeps the data",
        daily(&runs, MEITUAN, 90, 180, |d| d.exclusive_merchants as f64),
        147.0,
        20.0,
    );
    near(
        "Nuomi's share, days 90-179, when it keeps the data",
        share(&runs, NUOMI, 90, 180),
        0.28,
        0.02,
    );
}

#[test]
fn merchant_exclusivity_at_60_yuan_is_as_stated() {
    let runs = shipped(&["platforms[1].schedule[0].set.exclusivity=60"]);
    near(
        "exclusive merchants at 60 yuan",
        daily(&runs, MEITUAN, 90, 180, |d| d.exclusive_merchants as f64),
        308.0,
        20.0,
    );
    near(
        "Nuomi's share, days 90-179, at 60 yuan",
        share(&runs, NUOMI, 90, 180),
        0.10,
        0.02,
    );
    near(
        "Meituan's exclusivity spend at 60 yuan",
        mean(&runs, |r| {
            r.summary[MEITUAN].flows.exclusivity_spend.as_major()
        }),
        1_950_000.0,
        120_000.0,
    );
}
