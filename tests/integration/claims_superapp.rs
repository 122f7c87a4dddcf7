//! What `scenarios/superapp_wallets.toml` says to expect, checked: the
//! super-app's wallet share, balances, swept cash and fund spread as
//! shipped, and its share when balances no longer steer payments.

use flywheel::metrics::RunOutput;

use crate::scenario_claims::{mean, near};

/// Runs the shipped scenario with `overrides` (each `KEY=VALUE`).
fn shipped(overrides: &[&str]) -> Vec<RunOutput> {
    let sets: Vec<(&str, &str)> = overrides
        .iter()
        .map(|o| o.split_once('=').unwrap_or((o, "")))
        .collect();
    crate::scenario_claims::shipped("superapp_wallets.toml", &sets).1
}

/// Platform `p`'s share of wallet payments over the run, pooled over
/// replications.
fn wallet_share(runs: &[RunOutput], p: usize) -> f64 {
    let own: u64 = runs
        .iter()
        .map(|r| r.summary[p].flows.wallet_payments)
        .sum();
    let all: u64 = runs
        .iter()
        .flat_map(|r| r.summary.iter().map(|s| s.flows.wallet_payments))
        .sum();
    own as f64 / all as f64
}

#[test]
fn superapp_wallets_balances_share_and_spread_are_as_stated() {
    let runs = shipped(&[]);
    near(
        "Orbit's share of wallet payments",
        wallet_share(&runs, 0),
        0.50,
        0.02,
    );
    let balances = mean(&runs, |r| r.summary[0].consumer_balances_end.as_major());
    near(
        "Orbit's consumer balances (M yuan)",
        balances / 1e6,
        13.6,
        1.0,
    );
    let swept = mean(&runs, |r| r.summary[0].merchant_balances_end.as_major());
    near("Orbit's merchant balances (M yuan)", swept / 1e6, 7.4, 1.0);
    let spread = mean(&runs, |r| r.summary[0].flows.fund_spread.as_major());
    near(
        "Orbit's fund spread (thousand yuan)",
        spread / 1e3,
        57.0,
        5.0,
    );
    // Payment fees: the wallet's merchant fee rate on its volume.
    let fees = mean(&runs, |r| {
        r.summary[0].flows.wallet_volume.as_major() * 0.006
    });
    near(
        "Orbit's payment fees (thousand yuan)",
        fees / 1e3,
        60.0,
        5.0,
    );

    let flat = shipped(&["balances.pay_utility=0"]);
    near(
        "Orbit's share without pay_utility",
        wallet_share(&flat, 0),
        0.41,
        0.02,
    );
    let balances = mean(&flat, |r| r.summary[0].consumer_balances_end.as_major());
    near(
        "Orbit's consumer balances without pay_utility (M yuan)",
        balances / 1e6,
        16.3,
        1.0,
    );
}
