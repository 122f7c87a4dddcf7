//! The membership pair: the same market with merchant-owned and with
//! platform-owned customer data (the same seed, so common random
//! numbers).

use flywheel::metrics::RunOutput;

use super::{mean, near, shipped};

#[test]
fn membership_merchant_data_moves_repeat_orders_direct() {
    let (_, merchant) = shipped("membership_merchant_data.toml", &[]);
    let (_, platform) = shipped("membership_platform_data.toml", &[]);
    let members = |runs: &[RunOutput]| mean(runs, |r| r.totals.member_orders as f64) / 1e3;
    near(
        "member orders, merchant data (thousands)",
        members(&merchant),
        85.0,
        5.0,
    );
    near(
        "member orders, platform data (thousands)",
        members(&platform),
        28.0,
        3.0,
    );
    let direct = |runs: &[RunOutput]| {
        mean(runs, |r| {
            let t = &r.totals;
            t.direct_orders as f64 / (t.direct_orders + t.platform_orders) as f64
        })
    };
    near(
        "direct share, merchant data",
        direct(&merchant),
        0.26,
        0.006,
    );
    near(
        "direct share, platform data",
        direct(&platform),
        0.24,
        0.006,
    );
    assert!(direct(&merchant) - direct(&platform) > 0.01);
    let ratio = |f: fn(&RunOutput) -> f64| mean(&merchant, f) / mean(&platform, f);
    near(
        "platform orders, merchant over platform data",
        ratio(|r| r.summary[0].flows.orders as f64),
        0.98,
        0.01,
    );
    near(
        "platform revenue, merchant over platform data",
        ratio(|r| r.summary[0].flows.revenue.as_major()),
        0.98,
        0.01,
    );
}
