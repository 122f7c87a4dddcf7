//! Payments: which wallet a direct purchase is paid with, the wallet
//! payment's postings (fee, red packet), settlement holds (a platform
//! keeps a merchant's net takings for `settlement_days`) and the float
//! interest earned on what it holds.

use super::Market;
use crate::agents::Accounts;
use crate::ledger::{Money, PostingKind};
use crate::metrics::Flows;
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
}

impl Market<'_> {
    /// The wallet consumer `c` would pay merchant `m` with: the installed,
    /// live wallet platform with the largest red packet (lowest index on
    /// ties), if the merchant accepts wallets.
    pub(super) fn wallet_for(&self, c: usize, m: usize) -> Option<usize> {
        if !self.merchants.accepts_wallet[m] {
            return None;
        }
        let installed = self.consumers.agents[c].installed;
        let mut best: Option<(usize, Money)> = None;
        for (p, spec) in self.scenario.platforms.iter().enumerate() {
            if spec.payments.wallet && self.platforms[p].alive && installed & (1 << p) != 0 {
                let rp = self.platforms[p].levers.red_packet;
                if best.is_none_or(|(_, b)| rp > b) {
                    best = Some((p, rp));
                }
            }
        }
        best.map(|(p, _)| p)
    }

    /// Holds `amount` of merchant `m`'s takings at platform `p` until its
    /// settlement day.
    pub(super) fn hold(&mut self, p: usize, m: usize, amount: Money, day: u32) {
        let delay = self.scenario.platforms[p].payments.settlement_days as usize;
        if delay == 0 || amount.0 <= 0 {
            return;
        }
        let merchant = self.accounts.merchant(m);
        let platform = self.accounts.platform(p);
        self.ledger
            .post(merchant, platform, amount, PostingKind::SettlementHold);
        self.platforms[p].payables += amount;
        let slot = (day as usize + delay) % self.settlement.slots;
        let i = self.settlement.index(slot, m, p);
        self.settlement.held[i] += amount;
    }

    /// Settles a direct purchase at merchant `m` for `price`, through
    /// wallet `wallet` if given (the wallet pays a red packet if it can
    /// afford one and charges the merchant its fee).
    pub(super) fn settle_direct(
        &mut self,
        m: usize,
        price: Money,
        wallet: Option<usize>,
        day: u32,
    ) {
        let merchant = self.accounts.merchant(m);
        match wallet {
            Some(w) => {
                let platform = self.accounts.platform(w);
                let state = &self.platforms[w];
                let fee = price.times(self.scenario.platforms[w].payments.fee_rate);
                let mut red_packet = state.levers.red_packet;
                if (self.available_cash(w) + fee - red_packet).0 < 0 {
                    red_packet = Money::ZERO;
                }
                let l = &mut self.ledger;
                l.post(
                    Accounts::HOUSEHOLDS,
                    platform,
                    price,
                    PostingKind::WalletPayment,
                );
                l.post(platform, merchant, price, PostingKind::MerchantPayout);
                l.post(merchant, platform, fee, PostingKind::PaymentFee);
                l.post(
                    platform,
                    Accounts::HOUSEHOLDS,
                    red_packet,
                    PostingKind::RedPacket,
                );
                self.hold(w, m, price - fee, day);
                self.lending.record_sale(m, Some(w), price, day);
                self.recorder.platform_flows(
                    w,
                    Flows {
                        subsidy_spend: red_packet,
                        revenue: fee,
                        wallet_payments: 1,
                        wallet_volume: price,
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
            }
        }
        self.ledger.post(
            merchant,
            Accounts::SUPPLIERS,
            self.merchants.unit_cost[m],
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
                        ..Flows::default()
                    },
                );
            }
        }
    }
}
