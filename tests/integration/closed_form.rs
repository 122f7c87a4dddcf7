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
