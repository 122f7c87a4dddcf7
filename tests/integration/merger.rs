//! Mergers: a platform buying a rival conserves money (the price leaves
//! for the target's shareholders, the target's cash passes to the buyer,
//! the ledger's identities hold), users (the buyer's users afterwards are
//! the union of both platforms' users) and merchants (every merchant
//! listed on, or accepting the wallet of, the target is the buyer's); the
//! rule fires at the first review at which its condition holds, and not
//! when it never holds or the price is out of reach; and a run with a
//! merger is as reproducible as any.

use flywheel::agents::Accounts;
use flywheel::engine::{self, EventQueue};
use flywheel::ledger::{Money, PostingKind};
use flywheel::market::Market;
use flywheel::metrics::RunOutput;
use flywheel::rng::replication_seed;
use flywheel::runner::{RunOptions, run_all};
use flywheel::scenario::Scenario;

use crate::common::{TempDir, flywheel, read_csv, scenario_from, text};

/// Three platforms with wallets; B burns on coupons, has a (stand-alone) lending arm and
/// holds merchants' takings for three days. `static_market` leaves out
/// everything that changes who has which app or lists where (churn,
/// dormancy, marketing, listing reviews, wallet adoption, merchant
/// closures), so only a merger can. `rule` is A's rule.
fn market(rule: &str, static_market: bool) -> String {
    let growth = if static_market {
        ""
    } else {
        "marketing_budget = 300.0\nword_of_mouth = 0.05"
    };
    let consumers = if static_market {
        ""
    } else {
        "dormancy_days = 20\nchurn = { geometric = { p = 0.05, period_days = 30 } }"
    };
    // Without a merger B lasts the run in the static market, and in the
    // other its runway falls below half a month within five weeks.
    let b_cash = if static_market { 60000.0 } else { 25000.0 };
    let merchants = if static_market {
        "cash = 1e6"
    } else {
        "cash = 3000.0\nswitch_probability = 0.5\nreview_days = 7"
    };
    format!(
        r#"
        seed = 11
        replications = 2
        horizon_days = 60
        [market]
        consumers = 3000
        merchants = 80
        no_purchase_utility = -4.0
        [consumers]
        purchase_rate = {{ gamma = {{ shape = 2.0, mean = 0.4 }} }}
        price_sensitivity = {{ lognormal = {{ mean = 0.12, sd = 0.04 }} }}
        {consumers}
        [merchants]
        price = {{ lognormal = {{ mean = 30.0, sd = 8.0 }} }}
        unit_cost_share = 0.6
        {merchants}
        [merchants.credit]
        apply_below = 1e7
        [choice]
        loyalty = 1.0
        switching_cost = 0.3
        [[platforms]]
        name = "A"
        cash = 500000.0
        commission = 0.1
        consumer_fee = 1.0
        brand_utility = 0.8
        initial_users = 0.5
        merchant_reach = 0.5
        variable_cost = 2.0
        fixed_daily_cost = 300.0
        {growth}
        [platforms.payments]
        wallet = true
        settlement_days = 1
        acceptance = 0.3
        {rule}
        [[platforms]]
        name = "B"
        cash = {b_cash}
        commission = 0.1
        consumer_fee = 1.0
        brand_utility = 0.8
        initial_users = 0.5
        merchant_reach = 0.5
        variable_cost = 2.0
        fixed_daily_cost = 300.0
        [platforms.payments]
        wallet = true
        settlement_days = 3
        acceptance = 0.6
        [[platforms.subsidy]]
        from_day = 0
        to_day = 60
        per_order = 3.0
        [[platforms]]
        name = "C"
        cash = 500000.0
        commission = 0.1
        consumer_fee = 1.0
        brand_utility = 0.5
        initial_users = 0.3
        merchant_reach = 0.5
        variable_cost = 2.0
        [[lenders]]
        name = "B Credit"
        platform = "B"
        capital = 1e6
        cutoff = -1e6
        limit = {{ sales_multiple = 1.0, min = 1.0, max = 5000.0 }}
        term_days = 60
        # A stand-alone arm: B's cash, which times the merger, is B's own.
        consolidated = false
        "#
    )
}

/// A's rule buying B on the first review on or after `day`, for `price`
/// (a TOML value).
fn dated(day: u32, price: &str) -> String {
    format!(
        "[[platforms.rules]]\nwhen = [\"day >= {day}\"]\nthen = {{ acquire = {{ target = \"B\", price = {price} }} }}"
    )
}

/// Runs replication `r` of `s` with a ledger journal and returns the
/// market at the horizon.
fn run_market<'a>(s: &'a Scenario, r: u32, queue: &mut EventQueue<engine::Event>) -> Market<'a> {
    let mut market = Market::new(s, replication_seed(s.seed, r), true, &|| {}, queue);
    engine::run(&mut market, queue);
    if let Err(e) = market.ledger.check() {
        panic!("ledger identities: {e}");
    }
    market
}

const A: usize = 0;
const B: usize = 1;
const C: usize = 2;

#[test]
fn a_merger_conserves_users_and_merchants() {
    let without = scenario_from(&market("", true));
    let with = scenario_from(&market(&dated(21, "50000.0"), true));
    for r in 0..2 {
        let (mut q0, mut q1) = (EventQueue::default(), EventQueue::default());
        let before = run_market(&without, r, &mut q0);
        let after = run_market(&with, r, &mut q1);
        assert_eq!(after.platforms[B].acquired_day, Some(21));
        assert_eq!(after.platforms[B].acquired_by, Some(A));
        assert_eq!(after.platforms[B].exit_day, None);
        assert!(!after.platforms[B].alive && after.platforms[A].alive);

        // Users: A's are the union of A's and B's; C's are untouched.
        let (mut union, mut both) = (0u32, 0u32);
        let agents = before.consumers.agents.iter().zip(&after.consumers.agents);
        for (i, (c0, c1)) in agents.enumerate() {
            let had = c0.installed & (1 << A | 1 << B) != 0;
            if c0.installed & (1 << A | 1 << B) == 1 << B {
                // B's own users joined A on the merger day.
                assert_eq!(after.consumers.relation.history(i, A).first_acquired, 21);
            }
            assert_eq!(c1.installed & (1 << A) != 0, had);
            assert_eq!(c1.installed & (1 << B), 0);
            assert_eq!(c1.installed & (1 << C), c0.installed & (1 << C));
            union += u32::from(had);
            both += u32::from(c0.installed & (1 << A | 1 << B) == (1 << A | 1 << B));
        }
        assert!(both > 300, "the test needs users of both: {both}");
        assert_eq!(after.platforms[A].installed, union);
        assert_eq!(after.platforms[B].installed, 0);
        assert_eq!(
            after.platforms[A].installed,
            before.platforms[A].installed + before.platforms[B].installed - both
        );

        // Merchants: listings and wallet acceptance of B are A's now.
        let m0 = &before.merchants;
        let m1 = &after.merchants;
        assert!(m0.hot.iter().chain(&m1.hot).all(|h| h.open), "no closures");
        let (mut listed_b, mut accepting_b) = (0, 0);
        for m in 0..m0.len() {
            for (bits0, bits1) in [
                (m0.hot[m].listed_on, m1.hot[m].listed_on),
                (m0.hot[m].accepts, m1.hot[m].accepts),
            ] {
                assert_eq!(bits1 & (1 << A) != 0, bits0 & (1 << A | 1 << B) != 0);
                assert_eq!(bits1 & (1 << B), 0);
                assert_eq!(bits1 & (1 << C), bits0 & (1 << C));
            }
            listed_b += u32::from(m0.hot[m].listed_on & (1 << B) != 0);
            accepting_b += u32::from(m0.hot[m].accepts & (1 << B) != 0);
        }
        assert!(
            listed_b > 20 && accepting_b > 20,
            "{listed_b} {accepting_b}"
        );
    }
}

#[test]
fn a_merger_conserves_money() {
    let s = scenario_from(&market(
        &dated(21, "{ cash_multiple = 0.5, premium = 10000.0 }"),
        false,
    ));
    for r in 0..2 {
        let mut queue = EventQueue::default();
        let market = run_market(&s, r, &mut queue);
        let ledger = &market.ledger;
        let journal = ledger.journal().unwrap_or_default();
        let accounts = Accounts::new(3, 1);
        let (a, b) = (accounts.platform(A), accounts.platform(B));
        let price_at = journal
            .iter()
            .position(|p| p.kind == PostingKind::AcquisitionPrice)
            .expect("a price posting");
        let balance = |account, upto: usize| -> i64 {
            journal[..upto]
                .iter()
                .map(|p| {
                    i64::from(p.to == account) * p.amount.0
                        - i64::from(p.from == account) * p.amount.0
                })
                .sum()
        };
        let (a_before, b_before) = (balance(a, price_at), balance(b, price_at));
        let price = journal[price_at];
        let transfer = journal[price_at + 1];
        assert_eq!(price.from, a);
        assert_eq!(price.to, Accounts::INVESTORS);
        assert_eq!(transfer.kind, PostingKind::MergerTransfer);
        assert_eq!((transfer.from, transfer.to), (b, a));
        assert_eq!(transfer.amount.0, b_before, "B's whole cash moves");
        assert_eq!(balance(b, price_at + 2), 0);
        // The acquirer's cash changes by −price + the target's cash.
        assert_eq!(
            balance(a, price_at + 2) - a_before,
            -price.amount.0 + b_before
        );
        // Half of B's spendable cash (its cash less the takings it holds)
        // plus the premium: at most half its cash plus 10,000 yuan.
        assert!(price.amount <= Money(b_before).times(0.5) + Money(1_000_000));
        assert!(price.amount >= Money(1_000_000));
        // One merger, once; B's account never moves again, so the takings
        // it held were released by A.
        assert_eq!(
            ledger.total_of(PostingKind::AcquisitionPrice),
            i128::from(price.amount.0)
        );
        assert_eq!(
            journal[price_at + 2..]
                .iter()
                .filter(|p| p.from == b || p.to == b)
                .count(),
            0
        );
        assert_eq!(market.platforms[B].payables, Money::ZERO);
        // B's lending arm runs its book off and makes no new loans.
        let day = market.platforms[B].acquired_day.expect("a merger");
        let loans = market.finish().loans;
        assert!(
            loans.iter().any(|l| l.start_day < day),
            "B's arm lent before the merger"
        );
        assert!(loans.iter().all(|l| l.start_day < day));
    }
}

fn run_all_of(text: &str, threads: usize) -> Vec<RunOutput> {
    let s = scenario_from(text);
    let options = RunOptions {
        threads,
        journal: false,
    };
    match run_all(&s, &options, &|| {}) {
        Ok(r) => r,
        Err(e) => panic!("{e}"),
    }
}

const RUNWAY_RULE: &str = "[[platforms.rules]]\nwhen = [\"rival_runway_months < 0.5\"]\n\
     then = { acquire = { target = \"B\", price = 20000.0 } }";

#[test]
fn the_rule_fires_at_the_first_review_its_condition_holds() {
    let runs = run_all_of(&market(RUNWAY_RULE, false), 2);
    for run in &runs {
        let day = run.summary[B].acquired_day.expect("B is bought");
        assert_eq!(run.summary[B].acquired_by.as_deref(), Some("A"));
        assert_eq!(run.summary[B].exit_day, None);
        assert!(day.is_multiple_of(7), "A reviews weekly: day {day}");
        // The rule sees B's (the only burning rival's) runway at the close
        // of the day before each review.
        let runway = |d: u32| {
            run.days
                .iter()
                .find(|r| r.day == d && r.platform == B)
                .and_then(|r| r.runway_months)
                .unwrap_or(f64::INFINITY)
        };
        let c_runway = |d: u32| {
            run.days
                .iter()
                .find(|r| r.day == d && r.platform == C)
                .and_then(|r| r.runway_months)
                .unwrap_or(f64::INFINITY)
        };
        assert!(runway(day - 1).min(c_runway(day - 1)) < 0.5);
        for review in (7..day).step_by(7) {
            assert!(
                runway(review - 1).min(c_runway(review - 1)) >= 0.5,
                "the condition held at day {review}"
            );
        }
        // From the merger on, B trades no more and holds nothing.
        for r in run.days.iter().filter(|r| r.platform == B && r.day >= day) {
            assert_eq!(
                (r.flows.orders, r.cash, r.installed_consumers),
                (0, Money::ZERO, 0)
            );
            assert_eq!((r.merchants, r.merchants_accepting), (0, 0));
        }
    }
}

#[test]
fn no_merger_when_the_condition_never_holds_or_the_price_is_out_of_reach() {
    let plain = run_all_of(&market("", false), 2);
    for rule in [
        RUNWAY_RULE.replace("< 0.5", "< 0"),
        RUNWAY_RULE.replace("20000.0", "1e9"),
    ] {
        let runs = run_all_of(&market(&rule, false), 2);
        for (r, p) in runs.iter().zip(&plain) {
            assert!(r.summary.iter().all(|s| s.acquired_day.is_none()));
            assert_eq!(r.summary, p.summary, "{rule}");
            assert_eq!(r.days, p.days);
        }
    }
}

#[test]
fn a_run_with_a_merger_is_reproducible_whatever_the_threads() {
    let text = market(RUNWAY_RULE, false);
    let one = run_all_of(&text, 1);
    let two = run_all_of(&text, 2);
    assert!(one.iter().all(|r| r.summary[B].acquired_day.is_some()));
    for (x, y) in one.iter().zip(&two) {
        assert_eq!(x.summary, y.summary);
        assert_eq!(x.days, y.days);
        assert_eq!(x.loans, y.loans);
    }
}

#[test]
fn summary_csv_names_the_day_and_the_buyer() {
    let tmp = TempDir::new("merger-summary");
    let path = tmp.path().join("m.toml");
    if let Err(e) = std::fs::write(&path, market(&dated(14, "1000.0"), false)) {
        panic!("{e}");
    }
    let o = flywheel(
        tmp.path(),
        &["run", "m.toml", "--out", "out", "--quiet", "--threads", "2"],
    );
    assert!(o.status.success(), "{:?}", text(&o));
    let rows = read_csv(&tmp.path().join("out/summary.csv"));
    for row in &rows {
        let (day, by) = (&row["acquired_day"], &row["acquired_by"]);
        match row["platform"].as_str() {
            "B" => assert_eq!((day.as_str(), by.as_str()), ("14", "A")),
            _ => assert_eq!((day.as_str(), by.as_str()), ("", "")),
        }
        assert_eq!(row["exit_day"], "");
    }
}
