//! What `scenarios/superapp_mutual_aid.toml` says to expect, checked:
//! the super-app's and the stand-alone insurer's members after 10 and 90
//! days, their acquisition cost per member by channel, what the plan adds
//! to each one's result, the users the plan keeps on the super-app
//! (paired against retention = 0), the cost per member rising under
//! adverse selection, and the plan without it. The tolerances hold at the shipped
//! seed and at seeds 1, 2 and 3.

use flywheel::metrics::RunOutput;
use flywheel::metrics::lines::Line;
use flywheel::metrics::products::ProductDay;

use crate::scenario_claims::{mean, near};

/// Runs the shipped scenario with `overrides`.
fn shipped(overrides: &[(&str, &str)]) -> Vec<RunOutput> {
    crate::scenario_claims::shipped("superapp_mutual_aid.toml", overrides).1
}

/// Product `k`'s record of `day`.
fn on(run: &RunOutput, k: usize, day: u32) -> &ProductDay {
    match run.products.iter().find(|d| d.product == k && d.day == day) {
        Some(d) => d,
        None => panic!("no record of product {k} on day {day}"),
    }
}

/// Mean over replications of product `k`'s members (people represented,
/// millions) at the end of `day`.
fn members(runs: &[RunOutput], k: usize, day: u32) -> f64 {
    mean(runs, |r| on(r, k, day).members_represented) / 1e6
}

/// Product numbers: Orbit's plan, Orbit's fund sign-ups, Shield's plan.
const ORBIT_AID: usize = 0;
const ORBIT_SAVE: usize = 1;
const SHIELD_AID: usize = 2;

#[test]
fn superapp_mutual_aid_race_and_income_are_as_stated() {
    let runs = shipped(&[]);
    near(
        "Orbit's members after 10 days (M)",
        members(&runs, ORBIT_AID, 9),
        9.9,
        0.5,
    );
    near(
        "Orbit's members after 90 days (M)",
        members(&runs, ORBIT_AID, 89),
        39.2,
        2.0,
    );
    near(
        "Shield's members after 10 days (M)",
        members(&runs, SHIELD_AID, 9),
        0.05,
        0.02,
    );
    near(
        "Shield's members after 90 days (M)",
        members(&runs, SHIELD_AID, 89),
        1.0,
        0.3,
    );
    for r in &runs {
        let orbit = r.summary[0].products.expect("Orbit sells a plan");
        assert_eq!(orbit.days_to_million, Some(3), "Orbit's million");
        let reach = on(r, ORBIT_AID, 89).acquisition_cost_per_member_reach;
        assert!(reach.is_some_and(|c| (c - 0.2).abs() < 1e-9));
        assert_eq!(
            on(r, SHIELD_AID, 89).acquisition_cost_per_member_reach,
            None
        );
    }
    let shield_million = runs
        .iter()
        .filter_map(|r| r.summary[1].products.and_then(|p| p.days_to_million))
        .collect::<Vec<_>>();
    assert!(shield_million.len() >= 4, "{shield_million:?}");
    let late = shield_million.iter().sum::<u32>() as f64 / shield_million.len() as f64;
    near("Shield's days to a million", late, 79.0, 8.0);
    let marketing = mean(&runs, |r| {
        on(r, SHIELD_AID, 89)
            .acquisition_cost_per_member_marketing
            .unwrap_or(0.0)
    });
    near(
        "Shield's marketing cost per member (yuan)",
        marketing,
        300.0,
        50.0,
    );
    let contribution = |p: usize| {
        mean(&runs, |r| {
            r.summary[p].contributions[Line::Products.index()].as_major()
        })
    };
    near(
        "Orbit's products contribution (M yuan)",
        contribution(0) / 1e6,
        8.9,
        0.7,
    );
    near(
        "Shield's products contribution (M yuan)",
        contribution(1) / 1e6,
        -432.0,
        3.0,
    );
    let cost = |day: u32| {
        mean(&runs, |r| {
            on(r, ORBIT_AID, day).cost_per_member.unwrap_or(0.0)
        })
    };
    near(
        "Orbit's cost per member at the first sharing",
        cost(14),
        0.48,
        0.12,
    );
    near("Orbit's cost per member at day 90", cost(89), 1.65, 0.15);
    let risk = mean(&runs, |r| on(r, ORBIT_AID, 89).risk_mean.unwrap_or(0.0));
    near("Orbit's members' mean risk", risk, 1.5, 0.05);
    let save = |day: u32| mean(&runs, |r| on(r, ORBIT_SAVE, day).members as f64);
    near("Orbit's fund sign-ups after 10 days", save(9), 720.0, 60.0);
    near(
        "Orbit's fund sign-ups after 90 days",
        save(89),
        9930.0,
        400.0,
    );
    let fund = mean(&runs, |r| r.summary[0].consumer_balances_end.as_major());
    near("Orbit's fund (M yuan)", fund / 1e6, 11.9, 0.5);

    // What the plan is worth in retained users: the same seeds with
    // retention = 0, paired by replication.
    let kept = shipped(&[("platforms[0].products[0].retention", "0")]);
    let averted = mean(&runs, |r| {
        r.summary[0]
            .products
            .map_or(0.0, |p| p.churn_averted as f64)
    });
    near("Orbit's churns averted", averted, 378.0, 35.0);
    let gains: Vec<f64> = runs
        .iter()
        .zip(&kept)
        .map(|(r, k)| r.summary[0].active_users_end as f64 - k.summary[0].active_users_end as f64)
        .collect();
    assert!(gains.iter().all(|&g| g > 0.0), "{gains:?}");
    let gain = gains.iter().sum::<f64>() / gains.len() as f64;
    near("Orbit's active users kept by the plan", gain, 319.0, 30.0);

    let flat = shipped(&[
        ("platforms[0].products[0].adverse_selection", "false"),
        ("platforms[1].products[0].adverse_selection", "false"),
    ]);
    near(
        "Orbit's members after 90 days without adverse selection (M)",
        members(&flat, ORBIT_AID, 89),
        66.0,
        3.0,
    );
    let cost = mean(&flat, |r| {
        on(r, ORBIT_AID, 89).cost_per_member.unwrap_or(0.0)
    });
    near(
        "Orbit's cost per member without adverse selection",
        cost,
        1.06,
        0.2,
    );
}
