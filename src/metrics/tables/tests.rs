//! Each table against a record whose every field holds a different value:
//! the expected (column, text) pairs are pinned, so swapping two columns'
//! positions, names or accessors fails here.

use std::path::Path;

use super::*;
use crate::ledger::Money;
use crate::metrics::columns::{Column, Kind, cells, names};
use crate::metrics::lending::{LenderFlows, LenderSummary};
use crate::metrics::{Flows, MarketTotals};

fn scenario() -> Scenario {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/full.toml");
    match crate::scenario::load(&path, &[]) {
        Ok(s) => s,
        Err(e) => panic!("{e}"),
    }
}

/// A lender whose every figure differs: `k` shifts them all.
fn lender(k: i64) -> LenderSummary {
    let m = |n: i64| Money(n * 101 + k);
    LenderSummary {
        lender: 0,
        flows: LenderFlows {
            applications: 31,
            loans_disbursed: 18,
            disbursed_amount: m(32),
            interest_income: m(24),
            principal_repaid: m(33),
            new_defaults: 20,
            credit_loss: m(23),
            recoveries: m(34),
            expected_loss: m(35),
            funding_cost: m(36),
            fraud_caught: 38,
            fraud_loans: 39,
            fraud_amount: m(40),
            fraud_losses: m(41),
            fraud_recoveries: m(42),
            screening_cost: m(43),
            penalties: m(44),
        },
        outstanding_end: m(19),
        npl_ratio: 0.22,
        default_rate: Some(0.21),
        default_rate_all_loans: Some(0.17),
        loans_matured: 39,
        approval_rate: Some(0.37),
        lending_profit: m(25),
    }
}

fn platform() -> PlatformSummary {
    let m = |n: i64| Money(n * 101);
    PlatformSummary {
        platform: 1,
        flows: Flows {
            orders: 1,
            gmv: m(2),
            subsidy_spend: m(3),
            marketing_spend: m(9),
            revenue: m(4),
            variable_cost: m(40),
            wallet_payments: 16,
            wallet_volume: m(17),
            bounty_spend: m(18),
            balance_spend: m(30),
            fund_yield: m(28),
            fund_spread: m(29),
            exclusivity_spend: m(42),
            members_enrolled: 44,
            payment_fees: m(45),
            float_income: m(46),
        },
        cumulative_burn: m(-5),
        final_cash: m(6),
        final_share: 0.07,
        exit_day: Some(8),
        acquired_day: Some(26),
        acquired_by: Some("Alpha".to_string()),
        retention_90d: Some(0.1),
        active_users_end: 11,
        peak_share: 0.12,
        merchants_end: 13,
        consumer_balances_end: m(26),
        merchant_balances_end: m(27),
        exclusive_merchants_end: 43,
        ltv_per_user: Some(14.5),
        cac: Some(15.5),
        lending: Some(lender(0)),
        credit: Some(crate::metrics::credit::CreditSummary {
            applications: 50,
            lines: 51,
            purchases: 52,
            purchase_amount: Money(5353),
            repaid: Money(5454),
            interest: Money(5555),
            defaults: 56,
            recoveries: Money(5757),
            credit_loss: Money(5858),
            funding_cost: Money(5959),
            outstanding_end: Money(6060),
            fraud_caught: 61,
            fraud_lines: 62,
            fraud_amount: Money(6363),
            fraud_recoveries: Money(6464),
            fraud_losses: Money(6565),
            screening_cost: Money(6666),
        }),
        merchants_listed_ever: 26,
        merchant_survival: Some(0.27),
        merchant_profit_mean: Some(28.5),
        contributions: [m(50), m(51), m(52), m(53), m(-54), m(-55), m(59)],
        loan_book_end: m(56),
        held_for_merchants_end: m(57),
        financing: m(58),
        products: Some(crate::metrics::products::ProductSummary {
            members_end: 60.5,
            days_to_million: Some(61),
            churn_averted: 62,
        }),
    }
}

fn run() -> RunOutput {
    RunOutput {
        replication: 3,
        seed: 99,
        events: 0,
        postings: 0,
        days: Vec::new(),
        summary: vec![platform()],
        cohorts: Vec::new(),
        totals: MarketTotals {
            occasions: 41,
            platform_orders: 30,
            direct_orders: 10,
            member_orders: 4,
            no_purchase: 1,
            queued_orders: 2,
            time_in_system: 3 * 3600,
            queue_wait: 3600,
            in_system_area: 2 * 3600,
            in_queue_area: 3600,
            servers: 4,
            horizon_ticks: 10 * 3600,
            merchants_closed: 5,
        },
        lender_days: Vec::new(),
        lenders: Vec::new(),
        loans: Vec::new(),
        merchants: Vec::new(),
        products: Vec::new(),
        wall_seconds: 0.0,
    }
}

/// `name=text` of every column, in order.
fn pairs<R>(columns: &[Column<R>], record: &R) -> Vec<String> {
    names(columns)
        .zip(cells(columns, record))
        .map(|(n, c)| format!("{n}={c}"))
        .collect()
}

fn row<'a, T>(scenario: &'a Scenario, run: &'a RunOutput, record: &'a T) -> Row<'a, T> {
    Row {
        scenario,
        run,
        index: 7,
        record,
    }
}

#[test]
fn summary_columns_read_their_own_fields() {
    let s = scenario();
    let run = run();
    let p = platform();
    let mut got = pairs(&summary_keys(), &row(&s, &run, &p));
    got.extend(pairs(&SUMMARY_METRICS, &p));
    let expected = [
        "replication=3",
        "seed=99",
        "platform=Beta",
        "orders=1",
        "gmv=2.02",
        "subsidy_spend=3.03",
        "revenue=4.04",
        "cumulative_burn=-5.05",
        "final_cash=6.06",
        "final_share=0.070000",
        "exit_day=8",
        "acquired_day=26",
        "acquired_by=Alpha",
        "marketing_spend=9.09",
        "retention_90d=0.100000",
        "active_users_end=11",
        "peak_share=0.120000",
        "merchants_end=13",
        "ltv_per_user=14.500000",
        "cac=15.500000",
        "wallet_payments=16",
        "wallet_volume=17.17",
        "consumer_balances_end=26.26",
        "merchant_balances_end=27.27",
        "fund_yield=28.28",
        "fund_spread=29.29",
        "exclusivity_spend=42.42",
        "exclusive_merchants_end=43",
        "loans_disbursed=18",
        "outstanding_end=19.19",
        "defaults=20",
        "default_rate=0.210000",
        "npl_ratio=0.220000",
        "credit_loss=23.23",
        "interest_income=24.24",
        "lending_profit=25.25",
        "merchants_listed_ever=26",
        "merchant_survival=0.270000",
        "merchant_profit_mean=28.500000",
        "payment_fees=45.45",
        "float_income=46.46",
        "default_rate_all_loans=0.170000",
        "contribution_listings=50.50",
        "contribution_payments=51.51",
        "contribution_lending=52.52",
        "contribution_consumer_credit=53.53",
        "contribution_subsidies=-54.54",
        "contribution_costs=-55.55",
        "loan_book_end=56.56",
        "held_for_merchants_end=57.57",
        "financing=58.58",
        "credit_lines=51",
        "credit_purchases=52",
        "credit_spend=53.53",
        "credit_outstanding_end=60.60",
        "credit_interest=55.55",
        "credit_defaults=56",
        "credit_default_rate=1.098039",
        "credit_write_offs=58.58",
        "credit_fraud_losses=65.65",
        "credit_profit=-194.93",
        "product_members_end=60.500000",
        "product_days_to_million=61",
        "contribution_products=59.59",
        "product_churn_averted=62",
    ];
    assert_eq!(got, expected);
}

/// Position of each lending arm column in [`SUMMARY_METRICS`].
fn lending_at() -> Vec<usize> {
    LENDER_METRICS
        .iter()
        .map(|l| {
            SUMMARY_METRICS
                .iter()
                .position(|c| c.name == l.name)
                .unwrap_or(usize::MAX)
        })
        .collect()
}

#[test]
fn a_platform_without_a_lending_arm_has_empty_lending_columns() {
    let p = PlatformSummary {
        lending: None,
        credit: None,
        ..platform()
    };
    let cells = cells(&SUMMARY_METRICS, &p);
    for at in lending_at() {
        assert!(cells[at].is_empty(), "{}", SUMMARY_METRICS[at].name);
    }
}

#[test]
fn the_summary_repeats_the_lender_columns() {
    // Built from them, so the two files cannot disagree.
    let l = lender(0);
    let p = platform();
    let summary = cells(&SUMMARY_METRICS, &p);
    for (i, at) in lending_at().into_iter().enumerate() {
        let c = &SUMMARY_METRICS[at];
        assert_eq!(c.name, LENDER_METRICS[i].name);
        assert_eq!(summary[at], (LENDER_METRICS[i].read)(&l).to_string());
    }
}

#[test]
fn lenders_columns_read_their_own_fields() {
    let s = scenario();
    let run = run();
    let l = lender(1);
    let mut got = pairs(&lender_keys(), &row(&s, &run, &l));
    got.extend(pairs(&LENDER_FIGURES, &l));
    let expected = [
        "replication=3",
        "seed=99",
        "lender=AlphaCredit",
        "platform=Alpha",
        "applications=31",
        "approval_rate=0.370000",
        "disbursed_amount=32.33",
        "loans_disbursed=18",
        "outstanding_end=19.20",
        "defaults=20",
        "default_rate=0.210000",
        "npl_ratio=0.220000",
        "credit_loss=23.24",
        "interest_income=24.25",
        "lending_profit=25.26",
        "expected_loss=35.36",
        "funding_cost=36.37",
        "default_rate_all_loans=0.170000",
        "loans_matured=39",
        "delist_penalties=44.45",
        "fraud_caught=38",
        "fraud_loans=39",
        "fraud_losses=41.42",
        "screening_cost=43.44",
    ];
    assert_eq!(got, expected);
}

#[test]
fn timeseries_columns_read_their_own_fields() {
    let s = scenario();
    let run = run();
    let m = |n: i64| Money(n * 101);
    let d = DayRecord {
        day: 4,
        platform: 0,
        flows: Flows {
            orders: 5,
            gmv: m(6),
            subsidy_spend: m(7),
            marketing_spend: m(13),
            revenue: m(8),
            variable_cost: m(40),
            wallet_payments: 19,
            wallet_volume: m(41),
            bounty_spend: m(22),
            balance_spend: m(25),
            fund_yield: m(26),
            fund_spread: m(27),
            exclusivity_spend: m(24),
            members_enrolled: 25,
            payment_fees: m(31),
            float_income: m(32),
        },
        cash: m(9),
        cumulative_burn: m(10),
        runway_months: Some(14.25),
        share: 0.11,
        active_consumers: 12,
        new_consumers: 15,
        churned_consumers: 16,
        installed_consumers: 17,
        merchants: 18,
        merchants_accepting: 21,
        wallet_share: 0.2,
        direct_orders: 23,
        member_orders: 24,
        consumer_balances: m(23),
        merchant_balances: m(24),
        exclusive_merchants: 23,
        lines: [m(1), m(2), m(3), m(0), m(-4), m(-5), m(6)],
        loan_book: m(33),
        credit_book: m(34),
    };
    let expected = [
        "replication=3",
        "day=4",
        "platform=Alpha",
        "orders=5",
        "gmv=6.06",
        "subsidy_spend=7.07",
        "revenue=8.08",
        "cash=9.09",
        "cumulative_burn=10.10",
        "share=0.110000",
        "active_consumers=12",
        "marketing_spend=13.13",
        "runway_months=14.250000",
        "new_consumers=15",
        "churned_consumers=16",
        "installed_consumers=17",
        "merchants=18",
        "wallet_payments=19",
        "wallet_share=0.200000",
        "merchants_accepting=21",
        "bounty_spend=22.22",
        "direct_orders=23",
        "member_orders=24",
        "consumer_balances=23.23",
        "merchant_balances=24.24",
        "balance_spend=25.25",
        "fund_yield=26.26",
        "fund_spread=27.27",
        "exclusive_merchants=23",
        "exclusivity_spend=24.24",
        "members_enrolled=25",
        "payment_fees=31.31",
        "float_income=32.32",
    ];
    assert_eq!(pairs(&timeseries(), &row(&s, &run, &d)), expected);
    let line = |line| LineDay {
        day: row(&s, &run, &d),
        line,
    };
    use crate::metrics::lines::Line;
    assert_eq!(
        pairs(&business_lines(), &line(Line::Lending)),
        [
            "replication=3",
            "day=4",
            "platform=Alpha",
            "line=lending",
            "profit=3.03",
            "balance=33.33",
        ]
    );
    assert_eq!(
        pairs(&business_lines(), &line(Line::Costs)),
        [
            "replication=3",
            "day=4",
            "platform=Alpha",
            "line=costs",
            "profit=-5.05",
            "balance=",
        ]
    );
}

#[test]
fn cohort_and_market_columns_read_their_own_fields() {
    let s = scenario();
    let run = run();
    let c = CohortRecord {
        platform: 1,
        segment: 1,
        cohort_month: 2,
        age_months: 3,
        observed: 8,
        retained: 2,
    };
    let expected = [
        "replication=3",
        "platform=Beta",
        "segment=busy",
        "cohort_month=2",
        "age_months=3",
        "observed=8",
        "retained=2",
        "retention=0.250000",
    ];
    assert_eq!(pairs(&cohorts(), &row(&s, &run, &c)), expected);
    let expected = [
        "replication=3",
        "seed=99",
        "occasions=41",
        "platform_orders=30",
        "direct_orders=10",
        "member_orders=4",
        "no_purchase=1",
        "direct_share=0.250000",
        "mean_time_in_system_hours=1.500000",
        "merchants_closed=5",
        "queued_orders=2",
        "queue_servers=4",
        "arrival_rate_per_hour=0.050000",
        "mean_queue_wait_hours=0.500000",
        "mean_in_system=0.050000",
        "mean_in_queue=0.025000",
    ];
    assert_eq!(pairs(&MARKET, &run), expected);
}

#[test]
fn lending_columns_read_their_own_fields() {
    let s = scenario();
    let run = run();
    let m = |n: i64| Money(n * 101);
    let d = crate::metrics::lending::LenderDay {
        day: 2,
        lender: 1,
        flows: LenderFlows {
            applications: 4,
            loans_disbursed: 5,
            disbursed_amount: m(6),
            interest_income: m(10),
            principal_repaid: m(11),
            new_defaults: 12,
            credit_loss: m(13),
            recoveries: m(14),
            expected_loss: m(15),
            funding_cost: m(16),
            penalties: m(17),
            ..LenderFlows::default()
        },
        outstanding: m(8),
        non_performing: m(2),
        cash: m(40),
    };
    let expected = [
        "replication=3",
        "day=2",
        "lender=Bank",
        "applications=4",
        "loans_disbursed=5",
        "disbursed_amount=6.06",
        "outstanding=8.08",
        "non_performing=2.02",
        "npl_ratio=0.250000",
        "interest_income=10.10",
        "principal_repaid=11.11",
        "new_defaults=12",
        "credit_loss=13.13",
        "recoveries=14.14",
        "expected_loss=15.15",
        "funding_cost=16.16",
    ];
    assert_eq!(pairs(&lending(), &row(&s, &run, &d)), expected);
}

#[test]
fn loans_columns_are_in_contract_order() {
    // A loan cannot be built outside the lending model; its values are
    // checked against a real run in the integration tests.
    let expected = [
        "replication",
        "loan",
        "lender",
        "merchant",
        "start_day",
        "principal",
        "rate",
        "score",
        "status",
        "default_day",
        "repaid_principal",
        "interest_paid",
        "recovered",
        "written_off",
        "outstanding",
        "expected_loss",
    ];
    assert!(names(&loans()).eq(expected));
}

fn merchant() -> crate::metrics::merchants::MerchantRecord {
    let m = |n: i64| Money(n * 101);
    crate::metrics::merchants::MerchantRecord {
        merchant: 2,
        district: 3,
        listed_end: 0b11,
        listed_ever: 0b11,
        revenue: m(50),
        unit_costs: m(20),
        commissions_fees: m(5),
        subsidies_bounties: m(2),
        fixed_costs: m(10),
        loan_interest: m(1),
        closed_day: Some(9),
    }
}

#[test]
fn merchants_columns_read_their_own_fields() {
    let s = scenario();
    let run = run();
    let r = merchant();
    let line = MerchantLine::new(&s, &run, &r);
    let expected = [
        "replication=3",
        "merchant=2",
        "district=3",
        "platforms_end=Alpha;Beta",
        "revenue=50.50",
        "unit_costs=20.20",
        "commissions_fees=5.05",
        "subsidies_bounties=2.02",
        "fixed_costs=10.10",
        "loan_interest=1.01",
        "profit=16.16",
        "closed_day=9",
    ];
    assert_eq!(pairs(&merchants(), &line), expected);
}

#[test]
fn every_value_is_of_its_columns_kind() {
    // The kind a column declares (and the reference documents) is the
    // kind its accessor returns.
    fn check<R>(columns: &[Column<R>], record: &R) {
        for c in columns {
            let v = (c.read)(record);
            assert!(
                v.kind().is_none_or(|k| k == c.kind),
                "{}: declared {:?}, read {v:?}",
                c.name,
                c.kind
            );
        }
    }
    let s = scenario();
    let run = run();
    let p = platform();
    check(&summary_keys(), &row(&s, &run, &p));
    check(&SUMMARY_METRICS, &p);
    check(&LENDER_FIGURES, &lender(0));
    check(&lender_keys(), &row(&s, &run, &lender(0)));
    check(&MARKET, &run);
    let r = merchant();
    check(&merchants(), &MerchantLine::new(&s, &run, &r));
    assert!(SUMMARY_METRICS.iter().any(|c| c.kind == Kind::Money));
}

#[test]
fn a_lender_of_its_own_fills_only_the_lending_columns_of_a_summary_row() {
    let l = lender(0);
    let own = lender_summary_cells(&l);
    let with_arm = cells(&SUMMARY_METRICS, &platform());
    assert_eq!(own.len(), SUMMARY_METRICS.len());
    for ((c, mine), arm) in SUMMARY_METRICS.iter().zip(&own).zip(&with_arm) {
        if LENDER_METRICS.iter().any(|m| m.name == c.name) {
            // The same text as the platform's arm with the same figures.
            assert_eq!(mine, arm, "{}", c.name);
            assert!(!mine.is_empty(), "{}", c.name);
        } else {
            assert_eq!(mine, "", "{}", c.name);
        }
    }
}

#[test]
fn a_headline_reads_a_lender_as_the_platform_reads_its_arm() {
    let s = platform();
    let Some(arm) = &s.lending else {
        panic!("the test platform has a lending arm")
    };
    let mut lending = 0;
    for h in crate::metrics::HEADLINES {
        if let Some(f) = h.lender {
            assert_eq!(f(arm), (h.value)(&s), "{}", h.name);
            lending += 1;
        }
        // The printed decimals are the column's.
        if let Some(c) = SUMMARY_METRICS.iter().find(|c| c.name == h.name) {
            assert_eq!(h.kind, c.kind, "{}", h.name);
        }
    }
    assert_eq!(lending, 5);
}

#[test]
fn a_bank_is_a_lender_of_its_own_and_a_platform_arm_is_not() {
    let path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/lending_platform_vs_bank.toml");
    let s = match crate::scenario::load(&path, &[]) {
        Ok(s) => s,
        Err(e) => panic!("{e}"),
    };
    let own = crate::metrics::own_row_lenders(&s);
    assert_eq!(own, [1]);
    assert_eq!(s.lenders[own[0]].name, "CityBank");
}
