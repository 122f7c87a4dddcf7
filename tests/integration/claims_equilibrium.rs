//! The claims of `scenarios/equilibrium_subsidy_war.toml`, checked by
//! running its `[equilibrium]` search as shipped: the war does not survive
//! on contribution.

use std::path::Path;
use std::sync::atomic::AtomicBool;

use flywheel::search::{Search, SearchOptions, run_equilibrium};

use crate::common::TempDir;

#[test]
fn equilibrium_subsidy_war_settles_at_no_coupon_with_zero_regret() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/equilibrium_subsidy_war.toml");
    let search = Search::load(&path, true, &[]).unwrap_or_else(|e| panic!("{e}"));
    let dir = TempDir::new("claims-equilibrium");
    let r = run_equilibrium(
        &search,
        dir.path(),
        &SearchOptions::default(),
        &AtomicBool::new(false),
        &|_| {},
    )
    .unwrap_or_else(|e| panic!("{e}"));
    // Converges in 2 rounds, no cycle.
    assert!(r.converged && !r.cycled, "{r:?}");
    assert_eq!(r.rounds, 2);
    let path_csv = std::fs::read_to_string(dir.path().join("path.csv")).expect("path.csv");
    let rows: Vec<Vec<&str>> = path_csv
        .lines()
        .skip(1)
        .map(|l| l.split(',').collect())
        .collect();
    // Round 1, at the opening (8 yuan for 120 and 60 days): both lose
    // money, Blue about 0.6 M yuan, Red about 0.13 M.
    let opening = |player: &str| -> f64 {
        rows.iter()
            .find(|r| r[0] == "1" && r[1] == player)
            .and_then(|r| r[5].parse().ok())
            .expect("round 1 payoff")
    };
    assert!(
        (-0.8e6..-0.4e6).contains(&opening("Blue")),
        "{}",
        opening("Blue")
    );
    assert!(
        (-0.3e6..0.0).contains(&opening("Red")),
        "{}",
        opening("Red")
    );
    for p in &r.players {
        // Both drop the coupon to (about) 0 ...
        let coupon: f64 = p.strategy[0].1.parse().expect("coupon");
        assert!(coupon <= 1.0, "{}: coupon {coupon}", p.name);
        // ... earn about 0.3 M yuan each ...
        assert!(
            (0.2e6..0.4e6).contains(&p.payoff.mean),
            "{}: {:?}",
            p.name,
            p.payoff
        );
        // ... and no deviation found beats that: regret 0, interval [0, 0].
        assert_eq!(p.regret.mean, 0.0, "{}", p.name);
        assert!(p.regret.high().unwrap_or(f64::INFINITY) < 20_000.0);
        assert!(!p.can_improve);
    }
}
