//! Group accounts: a consolidated lending arm's profit reaches its
//! platform's cash, the business lines reconcile to the fen, a sales-share
//! loan ties its borrower to the platform, default rates are measured on
//! matured loans, and a bank's declared revenue covers every sale.

use flywheel::ledger::Money;
use flywheel::metrics::RunOutput;
use flywheel::metrics::lending::LoanStatus;
use flywheel::metrics::lines::Line;

use crate::common::{assert_greater, mean_se, run_text};

/// A platform with a lending arm and plenty of cash, so that nothing in
/// the market depends on how much cash the platform has: no rule reads
/// cash or runway, the platform never comes near exit, and the arm's
/// capital never binds. Lending then does not feed back into the market,
/// and a consolidated and a stand-alone arm make the same loans.
const ARM: &str = r#"
seed = 77
replications = 3
horizon_days = 200
[market]
consumers = 4000
merchants = 200
repeat_merchant = 0.3
direct_utility = -0.2
[consumers]
purchase_rate = { gamma = { shape = 2.0, mean = 0.6 } }
price_sensitivity = 0.1
[merchants]
price = { lognormal = { mean = 40.0, sd = 15.0 } }
unit_cost_share = { uniform = { min = 0.45, max = 0.7 } }
cash = 15000.0
fixed_daily_cost = { lognormal = { mean = 150.0, sd = 150.0 } }
accepts_wallet = 0.9
[merchants.credit]
apply_below = 3000.0
growth_probability = 0.3
[[platforms]]
name = "Pay"
cash = 1e9
commission = 0.02
brand_utility = 0.5
variable_cost = 0.1
[platforms.payments]
wallet = true
fee_rate = 0.006
settlement_days = 1
float_rate = 0.02
[[lenders]]
name = "PayCredit"
platform = "Pay"
capital = 1e8
funding_cost = 0.04
cutoff = 4.0
score = { volume = 1.0, volatility = 2.0, tenure = 0.5, cash_flow = 0.35 }
limit = { sales_multiple = 1.7, min = 2000.0, max = 100000.0 }
rate = { flat = 0.14 }
term_days = 60
repayment = { instalments = 30 }
workout_days = 30
"#;

fn sum(m: &[Money]) -> Money {
    Money(m.iter().map(|x| x.0).sum())
}

/// Every platform of every replication: cash = financing + the lines'
/// profit + money held for merchants − the loan book, to the fen, and the
/// daily lines add up to the summary's.
fn assert_reconciles(runs: &[RunOutput]) {
    for r in runs {
        for s in &r.summary {
            let rhs =
                s.financing + sum(&s.contributions) + s.held_for_merchants_end - s.loan_book_end;
            assert_eq!(
                s.final_cash, rhs,
                "replication {} platform {}: cash against its lines",
                r.replication, s.platform
            );
            for line in Line::ALL {
                let daily = Money(
                    r.days
                        .iter()
                        .filter(|d| d.platform == s.platform)
                        .map(|d| d.lines[line.index()].0)
                        .sum(),
                );
                assert_eq!(daily, s.contributions[line.index()], "{line:?}");
            }
            assert_eq!(s.contributions[Line::ConsumerCredit.index()], Money::ZERO);
        }
    }
}

#[test]
fn business_lines_reconcile_to_the_platforms_cash_to_the_fen() {
    let runs = run_text(ARM, &[]);
    assert_reconciles(&runs);
    // The lending line is the arm's profit; it lent, and earned.
    for r in &runs {
        let s = &r.summary[0];
        let arm = &r.lenders[0];
        assert!(
            arm.flows.loans_disbursed >= 5,
            "{}",
            arm.flows.loans_disbursed
        );
        assert_eq!(s.contributions[Line::Lending.index()], arm.lending_profit);
        assert_eq!(s.loan_book_end, arm.outstanding_end);
        assert!(s.contributions[Line::Payments.index()] > Money::ZERO);
        assert!(s.contributions[Line::Costs.index()] < Money::ZERO);
    }
    // Without lenders, subsidies and costs (a subsidy war that ends in
    // an exit) reconcile too.
    let tiny = std::fs::read_to_string(crate::common::data("tiny.toml")).expect("tiny.toml");
    assert_reconciles(&run_text(&tiny, &[]));
}

/// The acceptance identity. Comparing two runs is an identity only where
/// lending cannot change the run: in `ARM` the platform's cash never
/// limits anything (see its comment), so the consolidated and stand-alone
/// runs make the same orders and the same loans, and differ only in where
/// the lending flows are booked. Then the consolidated platform's cash
/// plus its loan book (principal lent out is the group's asset) exceeds
/// the stand-alone platform's cash by exactly the arm's profit.
#[test]
fn consolidation_adds_exactly_the_lending_profit_to_the_platform() {
    let group = run_text(ARM, &[]);
    let apart = run_text(ARM, &["lenders[0].consolidated=false"]);
    for (g, a) in group.iter().zip(&apart) {
        let (gs, as_) = (&g.summary[0], &a.summary[0]);
        assert_eq!(g.lenders[0], a.lenders[0], "the same loans either way");
        assert_eq!(gs.flows, as_.flows, "the same market either way");
        let profit = a.lenders[0].lending_profit;
        assert!(profit != Money::ZERO);
        assert_eq!(gs.final_cash + gs.loan_book_end - as_.final_cash, profit);
        assert_eq!(as_.contributions[Line::Lending.index()], Money::ZERO);
        assert_eq!(as_.loan_book_end, Money::ZERO);
        // Burn counts the book as the group's: burn falls by the profit.
        assert_eq!(as_.cumulative_burn - gs.cumulative_burn, profit);
    }
}

/// Two platforms; merchants find Weak's orders do not pay its listing
/// cost and leave it at their reviews, unless a loan from Weak's arm,
/// repaid from their sales through Weak, ties them there.
const LOCK_IN: &str = r#"
seed = 9
replications = 6
horizon_days = 150
[market]
consumers = 3000
merchants = 300
direct_utility = -1.0
[consumers]
purchase_rate = 0.5
price_sensitivity = 0.1
[merchants]
price = 30.0
unit_cost_share = 0.6
cash = 20000.0
listing_cost = 40.0
review_days = 15
switch_probability = 1.0
[merchants.credit]
apply_below = 1e9
[[platforms]]
name = "Strong"
cash = 1e8
commission = 0.05
brand_utility = 1.0
[[platforms]]
name = "Weak"
cash = 1e8
commission = 0.05
brand_utility = -1.0
[[lenders]]
name = "WeakCredit"
platform = "Weak"
capital = 1e8
cutoff = -1e6
limit = { sales_multiple = 1.0, min = 10.0, max = 5000.0 }
rate = { flat = 0.1 }
term_days = 400
repayment = { sales_share = 0.02 }
"#;

#[test]
fn a_merchant_repaying_a_sales_share_loan_is_never_delisted() {
    let runs = run_text(LOCK_IN, &[]);
    let weak = 1;
    let mut tied = 0;
    for r in &runs {
        for loan in &r.loans {
            let m = &r.merchants[loan.merchant];
            if matches!(loan.status, LoanStatus::Active | LoanStatus::Defaulted)
                && m.closed_day.is_none()
            {
                tied += 1;
                assert!(
                    m.listed_end & (1 << weak) != 0,
                    "merchant {} left Weak with its loan on the books",
                    m.merchant
                );
            }
        }
        assert_eq!(r.lenders[0].flows.penalties, Money::ZERO);
    }
    assert!(tied > 100, "{tied} merchants tied");
}

#[test]
fn lock_in_raises_merchant_retention_on_the_lending_platform() {
    let tied = run_text(LOCK_IN, &[]);
    // A penalty of nothing lets borrowers leave as if they had no loan.
    let free = run_text(LOCK_IN, &["lenders[0].delist_penalty={ yuan = 0 }"]);
    let kept = |runs: &[RunOutput]| -> Vec<f64> {
        runs.iter()
            .map(|r| r.summary[1].merchants_end as f64)
            .collect()
    };
    assert_greater(
        "merchants on Weak at the end, tied against free",
        &kept(&tied),
        &kept(&free),
    );
    // A real penalty is paid by some, who then leave.
    let paid = run_text(LOCK_IN, &["lenders[0].delist_penalty={ share = 0.02 }"]);
    let penalties: i64 = paid.iter().map(|r| r.lenders[0].flows.penalties.0).sum();
    assert!(penalties > 0, "no penalty was paid");
    let (with_penalty, _) = mean_se(&kept(&paid));
    let (locked, _) = mean_se(&kept(&tied));
    assert!(with_penalty < locked, "{with_penalty} against {locked}");
}

/// Every loan defaults with probability `pd` (ρ = 0: independent), at a
/// uniform day of its 60-day term, 90 days past due later; merchants are
/// rich enough never to close.
const MATURED: &str = r#"
seed = 31
replications = 40
horizon_days = 240
[market]
consumers = 500
merchants = 400
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
term_days = 60
repayment = { instalments = 30 }
default_model = { vasicek = { pd = 0.1, rho = 0.0 } }
"#;

#[test]
fn default_rate_on_matured_loans_estimates_pd_and_the_all_loans_rate_is_biased_low() {
    let pd = 0.1;
    let runs = run_text(MATURED, &[]);
    let matured: Vec<f64> = runs
        .iter()
        .map(|r| r.lenders[0].default_rate.expect("matured loans"))
        .collect();
    let all: Vec<f64> = runs
        .iter()
        .map(|r| r.lenders[0].default_rate_all_loans.expect("loans"))
        .collect();
    assert!(runs.iter().all(|r| r.lenders[0].loans_matured >= 300));
    // 99.9% interval for the mean of the replications' rates.
    let (m, se) = mean_se(&matured);
    assert!(
        (m - pd).abs() < 3.3 * se,
        "matured: {m} ± {se} against {pd}"
    );
    // Loans too young to have defaulted pull the all-loans rate down.
    let (a, sa) = mean_se(&all);
    assert!(a < pd - 3.3 * sa, "all loans: {a} ± {sa} is not below {pd}");
}

/// Merchants reachable through no platform sell only direct, for cash.
const CASH_ONLY: &str = r#"
seed = 5
replications = 1
horizon_days = 60
[market]
consumers = 2000
merchants = 50
direct_utility = 2.0
[consumers]
purchase_rate = 0.5
price_sensitivity = 0.05
[merchants]
price = 20.0
cash = 1000.0
[merchants.credit]
apply_below = 1e9
[[platforms]]
name = "P"
cash = 1e6
commission = 0.1
merchant_reach = 0.0
[[lenders]]
name = "Bank"
capital = 1e9
noise = 0.0
cutoff = 1.0
limit = { sales_multiple = 1.0, min = 100.0, max = 1e6 }
"#;

#[test]
fn a_banks_declared_revenue_includes_cash_sales() {
    let runs = run_text(CASH_ONLY, &[]);
    let r = &runs[0];
    assert_eq!(r.summary[0].flows.orders, 0, "no platform sales");
    // The bank lends a month of what it sees: only cash sales exist.
    assert!(r.lenders[0].flows.loans_disbursed >= 40);
    let lent = r.lenders[0].flows.disbursed_amount;
    assert!(lent > Money(0));
}

/// A buyer takes over a platform with a consolidated arm: the arm's loan
/// book passes to the buyer's group with the platform's cash (financing,
/// not lending profit), its repayments reach the buyer, and both
/// platforms' lines still reconcile to their cash to the fen.
#[test]
fn a_bought_platforms_lending_arm_joins_its_buyers_group() {
    let text = format!(
        "{ARM}\n[[platforms]]\nname = \"Buyer\"\ncash = 1e9\ncommission = 0.02\n\
         [[platforms.rules]]\nwhen = [\"day >= 100\"]\n\
         then = {{ acquire = {{ target = \"Pay\", price = 1000.0 }} }}\n"
    );
    let runs = run_text(&text, &[]);
    assert_reconciles(&runs);
    for r in &runs {
        let (pay, buyer) = (&r.summary[0], &r.summary[1]);
        assert!(
            pay.acquired_day.is_some_and(|d| d >= 100),
            "{:?}",
            pay.acquired_day
        );
        assert_eq!(pay.final_cash, Money::ZERO, "repayments reach the buyer");
        assert_eq!(pay.loan_book_end, Money::ZERO);
        assert_eq!(buyer.loan_book_end, r.lenders[0].outstanding_end);
    }
}
