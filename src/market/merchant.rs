//! Merchants' lives: serving orders through a queue, their daily fixed and
//! listing costs, closure when cash runs out (after trying to borrow),
//! the periodic review of which platforms to list on, and the membership
//! programme that keeps repeat customers off-platform.
//!
//! A merchant with a service rate is an M/M/1 server: each order's time in
//! system follows Lindley's recursion, and consumers expect the smoothed
//! recent time in system. An order whose wait exceeds the consumer's
//! tolerance sours the habit it would have built.

use rand::RngExt;

use super::Market;
use super::occasion::OrderTerms;
use crate::agents::Accounts;
use crate::engine::Tick;
use crate::ledger::{Money, PostingKind};
use crate::metrics::{Flows, SHARE_WINDOW_DAYS};
use crate::scenario::MAX_PLATFORMS;

/// Weight of the newest order in a merchant's expected waiting time.
const WAIT_SMOOTHING: f64 = 0.05;

impl Market<'_> {
    /// Merchant `m` serves consumer `c`'s order placed at `time`; returns
    /// whether the wait was within the consumer's tolerance (always, for a
    /// merchant without a queue).
    pub(super) fn serve(&mut self, c: usize, m: usize, time: Tick) -> bool {
        let service = self.merchants.hot[m].service_ticks;
        if service <= 0.0 {
            return true;
        }
        let u: f64 = self.consumers.agents[c].rng.random();
        let s = (-(1.0 - u).ln() * service + 0.5) as u64;
        let start = time.max(self.merchants.hot[m].busy_until);
        let done = Tick(start.0.saturating_add(s));
        self.merchants.hot[m].busy_until = done;
        let in_system = done.0 - time.0;
        // The parts before the horizon integrate the number in system and
        // in queue over the run (time averages for Little's law).
        let horizon = self.horizon_tick();
        self.recorder.queued(
            in_system,
            start.0 - time.0,
            done.0.min(horizon).saturating_sub(time.0),
            start.0.min(horizon).saturating_sub(time.0),
        );
        let hours = in_system as f64 / 3600.0;
        let w = &mut self.merchants.hot[m].expected_wait_hours;
        *w += WAIT_SMOOTHING * (hours - *w);
        hours <= self.scenario.consumers.loyalty.wait_tolerance_hours
    }

    /// After buying from merchant `m`, consumer `c` may join its membership
    /// programme: always possible when buying direct, and through platform
    /// `platform` only if that platform shares its customer data.
    pub(super) fn offer_membership(&mut self, c: usize, m: usize, platform: Option<usize>) {
        let scenario = self.scenario;
        if self.merchants.hot[m].membership
            && self.consumers.agents[c].member_of != m as u32
            && platform.is_none_or(|p| scenario.platforms[p].customer_data.merchants_enrol())
            && self.consumers.agents[c].rng.random::<f64>()
                < scenario.merchants.membership.join_probability
        {
            self.consumers.agents[c].member_of = m as u32;
            if let Some(p) = platform {
                self.recorder.platform_flows(
                    p,
                    Flows {
                        members_enrolled: 1,
                        ..Flows::default()
                    },
                );
            }
        }
    }

    pub(super) fn delist(&mut self, m: usize, p: usize) {
        if self.merchants.hot[m].listed_on & (1 << p) != 0 {
            self.merchants.hot[m].listed_on &= !(1 << p);
            self.listings
                .remove(p, self.merchants.hot[m].district as usize);
        }
    }

    pub(super) fn list(&mut self, m: usize, p: usize, day: u32) {
        if self.merchants.hot[m].listed_on & (1 << p) == 0 {
            self.merchants.hot[m].listed_on |= 1 << p;
            self.merchants.listed_ever[m] |= 1 << p;
            let np = self.platforms.len();
            let since = &mut self.lending.listed_since[m * np + p];
            if *since == u32::MAX {
                *since = day;
            }
            self.listings
                .add(p, self.merchants.hot[m].district as usize);
        }
    }

    fn close_merchant(&mut self, m: usize, day: u32) {
        self.merchants.hot[m].open = false;
        self.merchants.closed_day[m] = day;
        for p in 0..self.platforms.len() {
            self.delist(m, p);
        }
        self.listings
            .close(m, self.merchants.hot[m].district as usize);
        self.wallet_reach
            .merchant_closed(self.merchants.hot[m].accepts);
        self.recorder.merchant_closed();
    }

    /// Merchants pay fixed and listing costs, close if out of cash, and
    /// review their listings.
    pub(super) fn merchants_day(&mut self, day: u32) {
        let spec = &self.scenario.merchants;
        let alive_mask: u32 = self
            .platforms
            .iter()
            .enumerate()
            .filter(|(_, s)| s.alive)
            .fold(0, |acc, (p, _)| acc | (1 << p));
        let np = self.platforms.len();
        for m in 0..self.merchants.len() {
            if !self.merchants.hot[m].open {
                continue;
            }
            let account = self.accounts.merchant(m);
            let listings = (self.merchants.hot[m].listed_on & alive_mask).count_ones();
            let cost =
                Money(self.merchants.fixed_cost[m].0 + spec.listing_cost.0 * i64::from(listings));
            self.ledger.post(
                account,
                Accounts::SUPPLIERS,
                cost,
                PostingKind::MerchantFixedCost,
            );
            self.redeem_to_buffer(m);
            if self.ledger.balance(account).0 < 0 {
                // Out of cash: borrow or close.
                self.apply_for_loan(m, day);
                let cash = self.ledger.balance(account);
                if cash.0 < 0 {
                    // Creditors absorb what the merchant cannot pay.
                    self.ledger.post(
                        Accounts::SUPPLIERS,
                        account,
                        Money(-cash.0),
                        PostingKind::MerchantClosureLoss,
                    );
                    self.close_merchant(m, day);
                    self.merchant_closed_with_loan(m, day);
                    continue;
                }
            } else if self.wants_loan(m) {
                self.apply_for_loan(m, day);
            }
            let cash = self.ledger.balance(account);
            self.lending.record_cash(m, day, cash);
            if spec.switch_probability > 0.0
                && (day as usize + m).is_multiple_of(spec.review_days as usize)
            {
                if self.merchants.rng[m].random::<f64>() < spec.switch_probability {
                    self.review_listings(m, day);
                }
                for p in 0..np {
                    self.merchants.orders_since_review[m * np + p] = 0;
                }
            }
        }
    }

    /// A merchant's listing review: it leaves the listed platform whose
    /// orders pay least if they do not cover the listing cost, and joins the
    /// unlisted platform whose average listed merchant earns most if that
    /// would cover it. One change of each kind per review keeps merchants
    /// from leaving every platform at once when orders are split. What an
    /// order earns is the margin of a repeat customer's order under the
    /// platform's current terms; a platform that shares its customer data
    /// is worth `data_sharing_value` a day more. Exclusivity offers are
    /// weighed first (see [`super::exclusivity`]). A merchant repaying a
    /// sales-share loan through a platform stays on it unless its lender
    /// lets it pay to leave (see [`super::lending`]).
    fn review_listings(&mut self, m: usize, day: u32) {
        let spec = &self.scenario.merchants;
        let np = self.platforms.len();
        let review_days = f64::from(spec.review_days);
        let price = self.merchants.hot[m].price;
        let unit_cost = self.merchants.hot[m].unit_cost;
        let listing = spec.listing_cost.as_major();
        let window = SHARE_WINDOW_DAYS * 4;
        let data_value = spec.data_sharing_value.as_major();
        let mut profits = [0.0f64; MAX_PLATFORMS];
        let mut worst: Option<(usize, f64)> = None;
        let mut best: Option<(usize, f64)> = None;
        for (p, estimate) in profits.iter_mut().enumerate().take(np) {
            if !self.platforms[p].alive {
                continue;
            }
            let terms = OrderTerms::new(
                price,
                &self.platforms[p],
                self.scenario.platforms[p].variable_cost,
                false,
            );
            let margin = terms.merchant_margin(unit_cost).as_major();
            // Zero unless set: adding nothing keeps other markets' numbers.
            let data =
                if data_value > 0.0 && self.scenario.platforms[p].customer_data.merchants_enrol() {
                    data_value
                } else {
                    0.0
                };
            if self.merchants.hot[m].listed_on & (1 << p) != 0 {
                let per_day =
                    f64::from(self.merchants.orders_since_review[m * np + p]) / review_days;
                let profit = per_day * margin - listing + data;
                *estimate = profit;
                if worst.is_none_or(|(_, w)| profit < w) {
                    worst = Some((p, profit));
                }
            } else {
                let listed = f64::from(self.listings.listed_total(p).max(1));
                let per_day =
                    self.recorder.recent_orders(p, window) as f64 / f64::from(window) / listed;
                let profit = per_day * margin - listing + data;
                *estimate = profit;
                if best.is_none_or(|(_, b)| profit > b) {
                    best = Some((p, profit));
                }
            }
        }
        if self.exclusivity_on && self.review_exclusivity(m, &profits[..np], best) {
            return;
        }
        if let Some((p, profit)) = worst
            && profit < 0.0
            && self.may_delist(m, p, -profit, day)
        {
            self.delist(m, p);
        }
        if let Some((p, profit)) = best
            && profit > 0.0
        {
            self.list(m, p, day);
        }
    }
}
