//! Wallet balances: the money-market fund each wallet may run for
//! consumers (余额宝-style) and the cash-management fund for merchants'
//! idle cash (余利宝-style).
//!
//! **Consumers.** At each day's end a consumer who has not chosen yet (or
//! whose fund's wallet it no longer has, or that reconsiders with daily
//! probability `balances.review`) picks where to hold a balance by a
//! logit over the bank (utility 0) and the funds of the live wallets it
//! has installed:
//!
//! ```text
//! v_w = hold_utility + yield_weight · 100 · (gross_yield_w − spread_w − deposit_rate)
//! ```
//!
//! A consumer moving out of a fund redeems the whole balance; one starting
//! to hold deposits `balances.opening`. Each day a holder adds
//! `balances.income` (up to `balances.target`). A payment with the wallet
//! holding the balance draws the balance down first (price and payer fee),
//! and paying with that wallet is worth `balances.pay_utility` more while
//! the balance is positive: the balance is a reason to pay with the wallet.
//!
//! **Merchants.** A merchant accepting wallets with merchant funds keeps
//! its idle cash in the fund of the accepted live wallet with the highest
//! net yield (the lowest index on ties): at each day's end cash above the
//! fund's `buffer` is swept in, and when its cash falls below the buffer
//! (after its fixed costs, before it borrows or closes) the fund pays it
//! back up to the buffer, so a merchant with money in the fund is not out
//! of cash.
//!
//! **Yield.** Each day every balance `B` in a live wallet's fund (after
//! the day's income or sweep) earns its holder
//! `round(B · (gross_yield − spread) / 365)`, added to the balance, as a
//! fund pays each holder's daily income to the fen; the platform earns
//! `round(A · spread / 365)` on the fund's assets `A` (the sum of the
//! balances), its revenue. The banks holding the assets pay both.
//!
//! **Ledger.** Each wallet's consumer fund and merchant fund is an account
//! whose balance is the sum of its holders' balances: deposits and sweeps
//! (`FundDeposit`), redemptions (`FundRedemption`), payments from balances
//! (`BalancePayment`, the fund redeeming to the household that pays as
//! usual), the holders' yield (`FundYield`, from the banks into the fund)
//! and the platform's spread (`FundSpread`, from the banks to the
//! platform).
//!
//! Without any fund, nothing here runs and no per-agent state is kept.

use rand::RngExt;

use super::Market;
use crate::agents::{Accounts, NO_PLATFORM};
use crate::ledger::{Money, PostingKind};
use crate::metrics::Flows;
use crate::rng::{Purpose, StreamRng, stream};
use crate::scenario::{FundSpec, Scenario};

/// A consumer who has not yet chosen where to hold a balance.
const UNDECIDED: u8 = NO_PLATFORM - 1;

/// Days in the year the annual yields are quoted over.
const DAYS_PER_YEAR: f64 = 365.0;

/// Balances held in wallets' funds.
#[derive(Debug, Clone)]
pub(crate) struct Funds {
    /// Each consumer's balance (empty without consumer funds).
    balance: Vec<Money>,
    /// The wallet whose fund holds each consumer's balance, `NO_PLATFORM`
    /// for the bank, `UNDECIDED` before the first choice.
    wallet: Vec<u8>,
    /// Each merchant's swept cash (empty without merchant funds).
    merchant_balance: Vec<Money>,
    /// The wallet whose merchant fund holds it (`NO_PLATFORM`: none).
    merchant_wallet: Vec<u8>,
    /// Consumers' choices of where to hold.
    rng: StreamRng,
}

impl Funds {
    /// State for `scenario`'s funds: nothing per agent unless some wallet
    /// has the kind of fund that needs it.
    pub(crate) fn new(scenario: &Scenario, run_seed: u64) -> Funds {
        let consumers = scenario
            .platforms
            .iter()
            .any(|p| p.payments.wallet && p.payments.fund.is_some());
        let merchants = scenario
            .platforms
            .iter()
            .any(|p| p.payments.wallet && p.payments.merchant_fund.is_some());
        let nc = if consumers {
            scenario.market.consumers as usize
        } else {
            0
        };
        let nm = if merchants {
            scenario.market.merchants as usize
        } else {
            0
        };
        Funds {
            balance: vec![Money::ZERO; nc],
            wallet: vec![UNDECIDED; nc],
            merchant_balance: vec![Money::ZERO; nm],
            merchant_wallet: vec![NO_PLATFORM; nm],
            rng: stream(run_seed, Purpose::FundChoice, 0),
        }
    }

    /// Whether consumer `c` holds a positive balance in wallet `w`'s fund.
    fn holds(&self, c: usize, w: usize) -> bool {
        self.wallet.get(c).is_some_and(|&h| usize::from(h) == w)
            && self.balance.get(c).is_some_and(|b| b.0 > 0)
    }
}

/// What a holder's balance of `balance` earns it in a day in a fund.
fn daily_yield(balance: Money, fund: &FundSpec) -> Money {
    if balance.0 <= 0 {
        return Money::ZERO;
    }
    balance.times(fund.net_yield() / DAYS_PER_YEAR)
}

/// The platform's spread for a day on a fund's assets `assets`.
fn daily_spread(assets: Money, fund: &FundSpec) -> Money {
    if assets.0 <= 0 {
        return Money::ZERO;
    }
    assets.times(fund.spread / DAYS_PER_YEAR)
}

impl Market<'_> {
    /// Consumer `c`'s wallet balance and the wallet holding it (`None` for
    /// no balance in any fund).
    pub fn consumer_balance(&self, c: usize) -> (Money, Option<usize>) {
        match self.funds.wallet.get(c) {
            Some(&w) if w < UNDECIDED => (self.funds.balance[c], Some(usize::from(w))),
            _ => (Money::ZERO, None),
        }
    }

    /// Merchant `m`'s cash swept into a fund and the wallet holding it.
    pub fn merchant_fund_balance(&self, m: usize) -> (Money, Option<usize>) {
        match self.funds.merchant_wallet.get(m) {
            Some(&w) if w != NO_PLATFORM => (self.funds.merchant_balance[m], Some(usize::from(w))),
            _ => (Money::ZERO, None),
        }
    }

    /// Consumers' balances and merchants' swept cash in platform `p`'s
    /// funds (the balances of the funds' ledger accounts).
    pub fn fund_balances(&self, p: usize) -> (Money, Money) {
        (
            self.ledger.balance(self.accounts.consumer_fund(p)),
            self.ledger.balance(self.accounts.merchant_fund(p)),
        )
    }

    /// Moves every balance held in platform `from`'s funds to platform
    /// `to`'s (for a merger, after `from`'s users and merchants have moved
    /// to `to`): consumers' balances go to `to`'s consumer fund and
    /// merchants' swept cash to its merchant fund, posted fund to fund. A
    /// balance for which `to` has no fund of that kind is paid back to its
    /// holder instead. Holders that do not have `to`'s wallet are settled
    /// at the next day's end like any holder who lost its wallet.
    pub fn transfer_fund_balances(&mut self, from: usize, to: usize) {
        if from == to {
            return;
        }
        let pay = &self.scenario.platforms[to].payments;
        let (consumer_fund, merchant_fund) = (
            pay.wallet && pay.fund.is_some(),
            pay.wallet && pay.merchant_fund.is_some(),
        );
        for c in 0..self.funds.wallet.len() {
            if usize::from(self.funds.wallet[c]) != from {
                continue;
            }
            let amount = self.funds.balance[c];
            if consumer_fund {
                self.funds.wallet[c] = to as u8;
                self.ledger.post(
                    self.accounts.consumer_fund(from),
                    self.accounts.consumer_fund(to),
                    amount,
                    PostingKind::FundDeposit,
                );
            } else {
                self.funds.wallet[c] = UNDECIDED;
                self.funds.balance[c] = Money::ZERO;
                self.ledger.post(
                    self.accounts.consumer_fund(from),
                    Accounts::HOUSEHOLDS,
                    amount,
                    PostingKind::FundRedemption,
                );
            }
        }
        for m in 0..self.funds.merchant_wallet.len() {
            if usize::from(self.funds.merchant_wallet[m]) != from {
                continue;
            }
            let amount = self.funds.merchant_balance[m];
            if merchant_fund {
                self.funds.merchant_wallet[m] = to as u8;
                self.ledger.post(
                    self.accounts.merchant_fund(from),
                    self.accounts.merchant_fund(to),
                    amount,
                    PostingKind::FundDeposit,
                );
            } else {
                self.redeem_merchant(m, amount);
                self.funds.merchant_wallet[m] = NO_PLATFORM;
            }
        }
    }

    /// What holding its balance in wallet `w` adds to consumer `c`'s
    /// utility of paying with `w`.
    pub(super) fn balance_pay_utility(&self, c: usize, w: usize) -> f64 {
        if self.funds.holds(c, w) {
            self.scenario.balances.pay_utility
        } else {
            0.0
        }
    }

    /// Consumer `c` pays `amount` with wallet `w`: its balance in `w`'s
    /// fund pays first, as far as it goes.
    pub(super) fn pay_from_balance(&mut self, c: usize, w: usize, amount: Money) {
        if !self.funds.holds(c, w) {
            return;
        }
        let drawn = self.funds.balance[c].min(amount);
        self.funds.balance[c] = self.funds.balance[c] - drawn;
        self.ledger.post(
            self.accounts.consumer_fund(w),
            Accounts::HOUSEHOLDS,
            drawn,
            PostingKind::BalancePayment,
        );
        self.recorder.platform_flows(
            w,
            Flows {
                balance_spend: drawn,
                ..Flows::default()
            },
        );
    }

    /// Merchant `m` is short of cash: its merchant fund pays it back up to
    /// the fund's buffer, as far as its balance goes.
    pub(super) fn redeem_to_buffer(&mut self, m: usize) {
        let Some(&w) = self.funds.merchant_wallet.get(m) else {
            return;
        };
        if w == NO_PLATFORM {
            return;
        }
        let buffer = self.scenario.platforms[usize::from(w)]
            .payments
            .merchant_fund
            .map_or(Money::ZERO, |f| f.buffer);
        let cash = self.ledger.balance(self.accounts.merchant(m));
        if cash < buffer {
            let amount = self.funds.merchant_balance[m].min(buffer - cash);
            self.redeem_merchant(m, amount);
        }
    }

    fn redeem_merchant(&mut self, m: usize, amount: Money) {
        let w = usize::from(self.funds.merchant_wallet[m]);
        self.funds.merchant_balance[m] = self.funds.merchant_balance[m] - amount;
        self.ledger.post(
            self.accounts.merchant_fund(w),
            self.accounts.merchant(m),
            amount,
            PostingKind::FundRedemption,
        );
    }

    /// A day of balances: consumers choose, deposit and earn; merchants
    /// sweep and earn (see the module documentation).
    pub(super) fn funds_day(&mut self) {
        if !self.funds.wallet.is_empty() {
            self.consumer_funds_day();
        }
        if !self.funds.merchant_wallet.is_empty() {
            self.merchant_funds_day();
        }
    }

    fn consumer_funds_day(&mut self) {
        let scenario = self.scenario;
        let b = &scenario.balances;
        let np = self.platforms.len();
        // Live wallets with a fund, and the utility of holding in each.
        let mut open = 0u32;
        let mut utility = vec![0.0; np];
        for (w, spec) in scenario.platforms.iter().enumerate() {
            if let Some(f) = spec.payments.fund
                && spec.payments.wallet
                && self.platforms[w].alive
            {
                open |= 1 << w;
                utility[w] =
                    b.hold_utility + b.yield_weight * 100.0 * (f.net_yield() - b.deposit_rate);
            }
        }
        let mut deposits = vec![Money::ZERO; np];
        let mut redemptions = vec![Money::ZERO; np];
        let mut yields = vec![Money::ZERO; np];
        let mut assets = vec![Money::ZERO; np];
        let mut weights = vec![0.0; np];
        for c in 0..self.funds.wallet.len() {
            let usable = self.consumers.agents[c].installed & open & self.products.fund_access(c);
            let mut held = self.funds.wallet[c];
            if held < UNDECIDED && usable & (1 << held) == 0 {
                // Lost the wallet (uninstalled, or the platform exited).
                redemptions[usize::from(held)] += self.funds.balance[c];
                self.funds.balance[c] = Money::ZERO;
                held = UNDECIDED;
            }
            let choose = usable != 0
                && (held == UNDECIDED
                    || (b.review > 0.0 && self.funds.rng.random::<f64>() < b.review));
            if choose {
                let pick = pick_fund(usable, &utility, &mut weights, &mut self.funds.rng);
                if pick != held {
                    if held < UNDECIDED {
                        redemptions[usize::from(held)] += self.funds.balance[c];
                    }
                    let moved = self.funds.balance[c];
                    if pick == NO_PLATFORM {
                        self.funds.balance[c] = Money::ZERO;
                    } else {
                        let opening = if moved.0 == 0 { b.opening } else { Money::ZERO };
                        deposits[usize::from(pick)] += moved + opening;
                        self.funds.balance[c] = moved + opening;
                    }
                    held = pick;
                }
            }
            self.funds.wallet[c] = held;
            if held >= UNDECIDED {
                continue;
            }
            let w = usize::from(held);
            let balance = self.funds.balance[c];
            let room = b
                .target
                .map_or(b.income, |t| b.income.min(t - balance).max(Money::ZERO));
            let f = scenario.platforms[w].payments.fund.unwrap_or_default();
            let net = daily_yield(balance + room, &f);
            deposits[w] += room;
            yields[w] += net;
            assets[w] += balance + room;
            self.funds.balance[c] = balance + room + net;
        }
        for w in 0..np {
            let fund = self.accounts.consumer_fund(w);
            self.ledger.post(
                fund,
                Accounts::HOUSEHOLDS,
                redemptions[w],
                PostingKind::FundRedemption,
            );
            self.ledger.post(
                Accounts::HOUSEHOLDS,
                fund,
                deposits[w],
                PostingKind::FundDeposit,
            );
            let f = scenario.platforms[w].payments.fund.unwrap_or_default();
            self.credit_yield(w, fund, yields[w], daily_spread(assets[w], &f));
        }
    }

    fn merchant_funds_day(&mut self) {
        let scenario = self.scenario;
        let np = self.platforms.len();
        let mut yields = vec![Money::ZERO; np];
        let mut assets = vec![Money::ZERO; np];
        for m in 0..self.funds.merchant_wallet.len() {
            // The accepted live wallet whose merchant fund pays most.
            let mut best: Option<(usize, f64)> = None;
            if self.merchants.hot[m].open {
                for (w, spec) in scenario.platforms.iter().enumerate() {
                    if let Some(f) = spec.payments.merchant_fund
                        && spec.payments.wallet
                        && self.platforms[w].alive
                        && self.merchants.hot[m].accepts & (1 << w) != 0
                        && best.is_none_or(|(_, y)| f.net_yield() > y)
                    {
                        best = Some((w, f.net_yield()));
                    }
                }
            }
            let target = best.map_or(NO_PLATFORM, |(w, _)| w as u8);
            let held = self.funds.merchant_wallet[m];
            if held != target && held != NO_PLATFORM {
                let amount = self.funds.merchant_balance[m];
                self.redeem_merchant(m, amount);
            }
            self.funds.merchant_wallet[m] = target;
            if target == NO_PLATFORM {
                continue;
            }
            let w = usize::from(target);
            let Some(f) = scenario.platforms[w].payments.merchant_fund else {
                continue;
            };
            let account = self.accounts.merchant(m);
            let cash = self.ledger.balance(account);
            if cash > f.buffer {
                let sweep = cash - f.buffer;
                self.ledger.post(
                    account,
                    self.accounts.merchant_fund(w),
                    sweep,
                    PostingKind::FundDeposit,
                );
                self.funds.merchant_balance[m] += sweep;
            }
            let balance = self.funds.merchant_balance[m];
            let net = daily_yield(balance, &f);
            yields[w] += net;
            assets[w] += balance;
            self.funds.merchant_balance[m] += net;
        }
        for (w, spec) in scenario.platforms.iter().enumerate() {
            let fund = self.accounts.merchant_fund(w);
            let f = spec.payments.merchant_fund.unwrap_or_default();
            self.credit_yield(w, fund, yields[w], daily_spread(assets[w], &f));
        }
    }

    /// Posts a day's yield of one of wallet `w`'s funds: the holders' part
    /// into the fund, the spread to the platform.
    fn credit_yield(
        &mut self,
        w: usize,
        fund: crate::ledger::AccountId,
        net: Money,
        spread: Money,
    ) {
        self.ledger
            .post(Accounts::BANKS, fund, net, PostingKind::FundYield);
        self.ledger.post(
            Accounts::BANKS,
            self.accounts.platform(w),
            spread,
            PostingKind::FundSpread,
        );
        if net.0 > 0 || spread.0 > 0 {
            self.recorder.platform_flows(
                w,
                Flows {
                    revenue: spread,
                    fund_yield: net,
                    fund_spread: spread,
                    ..Flows::default()
                },
            );
        }
    }
}

/// Draws where a consumer holds its balance: the bank (`NO_PLATFORM`,
/// utility 0) or one of the funds in `usable`, by logit on `utility`.
fn pick_fund(usable: u32, utility: &[f64], weights: &mut [f64], rng: &mut StreamRng) -> u8 {
    let mut best = 0.0f64;
    let mut bits = usable;
    while bits != 0 {
        let w = bits.trailing_zeros() as usize;
        bits &= bits - 1;
        best = best.max(utility[w]);
    }
    let mut total = (-best).exp();
    let bank = total;
    let mut bits = usable;
    while bits != 0 {
        let w = bits.trailing_zeros() as usize;
        bits &= bits - 1;
        weights[w] = (utility[w] - best).exp();
        total += weights[w];
    }
    let target = rng.random::<f64>() * total;
    if target < bank {
        return NO_PLATFORM;
    }
    let mut acc = bank;
    let mut bits = usable;
    let mut last = NO_PLATFORM;
    while bits != 0 {
        let w = bits.trailing_zeros() as usize;
        bits &= bits - 1;
        acc += weights[w];
        last = w as u8;
        if target < acc {
            return last;
        }
    }
    // Rounding can leave the target a hair above the last sum.
    last
}
