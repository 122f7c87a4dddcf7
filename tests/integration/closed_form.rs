//! Special cases with closed forms: Poisson arrivals and logit choice.
//!
//! With identical consumers, occasions over the horizon are Poisson with
//! mean N·r·T and each occasion picks the platform with the logit
//! probability. Tolerances are four standard errors (a false alarm rate
//! below one in ten thousand per check).

use flywheel::market::choice::{Options, probabilities};
use flywheel::runner::{RunOptions, run_one};

use crate::common::scenario_from;

const MARKET: &str = r#"
seed = 11
replications = 1
horizon_days = 10
[market]
consumers = 2000
merchants = 50
no_purchase_utility = -2.0
direct_utility = 0.0
[consumers]
purchase_rate = 2.0
price_sensitivity = 0.1
[merchants]
price = 20.0
unit_cost_share = 0.5
[[platforms]]
name = "Solo"
cash = 1e9
commission = 0.1
brand_utility = 0.5
[[platforms.subsidy]]
from_day = 0
to_day = 5
per_order = 5.0
"#;

#[test]
fn poisson_arrivals_and_logit_shares_match_closed_form() {
    let s = scenario_from(MARKET);
    let run = run_one(&s, 0, &RunOptions::default(), &|| {}).expect("run");
    // Occasions: Poisson(N r T).
    let expected = 2000.0 * 2.0 * 10.0;
    let occasions = run.totals.occasions as f64;
    assert!(
        (occasions - expected).abs() < 4.0 * expected.sqrt(),
        "{occasions} occasions, expected {expected}"
    );
    // Logit shares with and without the 5-yuan coupon.
    let with_coupon = probabilities(&Options {
        platforms: &[Some(0.5 - 0.1 * 15.0)],
        direct: -0.1 * 20.0,
        no_purchase: -2.0,
    })[0];
    let without = probabilities(&Options {
        platforms: &[Some(0.5 - 0.1 * 20.0)],
        direct: -0.1 * 20.0,
        no_purchase: -2.0,
    })[0];
    for (days, p) in [(0..5, with_coupon), (5..10, without)] {
        let orders: u64 = run
            .days
            .iter()
            .filter(|d| days.contains(&d.day))
            .map(|d| d.flows.orders)
            .sum();
        // Platform orders are Poisson thinned by p: mean N r p days.
        let mean = 2000.0 * 2.0 * p * 5.0;
        assert!(
            (orders as f64 - mean).abs() < 4.0 * mean.sqrt(),
            "days {days:?}: {orders} orders, expected {mean:.0}"
        );
        let subsidy: i64 = run
            .days
            .iter()
            .filter(|d| days.contains(&d.day))
            .map(|d| d.flows.subsidy_spend.0)
            .sum();
        let coupon = if days.start == 0 { 500 } else { 0 };
        assert_eq!(subsidy, orders as i64 * coupon);
    }
}

/// ln B(a, b).
fn ln_beta(a: f64, b: f64) -> f64 {
    use statrs::function::gamma::ln_gamma;
    ln_gamma(a) + ln_gamma(b) - ln_gamma(a + b)
}

#[test]
fn sbg_cohort_survival_matches_closed_form() {
    // Only sBG churn: everyone installs at day 0 and never buys.
    let (alpha, beta) = (1.2, 3.0);
    let text = format!(
        r#"
seed = 77
replications = 2
horizon_days = 361
[market]
consumers = 20000
merchants = 1
[consumers]
purchase_rate = 0.0
price_sensitivity = 0.1
churn = {{ sbg = {{ alpha = {alpha}, beta = {beta}, period_days = 30 }} }}
[merchants]
price = 10.0
[[platforms]]
name = "Solo"
cash = 1000.0
commission = 0.1
"#
    );
    let runs = crate::common::run_text(&text, &[]);
    for age in 0..=12u32 {
        let (mut observed, mut retained) = (0u64, 0u64);
        for r in &runs {
            let c = r
                .cohorts
                .iter()
                .find(|c| c.cohort_month == 0 && c.age_months == age)
                .expect("cohort row");
            observed += c.observed;
            retained += c.retained;
        }
        let expected = (ln_beta(alpha, beta + f64::from(age)) - ln_beta(alpha, beta)).exp();
        let share = retained as f64 / observed as f64;
        let se = (expected * (1.0 - expected) / observed as f64).sqrt();
        assert!(
            (share - expected).abs() <= 4.0 * se + 1e-12,
            "age {age}: simulated survival {share:.4}, sBG {expected:.4} (4 SE = {:.4})",
            4.0 * se
        );
    }
}

#[test]
fn mm1_time_in_system_is_one_over_mu_minus_lambda() {
    // One consumer arriving at λ = 2/hour at one merchant serving μ = 3/hour,
    // always buying direct: an M/M/1 queue, mean time in system 1/(μ−λ) = 1 h.
    let text = r#"
seed = 5
replications = 8
horizon_days = 250
[market]
consumers = 1
merchants = 1
no_purchase_utility = -1000.0
direct_utility = 1000.0
[consumers]
purchase_rate = 48.0
price_sensitivity = 0.0
[merchants]
price = 10.0
service_rate = 3.0
[[platforms]]
name = "Solo"
cash = 1000.0
commission = 0.1
"#;
    let runs = crate::common::run_text(text, &[]);
    let means: Vec<f64> = runs
        .iter()
        .map(|r| {
            assert!(r.totals.queued_orders > 10_000);
            r.totals.time_in_system as f64 / r.totals.queued_orders as f64 / 3600.0
        })
        .collect();
    let (mean, se) = crate::common::mean_se(&means);
    assert!(
        (mean - 1.0).abs() < 4.0 * se,
        "mean time in system {mean:.4} h, expected 1 h (4 SE = {:.4})",
        4.0 * se
    );
    // Little's law on the same run: L = λW with λ = 2/h.
    assert!(
        se < 0.05,
        "standard error {se} too large for a meaningful check"
    );
}
