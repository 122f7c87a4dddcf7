//! After a full run the ledger balances, every posting replays to the same
//! balances, and the recorded flows reconcile with the ledger's totals.

use flywheel::agents::Accounts;
use flywheel::engine::{self, EventQueue};
use flywheel::ledger::{Money, PostingKind};
use flywheel::market::Market;
use flywheel::rng::replication_seed;

use crate::common::scenario;

#[test]
fn full_run_reconciles_with_the_ledger() {
    let s = scenario("tiny.toml");
    for replication in 0..s.replications {
        let mut queue = EventQueue::default();
        let seed = replication_seed(s.seed, replication);
        let mut market = Market::new(&s, seed, true, &|| {}, &mut queue);
        let events = engine::run(&mut market, &mut queue);
        assert!(events > 1000, "the run did something: {events} events");
        market.ledger.check().expect("accounting identities hold");
        assert_eq!(
            market.ledger.journal().map(<[_]>::len),
            Some(market.ledger.postings() as usize)
        );

        let ledger = market.ledger.clone();
        let cash: Vec<Money> = (0..s.platforms.len())
            .map(|p| market.platform_cash(p))
            .collect();
        let f = market.finish();
        let (days, summary, totals) = (f.days, f.summary, f.totals);

        let sum = |f: fn(&flywheel::metrics::PlatformSummary) -> Money| -> i128 {
            summary.iter().map(|x| i128::from(f(x).0)).sum()
        };
        assert_eq!(
            ledger.total_of(PostingKind::Coupon),
            sum(|x| x.flows.subsidy_spend)
        );
        assert_eq!(
            ledger.total_of(PostingKind::ConsumerPayment),
            sum(|x| x.flows.gmv)
        );
        assert_eq!(
            ledger.total_of(PostingKind::MerchantPayout),
            sum(|x| x.flows.gmv)
        );
        assert_eq!(
            ledger.total_of(PostingKind::Commission)
                + ledger.total_of(PostingKind::ConsumerFee)
                + ledger.total_of(PostingKind::PaymentFee)
                + ledger.total_of(PostingKind::FloatIncome),
            sum(|x| x.flows.revenue)
        );
        assert_eq!(
            ledger.total_of(PostingKind::Marketing),
            sum(|x| x.flows.marketing_spend)
        );
        let funding: i128 = s
            .platforms
            .iter()
            .map(|p| i128::from(p.cash.0))
            .sum::<i128>()
            + i128::from(s.merchants.cash.0) * i128::from(s.market.merchants);
        assert_eq!(ledger.total_of(PostingKind::Funding), funding);
        assert_eq!(
            totals.occasions,
            totals.platform_orders + totals.direct_orders + totals.no_purchase
        );
        assert_eq!(
            totals.platform_orders,
            summary.iter().map(|x| x.flows.orders).sum::<u64>()
        );

        for (p, spec) in s.platforms.iter().enumerate() {
            // No platform's cash ever goes negative, and the summary agrees
            // with the ledger.
            assert!(cash[p] >= Money::ZERO);
            assert_eq!(summary[p].final_cash, cash[p]);
            assert_eq!(summary[p].cumulative_burn, spec.cash - cash[p]);
            // Each platform's balance is its inflows minus outflows by kind.
            let daily: Vec<_> = days.iter().filter(|d| d.platform == p).collect();
            assert_eq!(daily.len(), s.horizon_days as usize);
            assert!(daily.iter().all(|d| d.cash >= Money::ZERO));
            let orders: u64 = daily.iter().map(|d| d.flows.orders).sum();
            assert_eq!(orders, summary[p].flows.orders);
        }
        // Households pay list prices and fees and receive coupons.
        let households = ledger.balance(Accounts::HOUSEHOLDS);
        let spent = ledger.total_of(PostingKind::ConsumerPayment)
            + ledger.total_of(PostingKind::ConsumerFee)
            + ledger.total_of(PostingKind::DirectSale)
            + ledger.total_of(PostingKind::WalletPayment)
            + ledger.total_of(PostingKind::WalletFee)
            - ledger.total_of(PostingKind::Coupon)
            - ledger.total_of(PostingKind::NewUserBonus)
            - ledger.total_of(PostingKind::RedPacket);
        assert_eq!(i128::from(households.0), -spent);
        // Shares on each day sum to one when any platform sold.
        for day in 0..s.horizon_days {
            let row: Vec<_> = days.iter().filter(|d| d.day == day).collect();
            let orders: u64 = row.iter().map(|d| d.flows.orders).sum();
            let share: f64 = row.iter().map(|d| d.share).sum();
            if orders > 0 {
                assert!(
                    (share - 1.0).abs() < 1e-9,
                    "day {day}: shares sum to {share}"
                );
            } else {
                assert_eq!(share, 0.0);
            }
        }
    }
}

#[test]
fn a_platform_that_runs_out_of_cash_exits_and_stops_trading() {
    let s = scenario("tiny.toml");
    // Beta starts with 3,000 yuan, pays 6-yuan coupons and 200 a day.
    let mut queue = EventQueue::default();
    let mut market = Market::new(&s, replication_seed(s.seed, 0), false, &|| {}, &mut queue);
    engine::run(&mut market, &mut queue);
    let beta = &market.platforms[1];
    let exit = beta.exit_day.expect("Beta runs out of cash");
    assert!(!beta.alive);
    assert!(exit < 15, "exit on day {exit}, during the coupon window");
    let f = market.finish();
    let (days, summary) = (f.days, f.summary);
    assert!(
        days.iter()
            .filter(|d| d.platform == 1 && d.day > exit)
            .all(|d| d.flows.orders == 0)
    );
    // Its customers moved: Alpha sells more after Beta's exit than before.
    let alpha_before: u64 = days
        .iter()
        .filter(|d| d.platform == 0 && d.day < exit)
        .map(|d| d.flows.orders)
        .sum();
    let alpha_after: u64 = days
        .iter()
        .filter(|d| d.platform == 0 && d.day > exit)
        .map(|d| d.flows.orders)
        .sum();
    let per_day_before = alpha_before as f64 / f64::from(exit.max(1));
    let per_day_after = alpha_after as f64 / f64::from(s.horizon_days - exit - 1);
    assert!(
        per_day_after > per_day_before,
        "{per_day_after} vs {per_day_before}"
    );
    assert_eq!(summary[1].exit_day, Some(exit));
    assert_eq!(summary[0].final_share, 1.0);
}

#[test]
fn ledger_balances_on_every_shipped_scenario() {
    use flywheel::runner::{RunOptions, run_one};
    use flywheel::scenario::{self, Override};
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios");
    let mut checked = 0;
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .expect("scenarios/")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    files.sort();
    for path in files {
        let full = scenario::load(&path, &[]).unwrap_or_else(|e| panic!("{e}"));
        // Smaller markets, same structure: the identities do not depend on size.
        let consumers = full.market.consumers.min(3000);
        let merchants = full.market.merchants.min(300).max(full.market.districts);
        let set = |k: &str, v: i64| Override {
            path: k.into(),
            value: toml::Value::Integer(v),
            origin: "test".into(),
        };
        let overrides = [
            set("market.consumers", i64::from(consumers)),
            set("market.merchants", i64::from(merchants)),
        ];
        let s = scenario::load(&path, &overrides).unwrap_or_else(|e| panic!("{e}"));
        let options = RunOptions {
            threads: 1,
            journal: true,
        };
        // run_one checks the ledger (including a full journal replay).
        let run =
            run_one(&s, 0, &options, &|| {}).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        assert!(
            run.days.iter().all(|d| d.cash >= Money::ZERO),
            "{}",
            path.display()
        );
        checked += 1;
    }
    assert!(checked >= 2);
}

/// Without a journal a day's platform orders are summed and posted when
/// the day closes; with one, each order posts at once. Both leave the
/// same ledger (balances, credits, per-kind totals, merchant tallies,
/// platform books) and the same results, with fewer postings summed.
#[test]
fn summed_days_leave_the_ledger_each_order_leaves() {
    let shipped = |name: &str| {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("scenarios")
            .join(name);
        let overrides = [
            flywheel::scenario::Override::parse("market.consumers=3000", "test").expect("override"),
        ];
        match flywheel::scenario::load(&path, &overrides) {
            Ok(s) => s,
            Err(e) => panic!("{e}"),
        }
    };
    for s in [
        scenario("full.toml"),
        shipped("lending_platform_vs_bank.toml"),
        shipped("wallet_red_packets.toml"),
    ] {
        let seed = replication_seed(s.seed, 0);
        let run = |journal: bool| {
            let mut queue = EventQueue::default();
            let mut market = Market::new(&s, seed, journal, &|| {}, &mut queue);
            engine::run(&mut market, &mut queue);
            market.ledger.check().expect("accounting identities hold");
            let ledger = market.ledger.clone();
            let f = market.finish();
            (
                ledger,
                format!("{:?} {:?} {:?}", f.days, f.summary, f.totals),
            )
        };
        let ((each, each_results), (summed, summed_results)) = (run(true), run(false));
        assert_eq!(each.accounts(), summed.accounts());
        for a in 0..each.accounts() {
            let a = flywheel::ledger::AccountId(a as u32);
            assert_eq!(each.balance(a), summed.balance(a), "{}: {a:?}", s.name);
            assert_eq!(each.credits(a), summed.credits(a), "{}: {a:?}", s.name);
            for kind in PostingKind::ALL {
                assert_eq!(each.tallied(a, kind), summed.tallied(a, kind));
                assert_eq!(each.booked(a, kind), summed.booked(a, kind));
            }
        }
        for kind in PostingKind::ALL {
            assert_eq!(each.total_of(kind), summed.total_of(kind), "{kind:?}");
        }
        assert!(
            summed.postings() < each.postings(),
            "{}: {} summed vs {} each",
            s.name,
            summed.postings(),
            each.postings()
        );
        assert!(each_results == summed_results, "{}: results differ", s.name);
    }
}
