//! The coupon scenarios: quickstart, the subsidy war and its one-lever
//! variant, the subsidy sweep, the 2014 ride-hailing replay and the 2015
//! home-services war.

use std::sync::OnceLock;

use flywheel::compare::{Comparison, Results, compare, load_variants};
use flywheel::ledger::Money;
use flywheel::metrics::RunOutput;
use flywheel::sweep::Sweep;

use super::{between, mean, near, order_share, orders_per_day, overrides, path, run, shipped};

#[test]
fn quickstart_coupon_share_goes_when_the_coupon_does() {
    let (_, runs) = shipped("quickstart.toml", &[]);
    let (_, plain) = shipped(
        "quickstart.toml",
        &[("platforms[1].subsidy[0].per_order", "0")],
    );
    near(
        "Challenger's share while its coupon runs",
        order_share(&runs, 1, 0, 60),
        0.425,
        0.025,
    );
    near(
        "Challenger's share without a coupon",
        order_share(&plain, 1, 0, 60),
        0.32,
        0.025,
    );
    near(
        "Challenger's share after the coupon",
        order_share(&runs, 1, 60, 90),
        0.32,
        0.025,
    );
    // No habit: once the coupon stops, nothing it bought is left.
    let kept = order_share(&runs, 1, 60, 90) - order_share(&plain, 1, 60, 90);
    assert!(kept.abs() < 0.005, "share kept after the coupon: {kept:.4}");
    // The spend is the coupon times the orders it paid for, exactly.
    for r in &runs {
        let paid: u64 = r
            .days
            .iter()
            .filter(|d| d.platform == 1 && d.day < 60)
            .map(|d| d.flows.orders)
            .sum();
        assert_eq!(r.summary[1].flows.subsidy_spend, Money(500 * paid as i64));
    }
    let spend = mean(&runs, |r| r.summary[1].flows.subsidy_spend.as_major());
    near(
        "Challenger's coupon spend (M yuan)",
        spend / 1e6,
        0.46,
        0.04,
    );
}

/// The subsidy war and its 7-yuan variant, run once for both files'
/// claims, as `flywheel compare` runs them (common random numbers).
struct War {
    base: Vec<RunOutput>,
    comparison: Comparison,
}

fn war() -> &'static War {
    static WAR: OnceLock<War> = OnceLock::new();
    WAR.get_or_init(|| {
        let paths = [path("subsidy_war.toml"), path("subsidy_war_blue7.toml")];
        let loaded = match load_variants(&paths, &overrides(&[])) {
            Ok(l) => l,
            Err(e) => panic!("{e}"),
        };
        let runs: Vec<Vec<RunOutput>> = loaded.variants.iter().map(|v| run(&v.scenario)).collect();
        let results: Vec<Results> = loaded
            .variants
            .iter()
            .zip(&runs)
            .map(|(v, r)| Results {
                label: &v.label,
                scenario: &v.scenario,
                runs: r,
            })
            .collect();
        let comparison = compare(&results);
        War {
            base: runs.into_iter().next().unwrap_or_default(),
            comparison,
        }
    })
}

#[test]
fn subsidy_war_share_is_bought_only_while_the_coupons_differ() {
    let runs = &war().base;
    near(
        "Blue's share while both pay 8 yuan",
        order_share(runs, 0, 0, 60),
        0.50,
        0.02,
    );
    near(
        "Blue's share while only Blue pays 8 yuan",
        order_share(runs, 0, 60, 120),
        0.65,
        0.02,
    );
    near(
        "Blue's share after its coupon ends",
        order_share(runs, 0, 120, 240),
        0.45,
        0.02,
    );
    assert!(
        runs.iter()
            .all(|r| r.summary.iter().all(|s| s.exit_day.is_none())),
        "no platform exits"
    );
    let cash = |p: usize| mean(runs, |r| r.summary[p].final_cash.as_major()) / 1e6;
    let burn = |p: usize| mean(runs, |r| r.summary[p].cumulative_burn.as_major()) / 1e6;
    between("Red's cash left (M yuan)", cash(1), 0.15, 0.5);
    near("Red's burn (M yuan)", burn(1), 3.7, 0.15);
    near("Blue's burn (M yuan)", burn(0), 4.9, 0.2);
    let share = mean(runs, |r| r.summary[0].final_share);
    near(
        "Blue's burn per point of final share (M yuan)",
        burn(0) / (100.0 * share),
        0.11,
        0.01,
    );
}

#[test]
fn subsidy_war_blue7_paired_intervals_are_many_times_narrower() {
    let c = &war().comparison;
    let row = |metric: &str, platform: &str| {
        let found = c
            .rows
            .iter()
            .find(|r| r.metric == metric && r.platform.as_deref() == Some(platform) && !r.first);
        let Some(r) = found else {
            panic!("no {metric} row for {platform}")
        };
        let (Some(paired), Some(unpaired)) = (r.paired, r.unpaired) else {
            panic!("{metric} of {platform}: no difference")
        };
        let (Some(p), Some(u)) = (paired.half_width, unpaired.half_width) else {
            panic!("{metric} of {platform}: no interval")
        };
        // Stated: at least five times narrower (measured 7 to 40 times).
        assert!(
            u > 5.0 * p,
            "{metric} of {platform}: paired ± {p:.1}, unpaired ± {u:.1}"
        );
        paired.mean
    };
    near(
        "Blue's orders, 7 vs 8 yuan (thousands)",
        row("orders", "Blue") / 1e3,
        -35.0,
        5.0,
    );
    near(
        "Blue's subsidy spend, 7 vs 8 yuan (M yuan)",
        row("subsidy_spend", "Blue") / 1e6,
        -0.84,
        0.06,
    );
    near(
        "Red's orders, 7 vs 8 yuan (thousands)",
        row("orders", "Red") / 1e3,
        18.0,
        4.0,
    );
}

#[test]
fn subsidy_sweep_burn_grows_and_final_share_does_not_move() {
    let sweep = match Sweep::load_with(&path("subsidy_sweep.toml"), &overrides(&[])) {
        Ok(s) => s,
        Err(e) => panic!("{e}"),
    };
    // A few points of the grid, run as `flywheel sweep` runs them (with
    // more replications at two of them, to see the rare exit).
    let at = |size: f64, days: f64, replications: u32| -> Vec<RunOutput> {
        let Some(p) = sweep
            .points
            .iter()
            .find(|p| p.values[0].as_f64() == size && p.values[1].as_f64() == days)
        else {
            panic!("no point {size} yuan to day {days}")
        };
        match sweep.scenario(p.id) {
            Ok(mut s) => {
                s.replications = replications;
                run(&s)
            }
            Err(e) => panic!("{e}"),
        }
    };
    let points = [
        (0.0, 30.0, 8),
        (2.0, 30.0, 4),
        (2.0, 75.0, 4),
        (8.0, 30.0, 4),
        (8.0, 75.0, 8),
    ];
    let runs: Vec<Vec<RunOutput>> = points.iter().map(|&(s, d, n)| at(s, d, n)).collect();
    let burn: Vec<f64> = runs
        .iter()
        .map(|r| mean(&r[..4], |x| x.summary[1].cumulative_burn.as_major()) / 1e6)
        .collect();
    assert!(
        burn[1] < burn[2] && burn[2] < burn[4] && burn[1] < burn[3] && burn[3] < burn[4],
        "burn grows with size and length: {burn:?}"
    );
    near("burn at 2 yuan for 30 days (M yuan)", burn[1], 0.04, 0.02);
    near("burn at 8 yuan for 75 days (M yuan)", burn[4], 0.9, 0.08);
    // Replication r of every point has the same consumers: where the
    // challenger is still trading, its final share is the same as with
    // no coupon.
    let base = &runs[0];
    near(
        "final share without a coupon",
        mean(base, |r| r.summary[1].final_share),
        0.32,
        0.025,
    );
    for (point, r) in points.iter().zip(&runs) {
        for (x, b) in r.iter().zip(base) {
            if x.summary[1].exit_day.is_none() {
                near(
                    &format!("final share at {point:?}, replication {}", x.replication),
                    x.summary[1].final_share,
                    b.summary[1].final_share,
                    0.005,
                );
            }
        }
    }
    // At 8 yuan for 75 days: little cash left, and some runs out (one in
    // six at four seeds; 1 to 2 of 8 replications at each).
    let last = &runs[4];
    between(
        "Challenger's cash left at 8 yuan for 75 days (M yuan)",
        mean(last, |r| r.summary[1].final_cash.as_major()) / 1e6,
        0.0,
        0.15,
    );
    let exits = last
        .iter()
        .filter(|r| r.summary[1].exit_day.is_some())
        .count();
    between(
        "replications of 8 where the challenger runs out",
        exits as f64,
        1.0,
        3.0,
    );
}

#[test]
fn ride_hailing_orders_peak_and_fall_to_over_half() {
    let (_, runs) = shipped("ride_hailing_2014.toml", &[]);
    let week = |from: u32| orders_per_day(&runs, from, from + 7);
    let (peak_day, peak) = (0..194)
        .map(|d| (d, week(d)))
        .fold((0, 0.0), |a, b| if b.1 > a.1 { b } else { a });
    near(
        "first week's orders a day (thousands)",
        week(0) / 1e3,
        6.0,
        0.3,
    );
    near("peak orders a day (thousands)", peak / 1e3, 7.3, 0.25);
    between(
        "the peak week starts on day",
        f64::from(peak_day),
        60.0,
        100.0,
    );
    near("Didi's share", order_share(&runs, 0, 0, 200), 0.48, 0.02);
    near(
        "last week's orders over the peak",
        week(193) / peak,
        0.565,
        0.03,
    );
}

#[test]
fn home_services_coupons_add_little_and_the_poorest_exits() {
    let (_, runs) = shipped("home_services_2015.toml", &[]);
    for r in &runs {
        assert!(r.summary[0].exit_day.is_none() && r.summary[1].exit_day.is_none());
        let day = r.summary[2].exit_day.map_or(0.0, f64::from);
        between("JDDaojia's exit day", day, 240.0, 265.0);
    }
    let cash = |p: usize| mean(&runs, |r| r.summary[p].final_cash.as_major()) / 1e6;
    near("Daojia58's cash left (M yuan)", cash(0), 12.3, 0.5);
    near("MeituanDaojia's cash left (M yuan)", cash(1), 3.3, 0.3);
    near(
        "orders a day, first fortnight",
        orders_per_day(&runs, 0, 15),
        670.0,
        40.0,
    );
    let during = orders_per_day(&runs, 75, 150);
    let after = orders_per_day(&runs, 165, 240);
    near("orders a day, days 75-149", during, 2590.0, 60.0);
    near(
        "orders after the coupons over during",
        after / during,
        0.91,
        0.03,
    );
    let (_, plain) = shipped(
        "home_services_2015.toml",
        &[
            ("replications", "2"),
            ("platforms[0].subsidy[0].per_order", "0"),
            ("platforms[1].subsidy[0].per_order", "0"),
            ("platforms[2].subsidy[0].per_order", "0"),
        ],
    );
    let without = orders_per_day(&plain, 75, 150);
    near(
        "orders a day without coupons, days 75-149",
        without,
        2390.0,
        60.0,
    );
    near("what the coupons add", during / without, 1.08, 0.03);
}
