//! The market's mechanisms move the way markets move, shown statistically
//! over replications of small seeded markets (each comparison requires a
//! difference of more than three standard errors).

use crate::common::{assert_greater, run_text};

/// Two platforms of equal strength; variants change one thing each.
const DUOPOLY: &str = r#"
seed = 5
replications = 8
horizon_days = 60
[market]
consumers = 3000
merchants = 60
no_purchase_utility = -4.0
[consumers]
purchase_rate = { gamma = { shape = 2.0, mean = 0.4 } }
price_sensitivity = { lognormal = { mean = 0.12, sd = 0.04 } }
[merchants]
price = { lognormal = { mean = 30.0, sd = 8.0 } }
[[platforms]]
name = "A"
cash = 1e7
commission = 0.12
consumer_fee = 2.0
brand_utility = 1.0
variable_cost = 3.0
[[platforms.subsidy]]
from_day = 0
to_day = 60
per_order = 0.0
[[platforms]]
name = "B"
cash = 1e7
commission = 0.12
consumer_fee = 2.0
brand_utility = 1.0
variable_cost = 3.0
"#;

fn column(
    runs: &[flywheel::metrics::RunOutput],
    platform: usize,
    f: fn(&flywheel::metrics::PlatformSummary) -> f64,
) -> Vec<f64> {
    runs.iter().map(|r| f(&r.summary[platform])).collect()
}

#[test]
fn higher_coupons_raise_share_and_burn() {
    let low = run_text(DUOPOLY, &["platforms[0].subsidy[0].per_order=1"]);
    let high = run_text(DUOPOLY, &["platforms[0].subsidy[0].per_order=5"]);
    assert_greater(
        "A's share with a 5-yuan coupon vs 1",
        &column(&high, 0, |s| s.final_share),
        &column(&low, 0, |s| s.final_share),
    );
    assert_greater(
        "A's burn with a 5-yuan coupon vs 1",
        &column(&high, 0, |s| s.cumulative_burn.as_major()),
        &column(&low, 0, |s| s.cumulative_burn.as_major()),
    );
    assert_greater(
        "B's share when A coupons less",
        &column(&low, 1, |s| s.final_share),
        &column(&high, 1, |s| s.final_share),
    );
}

/// Price-sensitive and price-insensitive consumers; A's coupon either
/// stops at day 45 or runs on; consumers uninstall apps unused for 20 days.
const RETENTION: &str = r#"
seed = 9
replications = 8
horizon_days = 150
[market]
consumers = 4000
merchants = 60
no_purchase_utility = -9.0
direct_utility = -9.0
[consumers]
purchase_rate = { gamma = { shape = 3.0, mean = 0.5 } }
price_sensitivity = 0.1
dormancy_days = 20
[[consumers.segments]]
name = "sensitive"
share = 0.5
price_sensitivity = { uniform = { min = 0.25, max = 0.35 } }
[[consumers.segments]]
name = "loyal"
share = 0.5
price_sensitivity = { uniform = { min = 0.02, max = 0.04 } }
[merchants]
price = 30.0
[[platforms]]
name = "A"
cash = 1e8
commission = 0.1
consumer_fee = 3.0
brand_utility = 0.5
[[platforms.subsidy]]
from_day = 0
to_day = 45
per_order = 8.0
[[platforms]]
name = "B"
cash = 1e8
commission = 0.1
brand_utility = 0.5
"#;

/// Share of A's month-0 cohort of `segment` still installed at age 4.
fn retention_at_4_months(runs: &[flywheel::metrics::RunOutput], segment: usize) -> Vec<f64> {
    runs.iter()
        .map(|r| {
            let c = r
                .cohorts
                .iter()
                .find(|c| {
                    c.platform == 0
                        && c.segment == segment
                        && c.cohort_month == 0
                        && c.age_months == 4
                })
                .expect("cohort row");
            c.retained as f64 / c.observed as f64
        })
        .collect()
}

#[test]
fn stopping_coupons_lowers_retention_of_price_sensitive_cohorts() {
    let stop = run_text(RETENTION, &[]);
    let go_on = run_text(RETENTION, &["platforms[0].subsidy[0].to_day=150"]);
    let sensitive_stop = retention_at_4_months(&stop, 0);
    let sensitive_on = retention_at_4_months(&go_on, 0);
    assert_greater(
        "price-sensitive retention, coupons on vs stopped",
        &sensitive_on,
        &sensitive_stop,
    );
    // The price-insensitive cohort loses much less.
    let loyal_drop: Vec<f64> = retention_at_4_months(&go_on, 1)
        .iter()
        .zip(retention_at_4_months(&stop, 1))
        .map(|(a, b)| a - b)
        .collect();
    let sensitive_drop: Vec<f64> = sensitive_on
        .iter()
        .zip(&sensitive_stop)
        .map(|(a, b)| a - b)
        .collect();
    assert_greater(
        "retention lost when coupons stop: sensitive vs loyal",
        &sensitive_drop,
        &loyal_drop,
    );
}

/// Two identical platforms; merchants list where their orders pay for the
/// listing; consumers value variety by `choice.variety`.
const NETWORK: &str = r#"
seed = 21
replications = 12
horizon_days = 150
[market]
consumers = 3000
merchants = 120
districts = 2
no_purchase_utility = -4.0
[choice]
variety = 0.0
[consumers]
purchase_rate = { gamma = { shape = 2.0, mean = 0.5 } }
price_sensitivity = { lognormal = { mean = 0.12, sd = 0.04 } }
[merchants]
price = 30.0
unit_cost_share = 0.5
cash = 1e6
listing_cost = 80.0
review_days = 10
switch_probability = 0.5
[[platforms]]
name = "A"
cash = 1e8
commission = 0.1
brand_utility = 1.0
merchant_reach = 0.5
[[platforms]]
name = "B"
cash = 1e8
commission = 0.1
brand_utility = 1.0
merchant_reach = 0.5
"#;

#[test]
fn stronger_network_effects_concentrate_share() {
    let concentration = |runs: &[flywheel::metrics::RunOutput]| -> Vec<f64> {
        runs.iter()
            .map(|r| {
                r.summary
                    .iter()
                    .map(|s| s.final_share * s.final_share)
                    .sum()
            })
            .collect()
    };
    let weak = run_text(NETWORK, &[]);
    let strong = run_text(NETWORK, &["choice.variety=1.5"]);
    assert_greater(
        "Herfindahl index of final shares, strong vs no network effect",
        &concentration(&strong),
        &concentration(&weak),
    );
}

const MEMBERSHIP: &str = r#"
seed = 3
replications = 6
horizon_days = 60
[market]
consumers = 3000
merchants = 60
no_purchase_utility = -4.0
direct_utility = -0.5
repeat_merchant = 0.7
customer_data = "platform"
[consumers]
purchase_rate = { gamma = { shape = 2.0, mean = 0.4 } }
price_sensitivity = { lognormal = { mean = 0.15, sd = 0.05 } }
[merchants]
price = 30.0
[merchants.membership]
share = 0.0
discount = 4.0
join_probability = 0.5
[[platforms]]
name = "A"
cash = 1e8
commission = 0.15
brand_utility = 1.0
"#;

fn direct_share(runs: &[flywheel::metrics::RunOutput]) -> Vec<f64> {
    runs.iter()
        .map(|r| {
            r.totals.direct_orders as f64
                / (r.totals.direct_orders + r.totals.platform_orders) as f64
        })
        .collect()
}

#[test]
fn merchant_membership_raises_direct_purchases() {
    let none = run_text(MEMBERSHIP, &[]);
    let members = run_text(MEMBERSHIP, &["merchants.membership.share=1.0"]);
    assert_greater(
        "direct share with memberships vs without",
        &direct_share(&members),
        &direct_share(&none),
    );
    assert!(none.iter().all(|r| r.totals.member_orders == 0));
    // When merchants own the customer data they enrol platform customers
    // too, and keep more of them off the platform.
    let merchant_data = run_text(
        MEMBERSHIP,
        &[
            "merchants.membership.share=1.0",
            "market.customer_data=\"merchant\"",
        ],
    );
    assert_greater(
        "direct share when merchants own the data vs the platform",
        &direct_share(&merchant_data),
        &direct_share(&members),
    );
}

#[test]
fn strategy_rules_act_on_observed_metrics() {
    // B matches A's coupon while its runway exceeds six months; A halves
    // its coupon once its share reaches 40%.
    let text = format!(
        "{DUOPOLY}
[[platforms.rules]]
when = [\"runway_months > 6\"]
then = {{ coupon = \"rival_coupon\" }}
"
    );
    let runs = run_text(
        &text,
        &["platforms[0].subsidy[0].per_order=4", "replications=2"],
    );
    for r in &runs {
        // After the first weekly review B pays coupons too: its subsidy
        // spend is material and shares stay close.
        let b = &r.summary[1];
        assert!(
            b.flows.subsidy_spend.as_major() > 0.5 * r.summary[0].flows.subsidy_spend.as_major()
        );
        assert!(
            (r.summary[0].final_share - 0.5).abs() < 0.1,
            "{}",
            r.summary[0].final_share
        );
    }
    let halving = text.replace(
        "[[platforms]]\nname = \"B\"",
        "[[platforms.rules]]\nwhen = [\"share >= 0.4\"]\nthen = { coupon = { scale = 0.5 } }\n[[platforms]]\nname = \"B\"",
    );
    let halved = run_text(
        &halving,
        &["platforms[0].subsidy[0].per_order=4", "replications=2"],
    );
    for (full, half) in runs.iter().zip(&halved) {
        assert!(half.summary[0].flows.subsidy_spend < full.summary[0].flows.subsidy_spend);
    }
}
