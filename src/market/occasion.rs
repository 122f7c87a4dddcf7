//! How a purchase occasion becomes an order.
//!
//! Occasions arrive as a Poisson process per consumer, at the demand
//! ceiling's multiple of its rate, and are thinned to today's demand. On
//! an occasion the consumer picks a merchant (its last one with
//! probability `repeat_merchant`, else one at random in its district or,
//! with probability `cross_district_share`, anywhere), then chooses by
//! logit among the installed platforms that list that merchant, buying
//! direct, or not buying (see [`super::choice`]).
//!
//! Every platform option's money is one [`OrderTerms`] value, worked out
//! once per platform per occasion: the consumer's utility reads what the
//! consumer would pay, the ledger postings read every part of it, and
//! merchants' listing reviews read the merchant's margin from the same
//! rule.

use rand::RngExt;

use super::Market;
use super::choice::{Choice, Options, choose};
use super::day_postings::post_order;
use crate::agents::{MerchantHot, NO_PLATFORM, NONE, PlatformState};
use crate::engine::{Event, EventQueue, NEVER, Tick};
use crate::ledger::Money;
use crate::metrics::Flows;
use crate::rng::StreamRng;

/// The money of one order through a platform at its current levers: what
/// the consumer pays, what the platform gives away and keeps, what the
/// merchant receives. Coupon and first-order bonus never take the
/// consumer's price below zero.
///
/// Every part is at most 10^14 fen (the largest amount a scenario or a
/// rule may set a lever or cost to; a price is at most 10^8), so sums of
/// a few parts cannot overflow and the terms use plain integer arithmetic
/// rather than [`Money`]'s saturating operators, which every option of
/// every occasion would otherwise pay for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct OrderTerms {
    /// The merchant's list price.
    pub(crate) price: Money,
    /// The platform's fee to the consumer.
    pub(crate) fee: Money,
    /// The coupon, at most price plus fee.
    pub(crate) coupon: Money,
    /// The first-order bonus (zero on a repeat order), at most what the
    /// coupon leaves.
    pub(crate) new_user_bonus: Money,
    /// The platform's subsidy to the merchant.
    pub(crate) merchant_subsidy: Money,
    /// The commission the merchant pays on the price.
    pub(crate) commission: Money,
    /// The platform's variable cost of the order.
    pub(crate) variable_cost: Money,
}

impl OrderTerms {
    /// The terms of an order at `price` through a platform in `state` with
    /// variable cost `variable_cost`; `first_order` if the consumer has not
    /// ordered on it in this install spell.
    pub(crate) fn new(
        price: Money,
        state: &PlatformState,
        variable_cost: Money,
        first_order: bool,
    ) -> OrderTerms {
        Self::before_commission(price, state, variable_cost, first_order)
            .with_commission(state.levers.commission)
    }

    /// [`OrderTerms::new`] without the commission (left at zero): all a
    /// consumer's choice reads. An occasion works out the commission, a
    /// rounded product, only for the platform chosen.
    #[inline]
    pub(crate) fn before_commission(
        price: Money,
        state: &PlatformState,
        variable_cost: Money,
        first_order: bool,
    ) -> OrderTerms {
        let levers = &state.levers;
        let fee = levers.consumer_fee;
        let coupon = levers.coupon.min(Money(price.0 + fee.0));
        let new_user_bonus = if first_order {
            levers.new_user_bonus.min(Money(price.0 + fee.0 - coupon.0))
        } else {
            Money::ZERO
        };
        OrderTerms {
            price,
            fee,
            coupon,
            new_user_bonus,
            merchant_subsidy: levers.merchant_subsidy,
            commission: Money::ZERO,
            variable_cost,
        }
    }

    /// These terms with the commission at `rate` of the price.
    #[inline]
    pub(crate) fn with_commission(self, rate: f64) -> OrderTerms {
        OrderTerms {
            commission: self.price.times(rate),
            ..self
        }
    }

    /// What the consumer pays: price plus fee minus coupon and bonus.
    pub(crate) fn consumer_pays(&self) -> Money {
        Money(self.price.0 + self.fee.0 - self.coupon.0 - self.new_user_bonus.0)
    }

    /// Subsidies the platform pays on the order.
    pub(crate) fn subsidy(&self) -> Money {
        Money(self.coupon.0 + self.new_user_bonus.0 + self.merchant_subsidy.0)
    }

    /// The platform's revenue from the order: fee and commission.
    pub(crate) fn revenue(&self) -> Money {
        Money(self.fee.0 + self.commission.0)
    }

    /// The order's effect on the platform's cash.
    pub(crate) fn platform_net(&self) -> Money {
        Money(self.revenue().0 - self.subsidy().0 - self.variable_cost.0)
    }

    /// What the merchant receives: price plus subsidy minus commission.
    pub(crate) fn merchant_takings(&self) -> Money {
        Money(self.price.0 + self.merchant_subsidy.0 - self.commission.0)
    }

    /// The merchant's margin on the order after the goods' cost.
    pub(crate) fn merchant_margin(&self, unit_cost: Money) -> Money {
        Money(self.merchant_takings().0 - unit_cost.0)
    }
}

/// Thinning: only a `demand / ceiling` share of arrivals are purchase
/// occasions today; one draw when demand is below the ceiling.
#[inline]
fn thinned_out(demand: f64, ceiling: f64, rng: &mut StreamRng) -> bool {
    if demand < ceiling {
        let u: f64 = rng.random();
        return u * ceiling >= demand;
    }
    false
}

/// Where a consumer's occasion takes it: back to its last merchant, or
/// to a merchant drawn from a district's open ones.
enum Route {
    /// Its last merchant again.
    Repeat(usize),
    /// A merchant drawn in this district.
    District(usize),
}

/// The route of a consumer whose last merchant and home district are
/// `(last, home)`: its last merchant with probability `repeat_merchant`
/// if `open(last)`, else its district or, with probability
/// `cross_district_share`, a random district.
#[inline]
fn route(
    market: &crate::scenario::Market,
    listings: &super::listings::Listings,
    open: impl FnOnce(usize) -> bool,
    (last, home): (u32, u32),
    rng: &mut StreamRng,
) -> Route {
    if last != NONE
        && market.repeat_merchant > 0.0
        && rng.random::<f64>() < market.repeat_merchant
        && open(last as usize)
    {
        return Route::Repeat(last as usize);
    }
    let mut d = home as usize;
    if market.cross_district_share > 0.0 && rng.random::<f64>() < market.cross_district_share {
        d = listings.pick_district(rng);
    }
    Route::District(d)
}

/// The merchant a consumer whose last merchant and home district are
/// `(last, home)` visits: its last one with probability `repeat_merchant`
/// (if still open), else one at random in its district or, with
/// probability `cross_district_share`, in a random district.
#[inline]
fn pick_merchant(
    market: &crate::scenario::Market,
    listings: &super::listings::Listings,
    merchants: &[MerchantHot],
    last_and_home: (u32, u32),
    rng: &mut StreamRng,
) -> Option<usize> {
    let open = |m: usize| merchants.get(m).is_some_and(|h| h.open);
    match route(market, listings, open, last_and_home, rng) {
        Route::Repeat(m) => Some(m),
        Route::District(d) => listings.pick_in(d, rng),
    }
}

/// What the middle prefetch hint's draws found for one consumer's coming
/// occasion.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum RouteFound {
    /// Thinned out, or nowhere to go.
    NoVisit,
    /// Back to this merchant, if it is still open.
    Repeat(u32),
    /// The merchant at this place of this district's list.
    Entry(u32, u32),
}

/// The last few routes the middle hint found, by consumer, for the last
/// hint to read instead of drawing again: a hint's memory, which no
/// result reads. A consumer has one occasion pending at a time, so its
/// entry is for that occasion unless the ring has come round since.
#[derive(Debug, Default)]
pub(super) struct RoutesFound {
    slots: [std::cell::Cell<Option<(u32, RouteFound)>>; ROUTES_KEPT],
    next: std::cell::Cell<usize>,
}

/// Routes kept: the hints are [`crate::engine`]'s `MID` and `NEAR` places
/// ahead, so an occasion's route is read two hints after it is found.
const ROUTES_KEPT: usize = 4;

impl RoutesFound {
    fn keep(&self, consumer: u32, found: RouteFound) {
        let i = self.next.get();
        self.slots[i].set(Some((consumer, found)));
        self.next.set((i + 1) % ROUTES_KEPT);
    }

    fn get(&self, consumer: u32) -> Option<RouteFound> {
        self.slots
            .iter()
            .find_map(|s| s.get().filter(|&(c, _)| c == consumer))
            .map(|(_, found)| found)
    }
}

impl Market<'_> {
    /// Schedules consumer `c`'s next occasion after `now` (exponential
    /// waiting time: occasions form a Poisson process).
    pub(super) fn schedule_next(&mut self, c: usize, now: Tick, queue: &mut EventQueue<Event>) {
        let rate = f64::from(self.consumers.agents[c].rate) * self.economy.ceiling();
        if rate <= 0.0 {
            return;
        }
        let u: f64 = self.consumers.agents[c].rng.random();
        // 1 - u lies in (0, 1], so the logarithm is finite.
        let wait_days = -(1.0 - u).ln() / rate;
        let at = now.after_days(wait_days);
        if at.0 < self.horizon_tick() {
            queue.push(at, Event::Purchase { consumer: c as u32 });
        }
    }

    fn pick_merchant(&mut self, c: usize) -> Option<usize> {
        let agent = &mut self.consumers.agents[c];
        pick_merchant(
            &self.scenario.market,
            &self.listings,
            &self.merchants.hot,
            (agent.last_merchant, agent.district),
            &mut agent.rng,
        )
    }

    /// The merchant consumer `c` would visit if its next event were a
    /// purchase occasion handled now: the same draws as [`Self::purchase`]
    /// on a copy of the consumer's stream. A hint for prefetching only: an
    /// event handled before it may change the answer.
    fn predict_merchant(&self, c: usize) -> Option<usize> {
        let agent = self.consumers.agents.get(c)?;
        let mut rng = agent.rng.clone();
        if thinned_out(self.economy.demand(), self.economy.ceiling(), &mut rng) {
            return None;
        }
        pick_merchant(
            &self.scenario.market,
            &self.listings,
            &self.merchants.hot,
            (agent.last_merchant, agent.district),
            &mut rng,
        )
    }

    /// Hints that consumer `c`'s occasion comes soon, before
    /// [`Self::prefetch_occasion`]: fetches what the merchant prediction
    /// reads beyond the consumer's record (its last merchant's record, or
    /// the district list entry it will draw), taking the last merchant to
    /// be still open, and keeps what its draws found for the last hint.
    /// Changes nothing the run reads.
    pub(super) fn prefetch_route(&self, c: usize) {
        let Some(agent) = self.consumers.agents.get(c) else {
            return;
        };
        let mut rng = agent.rng.clone();
        let found = if thinned_out(self.economy.demand(), self.economy.ceiling(), &mut rng) {
            RouteFound::NoVisit
        } else {
            let last_and_home = (agent.last_merchant, agent.district);
            match route(
                &self.scenario.market,
                &self.listings,
                |_| true,
                last_and_home,
                &mut rng,
            ) {
                Route::Repeat(m) => {
                    if let Some(hot) = self.merchants.hot.get(m) {
                        crate::memory::prefetch(hot);
                    }
                    RouteFound::Repeat(m as u32)
                }
                Route::District(d) => match self.listings.prefetch_pick(d, &mut rng) {
                    Some(i) => RouteFound::Entry(d as u32, i as u32),
                    None => RouteFound::NoVisit,
                },
            }
        };
        self.routes_found.keep(c as u32, found);
    }

    /// The merchant consumer `c` is expected to visit, from what the
    /// middle hint found if it saw this consumer lately (reading the list
    /// entry it fetched instead of drawing again), else by
    /// [`Self::predict_merchant`].
    fn expected_merchant(&self, c: usize) -> Option<usize> {
        match self.routes_found.get(c as u32) {
            Some(RouteFound::NoVisit) => None,
            Some(RouteFound::Entry(d, i)) => self.listings.entry(d as usize, i as usize),
            Some(RouteFound::Repeat(m))
                if self.merchants.hot.get(m as usize).is_some_and(|h| h.open) =>
            {
                Some(m as usize)
            }
            _ => self.predict_merchant(c),
        }
    }

    /// Hints that consumer `c`'s occasion on `day` comes soon: fetches the
    /// records of the merchant it is expected to visit (prices, queue,
    /// listings, ledger account, held takings, sales history) into cache,
    /// which a random visiting order would otherwise miss one by one.
    /// Changes nothing.
    pub(super) fn prefetch_occasion(&self, c: usize, day: u32) {
        let Some(m) = self.expected_merchant(c) else {
            return;
        };
        let np = self.platforms.len();
        let ms = &self.merchants;
        if let Some(hot) = ms.hot.get(m) {
            crate::memory::prefetch(hot);
        }
        if let Some(since) = ms.orders_since_review.get(m * np..(m + 1) * np) {
            crate::memory::prefetch_all(since);
        }
        self.day_postings.prefetch(m);
        // A direct sale still posts to the merchant's account at once.
        self.ledger.prefetch(self.accounts.merchant(m));
        self.settlement.prefetch(self.scenario, m, day);
        self.lending.prefetch_sales(m, day);
        self.consumers.relation.prefetch_earlier_orders(c);
    }

    /// Consumer `c`'s purchase occasion at `time`.
    pub(super) fn purchase(&mut self, c: usize, time: Tick) {
        let day = time.day();
        let scenario = self.scenario;
        let (demand, ceiling) = (self.economy.demand(), self.economy.ceiling());
        if thinned_out(demand, ceiling, &mut self.consumers.agents[c].rng) {
            return;
        }
        self.recorder.occasion();
        if let Some(dormancy) = scenario.consumers.dormancy_days {
            self.apply_dormancy(c, day, dormancy);
        }
        let Some(m) = self.pick_merchant(c) else {
            self.recorder.no_purchase();
            return;
        };
        let price = self.merchants.hot[m].price;
        let beta = f64::from(self.consumers.agents[c].price_sensitivity);
        let ch = &scenario.choice;
        let wait = ch.wait_per_hour * self.merchants.hot[m].expected_wait_hours;
        let np = scenario.platforms.len();
        let district = self.merchants.hot[m].district as usize;
        let available = self.consumers.agents[c].installed & self.merchants.hot[m].listed_on;
        let last_platform = self.consumers.agents[c].last_platform;
        for (p, spec) in scenario.platforms.iter().enumerate() {
            if available & (1 << p) == 0 || !self.platforms[p].alive {
                self.utilities[p] = None;
                continue;
            }
            let rel = self.consumers.relation.get(c, p);
            let terms = OrderTerms::before_commission(
                price,
                &self.platforms[p],
                spec.variable_cost,
                rel.last_order_day == NEVER,
            );
            let mut u = spec.brand_utility + spec.payment_convenience
                - beta * terms.consumer_pays().as_major()
                - wait;
            if ch.variety != 0.0 {
                u += ch.variety * self.listings.variety(p, district);
            }
            if ch.loyalty != 0.0 {
                u += ch.loyalty * rel.loyalty_from(day, &self.decay_powers);
            }
            if last_platform != NO_PLATFORM && usize::from(last_platform) != p {
                u -= ch.switching_cost;
            }
            if self.credit.any() && self.credit.usable(scenario, p, c, terms.consumer_pays()) {
                u += self.credit.utility(scenario, p);
            }
            self.utilities[p] = Some(u);
            self.order_terms[p] = terms;
        }
        let member =
            self.consumers.agents[c].member_of == m as u32 && self.merchants.hot[m].membership;
        let direct_price = if member {
            (price - scenario.merchants.membership.discount).max(Money::ZERO)
        } else {
            price
        };
        let direct = scenario.market.direct_utility - beta * direct_price.as_major() - wait
            + self.payment_value(c, m, beta, day);
        // A chosen platform that cannot fund the order exits and the
        // consumer chooses again among the rest: at most `np` retries.
        for _ in 0..=np {
            let options = Options {
                platforms: &self.utilities,
                direct,
                no_purchase: scenario.market.no_purchase_utility,
            };
            match choose(&options, &mut self.consumers.agents[c].rng) {
                Choice::Platform(p) => {
                    let terms =
                        self.order_terms[p].with_commission(self.platforms[p].levers.commission);
                    if self.settle_platform_order(c, m, p, &terms, day) {
                        if self.credit.any() {
                            self.pay_on_credit(c, p, terms.consumer_pays());
                        }
                        self.after_purchase(c, m, Some(p), time);
                        return;
                    }
                    self.exit(p, day);
                    self.utilities[p] = None;
                }
                Choice::Direct => {
                    let wallet = self.pick_payment(c);
                    self.settle_direct(c, m, direct_price, wallet, day);
                    self.recorder.direct(member);
                    self.after_purchase(c, m, None, time);
                    return;
                }
                Choice::NoPurchase => {
                    self.recorder.no_purchase();
                    return;
                }
            }
        }
        self.recorder.no_purchase();
    }

    /// Queueing, habit and membership after a purchase at merchant `m`
    /// (through platform `platform`, or direct).
    fn after_purchase(&mut self, c: usize, m: usize, platform: Option<usize>, time: Tick) {
        let good = self.serve(c, m, time);
        if let Some(p) = platform {
            self.build_habit(c, p, time.day(), good);
        }
        self.offer_membership(c, m, platform);
        self.consumers.agents[c].last_merchant = m as u32;
    }

    /// Settles consumer `c`'s order at merchant `m` through platform `p` on
    /// `terms`; returns false, posting nothing, if the platform cannot fund
    /// it.
    fn settle_platform_order(
        &mut self,
        c: usize,
        m: usize,
        p: usize,
        terms: &OrderTerms,
        day: u32,
    ) -> bool {
        if (self.available_cash(p) + terms.platform_net()).0 < 0 {
            return false;
        }
        let held = self.held_part(p, terms.merchant_takings());
        let unit_cost = self.merchants.hot[m].unit_cost;
        let summed =
            self.ledger.journal().is_none() && self.day_postings.add(m, p, terms, unit_cost, held);
        if !summed {
            let at = (m, p);
            post_order(&mut self.ledger, &self.accounts, at, terms, unit_cost, held);
        }
        if held.0 > 0 {
            self.note_held(p, m, held, day);
        }
        self.lending.record_sale(m, Some(p), terms.price, day);
        if self.credit.any() {
            self.credit.record_order(p, c, terms.consumer_pays(), day);
        }
        let np = self.platforms.len();
        let since = &mut self.merchants.orders_since_review[m * np + p];
        *since = since.saturating_add(1);
        let previous = self.consumers.relation.record_order(c, p, day as u16);
        self.recorder.platform_order(
            p,
            day,
            previous,
            Flows {
                orders: 1,
                gmv: terms.price,
                subsidy_spend: terms.subsidy(),
                marketing_spend: Money::ZERO,
                revenue: terms.revenue(),
                variable_cost: terms.variable_cost,
                ..Flows::default()
            },
        );
        true
    }
}

#[cfg(test)]
mod tests {
    use crate::agents::NONE;
    use crate::engine::{EventQueue, Tick};
    use crate::market::Market;

    /// The merchant the prefetch hint predicts is the one the occasion
    /// visits when nothing happens in between: through thinning (demand
    /// below its ceiling), repeat visits and cross-district picks; and
    /// the last hint, reading what the middle one found, expects the
    /// same.
    #[test]
    fn the_prefetch_hint_predicts_the_merchant_visited() {
        let text = r#"
name = "predict"
seed = 5
horizon_days = 30

[market]
consumers = 3000
merchants = 80
districts = 4
cross_district_share = 0.3
repeat_merchant = 0.4
no_purchase_utility = -40.0

[economy]
seasonality = 0.5
peak_day = 180

[consumers]
purchase_rate = 0.5
price_sensitivity = 0.1

[merchants]
price = { lognormal = { mean = 30.0, sd = 8.0 } }

[[platforms]]
name = "A"
cash = 1000000000.0
commission = 0.1
brand_utility = 1.0
initial_users = 0.5
"#;
        let scenario = match crate::scenario::parse(text, "predict.toml", "predict", &[]) {
            Ok(s) => s,
            Err(e) => panic!("{e}"),
        };
        let mut queue = EventQueue::default();
        // With the journal kept every order posts at once, so a purchase
        // shows in the count of postings.
        let mut market = Market::new(&scenario, 9, true, &|| {}, &mut queue);
        let (mut thinned, mut bought, mut repeats) = (0, 0, 0);
        for round in 0..4u64 {
            for c in 0..market.consumers.len() {
                let predicted = market.predict_merchant(c);
                // The middle hint's draws give the last hint the same
                // merchant without drawing again.
                market.prefetch_route(c);
                assert_eq!(market.expected_merchant(c), predicted, "consumer {c}");
                let last = market.consumers.agents[c].last_merchant;
                let postings = market.ledger.postings();
                market.purchase(c, Tick(round * 600 + 1));
                if market.ledger.postings() == postings {
                    // Only a thinned-out occasion posts nothing here (no
                    // purchase is all but impossible at this utility).
                    assert_eq!(predicted, None, "consumer {c}");
                    thinned += 1;
                    continue;
                }
                let visited = market.consumers.agents[c].last_merchant;
                assert_eq!(predicted, Some(visited as usize), "consumer {c}");
                bought += 1;
                if last != NONE && visited == last {
                    repeats += 1;
                }
            }
        }
        assert!(thinned > 1000 && bought > 1000 && repeats > 100);
    }
}
