//! Exclusivity ("二选一") and per-platform data ownership: a payment moves
//! a merchant exactly when it exceeds the margin the merchant earns
//! through the rival, the number of merchants moved grows gradually with
//! the payment, a platform that shares its customer data feeds merchants'
//! memberships from its own customers only and attracts merchants, and a
//! platform whose merchants own the data lends as a bank does.

use flywheel::metrics::RunOutput;

use crate::common::{assert_greater, run_text};

/// One merchant listed on A and B; A offers exclusivity from day 30, when
/// the merchant reviews its listings with 30 days of orders behind it.
const ONE_MERCHANT: &str = r#"
seed = 5
replications = 1
horizon_days = 32
[market]
consumers = 400
merchants = 1
no_purchase_utility = -3.0
[consumers]
purchase_rate = 0.5
price_sensitivity = 0.1
[merchants]
price = 30.0
unit_cost_share = 0.5
listing_cost = 2.0
review_days = 30
switch_probability = 1.0
[[platforms]]
name = "A"
cash = 1e7
commission = 0.1
brand_utility = 0.5
[[platforms.schedule]]
from_day = 30
to_day = 32
set = { exclusivity = 0.0 }
[[platforms]]
name = "B"
cash = 1e7
commission = 0.2
brand_utility = 0.5
"#;

fn record(run: &RunOutput, day: u32, p: usize) -> &flywheel::metrics::DayRecord {
    match run.days.iter().find(|d| d.day == day && d.platform == p) {
        Some(d) => d,
        None => panic!("no record of platform {p} on day {day}"),
    }
}

#[test]
fn an_exclusivity_payment_moves_a_merchant_only_above_its_lost_margin() {
    let none = run_text(ONE_MERCHANT, &[]);
    // The margin the merchant loses by leaving B: its orders through B
    // since its last review (days 1-30) per day × the margin of an order
    // (price 30 − commission 6 − goods 15) − the listing cost it saves,
    // computed as the listing review computes it.
    let orders_b: u64 = none[0]
        .days
        .iter()
        .filter(|d| d.platform == 1 && (1..=30).contains(&d.day))
        .map(|d| d.flows.orders)
        .sum();
    assert!(orders_b > 0);
    let lost = orders_b as f64 / 30.0 * 9.0 - 2.0;
    assert!(lost > 1.0, "the merchant earns through B: {lost}");
    let below = (lost * 100.0).ceil() as i64 - 1;
    let above = (lost * 100.0).floor() as i64 + 1;
    let pay = |fen: i64| {
        run_text(
            ONE_MERCHANT,
            &[&format!(
                "platforms[0].schedule[0].set.exclusivity={}.{:02}",
                fen / 100,
                fen % 100
            )],
        )
    };
    let stays = pay(below);
    let moves = pay(above);
    // Below: still on both platforms, no deal, nothing paid.
    assert_eq!(record(&stays[0], 30, 0).exclusive_merchants, 0);
    assert_eq!(record(&stays[0], 30, 1).merchants, 1);
    assert_eq!(stays[0].summary[0].flows.exclusivity_spend.0, 0);
    // Above: delisted from B, exclusive to A, paid from the next day on.
    assert_eq!(record(&moves[0], 30, 0).exclusive_merchants, 1);
    assert_eq!(record(&moves[0], 30, 1).merchants, 0);
    assert_eq!(record(&moves[0], 31, 0).flows.exclusivity_spend.0, above);
    assert_eq!(record(&moves[0], 31, 1).flows.orders, 0);
    // Until the review both runs are the same market.
    assert_eq!(record(&stays[0], 29, 1), record(&moves[0], 29, 1));
}

/// Merchants that differ in price, cost and district on two platforms;
/// A offers exclusivity over days 30-59, one review per merchant.
const MARKET: &str = r#"
seed = 11
replications = 1
horizon_days = 60
[market]
consumers = 4000
merchants = 120
districts = 4
repeat_merchant = 0.4
no_purchase_utility = -3.5
[consumers]
purchase_rate = { gamma = { shape = 2.0, mean = 0.4 } }
price_sensitivity = { lognormal = { mean = 0.12, sd = 0.04 } }
[merchants]
price = { lognormal = { mean = 35.0, sd = 12.0 } }
unit_cost_share = { beta = { alpha = 10.0, beta = 10.0 } }
listing_cost = 3.0
review_days = 30
switch_probability = 1.0
[[platforms]]
name = "A"
cash = 1e8
commission = 0.12
brand_utility = 0.6
[[platforms.schedule]]
from_day = 30
to_day = 60
set = { exclusivity = 0.0 }
[[platforms]]
name = "B"
cash = 1e8
commission = 0.12
brand_utility = 0.6
"#;

#[test]
fn merchants_moved_grow_gradually_with_the_payment() {
    let payments = [0, 5, 10, 15, 20, 30, 45, 70, 100, 150];
    let moved: Vec<u64> = payments
        .iter()
        .map(|pay| {
            let runs = run_text(
                MARKET,
                &[&format!("platforms[0].schedule[0].set.exclusivity={pay}")],
            );
            record(&runs[0], 59, 0).exclusive_merchants
        })
        .collect();
    assert_eq!(moved[0], 0, "no payment, no deal");
    for w in moved.windows(2) {
        assert!(w[1] >= w[0], "more payment moves no fewer: {moved:?}");
    }
    // No knife edge: no step of the payment moves more than a third of
    // the merchants, and many payments move some but not all.
    for w in moved.windows(2) {
        assert!(w[1] - w[0] <= 40, "a jump in {moved:?}");
    }
    let partial = moved.iter().filter(|&&n| n > 0 && n < 120).count();
    assert!(partial >= 5, "a gradual response: {moved:?}");
    assert!(
        moved[payments.len() - 1] > 90,
        "a large payment moves most: {moved:?}"
    );
}

/// Two platforms, each installed by 60% of consumers; every merchant runs
/// a membership and is listed on both.
const DATA: &str = r#"
seed = 7
replications = 4
horizon_days = 120
[market]
consumers = 3000
merchants = 60
no_purchase_utility = -4.0
direct_utility = -0.5
repeat_merchant = 0.8
customer_data = "platform"
[consumers]
purchase_rate = { gamma = { shape = 2.0, mean = 0.4 } }
price_sensitivity = { lognormal = { mean = 0.15, sd = 0.05 } }
[merchants]
price = 30.0
[merchants.membership]
share = 1.0
discount = 4.0
join_probability = 0.5
[[platforms]]
name = "A"
cash = 1e8
commission = 0.15
brand_utility = 1.0
initial_users = 0.6
[[platforms]]
name = "B"
cash = 1e8
commission = 0.15
brand_utility = 1.0
initial_users = 0.6
"#;

fn enrolled(runs: &[RunOutput], p: usize) -> u64 {
    runs.iter()
        .map(|r| r.summary[p].flows.members_enrolled)
        .sum()
}

fn member_orders(runs: &[RunOutput]) -> Vec<f64> {
    runs.iter().map(|r| r.totals.member_orders as f64).collect()
}

/// Each replication's orders through `p` relative to the same replication
/// of `base`.
fn relative_orders(runs: &[RunOutput], base: &[RunOutput], p: usize) -> Vec<f64> {
    runs.iter()
        .zip(base)
        .map(|(r, b)| r.summary[p].flows.orders as f64 / b.summary[p].flows.orders as f64)
        .collect()
}

#[test]
fn per_platform_data_ownership_changes_member_orders_for_that_platform_only() {
    let base = run_text(DATA, &[]);
    assert_eq!(enrolled(&base, 0) + enrolled(&base, 1), 0);
    for (sharing, other) in [(0, 1), (1, 0)] {
        let shares = run_text(
            DATA,
            &[&format!("platforms[{sharing}].customer_data=\"shared\"")],
        );
        // Merchants enrol the sharing platform's customers, never the
        // other's.
        assert!(enrolled(&shares, sharing) > 0);
        assert_eq!(enrolled(&shares, other), 0);
        assert_greater(
            "member orders when one platform shares its data",
            &member_orders(&shares),
            &member_orders(&base),
        );
        // Its customers' repeat purchases go direct: it loses more of its
        // orders than the platform that keeps its data.
        assert_greater(
            "orders kept by the platform that keeps its data vs the one that shares",
            &relative_orders(&shares, &base, other),
            &relative_orders(&shares, &base, sharing),
        );
    }
}

#[test]
fn a_platform_that_shares_data_attracts_merchants() {
    let sets = [
        "platforms[0].customer_data=\"shared\"",
        "platforms[0].merchant_reach=0.5",
        "platforms[1].merchant_reach=0.5",
        "merchants.listing_cost=40.0",
        "merchants.review_days=15",
        "merchants.switch_probability=1.0",
        "merchants.membership.share=0.0",
    ];
    let merchants = |runs: &[RunOutput], p: usize| -> Vec<f64> {
        runs.iter()
            .map(|r| r.summary[p].merchants_end as f64)
            .collect()
    };
    let without = run_text(DATA, &sets);
    let mut valued = sets.to_vec();
    valued.push("merchants.data_sharing_value=20.0");
    let with = run_text(DATA, &valued);
    assert_greater(
        "merchants on the sharing platform when data is worth something to them",
        &merchants(&with, 0),
        &merchants(&without, 0),
    );
    // Merchants that list on the sharing platform need the other less.
    let (b_with, b_without) = (merchants(&with, 1), merchants(&without, 1));
    assert!(b_with.iter().sum::<f64>() <= b_without.iter().sum::<f64>());
}

const LENDER: &str = r#"
seed = 9
replications = 2
horizon_days = 90
[market]
consumers = 3000
merchants = 60
no_purchase_utility = -4.0
[consumers]
purchase_rate = 0.4
price_sensitivity = 0.1
[merchants]
price = { lognormal = { mean = 30.0, sd = 10.0 } }
cash = 2000.0
fixed_daily_cost = { uniform = { min = 10.0, max = 60.0 } }
[merchants.credit]
apply_below = 1e6
[[platforms]]
name = "P"
cash = 1e8
commission = 0.1
brand_utility = 1.0
[[lenders]]
name = "Arm"
platform = "P"
capital = 1e8
cutoff = 3.0
noise = 0.6
limit = { sales_multiple = 1.0, min = 1.0, max = 1e5 }
term_days = 60
repayment = { instalments = 2 }
"#;

#[test]
fn a_platform_whose_merchants_own_the_data_lends_on_reported_revenue() {
    let lenders = |runs: &[RunOutput]| -> Vec<String> {
        runs.iter().map(|r| format!("{:?}", r.lenders)).collect()
    };
    // Merchant-owned data: the arm may not score the transactions, so it
    // lends exactly as a lender of the same platform that sees only what
    // merchants report.
    let merchant = run_text(LENDER, &["platforms[0].customer_data=\"merchant\""]);
    let reported = run_text(
        LENDER,
        &[
            "platforms[0].customer_data=\"shared\"",
            "lenders[0].data=\"self_reported\"",
        ],
    );
    let shared = run_text(LENDER, &["platforms[0].customer_data=\"shared\""]);
    assert_eq!(lenders(&merchant), lenders(&reported));
    assert_ne!(lenders(&merchant), lenders(&shared));
    assert!(
        shared
            .iter()
            .all(|r| r.lenders[0].flows.loans_disbursed > 0)
    );
}

#[test]
fn exclusivity_payments_reconcile_with_the_ledger() {
    use flywheel::engine::{self, EventQueue};
    use flywheel::ledger::PostingKind;
    use flywheel::market::Market;
    use flywheel::rng::replication_seed;

    let s = crate::common::scenario_from(&MARKET.replace(
        "set = { exclusivity = 0.0 }",
        "set = { exclusivity = 30.0 }",
    ));
    let mut queue = EventQueue::default();
    let mut market = Market::new(&s, replication_seed(s.seed, 0), true, &|| {}, &mut queue);
    engine::run(&mut market, &mut queue);
    market.ledger.check().expect("accounting identities hold");
    let ledger = market.ledger.clone();
    let f = market.finish();
    let spent: i128 = f
        .summary
        .iter()
        .map(|x| i128::from(x.flows.exclusivity_spend.0))
        .sum();
    assert!(spent > 0, "exclusivity was paid");
    assert_eq!(ledger.total_of(PostingKind::ExclusivityPayment), spent);
    // Paid to the merchants under a deal, one payment a day each.
    let daily: i128 = f
        .days
        .iter()
        .map(|d| i128::from(d.flows.exclusivity_spend.0))
        .sum();
    assert_eq!(daily, spent);
    assert!(f.summary[1].flows.exclusivity_spend.0 == 0);
    // Each day A pays 30 yuan to each merchant under a deal at the
    // previous day's end.
    let a = |day: u32| match f.days.iter().find(|d| d.day == day && d.platform == 0) {
        Some(d) => d,
        None => panic!("no record of day {day}"),
    };
    for day in 31..60 {
        assert_eq!(
            a(day).flows.exclusivity_spend.0,
            3000 * a(day - 1).exclusive_merchants as i64
        );
    }
}
