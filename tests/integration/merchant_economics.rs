//! Merchant-side economics: each merchant's profit and loss reconciles
//! with its ledger postings to the fen, its cash moves only by profit and
//! financing, and each platform's merchant figures follow from the
//! merchants' records; `run --merchants` writes them.

use std::collections::HashMap;

use flywheel::agents::Accounts;
use flywheel::engine::{self, EventQueue};
use flywheel::ledger::{Money, PostingKind};
use flywheel::market::Market;
use flywheel::metrics::merchants::{MerchantRecord, platform_figures};
use flywheel::rng::replication_seed;

use crate::common::{TempDir, data, flywheel, read_csv, text};

/// Postings that move a merchant's cash without being profit or loss.
// Cash swept into a merchant fund and drawn back is the merchant's own
// money moving, not profit.
const FINANCING: [PostingKind; 9] = [
    PostingKind::FundDeposit,
    PostingKind::FundRedemption,
    PostingKind::Funding,
    PostingKind::LoanDisbursement,
    PostingKind::LoanPrincipal,
    PostingKind::OwnerInjection,
    PostingKind::MerchantClosureLoss,
    PostingKind::SettlementHold,
    PostingKind::SettlementRelease,
];

/// `full.toml` with `sets` applied.
fn full_with(sets: &[&str]) -> flywheel::scenario::Scenario {
    let overrides: Vec<flywheel::scenario::Override> = sets
        .iter()
        .map(|s| flywheel::scenario::Override::parse(s, "test").expect("override"))
        .collect();
    match flywheel::scenario::load(&data("full.toml"), &overrides) {
        Ok(s) => s,
        Err(e) => panic!("{e}"),
    }
}

#[test]
fn merchant_profits_reconcile_with_the_ledger_to_the_fen() {
    let mut seen: HashMap<PostingKind, i64> = HashMap::new();
    let mut closed = 0;
    // As written, and with thin cash and heavy fixed costs so merchants
    // borrow, pay interest and close.
    for sets in [
        &[][..],
        &["merchants.cash=300", "merchants.fixed_daily_cost=45"][..],
    ] {
        reconcile(&full_with(sets), &mut seen, &mut closed);
    }
    // The scenario exercises every kind of merchant flow the test names.
    for k in [
        PostingKind::MerchantPayout,
        PostingKind::DirectSale,
        PostingKind::Commission,
        PostingKind::MerchantFixedCost,
        PostingKind::SettlementHold,
        PostingKind::LoanDisbursement,
        PostingKind::LoanInterest,
        PostingKind::MerchantClosureLoss,
    ] {
        assert!(seen.get(&k).copied().unwrap_or(0) > 0, "no {k:?} postings");
    }
    assert!(closed > 0, "no merchant closed");
    eprintln!("merchant flows by kind: {seen:?}; closures {closed}");
}

fn reconcile(
    s: &flywheel::scenario::Scenario,
    seen: &mut HashMap<PostingKind, i64>,
    closed: &mut usize,
) {
    let accounts = Accounts::new(s.platforms.len(), s.lenders.len());
    for replication in 0..s.replications {
        let mut queue = EventQueue::default();
        let seed = replication_seed(s.seed, replication);
        let mut market = Market::new(s, seed, true, &|| {}, &mut queue);
        engine::run(&mut market, &mut queue);
        let ledger = market.ledger.clone();
        let f = market.finish();
        assert_eq!(f.merchants.len(), s.market.merchants as usize);
        // Net amount per (merchant, kind) from the journal.
        let mut net: HashMap<(usize, PostingKind), i64> = HashMap::new();
        let first = accounts.merchant(0).0 as usize;
        for p in ledger.journal().expect("journal") {
            for (account, sign) in [(p.from.0 as usize, -1), (p.to.0 as usize, 1)] {
                if let Some(m) = account.checked_sub(first) {
                    *net.entry((m, p.kind)).or_default() += sign * p.amount.0;
                    *seen.entry(p.kind).or_default() += p.amount.0;
                }
            }
        }
        let get = |m: usize, kinds: &[PostingKind]| -> i64 {
            kinds
                .iter()
                .map(|&k| net.get(&(m, k)).copied().unwrap_or(0))
                .sum()
        };
        use PostingKind as K;
        for r in &f.merchants {
            let m = r.merchant as usize;
            let cash = ledger.balance(accounts.merchant(m)).0;
            let expect = |what: &str, got: Money, want: i64| {
                assert_eq!(
                    got.0, want,
                    "replication {replication} merchant {m}: {what}"
                );
            };
            expect(
                "revenue",
                r.revenue,
                get(m, &[K::MerchantPayout, K::DirectSale, K::WalletPayment]),
            );
            expect("unit costs", r.unit_costs, -get(m, &[K::MerchantUnitCost]));
            expect(
                "commissions and fees",
                r.commissions_fees,
                -get(m, &[K::Commission, K::PaymentFee]),
            );
            expect(
                "subsidies and bounties",
                r.subsidies_bounties,
                get(
                    m,
                    &[K::MerchantSubsidy, K::MerchantBounty, K::ExclusivityPayment],
                ),
            );
            expect(
                "fixed costs",
                r.fixed_costs,
                -get(m, &[K::MerchantFixedCost]),
            );
            expect(
                "loan interest",
                r.loan_interest,
                -get(m, &[K::LoanInterest]),
            );
            // Cash = profit + financing: no other posting reaches a merchant.
            expect("cash", r.profit() + Money(get(m, &FINANCING)), cash);
            if r.closed_day.is_some() {
                *closed += 1;
                assert_eq!(r.listed_end, 0, "a closed merchant is listed nowhere");
            }
        }
        for (p, summary) in f.summary.iter().enumerate() {
            let ever: Vec<&MerchantRecord> = f
                .merchants
                .iter()
                .filter(|r| r.listed_ever & (1 << p) != 0)
                .collect();
            assert_eq!(summary.merchants_listed_ever, ever.len() as u64);
            let open = ever.iter().filter(|r| r.closed_day.is_none()).count();
            let (n, survival, profit) = platform_figures(&f.merchants, p);
            assert_eq!(n, ever.len() as u64);
            assert_eq!(summary.merchant_survival, survival);
            assert_eq!(summary.merchant_profit_mean, profit);
            if let Some(share) = survival {
                assert!((share - open as f64 / n as f64).abs() < 1e-12);
            }
        }
    }
}

#[test]
fn run_writes_merchants_csv_on_request() {
    let dir = TempDir::new("merchants-csv");
    let scenario = data("tiny.toml");
    let path = scenario.to_str().unwrap_or_default();
    let o = flywheel(
        dir.path(),
        &[
            "run",
            path,
            "--out",
            "plain",
            "--replications",
            "2",
            "--quiet",
        ],
    );
    assert!(o.status.success(), "{:?}", text(&o));
    assert!(!dir.path().join("plain/merchants.csv").exists());
    let o = flywheel(
        dir.path(),
        &[
            "run",
            path,
            "--out",
            "run",
            "--replications",
            "2",
            "--merchants",
            "--quiet",
        ],
    );
    assert!(o.status.success(), "{:?}", text(&o));
    let rows = read_csv(&dir.path().join("run/merchants.csv"));
    let summary = read_csv(&dir.path().join("run/summary.csv"));
    let s = crate::common::scenario("tiny.toml");
    assert_eq!(rows.len(), 2 * s.market.merchants as usize);
    let fen = |v: &str| -> i64 { (v.parse::<f64>().unwrap_or(f64::NAN) * 100.0).round() as i64 };
    for r in &rows {
        let profit = fen(&r["revenue"]) + fen(&r["subsidies_bounties"])
            - fen(&r["unit_costs"])
            - fen(&r["commissions_fees"])
            - fen(&r["fixed_costs"])
            - fen(&r["loan_interest"]);
        assert_eq!(profit, fen(&r["profit"]), "{r:?}");
    }
    // Each platform's mean merchant profit is the mean over the merchants
    // it ever listed; at the end they are listed where platforms_end says.
    for row in &summary {
        let platform = &row["platform"];
        let listed: Vec<_> = rows
            .iter()
            .filter(|r| r["replication"] == row["replication"])
            .filter(|r| r["platforms_end"].split(';').any(|p| p == platform))
            .collect();
        let end: usize = row["merchants_end"].parse().unwrap_or(usize::MAX);
        assert_eq!(listed.len(), end, "{platform}");
        let ever: usize = row["merchants_listed_ever"].parse().unwrap_or(0);
        assert!(ever >= end);
    }
}
