//! What the consumer credit scenarios say to expect, checked:
//! `home_services_2015_finance.toml` (58's finance arm in the 2015
//! home-services war) and its variants seeing fewer kinds of data
//! (`home_services_2015_finance_transactions.toml`,
//! `home_services_2015_finance_self_reported.toml`), and the whole chain
//! from traffic to finance in `o2o_chain.toml`. Variants run with the
//! same seeds as their base, so their differences are paired.

use flywheel::metrics::RunOutput;
use flywheel::metrics::credit::CreditSummary;
use flywheel::metrics::lending::LenderSummary;

use crate::scenario_claims::{mean, near};

/// Loads `scenarios/NAME` and runs it as shipped.
fn shipped(name: &str) -> Vec<RunOutput> {
    crate::scenario_claims::shipped(name, &[]).1
}

/// Platform `p`'s consumer credit figure `f`, averaged over replications.
fn credit(runs: &[RunOutput], p: usize, f: impl Fn(&CreditSummary) -> f64) -> f64 {
    mean(runs, |r| match &r.summary[p].credit {
        Some(c) => f(c),
        None => f64::NAN,
    })
}

/// Lender `l`'s figure `f`, averaged over replications.
fn lender(runs: &[RunOutput], l: usize, f: impl Fn(&LenderSummary) -> f64) -> f64 {
    mean(runs, |r| f(&r.lenders[l]))
}

const DAOJIA58: usize = 0;
const FINANCE58: usize = 0;
const CITY_BANK: usize = 1;

fn default_rate(c: &CreditSummary) -> f64 {
    c.default_rate().unwrap_or(f64::NAN)
}

#[test]
fn home_services_2015_finance_claims_hold_against_fewer_kinds_of_data() {
    let base = shipped("home_services_2015.toml");
    let all = shipped("home_services_2015_finance.toml");
    let orders = |runs: &[RunOutput]| mean(runs, |r| r.summary[DAOJIA58].flows.orders as f64);
    near(
        "58Credit's lines",
        credit(&all, DAOJIA58, |c| c.lines as f64),
        16_400.0,
        600.0,
    );
    near(
        "orders paid on credit",
        credit(&all, DAOJIA58, |c| c.purchases as f64),
        97_000.0,
        5_000.0,
    );
    near("Daojia58's orders", orders(&all), 308_000.0, 8_000.0);
    near(
        "orders against the base",
        orders(&all) / orders(&base),
        1.09,
        0.025,
    );
    let rate = |runs: &[RunOutput]| credit(runs, DAOJIA58, default_rate);
    near("58Credit's default rate", rate(&all), 0.0027, 0.001);
    near(
        "58Credit's fraud losses (yuan)",
        credit(&all, DAOJIA58, |c| c.fraud_losses.as_major()),
        23_000.0,
        9_000.0,
    );
    let approval = |runs: &[RunOutput], l| lender(runs, l, |s| s.approval_rate.unwrap_or(f64::NAN));
    let defaults =
        |runs: &[RunOutput], l| lender(runs, l, |s| s.default_rate_all_loans.unwrap_or(f64::NAN));
    near(
        "58Finance's approval rate",
        approval(&all, FINANCE58),
        0.06,
        0.015,
    );
    near(
        "58Finance's default rate",
        defaults(&all, FINANCE58),
        0.04,
        0.02,
    );
    near(
        "CityBank's approval rate",
        approval(&all, CITY_BANK),
        0.27,
        0.03,
    );
    near(
        "CityBank's default rate",
        defaults(&all, CITY_BANK),
        0.05,
        0.015,
    );

    let tx = shipped("home_services_2015_finance_transactions.toml");
    near(
        "lines, transactions only",
        credit(&tx, DAOJIA58, |c| c.lines as f64),
        16_400.0,
        600.0,
    );
    near("default rate, transactions only", rate(&tx), 0.0052, 0.0012);
    assert!(
        rate(&tx) > 1.5 * rate(&all),
        "{} vs {}",
        rate(&tx),
        rate(&all)
    );
    near(
        "fraud losses, transactions only",
        credit(&tx, DAOJIA58, |c| c.fraud_losses.as_major()),
        33_000.0,
        10_000.0,
    );

    let own = shipped("home_services_2015_finance_self_reported.toml");
    near(
        "lines, self-reported",
        credit(&own, DAOJIA58, |c| c.lines as f64),
        16_400.0,
        600.0,
    );
    near("default rate, self-reported", rate(&own), 0.013, 0.002);
    assert!(
        rate(&own) > 3.5 * rate(&all),
        "{} vs {}",
        rate(&own),
        rate(&all)
    );
    near(
        "fraud losses, self-reported",
        credit(&own, DAOJIA58, |c| c.fraud_losses.as_major()),
        49_000.0,
        12_000.0,
    );
    near(
        "58Finance's approval, self-reported",
        approval(&own, FINANCE58),
        0.84,
        0.05,
    );
    near(
        "58Finance's default rate, self-reported",
        defaults(&own, FINANCE58),
        0.14,
        0.03,
    );
}

#[test]
fn o2o_chain_claims_hold_link_by_link() {
    let (hub, finance, bank) = (0, 0, 1);
    let runs = shipped("o2o_chain.toml");
    let platform =
        |f: fn(&flywheel::metrics::PlatformSummary) -> f64| mean(&runs, |r| f(&r.summary[hub]));
    near(
        "Hub's orders",
        platform(|s| s.flows.orders as f64),
        1.19e6,
        0.05e6,
    );
    near(
        "coupon spend (yuan)",
        platform(|s| s.flows.subsidy_spend.as_major()),
        1.08e6,
        0.05e6,
    );
    near(
        "wallet payments",
        platform(|s| s.flows.wallet_payments as f64),
        490_000.0,
        25_000.0,
    );
    near(
        "member orders",
        mean(&runs, |r| r.totals.member_orders as f64),
        39_000.0,
        4_000.0,
    );
    let approval = |runs: &[RunOutput], l| lender(runs, l, |s| s.approval_rate.unwrap_or(f64::NAN));
    let defaults =
        |runs: &[RunOutput], l| lender(runs, l, |s| s.default_rate_all_loans.unwrap_or(f64::NAN));
    near(
        "HubFinance's approval rate",
        approval(&runs, finance),
        0.27,
        0.04,
    );
    near(
        "HubFinance's default rate",
        defaults(&runs, finance),
        0.021,
        0.012,
    );
    near(
        "CityBank's approval rate",
        approval(&runs, bank),
        0.024,
        0.01,
    );
    near("CityBank's default rate", defaults(&runs, bank), 0.30, 0.12);
    let profit = lender(&runs, finance, |s| s.lending_profit.as_major());
    near("HubFinance's profit (yuan)", profit, 100_000.0, 40_000.0);
    assert!(profit < 0.1 * platform(|s| s.flows.subsidy_spend.as_major()));
    near(
        "HubCredit's lines",
        credit(&runs, hub, |c| c.lines as f64),
        9_800.0,
        300.0,
    );
    near(
        "orders on credit",
        credit(&runs, hub, |c| c.purchases as f64),
        460_000.0,
        25_000.0,
    );
    near(
        "HubCredit's default rate",
        credit(&runs, hub, default_rate),
        0.012,
        0.002,
    );
    near(
        "HubCredit's fraud losses (yuan)",
        credit(&runs, hub, |c| c.fraud_losses.as_major()),
        54_000.0,
        12_000.0,
    );
    near(
        "HubCredit's profit (yuan)",
        credit(&runs, hub, |c| c.profit().as_major()),
        0.0,
        25_000.0,
    );

    let own = crate::scenario_claims::shipped(
        "o2o_chain.toml",
        &[
            ("replications", "3"),
            ("lenders[0].data", "[\"self_reported\"]"),
            ("consumer_credit[0].data", "[\"self_reported\"]"),
        ],
    )
    .1;
    near(
        "HubCredit's default rate, self-reported",
        credit(&own, hub, default_rate),
        0.046,
        0.005,
    );
    near(
        "HubFinance's default rate, self-reported",
        defaults(&own, finance),
        0.16,
        0.03,
    );
}
