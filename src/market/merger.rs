//! Mergers: a platform buys a rival when a rule with `then.acquire` holds
//! at one of its reviews. The merger happens at the start of the review
//! day, before any of that day's orders, and in this order:
//!
//! - **Money.** The acquirer pays the price to the target's shareholders
//!   (a posting to the investors' account: the money leaves the market),
//!   and the target's whole cash passes to the acquirer, with the takings
//!   the target holds for merchants and the duty to release them on their
//!   days. So the acquirer's cash changes by −price + the target's cash,
//!   the target ends with none, and the ledger still sums to zero. The
//!   acquirer's runway looks through the one-off change: its recent cash
//!   history is shifted by it, so the merger reads as neither burn nor
//!   income. A merger the acquirer cannot pay for from its spendable cash
//!   does not happen; the rule is tried again at the next review.
//! - **The target** stops trading, without failing: `acquired_day` and
//!   `acquired_by` are set and `exit_day` is not.
//! - **Users.** Every consumer with the target installed has the acquirer
//!   installed (a new install spell if it did not have it, counted as the
//!   acquirer's new consumer if it never had it; it leaves the target as
//!   at an exit, counted in the target's churn). The habit of ordering and
//!   of paying carries over: the acquirer's is the larger of the two as of
//!   the merger day, and a consumer whose last platform was the target
//!   has the acquirer as its last platform (no switching cost).
//! - **Merchants.** Every merchant listed on the target is listed on the
//!   acquirer (once), with its orders since its last review and the
//!   tenure the acquirer's lender sees; every open merchant accepting the
//!   target's wallet accepts the acquirer's, if the acquirer has a wallet.
//!   Merchants' own membership programmes are theirs and do not change.
//! - **Loans.** The target's lending arm, if it has one, keeps its book
//!   and runs it off: its loans accrue, fall due and are repaid or default
//!   as before, but it sees no merchant's flow any more, so it makes no
//!   new loans (as after an exit).

use super::Market;
use crate::engine::{Event, EventQueue, Tick};
use crate::ledger::{Money, PostingKind};
use crate::scenario::Acquisition;

impl Market<'_> {
    /// At a review of platform `p` on `day`, after its metrics are stored:
    /// carries out each acquisition of its rules whose conditions hold,
    /// whose target still trades and whose price `p` can pay. Returns
    /// whether any happened.
    pub(super) fn review_acquisitions(
        &mut self,
        p: usize,
        day: u32,
        queue: &mut EventQueue<Event>,
    ) -> bool {
        let scenario = self.scenario;
        let mut merged = false;
        for rule in &scenario.platforms[p].rules {
            let Some(Acquisition { target, price }) = rule.acquire else {
                continue;
            };
            if !self.platforms[p].alive
                || !self.platforms[target].alive
                || !super::strategy::holds(&rule.when, &self.platforms[p].metrics)
            {
                continue;
            }
            let price = price.for_target(self.available_cash(target));
            if self.available_cash(p) < price {
                continue;
            }
            self.merge(p, target, price, day, queue);
            merged = true;
        }
        merged
    }

    /// Platform `a` buys platform `t` for `price` on `day` (see the module
    /// documentation).
    fn merge(&mut self, a: usize, t: usize, price: Money, day: u32, queue: &mut EventQueue<Event>) {
        let (acquirer, target) = (self.accounts.platform(a), self.accounts.platform(t));
        let before = self.available_cash(a);
        // The target's consolidated loan book becomes the buyer's.
        let book = self.arm_book(t);
        self.books_moved[a] += book;
        self.books_moved[t] = self.books_moved[t] - book;
        self.ledger.post(
            acquirer,
            crate::agents::Accounts::INVESTORS,
            price,
            PostingKind::AcquisitionPrice,
        );
        let cash = self.platform_cash(t);
        if cash.0 >= 0 {
            self.ledger
                .post(target, acquirer, cash, PostingKind::MergerTransfer);
        } else {
            self.ledger.post(
                acquirer,
                target,
                Money(-cash.0),
                PostingKind::MergerTransfer,
            );
        }
        let payables = std::mem::take(&mut self.platforms[t].payables);
        self.platforms[a].payables += payables;
        self.settlement.transfer(t, a);
        let change = self.available_cash(a) - before + book;
        for v in &mut self.platforms[a].recent_available {
            *v += change;
        }

        let state = &mut self.platforms[t];
        state.alive = false;
        state.acquired_day = Some(day);
        state.acquired_by = Some(a);

        self.transfer_users(a, t, day, queue);
        self.transfer_merchants(a, t, day);
        self.transfer_balances(t, a);
        self.listings.clear_platform(t);
    }

    /// Consumers' and merchants' fund balances held with the target's
    /// wallet pass to the acquirer's funds (or back to their holders when
    /// the acquirer runs no such fund).
    fn transfer_balances(&mut self, target: usize, acquirer: usize) {
        self.transfer_fund_balances(target, acquirer);
    }

    /// The target's users become the acquirer's, keeping the stronger
    /// habit of each pair.
    fn transfer_users(&mut self, a: usize, t: usize, day: u32, queue: &mut EventQueue<Event>) {
        let at = Tick::start_of_day(day);
        for c in 0..self.consumers.len() {
            if self.consumers.agents[c].installed & (1 << t) == 0 {
                continue;
            }
            let from = *self.consumers.relation.get(c, t);
            let habit = from.loyalty_from(day, &self.decay_powers);
            let wallet = super::payment::wallet_habit_on(&from, day, &self.decay_powers);
            self.uninstall(c, t, day);
            self.install(c, a, at, queue);
            let powers = &self.decay_powers;
            let rel = self.consumers.relation.get_mut(c, a);
            let own = rel.loyalty_from(day, powers);
            rel.loyalty = own.max(habit) as f32;
            rel.loyalty_day = day as u16;
            if wallet > 0.0 {
                let own = super::payment::wallet_habit_on(rel, day, powers);
                if wallet > own {
                    rel.wallet_habit = wallet as f32;
                    rel.wallet_day = day as u16;
                }
            }
            let agent = &mut self.consumers.agents[c];
            if usize::from(agent.last_platform) == t {
                agent.last_platform = a as u8;
            }
        }
    }

    /// The target's merchants are listed on the acquirer and its wallet's
    /// acceptance becomes the acquirer's wallet's.
    fn transfer_merchants(&mut self, a: usize, t: usize, day: u32) {
        let np = self.platforms.len();
        let wallet = self.scenario.platforms[a].payments.wallet;
        for m in 0..self.merchants.len() {
            if !self.merchants.hot[m].open {
                continue;
            }
            let served = self.merchants.hot[m].listed_on | self.merchants.hot[m].accepts;
            if served & (1 << t) == 0 {
                continue;
            }
            if self.merchants.hot[m].listed_on & (1 << t) != 0 {
                self.delist(m, t);
                self.list(m, a, day);
                let orders = std::mem::take(&mut self.merchants.orders_since_review[m * np + t]);
                self.merchants.orders_since_review[m * np + a] += orders;
            }
            if self.merchants.hot[m].accepts & (1 << t) != 0 {
                self.merchants.hot[m].accepts &= !(1 << t);
                self.wallet_reach.count_acceptance(t, false);
                if wallet && self.merchants.hot[m].accepts & (1 << a) == 0 {
                    self.merchants.hot[m].accepts |= 1 << a;
                    self.wallet_reach.count_acceptance(a, true);
                }
            }
            // The acquirer owns the target's record of a merchant it now
            // serves.
            if (self.merchants.hot[m].listed_on | self.merchants.hot[m].accepts) & (1 << a) != 0 {
                let since = self.lending.listed_since[m * np + t];
                let own = &mut self.lending.listed_since[m * np + a];
                *own = (*own).min(since);
            }
        }
    }
}
