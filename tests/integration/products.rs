//! Products sold to a platform's users: take-up against its closed form,
//! a mutual-aid plan's cost per member against its closed form, product
//! flows reconciling with the ledger and the group's accounts to the fen,
//! and the directions the mechanism must have (reach wins the race, a
//! stand-alone provider pays its marketing per member, adverse selection
//! raises the cost, retention keeps members on the app).

use flywheel::ledger::Money;
use flywheel::metrics::RunOutput;
use flywheel::metrics::lines::Line;
use flywheel::metrics::products::ProductDay;

use crate::common::run_text;

/// A market where every consumer has the platform's app and orders on
/// it; `product` is the body of its `[[platforms.products]]` table and
/// `extra` goes after it (more platforms).
fn market(consumers: u32, rate: f64, horizon: u32, product: &str, extra: &str) -> String {
    format!(
        r#"
        seed = 5
        replications = 2
        horizon_days = {horizon}
        [market]
        consumers = {consumers}
        merchants = 40
        no_purchase_utility = -10.0
        direct_utility = -10.0
        [consumers]
        purchase_rate = {rate}
        price_sensitivity = 0.1
        [merchants]
        price = 30.0
        cash = 100000.0
        [[platforms]]
        name = "App"
        cash = 100000000.0
        commission = 0.1
        brand_utility = 5.0
        [[platforms.products]]
        name = "Aid"
        {product}
        {extra}
        "#
    )
}

/// The records of product `k` in replication `r`, by day.
fn days(run: &RunOutput, k: usize) -> Vec<&ProductDay> {
    run.products.iter().filter(|d| d.product == k).collect()
}

/// The cost per member at each period's end (`period` days from
/// `launch`).
fn period_costs(run: &RunOutput, k: usize, launch: u32, period: u32) -> Vec<f64> {
    days(run, k)
        .into_iter()
        .filter(|d| (d.day + 1 - launch).is_multiple_of(period))
        .filter_map(|d| d.cost_per_member)
        .collect()
}

fn sum(records: &[&ProductDay], f: impl Fn(&ProductDay) -> Money) -> Money {
    Money(records.iter().map(|d| f(d).0).sum())
}

#[test]
fn members_follow_n_times_one_minus_exp_of_minus_h_t_under_a_constant_hazard() {
    // Everyone orders on day 0 (20 occasions a day), nobody claims or is
    // priced out: joins are draws of a constant daily hazard h.
    let h = 0.05;
    let n = 3000u32;
    let text = market(
        n,
        20.0,
        41,
        &format!(
            r#"kind = "mutual_aid"
            payout = 1000.0
            incidence = 0.0
            willingness = 100.0
            reach_days = 3650
            take_up = {h}"#
        ),
        "",
    );
    let runs = run_text(&text, &[]);
    let mut checked = 0;
    for run in &runs {
        for d in days(run, 0) {
            if ![0, 4, 9, 19, 40].contains(&d.day) {
                continue;
            }
            // After the end of day t, t + 1 days of draws.
            let p = 1.0 - (-h * f64::from(d.day + 1)).exp();
            let expected = f64::from(n) * p;
            let sd = (f64::from(n) * p * (1.0 - p)).sqrt();
            let got = d.members as f64;
            println!(
                "day {}: {got} members, closed form {expected:.1} ± {sd:.1}",
                d.day
            );
            assert!(
                (got - expected).abs() <= 4.0 * sd,
                "day {}: {got} members, N(1 − e^(−ht)) = {expected:.1} ± {sd:.1}",
                d.day
            );
            assert_eq!(d.leaves, 0);
            checked += 1;
        }
    }
    assert_eq!(checked, 10);
}

#[test]
fn mutual_aid_cost_per_member_converges_to_incidence_times_payout_times_one_plus_fee() {
    // Everyone joins within days; nobody is priced out; claimants leave
    // but the cost per member does not depend on the pool's size.
    let (incidence, payout, fee) = (0.02, 1000.0, 0.1);
    let text = market(
        10000,
        0.5,
        400,
        &format!(
            r#"kind = "mutual_aid"
            period_days = 10
            payout = {payout}
            incidence = {incidence}
            fee_share = {fee}
            willingness = 1000000.0
            reach_days = 3650
            take_up = 5.0"#
        ),
        "",
    );
    let runs = run_text(&text, &[]);
    let closed = incidence * payout * (1.0 + fee);
    let mut all = Vec::new();
    for run in &runs {
        // From the third period on, every member was in for the whole
        // period.
        all.extend(period_costs(run, 0, 0, 10).into_iter().skip(2));
    }
    let mean = all.iter().sum::<f64>() / all.len() as f64;
    println!(
        "mean cost per member {mean:.4} over {} periods, closed form {closed}",
        all.len()
    );
    // About 200 claims a period: the mean of 76 periods is within 1%
    // (one standard error); 3% is more than three.
    assert!(
        (mean - closed).abs() / closed < 0.03,
        "mean cost per member {mean:.3}, closed form {closed}"
    );
    for run in &runs {
        // Only claimants leave (a second claim in a period is possible).
        assert!(days(run, 0).iter().all(|d| d.leaves <= d.claims));
    }
}

#[test]
fn product_flows_reconcile_with_the_ledger_and_the_group_accounts_to_the_fen() {
    // A mutual-aid plan with reach cost and marketing, an insurer's policy
    // and a stand-alone provider's plan.
    let text = market(
        2000,
        0.5,
        60,
        r#"kind = "mutual_aid"
        period_days = 7
        payout = 5000.0
        incidence = 0.01
        fee_share = 0.08
        willingness = { lognormal = { mean = 60.0, sd = 40.0 } }
        adverse_selection = true
        take_up = 0.05
        trust = 0.5
        price_weight = 0.01
        marketing_budget = 300.0
        reach_cost = 1.5
        represents = 3
        [[platforms.products]]
        name = "Cover"
        kind = "insurance"
        period_days = 30
        payout = 2000.0
        premium = 25.0
        loss_ratio = 0.7
        willingness = { lognormal = { mean = 40.0, sd = 20.0 } }
        take_up = 0.02"#,
        r#"[[platforms]]
        name = "Insurer"
        standalone = true
        cash = 1000000.0
        commission = 0.0
        initial_users = 0.0
        merchant_reach = 0.0
        cpa = 20.0
        [[platforms.products]]
        name = "Plan"
        kind = "mutual_aid"
        period_days = 7
        payout = 5000.0
        incidence = 0.01
        fee_share = 0.08
        willingness = { lognormal = { mean = 60.0, sd = 40.0 } }
        take_up = 0.05
        marketing_budget = 500.0"#,
    );
    let runs = run_text(&text, &[]);
    for run in &runs {
        for s in &run.summary {
            let lines = Money(s.contributions.iter().map(|m| m.0).sum());
            assert_eq!(
                s.final_cash,
                s.financing + lines + s.held_for_merchants_end - s.loan_book_end
            );
        }
        let mut claims_seen = 0;
        for k in 0..3 {
            let d = days(run, k);
            let claims = sum(&d, |x| x.claims_paid);
            let contributions = sum(&d, |x| x.contributions);
            let fees = sum(&d, |x| x.fee_income);
            claims_seen += d.iter().map(|x| x.claims).sum::<u64>();
            if let Some(pool) = d.last().and_then(|x| x.pool_balance) {
                // The pool's account: members' contributions in, claims
                // and the fee out.
                assert_eq!(pool, contributions - claims - fees, "product {k}");
                assert_eq!(pool, Money::ZERO);
            } else {
                assert_eq!(contributions, fees, "premiums are the insurer's income");
            }
            let joins: u64 = d.iter().map(|x| x.joins).sum();
            let leaves: u64 = d.iter().map(|x| x.leaves).sum();
            assert_eq!(d.last().map(|x| x.members), Some(joins - leaves));
        }
        assert!(claims_seen > 0, "the test needs claims");
        // The products line of each platform is its products' money.
        let app: Vec<&ProductDay> = run.products.iter().filter(|d| d.platform == 0).collect();
        let insurer_claims = sum(&days(run, 1), |x| x.claims_paid);
        let expected = sum(&app, |x| x.fee_income)
            - insurer_claims
            - sum(&app, |x| x.marketing_spend)
            - sum(&app, |x| x.reach_spend);
        assert_eq!(
            run.summary[0].contributions[Line::Products.index()],
            expected
        );
        let plan: Vec<&ProductDay> = run.products.iter().filter(|d| d.platform == 1).collect();
        assert_eq!(
            run.summary[1].contributions[Line::Products.index()],
            sum(&plan, |x| x.fee_income) - sum(&plan, |x| x.marketing_spend)
        );
        // Reach cost: per person represented who joined through reach.
        let reach_joins: u64 = days(run, 0).iter().map(|d| d.joins_reach).sum();
        assert_eq!(
            sum(&days(run, 0), |x| x.reach_spend),
            Money::from_major(1.5 * 3.0 * reach_joins as f64).unwrap_or(Money::ZERO)
        );
    }
}

/// Days until a platform with `initial_users` of the market reaches a
/// million members, per replication.
fn days_to_million(initial_users: f64) -> Vec<Option<u32>> {
    let text = market(
        10000,
        0.5,
        60,
        r#"kind = "mutual_aid"
        payout = 100000.0
        incidence = 0.00001
        willingness = 10.0
        take_up = 0.02
        represents = 250"#,
        "",
    );
    let runs = run_text(
        &text,
        &[&format!("platforms[0].initial_users={initial_users}")],
    );
    runs.iter()
        .map(|r| r.summary[0].products.and_then(|p| p.days_to_million))
        .collect()
}

#[test]
fn a_platform_with_more_active_users_reaches_a_million_members_sooner() {
    // A million members is 4000 simulated consumers: 40% of the market.
    let big = days_to_million(0.9);
    let small = days_to_million(0.5);
    for (b, s) in big.iter().zip(&small) {
        let b = b.unwrap_or(u32::MAX);
        assert!(b < 60, "the big platform gets there: {big:?}");
        let s = s.unwrap_or(u32::MAX);
        assert!(b < s, "big {big:?} against small {small:?}");
    }
}

#[test]
fn a_stand_alone_providers_acquisition_cost_per_member_is_its_marketing_cost() {
    let text = market(
        4000,
        0.5,
        60,
        r#"kind = "mutual_aid"
        period_days = 15
        payout = 10000.0
        incidence = 0.001
        willingness = 50.0
        take_up = 0.03
        trust = 0.5
        reach_cost = 0.5"#,
        r#"[[platforms]]
        name = "Insurer"
        standalone = true
        cash = 10000000.0
        commission = 0.0
        initial_users = 0.0
        merchant_reach = 0.0
        cpa = 30.0
        cpa_elasticity = 1.0
        [[platforms.products]]
        name = "Plan"
        kind = "mutual_aid"
        period_days = 15
        payout = 10000.0
        incidence = 0.001
        willingness = 50.0
        take_up = 0.03
        marketing_budget = 600.0"#,
    );
    for run in &run_text(&text, &[]) {
        let plan = days(run, 1);
        let last = plan.last().copied().expect("records");
        assert!(
            plan.iter().all(|d| d.joins_reach == 0),
            "no reach of its own"
        );
        assert_eq!(last.acquisition_cost_per_member_reach, None);
        let spend = sum(&plan, |d| d.marketing_spend).as_major();
        let joins: u64 = plan.iter().map(|d| d.joins_marketing).sum();
        let per_member = last.acquisition_cost_per_member_marketing.expect("joins");
        assert!((per_member - spend / joins as f64).abs() < 1e-9);
        // Each person reached costs at least the base cpa, and not
        // everyone reached joins.
        assert!(per_member > 30.0, "{per_member}");
        let app = days(run, 0).last().copied().expect("records");
        let reach = app.acquisition_cost_per_member_reach.expect("joins");
        assert!((reach - 0.5).abs() < 1e-9);
        assert!(per_member > 10.0 * reach);
        assert!(
            app.members > 3 * last.members,
            "reach wins the race: {} against {}",
            app.members,
            last.members
        );
    }
}

/// Cost per member in the first two periods (launched when nearly
/// everyone has ordered, so nearly everyone joins at once) and in the last
/// four, pooled over replications, and the members' mean risk at the end.
fn cost_trend(adverse_selection: bool) -> (f64, f64, f64) {
    let text = market(
        10000,
        0.5,
        300,
        &format!(
            r#"kind = "mutual_aid"
            launch_day = 6
            period_days = 10
            payout = 1000.0
            incidence = 0.02
            fee_share = 0.1
            willingness = {{ lognormal = {{ mean = 60.0, sd = 40.0 }} }}
            adverse_selection = {adverse_selection}
            risk_spread = 1.0
            reach_days = 3650
            take_up = 5.0"#
        ),
        "",
    );
    let runs = run_text(&text, &[]);
    let (mut early, mut late, mut risk) = (0.0, 0.0, 0.0);
    for run in &runs {
        let costs = period_costs(run, 0, 6, 10);
        early += costs[..2].iter().sum::<f64>() / 2.0;
        late += costs[costs.len() - 4..].iter().sum::<f64>() / 4.0;
        risk += days(run, 0).last().and_then(|d| d.risk_mean).unwrap_or(0.0);
    }
    let n = runs.len() as f64;
    (early / n, late / n, risk / n)
}

#[test]
fn with_adverse_selection_the_cost_per_member_rises_over_time() {
    let (early, late, risk) = cost_trend(true);
    println!("adverse selection: early {early:.2}, late {late:.2}, risk {risk:.2}");
    assert!(late > 1.3 * early, "early {early:.2}, late {late:.2}");
    assert!(risk > 1.3, "the pool gets riskier: {risk:.2}");
    // Without it the healthy and the sick leave alike: no trend.
    let (early, late, risk) = cost_trend(false);
    println!("no adverse selection: early {early:.2}, late {late:.2}");
    assert!(
        (late / early - 1.0).abs() < 0.2,
        "early {early:.2}, late {late:.2}"
    );
    assert!((risk - 1.0).abs() < 1e-9);
}

/// A wallet whose balance fund only a fund product's members may hold
/// in; every member holds (a large hold utility) and deposits 100 yuan.
fn fund_market(take_up: f64) -> Vec<RunOutput> {
    let text = format!(
        r#"
        seed = 9
        replications = 2
        horizon_days = 40
        [market]
        consumers = 2000
        merchants = 20
        no_purchase_utility = -10.0
        direct_utility = -10.0
        [consumers]
        purchase_rate = 0.5
        price_sensitivity = 0.1
        [merchants]
        price = 30.0
        cash = 100000.0
        [balances]
        hold_utility = 500.0
        opening = 100.0
        [[platforms]]
        name = "Wallet"
        cash = 100000000.0
        commission = 0.1
        brand_utility = 5.0
        [platforms.payments]
        wallet = true
        [platforms.payments.fund]
        gross_yield = 0.03
        spread = 0.01
        [[platforms.products]]
        name = "Save"
        kind = "fund"
        take_up = {take_up}
        "#
    );
    run_text(&text, &[])
}

#[test]
fn a_fund_products_sign_ups_are_the_funds_holders_so_its_size_follows_reach() {
    let slow = fund_market(0.02);
    let fast = fund_market(0.1);
    for runs in [&slow, &fast] {
        for run in runs {
            let members = days(run, 0).last().map_or(0, |d| d.members) as f64;
            let balances = run.summary[0].consumer_balances_end.as_major();
            // 100 yuan each plus under 40 days of a 2% yield.
            let per_member = balances / members;
            assert!(
                (100.0..100.3).contains(&per_member),
                "{balances} yuan for {members} members"
            );
        }
    }
    let size = |runs: &[RunOutput]| {
        runs.iter()
            .map(|r| r.summary[0].consumer_balances_end.as_major())
            .sum::<f64>()
    };
    assert!(size(&fast) > 1.5 * size(&slow));
}

#[test]
fn products_are_identical_at_any_thread_count() {
    let text = market(
        1500,
        0.5,
        40,
        r#"kind = "mutual_aid"
        period_days = 7
        payout = 5000.0
        incidence = 0.01
        fee_share = 0.08
        willingness = { lognormal = { mean = 60.0, sd = 40.0 } }
        adverse_selection = true
        take_up = 0.05
        trust = 0.5
        marketing_budget = 300.0
        represents = 3
        retention = 0.5
        [consumers.churn.geometric]
        p = 0.2
        period_days = 7"#,
        "",
    );
    let s = match flywheel::scenario::parse(&text, "inline.toml", "inline", &[]) {
        Ok(s) => s,
        Err(e) => panic!("{e}"),
    };
    let with = |threads: usize| {
        let options = flywheel::runner::RunOptions {
            threads,
            journal: false,
        };
        match flywheel::runner::run_all(&s, &options, &|| {}) {
            Ok(runs) => runs.into_iter().map(|r| r.products).collect::<Vec<_>>(),
            Err(e) => panic!("{e}"),
        }
    };
    let one = with(1);
    assert!(one.iter().all(|p| !p.is_empty()));
    // Members' churns are kept, so the retention draws are compared too.
    assert!(one.iter().all(|p| p.iter().any(|d| d.churn_averted > 0)));
    assert_eq!(one, with(3));
}

/// A market whose consumers leave the app (a fifth every 10 days) and
/// all join a free, claim-free plan on their first order; `retention` is
/// the plan's, `None` for no plan at all.
fn churning_market(retention: Option<f64>) -> Vec<RunOutput> {
    let plan = match retention {
        Some(r) => format!(
            r#"[[platforms.products]]
            name = "Aid"
            kind = "mutual_aid"
            period_days = 10
            payout = 1000.0
            incidence = 0.0
            willingness = 100.0
            take_up = 5.0
            retention = {r}"#
        ),
        None => String::new(),
    };
    let text = format!(
        r#"
        seed = 11
        replications = 3
        horizon_days = 60
        [market]
        consumers = 1500
        merchants = 40
        no_purchase_utility = -10.0
        direct_utility = -10.0
        [consumers]
        purchase_rate = 2.0
        price_sensitivity = 0.1
        churn = {{ geometric = {{ p = 0.2, period_days = 10 }} }}
        [merchants]
        price = 30.0
        cash = 100000.0
        [[platforms]]
        name = "App"
        cash = 100000000.0
        commission = 0.1
        brand_utility = 5.0
        {plan}
        "#
    );
    run_text(&text, &[])
}

#[test]
fn retention_keeps_members_on_the_app_and_zero_retention_changes_nothing() {
    let none = churning_market(None);
    let zero = churning_market(Some(0.0));
    let half = churning_market(Some(0.5));
    for ((n, z), h) in none.iter().zip(&zero).zip(&half) {
        // Without retention the plan leaves the market as it was.
        assert_eq!(n.days, z.days, "replication {}", n.replication);
        assert_eq!(n.summary[0].active_users_end, z.summary[0].active_users_end);
        let z_products = z.summary[0].products.expect("a plan");
        assert_eq!(z_products.churn_averted, 0);
        assert!(z.products.iter().all(|d| d.churn_averted == 0));
        // With it, members who would leave stay: more active users at the
        // end of the same replication, and the days' counts add up to the
        // summary's.
        let averted = h.summary[0].products.expect("a plan").churn_averted;
        let daily: u64 = h.products.iter().map(|d| d.churn_averted).sum();
        assert!(averted > 0, "replication {}", h.replication);
        assert_eq!(daily, averted);
        assert!(
            h.summary[0].active_users_end > z.summary[0].active_users_end,
            "replication {}: {} vs {}",
            h.replication,
            h.summary[0].active_users_end,
            z.summary[0].active_users_end
        );
    }
}
