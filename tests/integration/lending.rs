//! Lending: the Vasicek special case against its closed form, loan
//! accounting, the data advantage, repayment from sales, and bad lending
//! parameters.

use std::fs;

use flywheel::ledger::{Money, PostingKind};
use flywheel::metrics::lending::LoanStatus;
use flywheel::scenario;
use statrs::distribution::{ContinuousCDF, Normal};

use crate::common::{TempDir, flywheel, run_text, text};

const VASICEK: &str = r#"
seed = 4242
replications = 120
horizon_days = 200
[market]
consumers = 1000
merchants = 1000
[consumers]
purchase_rate = 1.0
price_sensitivity = 0.05
[merchants]
price = 10.0
cash = 1e6
[merchants.credit]
apply_below = 1e7
[[platforms]]
name = "P"
cash = 1e6
commission = 0.1
[[lenders]]
name = "Book"
capital = 1e9
cutoff = -1e6
limit = { sales_multiple = 100.0, min = 1.0, max = 1000.0 }
term_days = 30
repayment = { instalments = 30 }
default_model = { vasicek = { pd = 0.08, rho = 0.15 } }
"#;

/// Vasicek CDF of the portfolio default rate.
fn vasicek_cdf(x: f64, pd: f64, rho: f64) -> f64 {
    let n = Normal::standard();
    if x <= 0.0 {
        return 0.0;
    }
    if x >= 1.0 {
        return 1.0;
    }
    n.cdf(((1.0 - rho).sqrt() * n.inverse_cdf(x) - n.inverse_cdf(pd)) / rho.sqrt())
}

#[test]
fn vasicek_portfolio_default_rates_follow_the_closed_form() {
    let (pd, rho) = (0.08, 0.15);
    let runs = run_text(VASICEK, &[]);
    let mut rates: Vec<f64> = runs
        .iter()
        .map(|r| {
            let l = &r.lenders[0];
            // Every merchant borrows once, and every default is realised
            // before the horizon (term 30 + 90 days past due).
            assert!(
                l.flows.loans_disbursed >= 950,
                "{} loans",
                l.flows.loans_disbursed
            );
            // Loans made by day 80 have all matured and, where they
            // default, reached 90 days past due before the horizon.
            let resolved: Vec<_> = r.loans.iter().filter(|x| x.start_day <= 80).collect();
            assert!(resolved.len() >= 950);
            assert!(resolved.iter().all(|x| x.status != LoanStatus::Active));
            resolved.iter().filter(|x| x.default_day.is_some()).count() as f64
                / resolved.len() as f64
        })
        .collect();
    let n = rates.len() as f64;
    let (mean, se) = crate::common::mean_se(&rates);
    assert!(
        (mean - pd).abs() < 4.0 * se,
        "mean default rate {mean:.4}, pd {pd} (4 SE = {:.4})",
        4.0 * se
    );
    // Kolmogorov-Smirnov against the Vasicek distribution at the 1% level
    // (critical value 1.628 / sqrt(n)).
    rates.sort_by(f64::total_cmp);
    let d = rates
        .iter()
        .enumerate()
        .map(|(i, &x)| {
            let f = vasicek_cdf(x, pd, rho);
            (f - i as f64 / n).abs().max(((i + 1) as f64 / n - f).abs())
        })
        .fold(0.0, f64::max);
    let critical = 1.628 / n.sqrt();
    assert!(
        d < critical,
        "KS statistic {d:.4} exceeds the 1% critical value {critical:.4}"
    );
}

#[test]
fn loan_cash_flows_reconcile_with_the_ledger() {
    let path =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/lending_macro_shock.toml");
    let sets = [
        "market.consumers=8000",
        "market.merchants=200",
        "replications=1",
    ];
    let overrides: Vec<_> = sets
        .iter()
        .map(|s| scenario::Override::parse(s, "test").expect("override"))
        .collect();
    let s = scenario::load(&path, &overrides).unwrap_or_else(|e| panic!("{e}"));
    let mut queue = flywheel::engine::EventQueue::default();
    let seed = flywheel::rng::replication_seed(s.seed, 0);
    let mut market = flywheel::market::Market::new(&s, seed, true, &|| {}, &mut queue);
    flywheel::engine::run(&mut market, &mut queue);
    market.ledger.check().expect("ledger identities");
    let ledger = market.ledger.clone();
    let f = market.finish();
    assert!(f.loans.len() > 20, "only {} loans", f.loans.len());
    assert!(
        f.loans.iter().any(|l| l.status == LoanStatus::WrittenOff),
        "no write-offs to check"
    );
    let sum = |g: fn(&flywheel::metrics::lending::Loan) -> Money| -> i128 {
        f.loans.iter().map(|l| i128::from(g(l).0)).sum()
    };
    for loan in &f.loans {
        // Disbursed = repaid + recovered + written off + outstanding.
        assert_eq!(
            loan.principal,
            loan.repaid_principal + loan.recovered + loan.written_off + loan.outstanding,
            "{loan:?}"
        );
        assert!(loan.outstanding >= Money::ZERO && loan.repaid_principal >= Money::ZERO);
    }
    assert_eq!(
        ledger.total_of(PostingKind::LoanDisbursement),
        sum(|l| l.principal)
    );
    assert_eq!(
        ledger.total_of(PostingKind::LoanPrincipal),
        sum(|l| l.repaid_principal)
    );
    assert_eq!(
        ledger.total_of(PostingKind::LoanInterest),
        sum(|l| l.interest_paid)
    );
    assert_eq!(
        ledger.total_of(PostingKind::LoanRecovery),
        sum(|l| l.recovered)
    );
    let written: i128 = f
        .lenders
        .iter()
        .map(|l| i128::from(l.flows.credit_loss.0))
        .sum();
    assert_eq!(written, sum(|l| l.written_off));
    // Daily records add up to the summaries.
    for l in &f.lenders {
        let days: Vec<_> = f
            .lender_days
            .iter()
            .filter(|d| d.lender == l.lender)
            .collect();
        let disbursed: u64 = days.iter().map(|d| d.flows.loans_disbursed).sum();
        assert_eq!(disbursed, l.flows.loans_disbursed);
        let outstanding: i128 = f
            .loans
            .iter()
            .filter(|x| x.lender == l.lender)
            .map(|x| i128::from(x.outstanding.0))
            .sum();
        assert_eq!(outstanding, i128::from(l.outstanding_end.0));
        assert!(days.iter().all(|d| d.non_performing <= d.outstanding));
    }
}

/// The platform-vs-bank market, with both lenders approving every
/// applicant for the same loan size, so ranking by score is all that
/// differs.
fn approve_all(runs_wanted: u32) -> Vec<flywheel::metrics::RunOutput> {
    let text = fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("scenarios/lending_platform_vs_bank.toml"),
    )
    .expect("scenario");
    let reps = format!("replications={runs_wanted}");
    run_text(
        &text,
        &[
            "market.consumers=12000",
            "market.merchants=300",
            "horizon_days=240",
            &reps,
            "lenders[0].cutoff=-1000000",
            "lenders[1].cutoff=-1000000",
            "lenders[0].limit.sales_multiple=1000",
            "lenders[1].limit.sales_multiple=1000",
            "lenders[0].limit.min=1",
            "lenders[1].limit.min=1",
            "lenders[0].limit.max=5000",
            "lenders[1].limit.max=5000",
            "lenders[1].noise=1.0",
        ],
    )
}

#[test]
fn better_data_gives_lower_default_rate_at_the_same_approval_rate() {
    let runs = approve_all(8);
    // At a 50% approval rate: each lender keeps the better-scoring half of
    // its applicants (both lenders see the same random mix of them).
    let top_half_default_rate = |run: &flywheel::metrics::RunOutput, lender: usize| -> f64 {
        let mut loans: Vec<_> = run.loans.iter().filter(|l| l.lender == lender).collect();
        loans.sort_by(|a, b| b.score.total_cmp(&a.score));
        let kept = &loans[..loans.len() / 2];
        let defaults = kept.iter().filter(|l| l.default_day.is_some()).count();
        defaults as f64 / kept.len().max(1) as f64
    };
    assert!(
        runs.iter()
            .all(|r| r.loans.iter().filter(|l| l.lender == 1).count() > 50)
    );
    // Both lenders lend in the same market in each replication: compare
    // the within-replication difference.
    let gap: Vec<f64> = runs
        .iter()
        .map(|r| top_half_default_rate(r, 1) - top_half_default_rate(r, 0))
        .collect();
    let (mean, se) = crate::common::mean_se(&gap);
    assert!(
        mean > 3.0 * se,
        "bank minus platform default rate at 50% approval: {mean:.4} (3 SE = {:.4})",
        3.0 * se
    );
}

#[test]
fn repayment_from_sales_stops_when_sales_stop() {
    let text = r#"
seed = 8
replications = 1
horizon_days = 180
[market]
consumers = 3000
merchants = 40
no_purchase_utility = -5.0
direct_utility = -5.0
[economy]
[[economy.shocks]]
from_day = 60
to_day = 120
demand = 0.0
[consumers]
purchase_rate = 1.0
price_sensitivity = 0.05
[merchants]
price = 30.0
cash = 5e5
[merchants.credit]
apply_below = 1e6
[[platforms]]
name = "P"
cash = 1e7
commission = 0.05
brand_utility = 2.0
[[lenders]]
name = "Arm"
platform = "P"
capital = 1e8
cutoff = -1000000
limit = { sales_multiple = 1.0, min = 1.0, max = 1e6 }
term_days = 365
repayment = { sales_share = 0.2 }
"#;
    let runs = run_text(text, &[]);
    let days = &runs[0].lender_days;
    let repaid = |from: u32, to: u32| -> i64 {
        days.iter()
            .filter(|d| (from..to).contains(&d.day))
            .map(|d| d.flows.principal_repaid.0 + d.flows.interest_income.0)
            .sum()
    };
    assert!(
        repaid(5, 60) > 0,
        "loans are repaid from sales before the shock"
    );
    assert_eq!(
        repaid(60, 120),
        0,
        "nothing is repaid while there are no sales"
    );
    assert!(repaid(120, 180) > 0, "repayment resumes with sales");
    // The shock really stopped sales: no orders while demand is zero.
    let shock_orders: u64 = runs[0]
        .days
        .iter()
        .filter(|d| (60..120).contains(&d.day))
        .map(|d| d.flows.orders)
        .sum();
    assert_eq!(shock_orders, 0);
    let outstanding_mid = days.iter().find(|d| d.day == 100).map(|d| d.outstanding);
    let outstanding_before = days.iter().find(|d| d.day == 59).map(|d| d.outstanding);
    assert_eq!(
        outstanding_mid, outstanding_before,
        "the balance is frozen while sales stop"
    );
}

#[test]
fn bad_lending_parameters_name_the_key() {
    let base = fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("scenarios/lending_platform_vs_bank.toml"),
    )
    .expect("scenario");
    let cases: &[(&str, &str, &str)] = &[
        (
            "term_days = 180",
            "term_days = 180\ndefault_model = { vasicek = { pd = 0.0, rho = 0.2 } }",
            "lenders[0].default_model.vasicek.pd",
        ),
        (
            "term_days = 180",
            "term_days = 180\ndefault_model = { vasicek = { pd = 1.5, rho = 0.2 } }",
            "lenders[0].default_model.vasicek.pd",
        ),
        (
            "term_days = 180",
            "term_days = 180\ndefault_model = { vasicek = { pd = 0.05, rho = 1.0 } }",
            "lenders[0].default_model.vasicek.rho",
        ),
        (
            "term_days = 180",
            "term_days = 180\ndefault_model = { vasicek = { pd = 0.05, rho = -0.1 } }",
            "lenders[0].default_model.vasicek.rho",
        ),
        (
            "rate = { flat = 0.14 }",
            "rate = { flat = -0.14 }",
            "lenders[0].rate.flat",
        ),
        ("term_days = 180", "term_days = 0", "lenders[0].term_days"),
        ("lgd = 0.6", "lgd = 1.6", "lenders[0].lgd"),
        (
            "funding_cost = 0.04",
            "funding_cost = -0.04",
            "lenders[0].funding_cost",
        ),
        (
            "platform = \"Alipay\"",
            "platform = \"Nowhere\"",
            "lenders[0].platform",
        ),
        (
            "repayment = { instalments = 30 }\nlgd = 0.6\nworkout_days = 90\nexpected_pd = 0.02\n",
            "LAST",
            "lenders[1].repayment",
        ),
    ];
    let tmp = TempDir::new("bad-lending");
    for (i, (from, to, key)) in cases.iter().enumerate() {
        assert!(base.contains(from), "case {i}: base lacks {from:?}");
        let file = tmp.path().join(format!("lend{i}.toml"));
        let changed = if *to == "LAST" {
            // The bank's own repayment: sales-share needs a platform.
            let at = base.rfind("repayment = { instalments = 30 }").unwrap_or(0);
            format!(
                "{}repayment = {{ sales_share = 0.1 }}{}",
                &base[..at],
                &base[at + "repayment = { instalments = 30 }".len()..]
            )
        } else {
            base.replacen(from, to, 1)
        };
        fs::write(&file, changed).expect("write");
        let o = flywheel(tmp.path(), &["validate", file.to_str().unwrap_or_default()]);
        let (_, stderr) = text(&o);
        assert_eq!(o.status.code(), Some(2), "case {i}: {stderr}");
        assert!(stderr.contains(key), "case {i}: {key} not in {stderr}");
        assert!(!stderr.contains("panicked"), "case {i}: {stderr}");
    }
}

#[test]
fn loans_csv_is_written_on_request() {
    let tmp = TempDir::new("loans-csv");
    let scenario = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("scenarios/lending_platform_vs_bank.toml");
    let args = |out: &'static str, loans: bool| {
        let mut a = vec![
            "run".to_string(),
            scenario.to_string_lossy().into_owned(),
            "--out".into(),
            out.into(),
            "--quiet".into(),
            "--replications".into(),
            "1".into(),
            "--set".into(),
            "market.consumers=4000".into(),
            "--set".into(),
            "market.merchants=100".into(),
            "--set".into(),
            "horizon_days=90".into(),
        ];
        if loans {
            a.push("--loans".into());
        }
        a
    };
    for (out, loans) in [("with", true), ("without", false)] {
        let a = args(out, loans);
        let refs: Vec<&str> = a.iter().map(String::as_str).collect();
        let o = flywheel(tmp.path(), &refs);
        assert!(o.status.success(), "{:?}", text(&o));
        assert_eq!(tmp.path().join(out).join("loans.csv").exists(), loans);
        assert!(tmp.path().join(out).join("lending.csv").exists());
        assert!(tmp.path().join(out).join("lenders.csv").exists());
    }
    let header = fs::read_to_string(tmp.path().join("with/summary.csv")).unwrap_or_default();
    let first = header.lines().next().unwrap_or_default();
    for column in [
        "loans_disbursed",
        "outstanding_end",
        "defaults",
        "default_rate",
        "npl_ratio",
        "credit_loss",
        "interest_income",
        "lending_profit",
    ] {
        assert!(
            first.split(',').any(|c| c == column),
            "{column} missing from summary.csv"
        );
    }
}
