//! The market: how purchase occasions become orders, how consumers adopt
//! and leave platforms, how merchants live, list and close, and how money
//! moves.
//!
//! **Occasions.** A consumer picks a merchant (its last one with
//! probability `repeat_merchant`, else one at random in its district or,
//! with probability `cross_district_share`, anywhere), then chooses by
//! logit among the installed platforms that list that merchant, buying
//! direct, or not buying (see [`choice`]). Platform utility: brand +
//! payment convenience − price sensitivity × (price + fee − coupon −
//! first-order bonus) + variety × ln(1 + merchants listed in the district)
//! − wait × expected hours + loyalty × habit − switching cost (if not the
//! platform used last). Direct utility: direct constant − price sensitivity
//! × (price − member discount) − wait, plus wallet convenience and the red
//! packet when paying with a wallet.
//!
//! **Money.** A platform order posts: consumer pays price and fee; the
//! platform pays the merchant the price and any merchant subsidy; the
//! merchant pays commission; the platform pays the coupon (and first-order
//! bonus) and its variable cost; the merchant pays for the goods; with a
//! settlement delay the platform then holds the merchant's net takings
//! until they are released. A platform whose spendable cash (cash minus
//! money held for merchants) cannot fund an order exits at that moment and
//! the consumer chooses again.
//!
//! **Days.** At each day's end: held takings due are released and float
//! interest is earned; merchants pay fixed and listing costs, close if
//! their cash is negative (creditors absorb the deficit) and review their
//! listings; platforms pay fixed costs, fund rounds, buy acquisitions and
//! gain word-of-mouth adopters; a platform with no spendable cash exits
//! (its users uninstall it, its merchants are delisted); then the day is
//! recorded and strategy rules are reviewed for the next day.

pub mod choice;
pub mod lending;
pub mod strategy;

use std::collections::VecDeque;

use rand::RngExt;
use rand_distr::{Distribution, Poisson};

use crate::agents::{
    Accounts, Consumers, Merchants, NEVER, NO_PLATFORM, NONE, PlatformState, Relation,
};
use crate::engine::{Event, EventQueue, Model, TICKS_PER_DAY, Tick};
use crate::ledger::{Ledger, Money, PostingKind};
use crate::metrics::{
    COHORT_MONTH_DAYS, CohortRecord, Flows, PlatformClose, RETENTION_DAYS, Recorder,
    SHARE_WINDOW_DAYS,
};
use crate::rng::{Purpose, StreamRng, stream};
use crate::scenario::{Churn, DataOwner, Lever, MAX_PLATFORMS, Metric, Scenario};
use choice::{Choice, Options, choose};

/// Weight of the newest order in a merchant's expected waiting time.
const WAIT_SMOOTHING: f64 = 0.05;

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
    /// Open merchants of each district.
    district_open: Vec<Vec<u32>>,
    /// Each merchant's position in its district's list.
    position: Vec<u32>,
    /// Open merchants listed, `[platform * districts + district]`.
    listed: Vec<u32>,
    /// Open merchants listed per platform.
    listed_total: Vec<u32>,
    /// ln(1 + `listed`), the variety term, kept up to date with `listed`
    /// so occasions do not take a logarithm per platform.
    variety_term: Vec<f64>,
    /// `daily_decay^k` for every age `k` of loyalty within the horizon.
    decay_powers: Vec<f64>,
    /// Held takings due for release, `[(slot * merchants + merchant) * platforms + platform]`.
    held: Vec<Money>,
    held_slots: usize,
    growth_rng: Vec<StreamRng>,
    /// Period of each segment's churn clock, in ticks (0: no clock).
    churn_period_ticks: Vec<u64>,
    /// Loans and lenders.
    pub lending: lending::Lending,
    /// Today's demand multiplier (seasonality × common factor × shocks).
    demand: f64,
    /// Log of the common demand factor.
    demand_factor: f64,
    /// Upper bound of the demand multiplier: occasions arrive at this
    /// multiple of each consumer's rate and are thinned to today's demand,
    /// which keeps arrivals an exact Poisson process whatever the path of
    /// demand (including a shock to zero).
    demand_ceiling: f64,
    /// Bound on the log demand factor (four stationary standard deviations).
    factor_bound: f64,
    economy_rng: StreamRng,
}

impl<'a> Market<'a> {
    /// Draws the agents of the replication seeded `run_seed`, posts the
    /// opening funding, installs the initial users and schedules day ends,
    /// the horizon and each consumer's first occasion. `on_day_closed` is
    /// called after each day (for progress reporting).
    pub fn new(
        scenario: &'a Scenario,
        run_seed: u64,
        ledger_journal: bool,
        on_day_closed: &'a (dyn Fn() + Sync),
        queue: &mut EventQueue<Event>,
    ) -> Market<'a> {
        let consumers = Consumers::draw(scenario, run_seed);
        let merchants = Merchants::draw(scenario, run_seed);
        let np = scenario.platforms.len();
        let nm = merchants.len();
        let nd = scenario.market.districts as usize;
        let accounts = Accounts::new(np, scenario.lenders.len());
        let mut ledger = Ledger::new(accounts.count(nm));
        if ledger_journal {
            ledger = ledger.with_journal();
        }
        let mut platforms = Vec::with_capacity(np);
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
                payables: Money::ZERO,
                levers: spec.base_levers,
                active_rules: Vec::new(),
                funded: vec![false; spec.funding.len()],
                installed: 0,
                marketing_acquisitions: 0,
                marketing_spend: Money::ZERO,
                recent_available: VecDeque::with_capacity(32),
                metrics: [0.0; Metric::ALL.len()],
            });
        }
        for (l, spec) in scenario.lenders.iter().enumerate() {
            ledger.post(
                Accounts::INVESTORS,
                accounts.lender(l),
                spec.capital,
                PostingKind::Funding,
            );
        }
        let mut district_open = vec![Vec::new(); nd];
        let mut position = vec![0u32; nm];
        let mut listed = vec![0u32; np * nd];
        let mut listed_total = vec![0u32; np];
        for (m, pos) in position.iter_mut().enumerate() {
            ledger.post(
                Accounts::OWNERS,
                accounts.merchant(m),
                scenario.merchants.cash,
                PostingKind::Funding,
            );
            let d = merchants.district[m] as usize;
            *pos = district_open[d].len() as u32;
            district_open[d].push(m as u32);
            for p in 0..np {
                if merchants.listed_on[m] & (1 << p) != 0 {
                    listed[p * nd + d] += 1;
                    listed_total[p] += 1;
                }
            }
        }
        let held_slots = scenario
            .platforms
            .iter()
            .map(|p| p.payments.settlement_days as usize)
            .max()
            .map_or(0, |d| if d > 0 { d + 1 } else { 0 });
        let churn_period_ticks = scenario
            .consumers
            .segments
            .iter()
            .map(|s| match s.churn {
                Churn::Sbg { period_days, .. } | Churn::Geometric { period_days, .. } => {
                    (period_days * TICKS_PER_DAY as f64).round().max(1.0) as u64
                }
                Churn::None => 0,
            })
            .collect();
        // Day ends and the horizon go in first so that, at equal ticks, they
        // fire before any consumer event (see the engine's ordering
        // contract).
        for day in 0..scenario.horizon_days {
            queue.push(Tick::start_of_day(day + 1), Event::DayEnd { day });
        }
        queue.push(Tick::start_of_day(scenario.horizon_days), Event::Horizon);
        let lending = lending::Lending::new(scenario, run_seed, &merchants.listed_on);
        let mut market = Market {
            scenario,
            lending,
            demand: 1.0,
            demand_factor: 0.0,
            demand_ceiling: 1.0,
            factor_bound: 0.0,
            economy_rng: stream(run_seed, Purpose::Economy, 0),
            consumers,
            merchants,
            platforms,
            ledger,
            recorder: Recorder::new(np, scenario.horizon_days),
            accounts,
            on_day_closed,
            district_open,
            position,
            variety_term: listed.iter().map(|&n| (1.0 + f64::from(n)).ln()).collect(),
            decay_powers: (0..=scenario.horizon_days as i32)
                .map(|k| scenario.consumers.loyalty.daily_decay.powi(k))
                .collect(),
            listed,
            listed_total,
            held: vec![Money::ZERO; held_slots * nm * np],
            held_slots,
            growth_rng: (0..np)
                .map(|p| stream(run_seed, Purpose::PlatformGrowth, p as u64))
                .collect(),
            churn_period_ticks,
        };
        for (p, spec) in scenario.platforms.iter().enumerate() {
            let share = spec.initial_users;
            for c in 0..market.consumers.len() {
                if share >= 1.0 || market.growth_rng[p].random::<f64>() < share {
                    market.install(c, p, Tick(0), queue);
                }
            }
        }
        for p in 0..np {
            market.review_platform(p, 0, true);
        }
        let e = &scenario.economy;
        if e.factor_volatility > 0.0 {
            market.factor_bound =
                4.0 * e.factor_volatility / (1.0 - e.factor_persistence.powi(2)).sqrt();
        }
        let max_shock = e.shocks.iter().map(|s| s.demand).fold(1.0, f64::max);
        market.demand_ceiling = (1.0 + e.seasonality) * max_shock * market.factor_bound.exp();
        market.demand = market.demand_on(0);
        for c in 0..market.consumers.len() {
            market.schedule_next(c, Tick(0), queue);
        }
        market
    }

    fn horizon_tick(&self) -> u64 {
        u64::from(self.scenario.horizon_days) * TICKS_PER_DAY
    }

    /// Schedules consumer `c`'s next occasion after `now` (exponential
    /// waiting time: occasions form a Poisson process).
    fn schedule_next(&mut self, c: usize, now: Tick, queue: &mut EventQueue<Event>) {
        let rate = f64::from(self.consumers.agents[c].rate) * self.demand_ceiling;
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

    /// Cash of platform `p`.
    pub fn platform_cash(&self, p: usize) -> Money {
        self.ledger.balance(self.accounts.platform(p))
    }

    /// Cash of platform `p` not owed to merchants.
    pub fn available_cash(&self, p: usize) -> Money {
        self.platform_cash(p) - self.platforms[p].payables
    }

    fn relation(&mut self, c: usize, p: usize) -> &mut Relation {
        &mut self.consumers.relation[c * self.platforms.len() + p]
    }

    /// Consumer `c` installs platform `p` at `now`; its churn clock, if
    /// any, starts.
    fn install(&mut self, c: usize, p: usize, now: Tick, queue: &mut EventQueue<Event>) {
        if self.consumers.agents[c].installed & (1 << p) != 0 {
            return;
        }
        let day = now.day() as u16;
        self.consumers.agents[c].installed |= 1 << p;
        self.platforms[p].installed += 1;
        let rel = self.relation(c, p);
        rel.spell_start = day;
        rel.last_order_day = NEVER;
        rel.loyalty = 0.0;
        rel.loyalty_day = day;
        let first = rel.first_acquired == NEVER;
        if first {
            rel.first_acquired = day;
            self.recorder.acquired(p);
        }
        let theta = f64::from(self.consumers.agents[c].churn_theta);
        let period = self.churn_period_ticks[self.consumers.agents[c].segment as usize];
        if theta > 0.0 && period > 0 {
            let u: f64 = self.consumers.agents[c].rng.random();
            // Whole periods survived: geometric with success probability θ.
            let survived = if theta >= 1.0 {
                0.0
            } else {
                ((1.0 - u).ln() / (1.0 - theta).ln()).floor()
            };
            let periods = survived + 1.0;
            let ticks = periods * period as f64;
            if ticks < (self.horizon_tick() - now.0) as f64 {
                let at = Tick(now.0 + ticks as u64);
                queue.push(
                    at,
                    Event::Churn {
                        consumer: c as u32,
                        platform: p as u8,
                        spell: day,
                    },
                );
            }
        }
    }

    /// Consumer `c` uninstalls platform `p` on `day`.
    fn uninstall(&mut self, c: usize, p: usize, day: u32) {
        if self.consumers.agents[c].installed & (1 << p) == 0 {
            return;
        }
        self.consumers.agents[c].installed &= !(1 << p);
        self.platforms[p].installed -= 1;
        let rel = self.relation(c, p);
        if rel.first_churned == NEVER && rel.spell_start == rel.first_acquired {
            rel.first_churned = day as u16;
        }
        rel.spell_start = NEVER;
        rel.loyalty = 0.0;
        self.recorder.churned(p);
    }

    fn exit(&mut self, p: usize, day: u32) {
        if !self.platforms[p].alive {
            return;
        }
        self.platforms[p].alive = false;
        self.platforms[p].exit_day = Some(day);
        // Users uninstall a dead app; merchants are delisted.
        for c in 0..self.consumers.len() {
            self.uninstall(c, p, day);
        }
        let nd = self.scenario.market.districts as usize;
        for m in 0..self.merchants.len() {
            self.merchants.listed_on[m] &= !(1 << p);
        }
        self.listed[p * nd..(p + 1) * nd]
            .iter_mut()
            .for_each(|n| *n = 0);
        self.variety_term[p * nd..(p + 1) * nd]
            .iter_mut()
            .for_each(|v| *v = 0.0);
        self.listed_total[p] = 0;
    }

    fn pick_merchant(&mut self, c: usize) -> Option<usize> {
        let market = &self.scenario.market;
        let agent = &mut self.consumers.agents[c];
        let (last, home) = (agent.last_merchant, agent.district);
        let rng = &mut agent.rng;
        if last != NONE
            && market.repeat_merchant > 0.0
            && rng.random::<f64>() < market.repeat_merchant
            && self.merchants.open[last as usize]
        {
            return Some(last as usize);
        }
        let mut d = home as usize;
        if market.cross_district_share > 0.0 && rng.random::<f64>() < market.cross_district_share {
            d = rng.random_range(0..self.district_open.len());
        }
        let list = &self.district_open[d];
        if list.is_empty() {
            return None;
        }
        Some(list[rng.random_range(0..list.len())] as usize)
    }

    /// The wallet consumer `c` would pay merchant `m` with: the installed,
    /// live wallet platform with the largest red packet (lowest index on
    /// ties), if the merchant accepts wallets.
    fn wallet_for(&self, c: usize, m: usize) -> Option<usize> {
        if !self.merchants.accepts_wallet[m] {
            return None;
        }
        let installed = self.consumers.agents[c].installed;
        let mut best: Option<(usize, f64)> = None;
        for (p, spec) in self.scenario.platforms.iter().enumerate() {
            if spec.payments.wallet && self.platforms[p].alive && installed & (1 << p) != 0 {
                let rp = self.platforms[p].levers[Lever::RedPacket.index()];
                if best.is_none_or(|(_, b)| rp > b) {
                    best = Some((p, rp));
                }
            }
        }
        best.map(|(p, _)| p)
    }

    fn purchase(&mut self, c: usize, time: Tick) {
        let day = time.day();
        let scenario = self.scenario;
        if self.demand < self.demand_ceiling {
            // Thinning: only a `demand / ceiling` share of arrivals are
            // purchase occasions today.
            let u: f64 = self.consumers.agents[c].rng.random();
            if u * self.demand_ceiling >= self.demand {
                return;
            }
        }
        self.recorder.occasion();
        if let Some(dormancy) = scenario.consumers.dormancy_days {
            self.apply_dormancy(c, day, dormancy);
        }
        let Some(m) = self.pick_merchant(c) else {
            self.recorder.no_purchase();
            return;
        };
        let price = self.merchants.price[m];
        let beta = f64::from(self.consumers.agents[c].price_sensitivity);
        let ch = &scenario.choice;
        let wait = ch.wait_per_hour * self.merchants.expected_wait_hours[m];
        let np = scenario.platforms.len();
        let nd = scenario.market.districts as usize;
        let district = self.merchants.district[m] as usize;
        let available = self.consumers.agents[c].installed & self.merchants.listed_on[m];
        let last_platform = self.consumers.agents[c].last_platform;
        let mut utilities = [None; MAX_PLATFORMS];
        for (p, spec) in scenario.platforms.iter().enumerate() {
            if available & (1 << p) == 0 || !self.platforms[p].alive {
                continue;
            }
            let state = &self.platforms[p];
            let rel = &self.consumers.relation[c * np + p];
            let mut discount = state.lever_money(Lever::Coupon);
            if rel.last_order_day == NEVER {
                discount += state.lever_money(Lever::NewUserBonus);
            }
            let effective = effective_price(price, state.lever_money(Lever::ConsumerFee), discount);
            let mut u =
                spec.brand_utility + spec.payment_convenience - beta * effective.as_major() - wait;
            if ch.variety != 0.0 {
                u += ch.variety * self.variety_term[p * nd + district];
            }
            if ch.loyalty != 0.0 {
                u += ch.loyalty * rel.loyalty_from(day, &self.decay_powers);
            }
            if last_platform != NO_PLATFORM && usize::from(last_platform) != p {
                u -= ch.switching_cost;
            }
            utilities[p] = Some(u);
        }
        let member = self.consumers.agents[c].member_of == m as u32 && self.merchants.membership[m];
        let direct_price = if member {
            (price - scenario.merchants.membership.discount).max(Money::ZERO)
        } else {
            price
        };
        let wallet = self.wallet_for(c, m);
        let mut direct = scenario.market.direct_utility - beta * direct_price.as_major() - wait;
        if let Some(w) = wallet {
            direct +=
                ch.wallet_convenience + beta * self.platforms[w].levers[Lever::RedPacket.index()];
        }
        // A chosen platform that cannot fund the order exits and the
        // consumer chooses again among the rest: at most `np` retries.
        for _ in 0..=np {
            let options = Options {
                platforms: &utilities[..np],
                direct,
                no_purchase: scenario.market.no_purchase_utility,
            };
            match choose(&options, &mut self.consumers.agents[c].rng) {
                Choice::Platform(p) => {
                    if self.settle_platform_order(c, m, p, day) {
                        self.after_purchase(c, m, Some(p), time);
                        return;
                    }
                    self.exit(p, day);
                    utilities[p] = None;
                }
                Choice::Direct => {
                    self.settle_direct(m, direct_price, wallet, day);
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

    fn apply_dormancy(&mut self, c: usize, day: u32, dormancy: u32) {
        let np = self.platforms.len();
        let mut installed = self.consumers.agents[c].installed;
        while installed != 0 {
            let p = installed.trailing_zeros() as usize;
            installed &= installed - 1;
            let rel = &self.consumers.relation[c * np + p];
            let since = if rel.last_order_day == NEVER {
                rel.spell_start
            } else {
                rel.last_order_day
            };
            if day.saturating_sub(u32::from(since)) > dormancy {
                self.uninstall(c, p, day);
            }
        }
    }

    /// Queueing, habit and membership after a purchase at merchant `m`
    /// (through platform `platform`, or direct).
    fn after_purchase(&mut self, c: usize, m: usize, platform: Option<usize>, time: Tick) {
        let scenario = self.scenario;
        let mut good = true;
        let service = self.merchants.service_ticks[m];
        if service > 0.0 {
            let u: f64 = self.consumers.agents[c].rng.random();
            let s = (-(1.0 - u).ln() * service + 0.5) as u64;
            let start = time.max(self.merchants.busy_until[m]);
            let done = Tick(start.0.saturating_add(s));
            self.merchants.busy_until[m] = done;
            let in_system = done.0 - time.0;
            self.recorder.time_in_system(in_system);
            let hours = in_system as f64 / 3600.0;
            let w = &mut self.merchants.expected_wait_hours[m];
            *w += WAIT_SMOOTHING * (hours - *w);
            good = hours <= scenario.consumers.loyalty.wait_tolerance_hours;
        }
        let day = time.day();
        if let Some(p) = platform {
            let l = scenario.consumers.loyalty;
            let np = self.platforms.len();
            let rel = &mut self.consumers.relation[c * np + p];
            let now = rel.loyalty_from(day, &self.decay_powers);
            let next = if good {
                now + l.gain
            } else {
                (now - l.loss).max(0.0)
            };
            rel.loyalty = next as f32;
            rel.loyalty_day = day as u16;
            self.consumers.agents[c].last_platform = p as u8;
        }
        let membership = &scenario.merchants.membership;
        if self.merchants.membership[m]
            && self.consumers.agents[c].member_of != m as u32
            && (platform.is_none() || scenario.market.customer_data == DataOwner::Merchant)
            && self.consumers.agents[c].rng.random::<f64>() < membership.join_probability
        {
            self.consumers.agents[c].member_of = m as u32;
        }
        self.consumers.agents[c].last_merchant = m as u32;
    }

    /// Holds `amount` of merchant `m`'s takings at platform `p` until its
    /// settlement day.
    fn hold(&mut self, p: usize, m: usize, amount: Money, day: u32) {
        let delay = self.scenario.platforms[p].payments.settlement_days as usize;
        if delay == 0 || amount.0 <= 0 {
            return;
        }
        let merchant = self.accounts.merchant(m);
        let platform = self.accounts.platform(p);
        self.ledger
            .post(merchant, platform, amount, PostingKind::SettlementHold);
        self.platforms[p].payables += amount;
        let slot = (day as usize + delay) % self.held_slots;
        let np = self.platforms.len();
        self.held[(slot * self.merchants.len() + m) * np + p] += amount;
    }

    /// Settles an order of consumer `c` at merchant `m` through platform
    /// `p`; returns false, posting nothing, if the platform cannot fund it.
    fn settle_platform_order(&mut self, c: usize, m: usize, p: usize, day: u32) -> bool {
        let spec = &self.scenario.platforms[p];
        let state = &self.platforms[p];
        let price = self.merchants.price[m];
        let fee = state.lever_money(Lever::ConsumerFee);
        let first = self.consumers.relation[c * self.platforms.len() + p].last_order_day == NEVER;
        let coupon = state.lever_money(Lever::Coupon).min(price + fee);
        let bonus = if first {
            state
                .lever_money(Lever::NewUserBonus)
                .min(price + fee - coupon)
        } else {
            Money::ZERO
        };
        let commission = price.times(state.levers[Lever::Commission.index()]);
        let merchant_subsidy = state.lever_money(Lever::MerchantSubsidy);
        let variable = spec.variable_cost;
        let net = fee + commission - coupon - bonus - merchant_subsidy - variable;
        if (self.available_cash(p) + net).0 < 0 {
            return false;
        }
        let platform = self.accounts.platform(p);
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
        l.post(
            platform,
            merchant,
            merchant_subsidy,
            PostingKind::MerchantSubsidy,
        );
        l.post(merchant, platform, commission, PostingKind::Commission);
        l.post(platform, Accounts::HOUSEHOLDS, coupon, PostingKind::Coupon);
        l.post(
            platform,
            Accounts::HOUSEHOLDS,
            bonus,
            PostingKind::NewUserBonus,
        );
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
        self.hold(p, m, price + merchant_subsidy - commission, day);
        self.lending.record_sale(m, Some(p), price, day);
        let np = self.platforms.len();
        let since = &mut self.merchants.orders_since_review[m * np + p];
        *since = since.saturating_add(1);
        let rel = &mut self.consumers.relation[c * np + p];
        rel.last_order_day = day as u16;
        let previous = std::mem::replace(&mut rel.last_order_ever, day as u16);
        self.recorder.platform_order(
            p,
            day,
            previous,
            Flows {
                orders: 1,
                gmv: price,
                subsidy_spend: coupon + bonus + merchant_subsidy,
                marketing_spend: Money::ZERO,
                revenue: fee + commission,
                variable_cost: variable,
                ..Flows::default()
            },
        );
        true
    }

    /// Settles a direct purchase, through wallet `wallet` if given.
    fn settle_direct(&mut self, m: usize, price: Money, wallet: Option<usize>, day: u32) {
        let merchant = self.accounts.merchant(m);
        match wallet {
            Some(w) => {
                let platform = self.accounts.platform(w);
                let state = &self.platforms[w];
                let fee = price.times(self.scenario.platforms[w].payments.fee_rate);
                let mut red_packet = state.lever_money(Lever::RedPacket);
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
    fn settle_and_float(&mut self, day: u32) {
        if self.held_slots == 0 {
            return;
        }
        let np = self.platforms.len();
        let nm = self.merchants.len();
        let slot = day as usize % self.held_slots;
        for m in 0..nm {
            for p in 0..np {
                let i = (slot * nm + m) * np + p;
                let amount = self.held[i];
                if amount.0 > 0 {
                    self.held[i] = Money::ZERO;
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

    fn delist(&mut self, m: usize, p: usize) {
        if self.merchants.listed_on[m] & (1 << p) != 0 {
            self.merchants.listed_on[m] &= !(1 << p);
            let nd = self.scenario.market.districts as usize;
            let i = p * nd + self.merchants.district[m] as usize;
            self.listed[i] -= 1;
            self.variety_term[i] = (1.0 + f64::from(self.listed[i])).ln();
            self.listed_total[p] -= 1;
        }
    }

    fn list(&mut self, m: usize, p: usize, day: u32) {
        if self.merchants.listed_on[m] & (1 << p) == 0 {
            self.merchants.listed_on[m] |= 1 << p;
            let np = self.platforms.len();
            let since = &mut self.lending.listed_since[m * np + p];
            if *since == u32::MAX {
                *since = day;
            }
            let nd = self.scenario.market.districts as usize;
            let i = p * nd + self.merchants.district[m] as usize;
            self.listed[i] += 1;
            self.variety_term[i] = (1.0 + f64::from(self.listed[i])).ln();
            self.listed_total[p] += 1;
        }
    }

    fn close_merchant(&mut self, m: usize) {
        self.merchants.open[m] = false;
        for p in 0..self.platforms.len() {
            self.delist(m, p);
        }
        let d = self.merchants.district[m] as usize;
        let pos = self.position[m] as usize;
        let list = &mut self.district_open[d];
        list.swap_remove(pos);
        if let Some(&moved) = list.get(pos) {
            self.position[moved as usize] = pos as u32;
        }
        self.recorder.merchant_closed();
    }

    /// Merchants pay fixed and listing costs, close if out of cash, and
    /// review their listings.
    fn merchants_day(&mut self, day: u32) {
        let spec = &self.scenario.merchants;
        let alive_mask: u32 = self
            .platforms
            .iter()
            .enumerate()
            .filter(|(_, s)| s.alive)
            .fold(0, |acc, (p, _)| acc | (1 << p));
        let np = self.platforms.len();
        for m in 0..self.merchants.len() {
            if !self.merchants.open[m] {
                continue;
            }
            let account = self.accounts.merchant(m);
            let listings = (self.merchants.listed_on[m] & alive_mask).count_ones();
            let cost =
                Money(self.merchants.fixed_cost[m].0 + spec.listing_cost.0 * i64::from(listings));
            self.ledger.post(
                account,
                Accounts::SUPPLIERS,
                cost,
                PostingKind::MerchantFixedCost,
            );
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
                    self.close_merchant(m);
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
    /// from leaving every platform at once when orders are split.
    fn review_listings(&mut self, m: usize, day: u32) {
        let spec = &self.scenario.merchants;
        let np = self.platforms.len();
        let review_days = f64::from(spec.review_days);
        let price = self.merchants.price[m];
        let unit_cost = self.merchants.unit_cost[m];
        let listing = spec.listing_cost.as_major();
        let window = SHARE_WINDOW_DAYS * 4;
        let mut worst: Option<(usize, f64)> = None;
        let mut best: Option<(usize, f64)> = None;
        for p in 0..np {
            if !self.platforms[p].alive {
                continue;
            }
            let state = &self.platforms[p];
            let margin = (price - price.times(state.levers[Lever::Commission.index()]) - unit_cost
                + state.lever_money(Lever::MerchantSubsidy))
            .as_major();
            if self.merchants.listed_on[m] & (1 << p) != 0 {
                let per_day =
                    f64::from(self.merchants.orders_since_review[m * np + p]) / review_days;
                let profit = per_day * margin - listing;
                if worst.is_none_or(|(_, w)| profit < w) {
                    worst = Some((p, profit));
                }
            } else {
                let listed = f64::from(self.listed_total[p].max(1));
                let per_day =
                    self.recorder.recent_orders(p, window) as f64 / f64::from(window) / listed;
                let profit = per_day * margin - listing;
                if best.is_none_or(|(_, b)| profit > b) {
                    best = Some((p, profit));
                }
            }
        }
        if let Some((p, profit)) = worst
            && profit < 0.0
        {
            self.delist(m, p);
        }
        if let Some((p, profit)) = best
            && profit > 0.0
        {
            self.list(m, p, day);
        }
    }

    /// Picks up to `n` consumers without platform `p` and installs it.
    fn acquire(&mut self, p: usize, n: u64, at: Tick, queue: &mut EventQueue<Event>) -> u64 {
        let total = self.consumers.len();
        let mut done = 0;
        for _ in 0..n {
            if self.platforms[p].installed as usize >= total {
                break;
            }
            let rng = &mut self.growth_rng[p];
            let mut c = rng.random_range(0..total);
            let mut tries = 0;
            // Rejection sampling; once the unreached pool is small, scan
            // forward from the last draw instead.
            while self.consumers.agents[c].installed & (1 << p) != 0 {
                tries += 1;
                c = if tries < 64 {
                    self.growth_rng[p].random_range(0..total)
                } else {
                    (c + 1) % total
                };
            }
            self.install(c, p, at, queue);
            done += 1;
        }
        done
    }

    /// A platform's day: fixed costs, dated funding, marketing, word of
    /// mouth, and exit if it has no spendable cash left.
    fn platform_day(&mut self, p: usize, day: u32, queue: &mut EventQueue<Event>) {
        if !self.platforms[p].alive {
            return;
        }
        let spec = &self.scenario.platforms[p];
        let account = self.accounts.platform(p);
        for (i, round) in spec.funding.iter().enumerate() {
            if round.day == Some(day) && !self.platforms[p].funded[i] {
                self.fund(p, i);
            }
        }
        let fixed = spec
            .fixed_daily_cost
            .min(self.available_cash(p).max(Money::ZERO));
        self.ledger.post(
            account,
            Accounts::SUPPLIERS,
            fixed,
            PostingKind::PlatformFixedCost,
        );
        // Installs happen in the last second of the day.
        let at = Tick(Tick::start_of_day(day + 1).0 - 1);
        let n = self.consumers.len() as f64;
        let unreached = (n - f64::from(self.platforms[p].installed)) / n;
        let budget = self.platforms[p]
            .lever_money(Lever::MarketingBudget)
            .min(self.available_cash(p).max(Money::ZERO));
        if budget.0 > 0 && unreached > 0.0 {
            let cpa = spec.cpa / unreached.powf(spec.cpa_elasticity);
            let expected = budget.as_major() / cpa;
            let mut count = expected.floor();
            if self.growth_rng[p].random::<f64>() < expected - count {
                count += 1.0;
            }
            let acquired = self.acquire(p, count as u64, at, queue);
            let spend = Money::from_major(acquired as f64 * cpa)
                .unwrap_or(Money::ZERO)
                .min(budget);
            self.ledger
                .post(account, Accounts::SUPPLIERS, spend, PostingKind::Marketing);
            self.platforms[p].marketing_acquisitions += acquired;
            self.platforms[p].marketing_spend += spend;
            self.recorder.platform_flows(
                p,
                Flows {
                    marketing_spend: spend,
                    ..Flows::default()
                },
            );
        }
        if spec.word_of_mouth > 0.0 || spec.innovation > 0.0 {
            let unreached = n - f64::from(self.platforms[p].installed);
            let active = self
                .recorder
                .last_day(p)
                .map_or(f64::from(self.platforms[p].installed), |r| {
                    r.active_consumers as f64
                });
            let hazard = (spec.innovation + spec.word_of_mouth * active / n).min(1.0);
            let mean = unreached * hazard;
            if mean > 0.0 {
                let count = Poisson::new(mean).map_or(0.0, |d| d.sample(&mut self.growth_rng[p]));
                self.acquire(p, count as u64, at, queue);
            }
        }
        if self.available_cash(p).0 <= 0 {
            self.exit(p, day);
        }
    }

    fn fund(&mut self, p: usize, round: usize) {
        let amount = self.scenario.platforms[p].funding[round].amount;
        self.ledger.post(
            Accounts::INVESTORS,
            self.accounts.platform(p),
            amount,
            PostingKind::Funding,
        );
        self.platforms[p].funding += amount;
        self.platforms[p].funded[round] = true;
    }

    fn runway_months(&self, p: usize) -> Option<f64> {
        let recent = &self.platforms[p].recent_available;
        let (Some(oldest), Some(now)) = (recent.front(), recent.back()) else {
            return None;
        };
        let days = recent.len().saturating_sub(1) as f64;
        let burn = (*oldest - *now).as_major() / days.max(1.0);
        (burn > 0.0 && days > 0.0).then(|| now.as_major().max(0.0) / burn / 30.0)
    }

    /// Stores the metrics rules see, then (on review days) re-evaluates
    /// conditional funding and rules, and sets the levers for `day`.
    fn review_platform(&mut self, p: usize, day: u32, review: bool) {
        let shares = self.recorder.recent_shares(SHARE_WINDOW_DAYS);
        let rivals = || (0..self.platforms.len()).filter(move |&q| q != p);
        let mut m = [0.0; Metric::ALL.len()];
        m[Metric::Day.index()] = f64::from(day);
        m[Metric::Share.index()] = shares[p];
        m[Metric::RivalShare.index()] = rivals()
            .filter(|&q| self.platforms[q].alive)
            .map(|q| shares[q])
            .fold(0.0, f64::max);
        m[Metric::RunwayMonths.index()] = self.runway_months(p).unwrap_or(f64::INFINITY);
        m[Metric::Cash.index()] = self.platform_cash(p).as_major();
        m[Metric::Coupon.index()] = self.platforms[p].levers[Lever::Coupon.index()];
        m[Metric::RivalCoupon.index()] = rivals()
            .filter(|&q| self.platforms[q].alive)
            .map(|q| self.platforms[q].levers[Lever::Coupon.index()])
            .fold(0.0, f64::max);
        let last = self.recorder.last_day(p);
        m[Metric::ActiveUsers.index()] = last.map_or(0.0, |r| r.active_consumers as f64);
        m[Metric::Orders.index()] = last.map_or(0.0, |r| r.flows.orders as f64);
        m[Metric::Merchants.index()] = f64::from(self.listed_total[p]);
        self.platforms[p].metrics = m;
        let spec = &self.scenario.platforms[p];
        if review {
            for i in 0..spec.funding.len() {
                if !self.platforms[p].funded[i]
                    && !spec.funding[i].when.is_empty()
                    && strategy::holds(&spec.funding[i].when, &m)
                {
                    self.fund(p, i);
                }
            }
            strategy::review(spec, &mut self.platforms[p]);
        }
        strategy::set_levers(spec, &mut self.platforms[p], day);
        if let Some(cap) = self.scenario.max_coupon {
            let coupon = &mut self.platforms[p].levers[Lever::Coupon.index()];
            *coupon = coupon.min(cap);
        }
    }

    /// Demand multiplier on `day`: seasonality × the common factor × any
    /// shocks in force.
    fn demand_on(&self, day: u32) -> f64 {
        let e = &self.scenario.economy;
        let season = if e.seasonality > 0.0 {
            let phase =
                2.0 * std::f64::consts::PI * (f64::from(day) - f64::from(e.peak_day)) / 365.0;
            1.0 + e.seasonality * phase.cos()
        } else {
            1.0
        };
        let shocks: f64 = e
            .shocks
            .iter()
            .filter(|s| s.from_day <= day && day < s.to_day)
            .map(|s| s.demand)
            .product();
        season * self.demand_factor.exp() * shocks
    }

    fn close_day(&mut self, day: u32, queue: &mut EventQueue<Event>) {
        self.settle_and_float(day);
        self.lending_day(day);
        self.merchants_day(day);
        self.lending_close(day);
        let e = &self.scenario.economy;
        if e.factor_volatility > 0.0 {
            let shock: f64 = rand_distr::StandardNormal.sample(&mut self.economy_rng);
            self.demand_factor = (e.factor_persistence * self.demand_factor
                + e.factor_volatility * shock)
                .clamp(-self.factor_bound, self.factor_bound);
        }
        self.demand = self.demand_on(day + 1);
        for p in 0..self.platforms.len() {
            self.platform_day(p, day, queue);
        }
        let mut closes = Vec::with_capacity(self.platforms.len());
        for p in 0..self.platforms.len() {
            let available = self.available_cash(p);
            let recent = &mut self.platforms[p].recent_available;
            if recent.len() == 31 {
                recent.pop_front();
            }
            recent.push_back(available);
            closes.push(PlatformClose {
                cash: self.platform_cash(p),
                funding: self.platforms[p].funding,
                runway_months: self.runway_months(p),
                installed: u64::from(self.platforms[p].installed),
                merchants: u64::from(self.listed_total[p]),
                alive: self.platforms[p].alive,
            });
        }
        self.recorder.close_day(day, &closes);
        let next = day + 1;
        if next < self.scenario.horizon_days {
            for p in 0..self.platforms.len() {
                if self.platforms[p].alive {
                    let review = next.is_multiple_of(self.scenario.platforms[p].review_days);
                    self.review_platform(p, next, review);
                }
            }
        }
        (self.on_day_closed)();
    }

    /// Retention by acquisition cohort (30-day months) and age, per
    /// platform and consumer segment. A member counts at age `a` if the run
    /// saw it reach that age; it is retained if its first install spell
    /// had not ended by then.
    pub fn cohorts(&self) -> Vec<CohortRecord> {
        let np = self.platforms.len();
        let ns = self.scenario.consumers.segments.len();
        let horizon = self.scenario.horizon_days;
        let months = horizon.div_ceil(COHORT_MONTH_DAYS) as usize;
        let ages = months + 1;
        let idx = |p: usize, s: usize, cm: usize, a: usize| ((p * ns + s) * months + cm) * ages + a;
        let mut observed = vec![0u64; np * ns * months * ages];
        let mut retained = vec![0u64; np * ns * months * ages];
        for c in 0..self.consumers.len() {
            let s = self.consumers.agents[c].segment as usize;
            for p in 0..np {
                let rel = &self.consumers.relation[c * np + p];
                if rel.first_acquired == NEVER {
                    continue;
                }
                let acq = u32::from(rel.first_acquired);
                let cm = (acq / COHORT_MONTH_DAYS) as usize;
                let mut a = 0;
                while a < ages && acq + COHORT_MONTH_DAYS * (a as u32) < horizon {
                    let at_age = acq + COHORT_MONTH_DAYS * a as u32;
                    observed[idx(p, s, cm, a)] += 1;
                    if rel.first_churned == NEVER || u32::from(rel.first_churned) > at_age {
                        retained[idx(p, s, cm, a)] += 1;
                    }
                    a += 1;
                }
            }
        }
        let mut out = Vec::new();
        for p in 0..np {
            for s in 0..ns {
                for cm in 0..months {
                    for a in 0..ages {
                        let i = idx(p, s, cm, a);
                        if observed[i] > 0 {
                            out.push(CohortRecord {
                                platform: p,
                                segment: s,
                                cohort_month: cm as u32,
                                age_months: a as u32,
                                observed: observed[i],
                                retained: retained[i],
                            });
                        }
                    }
                }
            }
        }
        out
    }

    /// Per platform: of consumers acquired at least 90 days before the
    /// end, the share whose first install spell lasted beyond 90 days.
    pub fn retention_90d(&self) -> Vec<Option<f64>> {
        let np = self.platforms.len();
        let horizon = self.scenario.horizon_days;
        let mut eligible = vec![0u64; np];
        let mut kept = vec![0u64; np];
        for c in 0..self.consumers.len() {
            for p in 0..np {
                let rel = &self.consumers.relation[c * np + p];
                if rel.first_acquired == NEVER {
                    continue;
                }
                let until = u32::from(rel.first_acquired) + RETENTION_DAYS;
                if until < horizon {
                    eligible[p] += 1;
                    if rel.first_churned == NEVER || u32::from(rel.first_churned) > until {
                        kept[p] += 1;
                    }
                }
            }
        }
        (0..np)
            .map(|p| (eligible[p] > 0).then(|| kept[p] as f64 / eligible[p] as f64))
            .collect()
    }

    /// Ends the run: daily records, per-platform summaries, cohorts and
    /// market totals.
    pub fn finish(self) -> Finished {
        let exit_days: Vec<Option<u32>> = self.platforms.iter().map(|p| p.exit_day).collect();
        let retention = self.retention_90d();
        let cac = self.cac();
        let cohorts = self.cohorts();
        let (days, mut summary, totals) = self.recorder.finish(&exit_days, &retention, &cac);
        let lenders = self.lending.summaries();
        for (l, spec) in self.scenario.lenders.iter().enumerate() {
            if let Some(p) = spec.platform
                && summary[p].lending.is_none()
            {
                summary[p].lending = Some(lenders[l].clone());
            }
        }
        Finished {
            days,
            summary,
            cohorts,
            totals,
            lender_days: self.lending.days,
            lenders,
            loans: self.lending.loans,
        }
    }

    /// Per platform: marketing spend per consumer acquired by marketing.
    pub fn cac(&self) -> Vec<Option<f64>> {
        self.platforms
            .iter()
            .map(|s| {
                (s.marketing_acquisitions > 0)
                    .then(|| s.marketing_spend.as_major() / s.marketing_acquisitions as f64)
            })
            .collect()
    }
}

/// What a finished run recorded.
#[derive(Debug, Clone)]
pub struct Finished {
    /// Daily records, day-major then platform.
    pub days: Vec<crate::metrics::DayRecord>,
    /// One summary per platform.
    pub summary: Vec<crate::metrics::PlatformSummary>,
    /// Cohort retention.
    pub cohorts: Vec<CohortRecord>,
    /// Market totals.
    pub totals: crate::metrics::MarketTotals,
    /// Daily records per lender.
    pub lender_days: Vec<lending::LenderDay>,
    /// One summary per lender.
    pub lenders: Vec<lending::LenderSummary>,
    /// Every loan made.
    pub loans: Vec<lending::Loan>,
}

/// Price the consumer pays on a platform: list price plus fee minus
/// discounts, never below zero.
pub fn effective_price(price: Money, fee: Money, discount: Money) -> Money {
    (price + fee - discount).max(Money::ZERO)
}

impl Model for Market<'_> {
    fn prefetch(&self, event: &Event) {
        if let Event::Purchase { consumer } = *event {
            let c = consumer as usize;
            let np = self.platforms.len();
            crate::memory::prefetch(&self.consumers.agents[c]);
            if let Some(first) = self.consumers.relation.get(c * np) {
                crate::memory::prefetch(first);
            }
            if let Some(last) = self.consumers.relation.get(c * np + np.saturating_sub(1)) {
                crate::memory::prefetch(last);
            }
        }
    }

    fn handle(&mut self, time: Tick, event: Event, queue: &mut EventQueue<Event>) {
        match event {
            Event::Purchase { consumer } => {
                let c = consumer as usize;
                self.purchase(c, time);
                self.schedule_next(c, time, queue);
            }
            Event::Churn {
                consumer,
                platform,
                spell,
            } => {
                let (c, p) = (consumer as usize, usize::from(platform));
                if self.consumers.relation[c * self.platforms.len() + p].spell_start == spell {
                    self.uninstall(c, p, time.day());
                }
            }
            Event::DayEnd { day } => self.close_day(day, queue),
            Event::Horizon => {}
        }
    }
}
