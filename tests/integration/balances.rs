//! Wallet balances in money-market funds: the yield of a balance nobody
//! spends (closed form), the funds reconciling with the ledger to the
//! fen, merchants' swept cash counting as cash, and a higher yield
//! drawing balances and wallet payments to a wallet.

use flywheel::agents::Accounts;
use flywheel::engine::{self, EventQueue};
use flywheel::ledger::{Money, PostingKind};
use flywheel::market::{Finished, Market};
use flywheel::metrics::RunOutput;
use flywheel::rng::replication_seed;
use flywheel::scenario::Scenario;

use crate::common::{assert_greater, run_text, scenario_from};

/// One wallet with a fund; consumers hardly buy. `extra` goes at the top
/// level (before any table), `fund` into the fund table, `balances` into
/// `[balances]`.
fn one_fund(fund: &str, balances: &str, merchants: &str) -> String {
    format!(
        r#"
        seed = 11
        horizon_days = 40
        [market]
        consumers = 50
        merchants = 10
        no_purchase_utility = 50.0
        [consumers]
        purchase_rate = 0.01
        price_sensitivity = 0.1
        [merchants]
        price = 30.0
        cash = 1000.0
        fixed_daily_cost = 10.0
        [[platforms]]
        name = "W"
        cash = 1000000.0
        commission = 0.1
        merchant_reach = 0.0
        [platforms.payments]
        wallet = true
        [platforms.payments.fund]
        {fund}
        {merchants}
        [balances]
        hold_utility = 500.0
        {balances}
        "#
    )
}

/// Runs replication 0 of `s` with a journal and returns the market at
/// the horizon.
fn run_market<'a>(s: &'a Scenario, queue: &mut EventQueue<engine::Event>) -> Market<'a> {
    let seed = replication_seed(s.seed, 0);
    let mut market = Market::new(s, seed, true, &|| {}, queue);
    engine::run(&mut market, queue);
    market.ledger.check().expect("accounting identities hold");
    market
}

#[test]
fn an_unspent_balance_grows_by_the_stated_daily_yield() {
    // 7.3% gross, 3.65% spread: holders earn 0.01% a day. An opening
    // deposit of 10,000 yuan, no income and no purchases grows as
    // B ← B + round(B · 0.0001) each day, the platform earning as much.
    let s = scenario_from(&one_fund(
        "gross_yield = 0.073\nspread = 0.0365",
        "opening = 10000.0",
        "",
    ));
    let mut queue = EventQueue::default();
    let market = run_market(&s, &mut queue);
    let mut expected = Money(1_000_000);
    let mut earned = 0i64;
    for _ in 0..s.horizon_days {
        let day = Money((expected.0 as f64 * 0.0001).round() as i64);
        earned += day.0;
        expected += day;
    }
    let mut holders = 0;
    for c in 0..50 {
        let (balance, wallet) = market.consumer_balance(c);
        if wallet.is_none() {
            continue;
        }
        holders += 1;
        // A purchase (rare) draws the balance down; every other holder
        // follows the closed form to the fen.
        if balance == expected {
            continue;
        }
        assert!(balance < expected, "consumer {c}: {balance} > {expected}");
    }
    assert_eq!(holders, 50, "hold_utility 500 makes everyone hold");
    let unspent = (0..50)
        .filter(|&c| market.consumer_balance(c).0 == expected)
        .count();
    assert!(unspent >= 40, "{unspent} consumers untouched");
    // And the closed form of compound interest, to within a fen a day.
    let compound = 1_000_000.0 * 1.0001f64.powi(s.horizon_days as i32);
    assert!((expected.0 as f64 - compound).abs() <= f64::from(s.horizon_days));
    let yield_total = market.ledger.total_of(PostingKind::FundYield);
    let spread_total = market.ledger.total_of(PostingKind::FundSpread);
    let spent = market.ledger.total_of(PostingKind::BalancePayment);
    assert_eq!(
        i128::from(market.fund_balances(0).0.0),
        50 * 1_000_000 + yield_total - spent
    );
    // The spread (3.65% on the fund's assets) equals the holders' yield
    // (3.65% on each balance) up to one fen of rounding per holder per day.
    assert!((spread_total - yield_total).abs() <= 50 * 40);
    assert!(yield_total >= i128::from(earned) * (unspent as i128));
}

/// Two wallets with consumer funds and merchant funds, purchases direct
/// and paid by wallet, income and reviews: every flow of the funds.
fn two_funds(yield_b: f64) -> String {
    format!(
        r#"
        seed = 5
        replications = 4
        horizon_days = 60
        [market]
        consumers = 1500
        merchants = 60
        no_purchase_utility = -20.0
        [consumers]
        purchase_rate = 0.5
        price_sensitivity = 0.2
        [merchants]
        price = 30.0
        cash = 2000.0
        fixed_daily_cost = 40.0
        [choice]
        wallet_scale = 0.5
        [[platforms]]
        name = "A"
        cash = 100000000.0
        commission = 0.1
        merchant_reach = 0.0
        [platforms.payments]
        wallet = true
        fee_rate = 0.006
        [platforms.payments.fund]
        gross_yield = 0.04
        spread = 0.01
        [platforms.payments.merchant_fund]
        gross_yield = 0.03
        spread = 0.005
        buffer = 300.0
        [[platforms]]
        name = "B"
        cash = 100000000.0
        commission = 0.1
        merchant_reach = 0.0
        [platforms.payments]
        wallet = true
        fee_rate = 0.006
        [platforms.payments.fund]
        gross_yield = {yield_b}
        spread = 0.01
        [balances]
        income = 12.0
        target = 2000.0
        opening = 200.0
        deposit_rate = 0.0035
        yield_weight = 1.0
        review = 0.02
        pay_utility = 1.0
        "#
    )
}

#[test]
fn balances_and_fund_yields_reconcile_with_the_ledger_to_the_fen() {
    let s = scenario_from(&two_funds(0.05));
    let mut queue = EventQueue::default();
    let market = run_market(&s, &mut queue);
    let np = s.platforms.len();
    let ledger = market.ledger.clone();
    let accounts = Accounts::new(np, 0);
    let mut consumer_sum = vec![0i64; np];
    for c in 0..s.market.consumers as usize {
        if let (b, Some(w)) = market.consumer_balance(c) {
            assert!(b.0 >= 0, "consumer {c} balance {b}");
            consumer_sum[w] += b.0;
        }
    }
    let mut merchant_sum = vec![0i64; np];
    for m in 0..s.market.merchants as usize {
        if let (b, Some(w)) = market.merchant_fund_balance(m) {
            merchant_sum[w] += b.0;
        }
    }
    for p in 0..np {
        let (consumers, merchants) = market.fund_balances(p);
        assert_eq!(consumers.0, consumer_sum[p], "platform {p} consumer fund");
        assert_eq!(merchants.0, merchant_sum[p], "platform {p} merchant fund");
        assert_eq!(consumers, ledger.balance(accounts.consumer_fund(p)));
    }
    assert!(consumer_sum.iter().all(|&b| b > 0), "{consumer_sum:?}");
    assert!(
        merchant_sum[0] > 0 && merchant_sum[1] == 0,
        "{merchant_sum:?}"
    );
    // Each fund's balance is what went in, less what came out, plus its
    // yield: deposits − redemptions − payments + yield.
    let total_funds: i128 = (0..np)
        .map(|p| {
            let (c, m) = market.fund_balances(p);
            i128::from(c.0) + i128::from(m.0)
        })
        .sum();
    assert_eq!(
        total_funds,
        ledger.total_of(PostingKind::FundDeposit)
            - ledger.total_of(PostingKind::FundRedemption)
            - ledger.total_of(PostingKind::BalancePayment)
            + ledger.total_of(PostingKind::FundYield)
    );
    let f: Finished = market.finish();
    let sum = |get: fn(&flywheel::metrics::Flows) -> Money| -> i128 {
        f.summary.iter().map(|x| i128::from(get(&x.flows).0)).sum()
    };
    assert_eq!(
        ledger.total_of(PostingKind::FundYield),
        sum(|x| x.fund_yield)
    );
    assert_eq!(
        ledger.total_of(PostingKind::FundSpread),
        sum(|x| x.fund_spread)
    );
    assert_eq!(
        ledger.total_of(PostingKind::BalancePayment),
        sum(|x| x.balance_spend)
    );
    assert!(ledger.total_of(PostingKind::BalancePayment) > 0);
    assert_eq!(
        ledger.total_of(PostingKind::PaymentFee)
            + ledger.total_of(PostingKind::WalletFee)
            + ledger.total_of(PostingKind::FundSpread),
        sum(|x| x.revenue)
    );
    for p in 0..np {
        assert_eq!(f.summary[p].consumer_balances_end.0, consumer_sum[p]);
        assert_eq!(f.summary[p].merchant_balances_end.0, merchant_sum[p]);
        let daily: i128 = f
            .days
            .iter()
            .filter(|d| d.platform == p)
            .map(|d| i128::from(d.flows.fund_yield.0))
            .sum();
        assert_eq!(daily, i128::from(f.summary[p].flows.fund_yield.0));
    }
}

#[test]
fn a_merchant_with_cash_in_the_fund_is_not_out_of_cash() {
    // No sales; 1,000 yuan of cash and 10 yuan a day of fixed costs last
    // the 40 days. With every yuan above a zero buffer swept each day,
    // the fund pays each day's costs back: no merchant closes, and each
    // holds its cash plus the fund's yield less its costs.
    let with = "[platforms.payments.merchant_fund]\ngross_yield = 0.0365\nbuffer = 0.0";
    let s = scenario_from(&one_fund("gross_yield = 0.01", "", with));
    let mut queue = EventQueue::default();
    let market = run_market(&s, &mut queue);
    let mut swept = 0;
    for m in 0..10 {
        let (balance, wallet) = market.merchant_fund_balance(m);
        assert!(market.merchants.hot[m].open, "merchant {m} closed");
        let cash = market.ledger.balance(Accounts::new(1, 0).merchant(m));
        assert!(cash.0 >= 0);
        if wallet.is_some() {
            swept += 1;
            // 1000 − 40 × 10 = 600 yuan, plus about 0.01% a day on ~800.
            let total = balance + cash;
            assert!(
                total > Money(60_000) && total < Money(60_000 + 40 * 20),
                "{total}"
            );
        }
    }
    assert_eq!(swept, 10, "every merchant accepts the wallet");
    let f = market.finish();
    assert_eq!(f.totals.merchants_closed, 0);
}

fn share_and_balances(runs: &[RunOutput], p: usize) -> (Vec<f64>, Vec<f64>) {
    runs.iter()
        .map(|r| {
            let total: u64 = r.summary.iter().map(|s| s.flows.wallet_payments).sum();
            (
                r.summary[p].flows.wallet_payments as f64 / total as f64,
                r.summary[p].consumer_balances_end.as_major(),
            )
        })
        .unzip()
}

#[test]
fn a_higher_yield_draws_balances_and_payments_to_the_wallet() {
    // B's fund at 3% against A's at 4%, then at 6%: more consumers hold
    // in B, and paying from the balance moves wallet share to B.
    let low = run_text(&two_funds(0.03), &[]);
    let high = run_text(&two_funds(0.06), &[]);
    let (share_low, bal_low) = share_and_balances(&low, 1);
    let (share_high, bal_high) = share_and_balances(&high, 1);
    assert_greater("B's balances", &bal_high, &bal_low);
    assert_greater("B's wallet share", &share_high, &share_low);
    // Without the payment preference the balance alone does not move
    // wallet share much: the effect goes through pay_utility.
    let flat = run_text(&two_funds(0.06), &["balances.pay_utility=0.0"]);
    let (share_flat, _) = share_and_balances(&flat, 1);
    assert_greater(
        "B's wallet share with pay_utility",
        &share_high,
        &share_flat,
    );
}

#[test]
fn a_platform_s_fund_balances_move_whole_to_another() {
    // What a merger does with balances: B's consumer balances join A's
    // fund; B has no merchant fund, A's merchant fund is untouched.
    let s = scenario_from(&two_funds(0.05));
    let mut queue = EventQueue::default();
    let mut market = run_market(&s, &mut queue);
    let (a, a_merchants) = market.fund_balances(0);
    let (b, _) = market.fund_balances(1);
    assert!(b.0 > 0);
    market.transfer_fund_balances(1, 0);
    market.ledger.check().expect("accounting identities hold");
    assert_eq!(market.fund_balances(1), (Money::ZERO, Money::ZERO));
    assert_eq!(market.fund_balances(0), (a + b, a_merchants));
    let held: i64 = (0..s.market.consumers as usize)
        .map(|c| market.consumer_balance(c))
        .filter(|&(_, w)| w == Some(0))
        .map(|(b, _)| b.0)
        .sum();
    assert_eq!(held, (a + b).0);
}
