//! Payments: how a direct purchase is paid (cash or one of the wallets
//! the consumer has and the merchant accepts), the wallet payment's
//! postings (fees, red packet, bounties to the merchant), merchants'
//! adoption of wallets, settlement holds (a platform keeps a merchant's
//! net takings for `settlement_days`) and the float interest earned on
//! what it holds.
//!
//! **Paying.** A consumer buying direct pays by a logit over each usable
//! wallet `w` (installed, live, accepted by the merchant) and, when
//! `choice.cash_utility` is set, cash:
//!
//! ```text
//! v_w = wallet_convenience + convenience_w + wallet_habit · habit_w
//!       + price_sensitivity · (red_packet_w − consumer_fee_w)
//! P(w) = exp(v_w / λ) / (exp(v_cash / λ) + Σ_k exp(v_k / λ))   λ = choice.wallet_scale
//! ```
//!
//! Without `cash_utility`, a consumer who can pay with a wallet does (the
//! exp(v_cash) term is absent). Buying direct is worth
//! `λ · ln(mean of the options' exp(v / λ))` more than paying cash: a
//! smooth, increasing mean that tends to the best option as λ shrinks, is
//! exactly `v_w` with one wallet and no cash option, and gives no bonus
//! for the mere number of ways to pay. A larger red packet moves wallet
//! share smoothly, and makes buying at the shop more attractive.
//!
//! **Adopting.** Each day a merchant not yet accepting a wallet puts up
//! its QR code with the wallet's adoption hazard (a base rate, plus the
//! share of its district's consumers who have the wallet, plus the bounty
//! per payment, minus the fee it would pay).

use rand::RngExt;

use super::Market;
use super::choice::shifted_exp;
use crate::agents::{Accounts, Consumers, Merchants, Relation};
use crate::engine::NEVER;
use crate::ledger::{Money, PostingKind};
use crate::metrics::Flows;
use crate::rng::{Purpose, StreamRng, stream};
use crate::scenario::Scenario;

/// Merchants' takings held by platforms, by the day they are due for
/// release.
#[derive(Debug, Clone)]
pub(crate) struct Settlement {
    /// Held takings due for release,
    /// `[(slot * merchants + merchant) * platforms + platform]`.
    held: Vec<Money>,
    /// Release days tracked at once (the longest delay plus one; 0 when no
    /// platform holds takings).
    slots: usize,
    merchants: usize,
    platforms: usize,
}

impl Settlement {
    /// Slots for the longest settlement delay of `scenario`'s platforms.
    pub(crate) fn new(scenario: &Scenario) -> Settlement {
        let slots = scenario
            .platforms
            .iter()
            .map(|p| p.payments.settlement_days as usize)
            .max()
            .map_or(0, |d| if d > 0 { d + 1 } else { 0 });
        let merchants = scenario.market.merchants as usize;
        let platforms = scenario.platforms.len();
        Settlement {
            held: vec![Money::ZERO; slots * merchants * platforms],
            slots,
            merchants,
            platforms,
        }
    }

    fn index(&self, slot: usize, m: usize, p: usize) -> usize {
        (slot * self.merchants + m) * self.platforms + p
    }

    /// Hints that merchant `m`'s takings held on `day` will be added to
    /// soon: fetches the entry of every platform that holds takings (one
    /// line each; a whole row of platforms may straddle two). Changes
    /// nothing.
    #[inline]
    pub(crate) fn prefetch(&self, scenario: &Scenario, m: usize, day: u32) {
        if self.slots == 0 {
            return;
        }
        for (p, spec) in scenario.platforms.iter().enumerate() {
            let delay = spec.payments.settlement_days as usize;
            if delay > 0
                && let Some(entry) =
                    self.held
                        .get(self.index((day as usize + delay) % self.slots, m, p))
            {
                crate::memory::prefetch(entry);
            }
        }
    }

    /// Platform `to` takes over the takings platform `from` holds, each
    /// due on the day it was due (a merger).
    pub(crate) fn transfer(&mut self, from: usize, to: usize) {
        for slot in 0..self.slots {
            for m in 0..self.merchants {
                let (f, t) = (self.index(slot, m, from), self.index(slot, m, to));
                let amount = std::mem::take(&mut self.held[f]);
                self.held[t] += amount;
            }
        }
    }
}

/// The payment options of the current occasion: which wallets the
/// consumer could pay with and the logit weight of each (relative to the
/// best option, so nothing overflows).
#[derive(Debug, Clone)]
pub(crate) struct PaymentOptions {
    /// Usable wallets, one bit per platform.
    wallets: u32,
    /// Weight of each usable wallet.
    weight: Vec<f64>,
    /// Weight of paying cash.
    cash: f64,
    /// Sum of all weights.
    total: f64,
}

/// What drives merchants' adoption of wallets: how many consumers of each
/// district have each wallet, and how many open merchants accept it.
#[derive(Debug, Clone)]
pub(crate) struct WalletReach {
    /// Consumers living in each district.
    consumers: Vec<u32>,
    /// Consumers with each platform installed, `[platform * districts + district]`.
    installed: Vec<u32>,
    /// Open merchants accepting each wallet.
    accepting: Vec<u32>,
    /// One adoption stream per wallet.
    rng: Vec<StreamRng>,
}

impl WalletReach {
    /// The counts at the start of a run (before any consumer installs).
    pub(crate) fn new(
        scenario: &Scenario,
        consumers: &Consumers,
        merchants: &Merchants,
        run_seed: u64,
    ) -> WalletReach {
        let np = scenario.platforms.len();
        let nd = scenario.market.districts as usize;
        let mut people = vec![0u32; nd];
        for agent in &consumers.agents {
            people[agent.district as usize] += 1;
        }
        let accepting = (0..np)
            .map(|w| {
                merchants
                    .hot
                    .iter()
                    .filter(|h| h.accepts & (1 << w) != 0)
                    .count() as u32
            })
            .collect();
        WalletReach {
            consumers: people,
            installed: vec![0; np * nd],
            accepting,
            rng: (0..np)
                .map(|w| stream(run_seed, Purpose::WalletAdoption, w as u64))
                .collect(),
        }
    }

    /// Counts an install (`+1`) or uninstall (`-1`) of platform `p` by a
    /// consumer of district `d`.
    pub(crate) fn count_install(&mut self, p: usize, d: usize, installed: bool) {
        let i = p * self.consumers.len() + d;
        if installed {
            self.installed[i] += 1;
        } else {
            self.installed[i] -= 1;
        }
    }

    /// A merchant accepting the wallets in `mask` closed.
    pub(crate) fn merchant_closed(&mut self, mask: u32) {
        let mut bits = mask;
        while bits != 0 {
            let w = bits.trailing_zeros() as usize;
            bits &= bits - 1;
            self.accepting[w] -= 1;
        }
    }

    /// Counts an open merchant starting (`true`) or ceasing to accept
    /// wallet `w` other than by adoption or closure (a merger).
    pub(crate) fn count_acceptance(&mut self, w: usize, accepting: bool) {
        if accepting {
            self.accepting[w] += 1;
        } else {
            self.accepting[w] -= 1;
        }
    }

    /// Open merchants accepting wallet `w`.
    pub(crate) fn accepting(&self, w: usize) -> u32 {
        self.accepting[w]
    }
}

impl PaymentOptions {
    /// Room for `platforms` wallets.
    pub(crate) fn new(platforms: usize) -> PaymentOptions {
        PaymentOptions {
            wallets: 0,
            weight: vec![0.0; platforms],
            cash: 1.0,
            total: 1.0,
        }
    }
}

impl Market<'_> {
    /// Works out how consumer `c` (price sensitivity `beta`) would pay
    /// merchant `m` on `day` and returns what the payment options add to
    /// buying direct (0 when no wallet is usable; see the module
    /// documentation).
    pub(super) fn payment_value(&mut self, c: usize, m: usize, beta: f64, day: u32) -> f64 {
        let usable = self.consumers.agents[c].installed & self.merchants.hot[m].accepts;
        self.payment.wallets = 0;
        if usable == 0 {
            return 0.0;
        }
        let ch = &self.scenario.choice;
        let mut best = ch.cash_utility.unwrap_or(f64::NEG_INFINITY);
        let mut bits = usable;
        while bits != 0 {
            let w = bits.trailing_zeros() as usize;
            bits &= bits - 1;
            if !self.platforms[w].alive {
                continue;
            }
            let pay = &self.scenario.platforms[w].payments;
            let levers = &self.platforms[w].levers;
            let mut v = ch.wallet_convenience
                + pay.convenience
                + beta * (levers.red_packet - pay.consumer_fee).as_major();
            if ch.wallet_habit != 0.0 {
                let rel = self.consumers.relation.get(c, w);
                v += ch.wallet_habit * wallet_habit_on(rel, day, &self.decay_powers);
            }
            v += self.balance_pay_utility(c, w);
            self.payment.weight[w] = v;
            self.payment.wallets |= 1 << w;
            best = best.max(v);
        }
        if self.payment.wallets == 0 {
            return 0.0;
        }
        let scale = ch.wallet_scale;
        let cash = ch.cash_utility.map_or(0.0, |u| shifted_exp(u, best, scale));
        let mut total = cash;
        let mut bits = self.payment.wallets;
        while bits != 0 {
            let w = bits.trailing_zeros() as usize;
            bits &= bits - 1;
            let e = shifted_exp(self.payment.weight[w], best, scale);
            self.payment.weight[w] = e;
            total += e;
        }
        self.payment.cash = cash;
        self.payment.total = total;
        // The log of the mean (not the sum) of the weights: paying is worth
        // as much as its best options, with no bonus for the mere number of
        // ways to pay. Relative to cash when cash is an option.
        let options = f64::from(self.payment.wallets.count_ones())
            + if ch.cash_utility.is_some() { 1.0 } else { 0.0 };
        // A single option, or options all worth the best, give a mean
        // weight of exactly 1, whose logarithm is 0.
        let mean = total / options;
        let value = if mean == 1.0 {
            best
        } else {
            best + scale * mean.ln()
        };
        value - ch.cash_utility.unwrap_or(0.0)
    }

    /// Draws how consumer `c` pays, from the options of the last
    /// [`Market::payment_value`]: a wallet, or `None` for cash. A single
    /// option is taken without a draw.
    pub(super) fn pick_payment(&mut self, c: usize) -> Option<usize> {
        let options = &self.payment;
        if options.wallets == 0 {
            return None;
        }
        if options.cash == 0.0 && options.wallets.count_ones() == 1 {
            return Some(options.wallets.trailing_zeros() as usize);
        }
        let u: f64 = self.consumers.agents[c].rng.random();
        let target = u * options.total;
        let mut acc = options.cash;
        if target < acc {
            return None;
        }
        let mut bits = options.wallets;
        let mut last = None;
        while bits != 0 {
            let w = bits.trailing_zeros() as usize;
            bits &= bits - 1;
            acc += options.weight[w];
            if target < acc {
                return Some(w);
            }
            last = Some(w);
        }
        // Rounding can leave the target a hair above the last sum.
        last
    }

    /// A day of merchants adopting wallets: each open merchant not yet
    /// accepting a live wallet whose adoption is active puts up its QR
    /// code with the wallet's hazard for today.
    pub(super) fn adopt_wallets(&mut self, day: u32) {
        let nd = self.scenario.market.districts as usize;
        let np = self.platforms.len();
        for (w, spec) in self.scenario.platforms.iter().enumerate() {
            let pay = &spec.payments;
            if !pay.wallet || !pay.adoption.is_active() || !self.platforms[w].alive {
                continue;
            }
            let bounty = self.platforms[w].levers.merchant_bounty.as_major();
            for m in 0..self.merchants.len() {
                if !self.merchants.hot[m].open || self.merchants.hot[m].accepts & (1 << w) != 0 {
                    continue;
                }
                let d = self.merchants.hot[m].district as usize;
                let people = self.wallet_reach.consumers[d];
                let share = if people > 0 {
                    f64::from(self.wallet_reach.installed[w * nd + d]) / f64::from(people)
                } else {
                    0.0
                };
                let hazard = pay.adoption.hazard(share, bounty, pay.fee_rate);
                if hazard > 0.0 && self.wallet_reach.rng[w].random::<f64>() < hazard {
                    self.merchants.hot[m].accepts |= 1 << w;
                    self.wallet_reach.accepting[w] += 1;
                    let since = &mut self.lending.listed_since[m * np + w];
                    *since = (*since).min(day);
                }
            }
        }
    }

    /// Holds `amount` of merchant `m`'s takings at platform `p` until its
    /// settlement day.
    pub(super) fn hold(&mut self, p: usize, m: usize, amount: Money, day: u32) {
        let held = self.held_part(p, amount);
        if held.0 <= 0 {
            return;
        }
        let merchant = self.accounts.merchant(m);
        let platform = self.accounts.platform(p);
        self.ledger
            .post(merchant, platform, held, PostingKind::SettlementHold);
        self.note_held(p, m, held, day);
    }

    /// What platform `p` holds of takings `amount`: all of it when it
    /// settles later than the day of the sale, nothing when it settles at
    /// once (or the takings are not positive).
    #[inline]
    pub(super) fn held_part(&self, p: usize, amount: Money) -> Money {
        let delay = self.scenario.platforms[p].payments.settlement_days;
        if delay == 0 || amount.0 <= 0 {
            Money::ZERO
        } else {
            amount
        }
    }

    /// Books `held` (posted, or to be posted, to the platform as a
    /// settlement hold) as owed to merchant `m` on its settlement day.
    #[inline]
    pub(super) fn note_held(&mut self, p: usize, m: usize, held: Money, day: u32) {
        let delay = self.scenario.platforms[p].payments.settlement_days as usize;
        self.platforms[p].payables += held;
        let slot = (day as usize + delay) % self.settlement.slots;
        let i = self.settlement.index(slot, m, p);
        self.settlement.held[i] += held;
    }

    /// Settles consumer `c`'s direct purchase at merchant `m` for `price`,
    /// through wallet `wallet` if given: the payer pays the wallet's
    /// consumer fee, the merchant its fee rate; the wallet pays the red
    /// packet and the merchant's bounties if it can afford them all, and
    /// none of them if it cannot.
    pub(super) fn settle_direct(
        &mut self,
        c: usize,
        m: usize,
        price: Money,
        wallet: Option<usize>,
        day: u32,
    ) {
        let merchant = self.accounts.merchant(m);
        match wallet {
            Some(w) => {
                let platform = self.accounts.platform(w);
                let pay = &self.scenario.platforms[w].payments;
                let levers = self.platforms[w].levers;
                let fee = price.times(pay.fee_rate);
                let payer_fee = pay.consumer_fee;
                let new_payer = self.consumers.relation.get(c, w).wallet_day == NEVER;
                let mut red_packet = levers.red_packet;
                let mut bounty = levers.merchant_bounty;
                if new_payer {
                    bounty += levers.new_payer_bounty;
                }
                if (self.available_cash(w) + fee + payer_fee - red_packet - bounty).0 < 0 {
                    red_packet = Money::ZERO;
                    bounty = Money::ZERO;
                }
                self.pay_from_balance(c, w, price + payer_fee);
                let gain = self.scenario.consumers.loyalty.gain;
                let rel = self.consumers.relation.get_mut(c, w);
                let habit = wallet_habit_on(rel, day, &self.decay_powers);
                rel.wallet_habit = (habit + gain) as f32;
                rel.wallet_day = day as u16;
                let l = &mut self.ledger;
                l.post(
                    Accounts::HOUSEHOLDS,
                    platform,
                    price,
                    PostingKind::WalletPayment,
                );
                l.post(
                    Accounts::HOUSEHOLDS,
                    platform,
                    payer_fee,
                    PostingKind::WalletFee,
                );
                l.post(platform, merchant, price, PostingKind::MerchantPayout);
                l.post(merchant, platform, fee, PostingKind::PaymentFee);
                l.post(
                    platform,
                    Accounts::HOUSEHOLDS,
                    red_packet,
                    PostingKind::RedPacket,
                );
                l.post(platform, merchant, bounty, PostingKind::MerchantBounty);
                self.hold(w, m, price - fee + bounty, day);
                self.lending.record_sale(m, Some(w), price, day);
                self.recorder.platform_flows(
                    w,
                    Flows {
                        subsidy_spend: red_packet + bounty,
                        revenue: fee + payer_fee,
                        payment_fees: fee + payer_fee,
                        wallet_payments: 1,
                        wallet_volume: price,
                        bounty_spend: bounty,
                        ..Flows::default()
                    },
                );
            }
            None => {
                self.ledger.post(
                    Accounts::HOUSEHOLDS,
                    merchant,
                    price,
                    PostingKind::DirectSale,
                );
                // Cash sales are revenue too: a bank's declared figure
                // covers them.
                self.lending.record_sale(m, None, price, day);
            }
        }
        self.ledger.post(
            merchant,
            Accounts::SUPPLIERS,
            self.merchants.hot[m].unit_cost,
            PostingKind::MerchantUnitCost,
        );
    }

    /// Releases takings held for merchants whose settlement day is `day`
    /// and credits float interest on what is still held.
    pub(super) fn settle_and_float(&mut self, day: u32) {
        if self.settlement.slots == 0 {
            return;
        }
        let slot = day as usize % self.settlement.slots;
        for m in 0..self.settlement.merchants {
            for p in 0..self.settlement.platforms {
                let i = self.settlement.index(slot, m, p);
                let amount = self.settlement.held[i];
                if amount.0 > 0 {
                    self.settlement.held[i] = Money::ZERO;
                    self.ledger.post(
                        self.accounts.platform(p),
                        self.accounts.merchant(m),
                        amount,
                        PostingKind::SettlementRelease,
                    );
                    self.platforms[p].payables = self.platforms[p].payables - amount;
                }
            }
        }
        for (p, spec) in self.scenario.platforms.iter().enumerate() {
            let rate = spec.payments.float_rate;
            let held = self.platforms[p].payables;
            if rate > 0.0 && held.0 > 0 {
                let interest = held.times(rate / 365.0);
                self.ledger.post(
                    Accounts::BANKS,
                    self.accounts.platform(p),
                    interest,
                    PostingKind::FloatIncome,
                );
                self.recorder.platform_flows(
                    p,
                    Flows {
                        revenue: interest,
                        float_income: interest,
                        ..Flows::default()
                    },
                );
            }
        }
    }
}

/// A consumer's habit of paying with a wallet on `day`, decayed since its
/// last payment with it (`powers[k]` is the daily decay to the power `k`).
pub(super) fn wallet_habit_on(rel: &Relation, day: u32, powers: &[f64]) -> f64 {
    if rel.wallet_day == NEVER {
        return 0.0;
    }
    let age = day.saturating_sub(u32::from(rel.wallet_day)) as usize;
    let factor = powers.get(age).or(powers.last()).copied().unwrap_or(0.0);
    f64::from(rel.wallet_habit) * factor
}
