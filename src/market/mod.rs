//! The market: how purchase occasions become orders and how money moves.
//!
//! On each occasion a consumer picks a merchant, then chooses by logit
//! among the platforms that list it, buying direct, or not buying (see
//! [`choice`]). A platform order settles through the ledger in a fixed
//! order of postings: the consumer pays price and fee, the platform pays
//! the merchant, the merchant pays commission, the platform pays the coupon
//! and its variable cost, the merchant pays for the goods. A platform that
//! cannot fund an order's net outflow has run out of cash: it exits at that
//! moment and the consumer chooses again among the rest. At each day's end
//! platforms pay fixed costs; one left with no cash exits.

pub mod choice;

use rand::RngExt;

use crate::agents::{Accounts, Consumers, Merchants, PlatformState};
use crate::engine::{Event, EventQueue, Model, TICKS_PER_DAY, Tick};
use crate::ledger::{Ledger, Money, PostingKind};
use crate::metrics::{Flows, Recorder};
use crate::scenario::{MAX_PLATFORMS, Scenario};
use choice::{Choice, Options, choose};

/// The state of one replication while it runs.
pub struct Market<'a> {
    scenario: &'a Scenario,
    /// Consumers.
    pub consumers: Consumers,
    /// Merchants.
    pub merchants: Merchants,
    /// Platforms.
    pub platforms: Vec<PlatformState>,
    /// The ledger.
    pub ledger: Ledger,
    /// The recorder.
    pub recorder: Recorder,
    accounts: Accounts,
    on_day_closed: &'a (dyn Fn() + Sync),
}

impl<'a> Market<'a> {
    /// Draws the agents of the replication seeded `run_seed`, posts the
    /// opening funding and schedules day ends, the horizon and each
    /// consumer's first occasion. `on_day_closed` is called after each day
    /// (for progress reporting).
    pub fn new(
        scenario: &'a Scenario,
        run_seed: u64,
        ledger_journal: bool,
        on_day_closed: &'a (dyn Fn() + Sync),
        queue: &mut EventQueue<Event>,
    ) -> Market<'a> {
        let consumers = Consumers::draw(scenario, run_seed);
        let merchants = Merchants::draw(scenario, run_seed);
        let accounts = Accounts::new(scenario.platforms.len());
        let mut ledger = Ledger::new(accounts.count(merchants.len()));
        if ledger_journal {
            ledger = ledger.with_journal();
        }
        let mut platforms = Vec::with_capacity(scenario.platforms.len());
        for (p, spec) in scenario.platforms.iter().enumerate() {
            ledger.post(
                Accounts::INVESTORS,
                accounts.platform(p),
                spec.cash,
                PostingKind::Funding,
            );
            platforms.push(PlatformState {
                alive: true,
                exit_day: None,
                funding: spec.cash,
            });
        }
        for m in 0..merchants.len() {
            ledger.post(
                Accounts::OWNERS,
                accounts.merchant(m),
                scenario.merchants.cash,
                PostingKind::Funding,
            );
        }
        // Day ends and the horizon go in first so that, at equal ticks, they
        // fire before any occasion (see the engine's ordering contract).
        for day in 0..scenario.horizon_days {
            queue.push(Tick::start_of_day(day + 1), Event::DayEnd { day });
        }
        queue.push(Tick::start_of_day(scenario.horizon_days), Event::Horizon);
        let mut market = Market {
            scenario,
            consumers,
            merchants,
            platforms,
            ledger,
            recorder: Recorder::new(scenario.platforms.len(), scenario.horizon_days),
            accounts,
            on_day_closed,
        };
        for c in 0..market.consumers.len() {
            market.schedule_next(c, Tick(0), queue);
        }
        market
    }

    /// Schedules consumer `c`'s next occasion after `now` (exponential
    /// waiting time: occasions form a Poisson process).
    fn schedule_next(&mut self, c: usize, now: Tick, queue: &mut EventQueue<Event>) {
        let rate = self.consumers.rate[c];
        if rate <= 0.0 {
            return;
        }
        let u: f64 = self.consumers.rng[c].random();
        // 1 - u lies in (0, 1], so the logarithm is finite.
        let wait_days = -(1.0 - u).ln() / rate;
        let at = now.after_days(wait_days);
        if at.0 < u64::from(self.scenario.horizon_days) * TICKS_PER_DAY {
            queue.push(at, Event::Purchase { consumer: c as u32 });
        }
    }

    /// Cash of platform `p`.
    pub fn platform_cash(&self, p: usize) -> Money {
        self.ledger.balance(self.accounts.platform(p))
    }

    fn exit(&mut self, p: usize, day: u32) {
        let state = &mut self.platforms[p];
        if state.alive {
            state.alive = false;
            state.exit_day = Some(day);
        }
    }

    fn purchase(&mut self, c: usize, time: Tick) {
        let day = time.day();
        let scenario = self.scenario;
        self.recorder.occasion();
        let m = self.consumers.rng[c].random_range(0..self.merchants.len());
        let price = self.merchants.price[m];
        let beta = self.consumers.price_sensitivity[c];
        let listed = self.merchants.listed_on[m];
        let n = scenario.platforms.len();
        let mut utilities = [None; MAX_PLATFORMS];
        for (p, spec) in scenario.platforms.iter().enumerate() {
            if self.platforms[p].alive && listed & (1 << p) != 0 {
                let effective =
                    effective_price(price, spec.consumer_fee, spec.coupon_by_day[day as usize]);
                utilities[p] = Some(spec.brand_utility - beta * effective.as_major());
            }
        }
        let direct = scenario.market.direct_utility - beta * price.as_major();
        // A chosen platform that cannot fund the order exits and the
        // consumer chooses again among the rest: at most `n` retries.
        for _ in 0..=n {
            let options = Options {
                platforms: &utilities[..n],
                direct,
                no_purchase: scenario.market.no_purchase_utility,
            };
            match choose(&options, &mut self.consumers.rng[c]) {
                Choice::Platform(p) => {
                    if self.settle_platform_order(c, m, p, day) {
                        return;
                    }
                    self.exit(p, day);
                    utilities[p] = None;
                }
                Choice::Direct => {
                    let merchant = self.accounts.merchant(m);
                    self.ledger.post(
                        Accounts::HOUSEHOLDS,
                        merchant,
                        price,
                        PostingKind::DirectSale,
                    );
                    self.ledger.post(
                        merchant,
                        Accounts::SUPPLIERS,
                        self.merchants.unit_cost[m],
                        PostingKind::MerchantUnitCost,
                    );
                    self.recorder.direct();
                    return;
                }
                Choice::NoPurchase => {
                    self.recorder.no_purchase();
                    return;
                }
            }
        }
    }

    /// Settles an order of consumer `c` at merchant `m` through platform
    /// `p`; returns false, posting nothing, if the platform cannot fund it.
    fn settle_platform_order(&mut self, c: usize, m: usize, p: usize, day: u32) -> bool {
        let spec = &self.scenario.platforms[p];
        let price = self.merchants.price[m];
        let fee = spec.consumer_fee;
        let coupon = spec.coupon_by_day[day as usize].min(price + fee);
        let commission = price.times(spec.commission);
        let variable = spec.variable_cost;
        let platform = self.accounts.platform(p);
        let net = fee + commission - coupon - variable;
        if (self.ledger.balance(platform) + net).0 < 0 {
            return false;
        }
        let merchant = self.accounts.merchant(m);
        let l = &mut self.ledger;
        l.post(
            Accounts::HOUSEHOLDS,
            platform,
            price,
            PostingKind::ConsumerPayment,
        );
        l.post(
            Accounts::HOUSEHOLDS,
            platform,
            fee,
            PostingKind::ConsumerFee,
        );
        l.post(platform, merchant, price, PostingKind::MerchantPayout);
        l.post(merchant, platform, commission, PostingKind::Commission);
        l.post(platform, Accounts::HOUSEHOLDS, coupon, PostingKind::Coupon);
        l.post(
            platform,
            Accounts::SUPPLIERS,
            variable,
            PostingKind::PlatformVariableCost,
        );
        l.post(
            merchant,
            Accounts::SUPPLIERS,
            self.merchants.unit_cost[m],
            PostingKind::MerchantUnitCost,
        );
        let slot = &mut self.consumers.last_order_day[c * self.platforms.len() + p];
        let previous = *slot;
        *slot = day as u16;
        self.recorder.platform_order(
            p,
            day,
            previous,
            Flows {
                orders: 1,
                gmv: price,
                subsidy_spend: coupon,
                revenue: fee + commission,
            },
        );
        true
    }

    fn close_day(&mut self, day: u32) {
        for (p, spec) in self.scenario.platforms.iter().enumerate() {
            if !self.platforms[p].alive {
                continue;
            }
            let account = self.accounts.platform(p);
            let cost = spec.fixed_daily_cost.min(self.ledger.balance(account));
            self.ledger.post(
                account,
                Accounts::SUPPLIERS,
                cost,
                PostingKind::PlatformFixedCost,
            );
            if self.ledger.balance(account).0 <= 0 {
                self.exit(p, day);
            }
        }
        let cash: Vec<Money> = (0..self.platforms.len())
            .map(|p| self.platform_cash(p))
            .collect();
        let funding: Vec<Money> = self.platforms.iter().map(|s| s.funding).collect();
        self.recorder.close_day(day, &cash, &funding);
        (self.on_day_closed)();
    }
}

/// Price the consumer pays on a platform: list price plus fee minus the
/// coupon, never below zero.
pub fn effective_price(price: Money, fee: Money, coupon: Money) -> Money {
    (price + fee - coupon).max(Money::ZERO)
}

impl Model for Market<'_> {
    fn handle(&mut self, time: Tick, event: Event, queue: &mut EventQueue<Event>) {
        match event {
            Event::Purchase { consumer } => {
                let c = consumer as usize;
                self.purchase(c, time);
                self.schedule_next(c, time, queue);
            }
            Event::DayEnd { day } => self.close_day(day),
            Event::Horizon => {}
        }
    }
}
