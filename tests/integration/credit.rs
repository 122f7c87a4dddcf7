//! Consumer credit, credit data kinds and fraud: the Vasicek special case
//! against its closed form, reconciliation with the ledger to the fen,
//! the effect of credit on a platform's orders, better data against
//! default rates at the same approval rate, and fraud losses.

use flywheel::ledger::{Money, PostingKind};
use flywheel::metrics::RunOutput;
use flywheel::metrics::credit::CreditSummary;
use flywheel::metrics::lending::LoanStatus;
use statrs::distribution::{ContinuousCDF, Normal};

use crate::common::{mean_se, run_text, scenario_from};

/// A market where every consumer has the platform and buys on it often.
const MARKET: &str = r#"
seed = 8080
replications = 100
horizon_days = 200
[market]
consumers = 600
merchants = 20
no_purchase_utility = -3.0
direct_utility = -3.0
[consumers]
purchase_rate = 1.0
price_sensitivity = 0.05
[merchants]
price = 30.0
unit_cost_share = 0.5
[[platforms]]
name = "P"
cash = 1e9
commission = 0.1
brand_utility = 1.0
initial_users = 1.0
"#;

/// Every consumer gets a line on day 0 and revolves; Vasicek defaults.
const VASICEK_CREDIT: &str = r#"
[[consumer_credit]]
name = "Huabei"
platform = "P"
capital = 1e12
min_orders = 0
review_days = 1000
cutoff = -10.0
credit_utility = 5.0
revolving_share = 1.0
limit = { min = 100000.0, max = 100000.0 }
term_days = 60
default_model = { vasicek = { pd = 0.1, rho = 0.2 } }
"#;

fn credit(r: &RunOutput) -> CreditSummary {
    match r.summary[0].credit {
        Some(c) => c,
        None => panic!("the platform runs no consumer credit"),
    }
}

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
fn consumer_credit_defaults_follow_the_vasicek_cdf() {
    let (pd, rho) = (0.1, 0.2);
    let runs = run_text(&format!("{MARKET}{VASICEK_CREDIT}"), &[]);
    let mut rates: Vec<f64> = runs
        .iter()
        .map(|r| {
            let c = credit(r);
            // Every consumer gets a line on day 0; a borrower that stops
            // paying by day 60 misses a due date by day 80 and defaults
            // by day 170, inside the horizon.
            assert_eq!(c.lines, 600);
            assert!(c.purchases > 10_000, "{} credit purchases", c.purchases);
            c.defaults as f64 / c.lines as f64
        })
        .collect();
    let n = rates.len() as f64;
    let (mean, se) = mean_se(&rates);
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

/// Consumer credit with factor-driven defaults, revolvers, funding cost
/// and fraud, in a volatile economy.
const FULL_CREDIT: &str = r#"
[economy]
factor_persistence = 0.99
factor_volatility = 0.02
[[consumer_credit]]
name = "Huabei"
platform = "P"
data = ["transactions", "behaviour"]
capital = 2e5
funding_cost = 0.05
min_orders = 2
review_days = 15
cutoff = -0.5
credit_utility = 0.5
rate = 0.18
revolving_share = 0.5
pd = 0.3
rho = 0.3
workout_days = 30
limit = { spend_multiple = 3.0, min = 300.0, max = 5000.0 }
[consumer_credit.fraud]
share = 0.05
cost_per_check = 3.0
recovery = 0.1
"#;

#[test]
fn consumer_credit_reconciles_with_the_ledger_to_the_fen() {
    let text = format!("{MARKET}{FULL_CREDIT}").replace("horizon_days = 200", "horizon_days = 400");
    let s = scenario_from(&text);
    let mut queue = flywheel::engine::EventQueue::default();
    let seed = flywheel::rng::replication_seed(s.seed, 0);
    let mut market = flywheel::market::Market::new(&s, seed, true, &|| {}, &mut queue);
    flywheel::engine::run(&mut market, &mut queue);
    market.ledger.check().expect("ledger identities");
    let ledger = market.ledger.clone();
    let f = market.finish();
    let c = f.summary[0].credit.expect("a programme");
    assert!(c.defaults > 5, "{c:?}");
    assert!(c.credit_loss > Money::ZERO && c.interest > Money::ZERO);
    assert!(c.fraud_lines > 0 && c.fraud_caught > 0 && c.fraud_losses > Money::ZERO);
    let total = |k| ledger.total_of(k);
    let fen = |m: Money| i128::from(m.0);
    assert_eq!(total(PostingKind::CreditPurchase), fen(c.purchase_amount));
    assert_eq!(total(PostingKind::CreditRepayment), fen(c.repaid));
    assert_eq!(total(PostingKind::CreditInterest), fen(c.interest));
    assert_eq!(total(PostingKind::CreditRecovery), fen(c.recoveries));
    assert_eq!(total(PostingKind::CreditFundingCost), fen(c.funding_cost));
    assert_eq!(
        total(PostingKind::CreditFraudDisbursement),
        fen(c.fraud_amount)
    );
    assert_eq!(
        total(PostingKind::CreditFraudRecovery),
        fen(c.fraud_recoveries)
    );
    assert_eq!(
        total(PostingKind::CreditScreeningCost),
        fen(c.screening_cost),
        "screening"
    );
    assert_eq!(
        i128::from(c.applications) * 300,
        fen(c.screening_cost),
        "every application is screened at 3 yuan"
    );
    // Lent = repaid + recovered + written off + outstanding, fraud included.
    assert_eq!(
        fen(c.purchase_amount) + fen(c.fraud_amount),
        fen(c.repaid)
            + fen(c.recoveries)
            + fen(c.credit_loss)
            + fen(c.fraud_recoveries)
            + fen(c.fraud_losses)
            + fen(c.outstanding_end)
    );
}

#[test]
fn consumer_credit_raises_the_platforms_orders() {
    // The same programme with and without the utility of paying on credit:
    // the difference is what credit does to conversion.
    let text = format!("{MARKET}{FULL_CREDIT}")
        .replace("replications = 100", "replications = 4")
        .replace("factor_volatility = 0.02", "factor_volatility = 0.0")
        .replace("no_purchase_utility = -3.0", "no_purchase_utility = 0.0")
        .replace("capital = 2e5", "capital = 1e9");
    let orders = |utility: &str| -> Vec<f64> {
        run_text(
            &text,
            &[&format!("consumer_credit[0].credit_utility={utility}")],
        )
        .iter()
        .map(|r| r.summary[0].flows.orders as f64)
        .collect()
    };
    let with = orders("0.5");
    let without = orders("0.0");
    // Paired by replication (common random numbers up to the first choice
    // credit changes).
    let lift: Vec<f64> = with
        .iter()
        .zip(&without)
        .map(|(w, o)| w / o - 1.0)
        .collect();
    let (mean, se) = mean_se(&lift);
    assert!(
        mean > 3.0 * se && mean > 0.03,
        "credit lifts orders by {:.2}% (SE {:.2}%)",
        mean * 100.0,
        se * 100.0
    );
}

/// Approval and default rates of consumer credit seeing `data`, pooled
/// over replications.
fn approval_and_default(data: &str) -> (f64, f64) {
    let text = format!("{MARKET}{FULL_CREDIT}")
        .replace("replications = 100", "replications = 6")
        .replace("horizon_days = 200", "horizon_days = 365")
        .replace("consumers = 600", "consumers = 2000")
        .replace("share = 0.05", "share = 0.0")
        .replace("factor_volatility = 0.02", "factor_volatility = 0.0");
    let runs = run_text(
        &text,
        &[
            &format!("consumer_credit[0].data={data}"),
            "consumer_credit[0].cutoff=0.5",
            "consumer_credit[0].latent_share=0.8",
            "consumer_credit[0].capital=1e9",
        ],
    );
    let (mut applied, mut lines, mut defaults) = (0u64, 0u64, 0u64);
    for r in &runs {
        let c = credit(r);
        applied += c.applications;
        lines += c.lines;
        defaults += c.defaults;
    }
    (
        lines as f64 / applied as f64,
        defaults as f64 / lines as f64,
    )
}

#[test]
fn more_kinds_of_data_lower_defaults_at_the_same_approval_rate() {
    let (a_self, d_self) = approval_and_default("[\"self_reported\"]");
    let (a_tx, d_tx) = approval_and_default("[\"transactions\"]");
    let (a_all, d_all) = approval_and_default("[\"transactions\",\"behaviour\",\"scenes\"]");
    // A standardised cut-off of 0.5 approves about 31% whatever the data.
    for a in [a_self, a_tx, a_all] {
        assert!((a - 0.31).abs() < 0.03, "approval rate {a:.3}");
    }
    assert!(
        d_all < d_tx && d_tx < d_self,
        "default rates: all kinds {d_all:.4}, transactions {d_tx:.4}, self-reported {d_self:.4}"
    );
    assert!(d_all < 0.8 * d_self, "{d_all:.4} vs {d_self:.4}");
}

/// Merchant loans where every merchant applies at once and a share of
/// applications are fraudulent.
const FRAUD: &str = r#"
seed = 99
replications = 2
horizon_days = 200
[market]
consumers = 1000
merchants = 300
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
name = "Arm"
platform = "P"
data = ["transactions", "behaviour", "scenes"]
capital = 1e9
cutoff = -1e6
limit = { sales_multiple = 100.0, min = 1.0, max = 1000.0 }
term_days = 30
repayment = { instalments = 30 }
workout_days = 10
[lenders.fraud]
share = 0.2
cost_per_check = 5.0
recovery = 0.25
"#;

#[test]
fn fraud_losses_are_fraudulent_loans_less_recoveries() {
    let runs = run_text(FRAUD, &[]);
    for r in &runs {
        let l = &r.lenders[0];
        let fraud: Vec<_> = r.loans.iter().filter(|x| x.fraud).collect();
        assert_eq!(fraud.len() as u64, l.flows.fraud_loans);
        assert!(
            l.flows.fraud_loans > 10 && l.flows.fraud_caught > 10,
            "{l:?}"
        );
        let sum = |f: fn(&flywheel::metrics::lending::Loan) -> Money| -> i64 {
            fraud.iter().map(|x| f(x).0).sum()
        };
        assert_eq!(sum(|x| x.principal), l.flows.fraud_amount.0);
        assert_eq!(sum(|x| x.repaid_principal), 0, "fraudsters never repay");
        let written: Vec<_> = fraud
            .iter()
            .filter(|x| x.status == LoanStatus::WrittenOff)
            .collect();
        // Unpaid from the start, a fraudulent loan falls due at day 30,
        // defaults 90 days later and is written off after 10 more.
        assert!(
            fraud
                .iter()
                .filter(|x| x.start_day + 131 < 200)
                .all(|x| x.status == LoanStatus::WrittenOff)
        );
        assert!(!written.is_empty());
        let lost: i64 = written.iter().map(|x| (x.principal - x.recovered).0).sum();
        assert_eq!(lost, l.flows.fraud_losses.0);
        assert_eq!(
            written.iter().map(|x| x.recovered.0).sum::<i64>(),
            l.flows.fraud_recoveries.0
        );
        // Fraud is counted apart from credit: no defaults without it here.
        assert_eq!(l.flows.new_defaults, 0);
        assert_eq!(l.flows.credit_loss, Money::ZERO);
        assert_eq!(l.flows.screening_cost.0, l.flows.applications as i64 * 500);
        assert_eq!(
            l.lending_profit,
            Money(
                l.flows.interest_income.0
                    - l.flows.funding_cost.0
                    - l.flows.fraud_losses.0
                    - l.flows.screening_cost.0
            )
        );
    }
}

#[test]
fn screening_with_more_data_catches_more_fraud() {
    let caught = |data: &str| -> f64 {
        let runs = run_text(FRAUD, &[&format!("lenders[0].data={data}")]);
        let (mut caught, mut passed) = (0u64, 0u64);
        for r in &runs {
            caught += r.lenders[0].flows.fraud_caught;
            passed += r.lenders[0].flows.fraud_loans;
        }
        caught as f64 / (caught + passed) as f64
    };
    let rich = caught("[\"transactions\",\"behaviour\",\"scenes\"]");
    let thin = caught("[\"transactions\"]");
    // 1 − 0.7·0.8·0.85 = 0.524 against 0.3.
    assert!((rich - 0.524).abs() < 0.06, "{rich:.3}");
    assert!((thin - 0.3).abs() < 0.06, "{thin:.3}");
}
