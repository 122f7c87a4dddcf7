//! The payments side: wallet choice by logit (a closed form in a special
//! case, smooth in the red-packet gap), merchants' adoption of wallets
//! (the configured hazard), bounties through the ledger, and the
//! regulator's caps on every subsidy.

use flywheel::ledger::PostingKind;
use flywheel::metrics::RunOutput;
use flywheel::runner::{RunOptions, run_all};

use crate::common::scenario_from;

/// Two wallets every consumer has and every merchant accepts, no
/// platform listings (every purchase is direct), one price sensitivity:
/// the wallet choice is a plain binary logit.
fn two_wallets(red_a: f64, red_b: f64, extra: &str) -> String {
    two_wallets_with(red_a, red_b, extra, "")
}

/// [`two_wallets`] with extra keys in B's `[platforms.payments]` table.
fn two_wallets_with(red_a: f64, red_b: f64, extra: &str, b_payments: &str) -> String {
    format!(
        r#"
        seed = 7
        replications = 4
        horizon_days = 30
        [market]
        consumers = 4000
        merchants = 100
        no_purchase_utility = -20.0
        [consumers]
        purchase_rate = 1.0
        price_sensitivity = 0.2
        [merchants]
        price = 30.0
        [choice]
        wallet_scale = 0.5
        {extra}
        [[platforms]]
        name = "A"
        cash = 100000000.0
        commission = 0.1
        merchant_reach = 0.0
        red_packet = {red_a}
        [platforms.payments]
        wallet = true
        [[platforms]]
        name = "B"
        cash = 100000000.0
        commission = 0.1
        merchant_reach = 0.0
        red_packet = {red_b}
        [platforms.payments]
        wallet = true
        {b_payments}
        "#
    )
}

fn run(text: &str) -> Vec<RunOutput> {
    let s = scenario_from(text);
    match run_all(&s, &RunOptions::default(), &|| {}) {
        Ok(runs) => runs,
        Err(e) => panic!("{e}"),
    }
}

/// Wallet A's share of all wallet payments, over every replication.
fn share_of_a(runs: &[RunOutput]) -> (f64, u64) {
    let a: u64 = runs
        .iter()
        .map(|r| r.summary[0].flows.wallet_payments)
        .sum();
    let b: u64 = runs
        .iter()
        .map(|r| r.summary[1].flows.wallet_payments)
        .sum();
    (a as f64 / (a + b) as f64, a + b)
}

#[test]
fn wallet_share_follows_the_logit_closed_form() {
    // A pays 1 yuan more: P(A) = 1 / (1 + exp(-0.2 · 1 / 0.5)).
    let runs = run(&two_wallets(1.5, 0.5, ""));
    let (share, n) = share_of_a(&runs);
    let expected = 1.0 / (1.0 + (-0.4f64).exp());
    let se = (expected * (1.0 - expected) / n as f64).sqrt();
    assert!(n > 100_000, "{n} payments");
    assert!(
        (share - expected).abs() < 4.0 * se,
        "share {share:.4} vs closed form {expected:.4} (se {se:.5})"
    );
}

#[test]
fn wallet_share_moves_smoothly_with_the_red_packet_gap() {
    // One fen apart moves the share by a fraction of a point, not all of
    // it; larger gaps move it further, in order.
    let gaps = [0.0, 0.01, 0.5, 1.0, 3.0];
    let shares: Vec<f64> = gaps
        .iter()
        .map(|g| share_of_a(&run(&two_wallets(1.0 + g, 1.0, ""))).0)
        .collect();
    assert!((shares[0] - 0.5).abs() < 0.01, "{shares:?}");
    assert!((shares[1] - shares[0]).abs() < 0.01, "{shares:?}");
    assert!(
        shares.windows(2).skip(1).all(|w| w[1] > w[0]),
        "not increasing: {shares:?}"
    );
    for (g, share) in gaps.iter().zip(&shares) {
        let expected = 1.0 / (1.0 + (-0.2 * g / 0.5f64).exp());
        assert!(
            (share - expected).abs() < 0.01,
            "gap {g}: {share:.4} vs {expected:.4}"
        );
    }
}

#[test]
fn cash_competes_with_wallets_when_it_has_a_utility() {
    // Both wallets at red packet 0 and cash at utility 0: a third each.
    let runs = run(&two_wallets(0.0, 0.0, "cash_utility = 0.0"));
    let wallet: u64 = runs
        .iter()
        .flat_map(|r| r.summary.iter().map(|p| p.flows.wallet_payments))
        .sum();
    let direct: u64 = runs.iter().map(|r| r.totals.direct_orders).sum();
    let share = wallet as f64 / direct as f64;
    let se = (2.0 / 9.0 / direct as f64).sqrt();
    assert!(
        (share - 2.0 / 3.0).abs() < 4.0 * se,
        "wallet share of direct purchases {share:.4}"
    );
}

#[test]
fn merchants_adopt_a_wallet_at_the_configured_hazard() {
    // Nobody accepts B at the start; each day a merchant not yet accepting
    // it adopts with probability 0.05: 1 − 0.95^(t+1) accept after day t.
    let text = two_wallets_with(
        0.0,
        0.0,
        "",
        "acceptance = 0.0\n[platforms.payments.adoption]\nbase = 0.05",
    );
    let s = scenario_from(&text);
    let runs = match run_all(&s, &RunOptions::default(), &|| {}) {
        Ok(r) => r,
        Err(e) => panic!("{e}"),
    };
    let merchants = f64::from(s.market.merchants);
    for day in [4u32, 14, 29] {
        let accepting: f64 = runs
            .iter()
            .flat_map(|r| r.days.iter())
            .filter(|d| d.day == day && d.platform == 1)
            .map(|d| d.merchants_accepting as f64)
            .sum::<f64>()
            / (merchants * runs.len() as f64);
        let expected = 1.0 - 0.95f64.powi(day as i32 + 1);
        let se = (expected * (1.0 - expected) / (merchants * runs.len() as f64)).sqrt();
        assert!(
            (accepting - expected).abs() < 4.0 * se,
            "day {day}: {accepting:.3} accepting vs {expected:.3} (se {se:.4})"
        );
    }
    // A, accepted everywhere from the start, stays so.
    assert!(
        runs.iter()
            .flat_map(|r| r.days.iter())
            .filter(|d| d.platform == 0)
            .all(|d| d.merchants_accepting == u64::from(s.market.merchants))
    );
}

#[test]
fn bounties_are_paid_through_the_ledger_and_counted_as_subsidies() {
    let text = two_wallets(0.0, 0.0, "").replace(
        "red_packet = 0\n",
        "red_packet = 0\n        merchant_bounty = 0.5\n        new_payer_bounty = 2.0\n",
    );
    let s = scenario_from(&text);
    let mut queue = flywheel::engine::EventQueue::default();
    let mut market = flywheel::market::Market::new(&s, 11, true, &|| {}, &mut queue);
    flywheel::engine::run(&mut market, &mut queue);
    let ledger_bounties = market.ledger.total_of(PostingKind::MerchantBounty);
    let finished = market.finish();
    let reported: i128 = finished
        .days
        .iter()
        .map(|d| i128::from(d.flows.bounty_spend.0))
        .sum();
    assert!(ledger_bounties > 0);
    assert_eq!(ledger_bounties, reported);
    // Per-payment bounties on every payment, new-payer bounties once per
    // consumer and wallet.
    let payments: u64 = finished
        .summary
        .iter()
        .map(|p| p.flows.wallet_payments)
        .sum();
    let per_payment = i128::from(payments) * 50;
    let new_payers = (ledger_bounties - per_payment) / 200;
    assert_eq!((ledger_bounties - per_payment) % 200, 0);
    assert!(new_payers > 0 && new_payers <= 2 * i128::from(s.market.consumers));
    for p in &finished.summary {
        assert!(p.flows.subsidy_spend.0 >= p.flows.bounty_spend.0);
    }
}

#[test]
fn the_coupon_cap_also_caps_red_packets() {
    let capped = two_wallets(3.0, 1.0, "").replace(
        "[choice]",
        "[regulation]\n        max_coupon = 1.0\n        [choice]",
    );
    let (share, _) = share_of_a(&run(&capped));
    // Both red packets are 1 yuan under the cap: an even split.
    assert!((share - 0.5).abs() < 0.01, "share {share:.4}");
}

#[test]
fn payment_fees_and_float_reconcile_with_the_ledger() {
    let text = two_wallets_with(
        0.0,
        0.0,
        "",
        "fee_rate = 0.006\n        consumer_fee = 0.1\n        settlement_days = 3\n        float_rate = 0.03\n",
    );
    let s = scenario_from(&text);
    let mut queue = flywheel::engine::EventQueue::default();
    let mut market = flywheel::market::Market::new(&s, 11, true, &|| {}, &mut queue);
    flywheel::engine::run(&mut market, &mut queue);
    let fees = market.ledger.total_of(PostingKind::PaymentFee)
        + market.ledger.total_of(PostingKind::WalletFee);
    let float = market.ledger.total_of(PostingKind::FloatIncome);
    let finished = market.finish();
    let daily = |f: fn(&flywheel::metrics::Flows) -> i64| -> i128 {
        finished.days.iter().map(|d| i128::from(f(&d.flows))).sum()
    };
    assert!(fees > 0 && float > 0, "fees {fees}, float {float}");
    assert_eq!(daily(|f| f.payment_fees.0), fees);
    assert_eq!(daily(|f| f.float_income.0), float);
    let summed: i128 = finished
        .summary
        .iter()
        .map(|p| i128::from(p.flows.payment_fees.0 + p.flows.float_income.0))
        .sum();
    assert_eq!(summed, fees + float);
    // Only B charges: A's wallet earns neither.
    assert_eq!(finished.summary[0].flows.payment_fees.0, 0);
    assert_eq!(finished.summary[0].flows.float_income.0, 0);
}
