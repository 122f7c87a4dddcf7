//! Validity special cases a user can reproduce from the outputs: Bass
//! diffusion with every adopter counted by word of mouth, and Little's law
//! and the M/M/1 queue wait at merchants.
//!
//! Tolerances are four standard errors.

use crate::common::{TempDir, flywheel, mean_se, read_csv, run_text, text};

/// A market where nothing but innovation and word of mouth brings users:
/// no initial users, no marketing, no churn, a platform that cannot run
/// out of cash. Consumers seldom shop, which keeps the run fast.
const BASS: &str = r#"
name = "bass"
seed = 5
replications = 10
horizon_days = 20
[market]
consumers = 20000
merchants = 20
[consumers]
purchase_rate = 0.01
price_sensitivity = 0.1
[merchants]
price = 20.0
unit_cost_share = 0.5
[[platforms]]
name = "Solo"
cash = 1e9
commission = 0.1
initial_users = 0.0
word_of_mouth_base = "adopters"
innovation = 0.03
word_of_mouth = 0.4
"#;

/// Bass's cumulative adoption from nobody, `t` in periods.
fn bass(p: f64, q: f64, t: f64) -> f64 {
    let e = (-(p + q) * t).exp();
    (1.0 - e) / (1.0 + q / p * e)
}

/// Installed share at each day's end against F(day + 1 days), over the
/// replications: asserts that the mean share is within four standard
/// errors of F(t) every day (the standard error from the replications'
/// spread, which carries the noise imitation propagates; at least that of
/// a binomial share) and returns the largest gap of the mean and of any
/// single run.
fn check_bass(sets: &[&str], p: f64, q: f64, period: f64) -> (f64, f64) {
    let runs = run_text(BASS, sets);
    let n = 20_000.0;
    let days = runs[0].days.len();
    let (mut worst_mean, mut worst_run): (f64, f64) = (0.0, 0.0);
    for i in 0..days {
        let day = runs[0].days[i].day;
        let f = bass(p, q, f64::from(day + 1) / period);
        let shares: Vec<f64> = runs
            .iter()
            .map(|r| r.days[i].installed_consumers as f64 / n)
            .collect();
        let (mean, se) = mean_se(&shares);
        let binomial = (f * (1.0 - f) / n / shares.len() as f64).sqrt();
        let gap = (mean - f).abs();
        assert!(
            gap <= 4.0 * se.max(binomial) + 1.0 / n,
            "{sets:?} day {day}: mean installed share {mean:.5} ± {se:.5}, F(t) = {f:.5}"
        );
        worst_mean = worst_mean.max(gap);
        for s in shares {
            worst_run = worst_run.max((s - f).abs());
        }
    }
    (worst_mean, worst_run)
}

#[test]
fn installed_share_follows_bass_with_daily_p_and_q() {
    let (mean, run) = check_bass(&[], 0.03, 0.4, 1.0);
    eprintln!("daily p, q: max |installed share − F(t)| {mean:.5} (mean), {run:.5} (any run)");
}

#[test]
fn installed_share_follows_bass_with_monthly_p_and_q() {
    let (mean, run) = check_bass(
        &["horizon_days=240", "platforms[0].adoption_period_days=30"],
        0.03,
        0.4,
        30.0,
    );
    eprintln!("30-day p, q: max |installed share − F(t)| {mean:.5} (mean), {run:.5} (any run)");
}

/// Every merchant an M/M/1 server: one district, merchants picked at
/// random, everyone buys (so each merchant's arrivals are Poisson at
/// λ = consumers × rate / merchants / 24 per hour), exponential service at
/// μ = 6 per hour, and no term in the choice that reacts to the queue.
/// λ = 1440 × 1 / 20 / 24 = 3 per hour: ρ = 0.5.
const QUEUE: &str = r#"
name = "queue"
seed = 9
replications = 8
horizon_days = 30
[market]
consumers = 1440
merchants = 20
no_purchase_utility = -60.0
[consumers]
purchase_rate = 1.0
price_sensitivity = 0.1
[merchants]
price = 20.0
unit_cost_share = 0.5
service_rate = 6.0
[[platforms]]
name = "Solo"
cash = 1e9
commission = 0.1
"#;

#[test]
fn littles_law_and_the_mm1_wait_hold_in_market_csv() {
    let dir = TempDir::new("validity-queue");
    std::fs::write(dir.path().join("queue.toml"), QUEUE).expect("write scenario");
    let o = flywheel(
        dir.path(),
        &["run", "queue.toml", "--out", "run", "--quiet"],
    );
    assert!(o.status.success(), "{:?}", text(&o));
    let rows = read_csv(&dir.path().join("run/market.csv"));
    let num = |row: &std::collections::HashMap<String, String>, k: &str| -> f64 {
        row[k]
            .parse()
            .unwrap_or_else(|_| panic!("{k} = {:?}", row[k]))
    };
    let (lambda, mu): (f64, f64) = (3.0, 6.0);
    let mut waits = Vec::new();
    let mut worst_little: f64 = 0.0;
    for row in &rows {
        let rate = num(row, "arrival_rate_per_hour");
        let w = num(row, "mean_time_in_system_hours");
        let wq = num(row, "mean_queue_wait_hours");
        let l = num(row, "mean_in_system");
        let lq = num(row, "mean_in_queue");
        // Little's law on the run's sample path: L = λW and Lq = λWq, up
        // to the orders still in a system at the end (about L·W ≈ 0.3
        // order-hours a server, in 720 hours) and the six decimals written.
        for (what, left, right) in [("L", l, rate * w), ("Lq", lq, rate * wq)] {
            let residual = (left - right).abs();
            assert!(residual < 0.01, "{what} = {left}, λW = {right}");
            worst_little = worst_little.max(residual);
        }
        // The arrival rate is the one set up: Poisson counts over 14 400
        // server-hours.
        let se = (lambda / (20.0 * 720.0)).sqrt();
        assert!((rate - lambda).abs() < 4.0 * se, "λ = {rate}");
        assert!(l > 0.9 && l < 1.1, "L = {l}, M/M/1 ρ/(1 − ρ) = 1");
        waits.push(wq);
    }
    // M/M/1: Wq = ρ/(μ − λ). Replications are independent, so their
    // spread gives the standard error of the mean wait.
    let expected = (lambda / mu) / (mu - lambda);
    let (mean, se) = mean_se(&waits);
    assert!(
        (mean - expected).abs() < 4.0 * se,
        "Wq = {mean:.4} ± {se:.4} h, M/M/1 {expected:.4} h"
    );
    eprintln!(
        "Wq {mean:.4} ± {se:.4} h against {expected:.4} h; largest |L − λW| {worst_little:.2e}"
    );
}
