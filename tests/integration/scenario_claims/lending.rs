//! The lending scenarios: a platform lender against a bank, the same
//! market through a demand shock (against itself without the shock, with
//! common random numbers), and a lending arm in a subsidy war (against
//! itself as a stand-alone lender).

use flywheel::metrics::RunOutput;

use super::{between, mean, near, shipped};

/// Lender `l`'s summary figure `f`, averaged over replications.
fn lender(
    runs: &[RunOutput],
    l: usize,
    f: impl Fn(&flywheel::metrics::lending::LenderSummary) -> f64,
) -> f64 {
    mean(runs, |r| f(&r.lenders[l]))
}

/// Lender `l`'s approvals over applications on days `[from, to)`, pooled
/// over replications.
fn approval(runs: &[RunOutput], l: usize, from: u32, to: u32) -> f64 {
    let (mut approved, mut applied) = (0u64, 0u64);
    for d in runs.iter().flat_map(|r| r.lender_days.iter()) {
        if d.lender == l && (from..to).contains(&d.day) {
            approved += d.flows.loans_disbursed;
            applied += d.flows.applications;
        }
    }
    approved as f64 / applied as f64
}

/// Lender `l`'s new defaults on days `[from, to)`, per replication.
fn new_defaults(runs: &[RunOutput], l: usize, from: u32, to: u32) -> f64 {
    let n: u64 = runs
        .iter()
        .flat_map(|r| r.lender_days.iter())
        .filter(|d| d.lender == l && (from..to).contains(&d.day))
        .map(|d| d.flows.new_defaults)
        .sum();
    n as f64 / runs.len() as f64
}

/// Lender `l`'s NPL ratio at the close of `day`, averaged over
/// replications.
fn npl_on(runs: &[RunOutput], l: usize, day: u32) -> f64 {
    mean(runs, |r| {
        r.lender_days
            .iter()
            .find(|d| d.lender == l && d.day == day)
            .map_or(f64::NAN, |d| d.npl_ratio())
    })
}

#[test]
fn lending_platform_lends_to_more_merchants_with_fewer_defaults() {
    let (_, runs) = shipped("lending_platform_vs_bank.toml", &[]);
    let (platform, bank) = (0, 1);
    let approval = |l| lender(&runs, l, |s| s.approval_rate.unwrap_or(f64::NAN));
    near(
        "platform lender's approval rate",
        approval(platform),
        0.47,
        0.06,
    );
    near("bank's approval rate", approval(bank), 0.07, 0.02);
    let default_rate = |l| lender(&runs, l, |s| s.default_rate.unwrap_or(f64::NAN));
    near(
        "platform lender's default rate on matured loans",
        default_rate(platform),
        0.045,
        0.015,
    );
    near(
        "bank's default rate on matured loans",
        default_rate(bank),
        0.40,
        0.12,
    );
    assert!(default_rate(platform) < default_rate(bank) / 3.0);
    let all_loans = |l| lender(&runs, l, |s| s.default_rate_all_loans.unwrap_or(f64::NAN));
    near(
        "platform lender's default rate on all loans",
        all_loans(platform),
        0.036,
        0.012,
    );
    near(
        "bank's default rate on all loans",
        all_loans(bank),
        0.23,
        0.06,
    );
    assert!(all_loans(platform) < default_rate(platform));
    assert!(all_loans(bank) < default_rate(bank));
    let lent = lender(&runs, platform, |s| s.flows.disbursed_amount.as_major());
    let loans = lender(&runs, platform, |s| s.flows.loans_disbursed as f64);
    near(
        "platform lender's average loan (yuan)",
        lent / loans,
        30_300.0,
        1_500.0,
    );
    let npl = |l| lender(&runs, l, |s| s.npl_ratio);
    between(
        "platform lender's NPL ratio at the end",
        npl(platform),
        0.004,
        0.016,
    );
    between("bank's NPL ratio at the end", npl(bank), 0.005, 0.035);
    let profit = |l| lender(&runs, l, |s| s.lending_profit.as_major()) / 1e6;
    near(
        "platform lender's profit (M yuan)",
        profit(platform),
        0.36,
        0.06,
    );
    assert!(profit(bank) < 0.0, "the bank loses money: {}", profit(bank));
    let bank_loan = lender(&runs, bank, |s| s.flows.disbursed_amount.as_major())
        / lender(&runs, bank, |s| s.flows.loans_disbursed as f64);
    near("bank's average loan (yuan)", bank_loan, 52_000.0, 8_000.0);
    // Consolidated: the arm's profit is Alipay's lending line.
    use flywheel::metrics::lines::Line;
    let line = |l: Line| mean(&runs, |r| r.summary[0].contributions[l.index()].as_major()) / 1e6;
    near(
        "Alipay's payments line (M yuan)",
        line(Line::Payments),
        0.30,
        0.03,
    );
    assert_eq!(line(Line::Lending), profit(platform));
    assert!(line(Line::Lending) > line(Line::Payments));
    let book = mean(&runs, |r| r.summary[0].loan_book_end.as_major()) / 1e6;
    near("Alipay's loan book at the end (M yuan)", book, 6.0, 0.8);
}

#[test]
fn lending_macro_shock_raises_defaults_during_the_shock_and_both_lenders_cut() {
    let (_, shock) = shipped("lending_macro_shock.toml", &[]);
    // The same market without the shock: same seed, so the same merchants
    // and consumers, and the difference is the shock's.
    let (_, calm) = shipped(
        "lending_macro_shock.toml",
        &[("economy.shocks[0].demand", "1.0")],
    );
    let (platform, bank) = (0, 1);

    // Defaults come during the shock, not 90 days later: a merchant that
    // closes with a loan defaults at once.
    let during = new_defaults(&shock, platform, 180, 270);
    let without = new_defaults(&calm, platform, 180, 270);
    near(
        "platform lender's defaults during the shock",
        during,
        17.0,
        4.0,
    );
    near("… without the shock", without, 13.0, 4.0);
    between("… the ratio", during / without, 1.15, 1.8);

    // NPL ratios are highest as the shock ends, and back down by the
    // year's end.
    let (at_end, calm_at_end) = (npl_on(&shock, platform, 269), npl_on(&calm, platform, 269));
    near("platform NPL at day 269", at_end, 0.04, 0.015);
    near("… without the shock", calm_at_end, 0.024, 0.01);
    between("… the ratio", at_end / calm_at_end, 1.4, 2.4);
    let peak_day = (0..365)
        .max_by(|&a, &b| npl_on(&shock, platform, a).total_cmp(&npl_on(&shock, platform, b)))
        .unwrap_or(0);
    between(
        "day of the platform's highest NPL",
        f64::from(peak_day),
        230.0,
        290.0,
    );
    near("bank NPL at day 269", npl_on(&shock, bank, 269), 0.16, 0.05);
    near("… without the shock", npl_on(&calm, bank, 269), 0.09, 0.03);
    near(
        "platform NPL at the end",
        npl_on(&shock, platform, 364),
        0.01,
        0.007,
    );

    // Credit losses rise but stay below the expected loss priced in.
    let loss =
        |runs: &[RunOutput]| lender(runs, platform, |s| s.flows.credit_loss.as_major()) / 1e6;
    let expected = lender(&shock, platform, |s| s.flows.expected_loss.as_major()) / 1e6;
    near(
        "platform credit losses (M yuan)",
        loss(&shock),
        0.155,
        0.055,
    );
    near("… without the shock", loss(&calm), 0.12, 0.045);
    between("… the ratio", loss(&shock) / loss(&calm), 1.1, 1.6);
    near("platform expected loss (M yuan)", expected, 0.25, 0.02);
    assert!(loss(&shock) < expected);

    // Both lenders approve fewer during the shock; the bank, whose
    // declared revenue falls with sales too, cuts at least as hard.
    let (p_shock, p_calm) = (
        approval(&shock, platform, 180, 270),
        approval(&calm, platform, 180, 270),
    );
    let (b_shock, b_calm) = (
        approval(&shock, bank, 180, 270),
        approval(&calm, bank, 180, 270),
    );
    near("platform approvals during the shock", p_shock, 0.33, 0.04);
    near("… without the shock", p_calm, 0.47, 0.08);
    near("bank approvals during the shock", b_shock, 0.027, 0.01);
    near("… without the shock", b_calm, 0.065, 0.02);
    assert!(b_shock / b_calm < p_shock / p_calm);

    // About a tenth more merchants close.
    let closed = |runs: &[RunOutput]| mean(runs, |r| r.totals.merchants_closed as f64);
    near("merchants closed", closed(&shock), 121.0, 15.0);
    between(
        "more merchants closed than without the shock",
        closed(&shock) - closed(&calm),
        4.0,
        20.0,
    );
}

/// Platform `p`'s runway on `day` in each replication.
fn runway_on(runs: &[RunOutput], p: usize, day: u32) -> Vec<f64> {
    runs.iter()
        .map(|r| {
            r.days
                .iter()
                .find(|d| d.platform == p && d.day == day)
                .and_then(|d| d.runway_months)
                .unwrap_or(f64::NAN)
        })
        .collect()
}

#[test]
fn lending_subsidy_war_the_finance_arm_does_not_pay_for_the_coupons() {
    use flywheel::metrics::lines::Line;
    let reps = [("replications", "4")];
    let (_, group) = shipped("lending_subsidy_war.toml", &reps);
    let (_, apart) = shipped(
        "lending_subsidy_war.toml",
        &[("replications", "4"), ("lenders[0].consolidated", "false")],
    );
    let (blue, red) = (0, 1);
    let line = |runs: &[RunOutput], l: Line| {
        mean(runs, |r| {
            r.summary[blue].contributions[l.index()].as_major()
        }) / 1e6
    };
    let lending = line(&group, Line::Lending);
    let coupons = -line(&group, Line::Subsidies);
    near("Blue's lending contribution (M yuan)", lending, 0.16, 0.03);
    near("Blue's subsidies (M yuan)", coupons, 4.9, 0.25);
    near("lending over subsidies", lending / coupons, 0.032, 0.008);
    // The same market either way: consolidation moves the arm's profit
    // into Blue's result and nothing else.
    for (g, a) in group.iter().zip(&apart) {
        assert_eq!(g.summary[blue].flows, a.summary[blue].flows);
        assert_eq!(
            a.summary[blue].cumulative_burn - g.summary[blue].cumulative_burn,
            g.lenders[0].lending_profit
        );
    }
    let book = mean(&group, |r| {
        r.days
            .iter()
            .find(|d| d.platform == blue && d.day == 119)
            .map_or(f64::NAN, |d| d.loan_book.as_major())
    }) / 1e6;
    near("Blue's loan book on day 119 (M yuan)", book, 1.5, 0.3);
    let (with, without) = (runway_on(&group, blue, 119), runway_on(&apart, blue, 119));
    let avg = |v: &[f64]| v.iter().sum::<f64>() / v.len() as f64;
    near("Blue's runway on day 119 (months)", avg(&with), 4.4, 0.4);
    near("… beside a stand-alone arm", avg(&without), 5.5, 0.4);
    for (w, o) in with.iter().zip(&without) {
        between("… the difference, paired", w - o, -1.4, -0.6);
    }
    let exits: Vec<f64> = group
        .iter()
        .map(|r| r.summary[red].exit_day.map_or(f64::NAN, f64::from))
        .collect();
    between("Red's exit day", avg(&exits), 260.0, 300.0);
}
