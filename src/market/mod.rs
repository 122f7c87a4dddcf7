//! The market: how purchase occasions become orders, how consumers adopt
//! and leave platforms, how merchants live, list and close, and how money
//! moves.
//!
//! | file | what it owns |
//! |---|---|
//! | `mod.rs` | the [`Market`] of one replication, its set-up and the day loop |
//! | [`occasion`] | an occasion becomes an order: merchant, logit choice, [`OrderTerms`], postings |
//! | [`consumer`] | installs, churn clocks, dormancy, habit |
//! | [`merchant`] | queues, daily costs, closure, listing reviews, membership |
//! | [`platform`] | levers for the day, funding, marketing, word of mouth, runway, exit |
//! | [`merger`] | a platform buying a rival: price, cash, users, merchants |
//! | [`payment`] | wallet payments, settlement holds, float |
//! | `day_postings` | a day's platform orders summed and posted when the day closes |
//! | [`funds`] | wallet balances in money-market funds: deposits, payments, sweeps, yield |
//! | [`products`] | products sold to users: reach, joins, claims, shared costs, leaving |
//! | [`listings`] | the per-district listing indices behind merchant picks and variety |
//! | [`economy`] | seasonality, the common demand factor, shocks |
//! | [`exclusivity`] | exclusivity deals ("二选一"): offers at listing reviews, daily payments |
//! | [`lending`] | loans to merchants from application to write-off |
//! | [`credit`] | consumer credit lines: scoring, spending, statements, defaults |
//! | [`signals`] | what a lender's data reveal of a borrower's latent risk; fraud screening |
//! | [`choice`], [`strategy`] | the logit draw; levers from schedules and rules |
//!
//! **Occasions.** A consumer picks a merchant, then chooses by logit among
//! the installed platforms that list it, buying direct, or not buying.
//! Platform utility: brand + payment convenience − price sensitivity ×
//! (price + fee − coupon − first-order bonus) + variety × ln(1 + merchants
//! listed in the district) − wait × expected hours + loyalty × habit −
//! switching cost (if not the platform used last). Direct utility: direct
//! constant − price sensitivity × (price − member discount) − wait, plus
//! wallet convenience and the red packet when paying with a wallet.
//!
//! **Money.** A platform order posts: consumer pays price and fee; the
//! platform pays the merchant the price and any merchant subsidy; the
//! merchant pays commission; the platform pays the coupon (and first-order
//! bonus) and its variable cost; the merchant pays for the goods; with a
//! settlement delay the platform then holds the merchant's net takings
//! until they are released. A platform whose spendable cash (cash minus
//! money held for merchants) cannot fund an order exits at that moment and
//! the consumer chooses again. Unless the ledger keeps a journal, a day's
//! platform orders are summed per platform and per merchant and posted
//! when the day closes, before anything reads a merchant's cash; a
//! platform's cash counts its orders not yet posted.
//!
//! **Days.** At each day's end: held takings due are released and float
//! interest is earned; loans accrue and fall due; platforms pay
//! exclusivity to the merchants under a deal; merchants pay fixed and
//! listing costs, draw on their merchant fund, borrow or close if their
//! cash is negative (creditors absorb the deficit) and review their
//! listings; products sold to users take in members, settle claims and
//! lose members; wallet balances take in income, sweeps and yield; lenders
//! close their day;
//! the economy moves on; platforms pay fixed costs, fund rounds, buy
//! acquisitions and gain word-of-mouth adopters; a platform with no
//! spendable cash exits (its users uninstall it, its merchants are
//! delisted); then the day is recorded and strategy rules are reviewed for
//! the next day, where a rule may buy a rival (a merger, in effect from the
//! start of the next day).

pub mod choice;
mod consumer;
mod credit;
pub(crate) mod day_postings;
mod economy;
mod exclusivity;
mod funds;
pub(crate) mod lending;
mod listings;
mod merchant;
mod merger;
mod occasion;
mod payment;
mod platform;
mod products;
pub(crate) mod signals;
mod strategy;

use std::collections::VecDeque;

use rand::RngExt;

use crate::agents::{Accounts, Consumers, Merchants, PlatformState};
use crate::engine::{Event, EventQueue, Model, TICKS_PER_DAY, Tick};
use crate::ledger::{Ledger, Money, PostingKind};
use crate::metrics::lending::{LenderDay, LenderSummary, Loan};
use crate::metrics::lines::{self, Line, Role};
use crate::metrics::merchants::{self, MerchantRecord};
use crate::metrics::{CohortRecord, DayRecord, MarketTotals, PlatformClose, PlatformSummary};
use crate::metrics::{Recorder, cohorts};
use crate::rng::{Purpose, StreamRng, stream};
use crate::scenario::{Churn, Levers, Metric, Scenario};
use economy::Economy;
use listings::Listings;
pub(crate) use occasion::OrderTerms;
use payment::{PaymentOptions, Settlement, WalletReach};

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
    /// Loans and lenders.
    pub(crate) lending: lending::Lending,
    /// Consumer credit programmes.
    credit: credit::Credit,
    accounts: Accounts,
    on_day_closed: &'a (dyn Fn() + Sync),
    /// Optional observer of each closed day's records (see
    /// [`Market::set_day_observer`]).
    day_observer: Option<&'a DayObserver<'a>>,
    listings: Listings,
    settlement: Settlement,
    /// The day's platform orders not yet posted (none when the ledger
    /// keeps a journal).
    day_postings: day_postings::DayPostings,
    economy: Economy,
    /// `daily_decay^k` for every age `k` of loyalty within the horizon.
    decay_powers: Vec<f64>,
    /// Period of each segment's churn clock, in ticks (0: no clock).
    churn_period_ticks: Vec<u64>,
    /// Each platform's stream for acquisitions and initial users.
    growth_rng: Vec<StreamRng>,
    /// The terms of the current occasion's order through each platform,
    /// kept here so the choice and the settlement read the same values
    /// without an array per occasion.
    order_terms: [OrderTerms; crate::scenario::MAX_PLATFORMS],
    /// The current occasion's utility of each platform (`None`: not an
    /// option), one entry per platform, every entry written on each
    /// occasion.
    utilities: Vec<Option<f64>>,
    /// The payment options of the current occasion (see [`payment`]).
    payment: PaymentOptions,
    /// What drives merchants' adoption of wallets.
    wallet_reach: WalletReach,
    /// Balances held in wallets' funds.
    funds: funds::Funds,
    /// Products sold to users (empty without products).
    products: products::Products,
    /// Whether any platform can offer exclusivity (see [`exclusivity`]).
    exclusivity_on: bool,
    /// The platform each merchant has an exclusivity deal with
    /// (`exclusivity::NO_PARTNER`: none).
    exclusive: Vec<u8>,
    /// Each platform's profit by business line so far, up to the last
    /// closed day (see [`crate::metrics::lines`]).
    line_totals: Vec<[Money; Line::COUNT]>,
    /// Loan books each platform took over in mergers, less those it
    /// handed over: financing, not lending profit.
    books_moved: Vec<Money>,
    /// Whether the engine's later prefetch hints fetch the merchant an
    /// occasion is expected to visit: worth its instructions only when
    /// the agents' state outgrows the caches.
    prefetch_merchants: bool,
    /// What the middle prefetch hint found, for the last hint.
    routes_found: occasion::RoutesFound,
}

/// Consumer state (records and relations) above which occasions prefetch
/// their merchant: about half a server's last-level cache. Below it the
/// state stays cached and the prediction would only cost instructions.
const PREFETCH_MERCHANTS_ABOVE_BYTES: usize = 16 << 20;

/// Watches each closed day: the day's record of every platform (in
/// platform order) and of every lender (in lender order; empty without
/// lenders). See [`Market::set_day_observer`].
pub type DayObserver<'o> = dyn Fn(&[DayRecord], &[LenderDay]) + Sync + 'o;

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
        let accounts = Accounts::new(np, scenario.lenders.len());
        // The products' pools come after every other account, so account
        // numbers are as they were without products.
        let first_pool = accounts.count(nm);
        let mut ledger = Ledger::new(first_pool + products::accounts_needed(scenario));
        if ledger_journal {
            ledger = ledger.with_journal();
        }
        ledger = ledger.with_tally(accounts.merchant(0), &merchants::PROFIT_KINDS);
        ledger = ledger.with_book(accounts.platform(0), accounts.platform(np));
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
                acquired_day: None,
                acquired_by: None,
                funding: spec.cash,
                payables: Money::ZERO,
                levers: Levers::default(),
                active_rules: Vec::new(),
                funded: vec![false; spec.funding.len()],
                installed: 0,
                marketing_acquisitions: 0,
                marketing_spend: Money::ZERO,
                recent_available: VecDeque::with_capacity(32),
                metrics: [0.0; Metric::ALL.len()],
            });
        }
        // A consolidated arm has no cash of its own: it lends the group's.
        for (l, spec) in scenario.lenders.iter().enumerate() {
            if spec.consolidated {
                continue;
            }
            ledger.post(
                Accounts::INVESTORS,
                accounts.lender(l),
                spec.capital,
                PostingKind::Funding,
            );
        }
        for m in 0..nm {
            ledger.post(
                Accounts::OWNERS,
                accounts.merchant(m),
                scenario.merchants.cash,
                PostingKind::Funding,
            );
        }
        let listings = Listings::new(&merchants, np, scenario.market.districts as usize);
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
        let served: Vec<u32> = (0..nm)
            .map(|m| merchants.hot[m].listed_on | merchants.hot[m].accepts)
            .collect();
        let lending = lending::Lending::new(scenario, run_seed, &served);
        let wallet_reach = WalletReach::new(scenario, &consumers, &merchants, run_seed);
        let credit = credit::Credit::new(scenario, run_seed, consumers.len());
        let consumer_bytes = consumers.len().saturating_mul(
            std::mem::size_of::<crate::agents::Consumer>()
                + crate::agents::Relations::bytes_per_consumer(np),
        );
        let mut market = Market {
            scenario,
            lending,
            credit,
            economy: Economy::new(&scenario.economy, run_seed),
            consumers,
            merchants,
            platforms,
            ledger,
            recorder: Recorder::new(np, scenario.horizon_days),
            accounts,
            on_day_closed,
            day_observer: None,
            listings,
            settlement: Settlement::new(scenario),
            day_postings: day_postings::DayPostings::new(
                scenario.market.merchants as usize,
                scenario.platforms.len(),
            ),
            decay_powers: (0..=scenario.horizon_days as i32)
                .map(|k| scenario.consumers.loyalty.daily_decay.powi(k))
                .collect(),
            growth_rng: (0..np)
                .map(|p| stream(run_seed, Purpose::PlatformGrowth, p as u64))
                .collect(),
            churn_period_ticks,
            order_terms: [OrderTerms::default(); crate::scenario::MAX_PLATFORMS],
            utilities: vec![None; np],
            payment: PaymentOptions::new(np),
            wallet_reach,
            funds: funds::Funds::new(scenario, run_seed),
            products: products::Products::new(scenario, run_seed, first_pool),
            exclusivity_on: exclusivity::possible(scenario),
            exclusive: vec![exclusivity::NO_PARTNER; nm],
            line_totals: vec![[Money::ZERO; Line::COUNT]; np],
            books_moved: vec![Money::ZERO; np],
            prefetch_merchants: consumer_bytes > PREFETCH_MERCHANTS_ABOVE_BYTES,
            routes_found: occasion::RoutesFound::default(),
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
            if market.review_acquisitions(p, 0, queue) {
                market.review_platform(p, 0, true);
            }
        }
        for c in 0..market.consumers.len() {
            market.schedule_next(c, Tick(0), queue);
        }
        market
    }

    /// Has `observe` called after each day closes, with that day's record
    /// of every platform and of every lender, before `on_day_closed`.
    /// For watching a run as it goes (the classroom server streams these);
    /// observing changes nothing in the run.
    pub fn set_day_observer(&mut self, observe: &'a DayObserver<'a>) {
        self.day_observer = Some(observe);
    }

    fn horizon_tick(&self) -> u64 {
        u64::from(self.scenario.horizon_days) * TICKS_PER_DAY
    }

    /// The end of `day`, in the order the module documentation gives.
    fn close_day(&mut self, day: u32, queue: &mut EventQueue<Event>) {
        self.day_postings.post(&mut self.ledger, &self.accounts);
        self.settle_and_float(day);
        self.lending_day(day);
        self.credit_day(day);
        if self.exclusivity_on {
            self.pay_exclusivity();
        }
        self.merchants_day(day);
        if self.has_products() {
            self.products_day(day);
        }
        self.funds_day();
        self.adopt_wallets(day);
        self.lending_close(day);
        self.economy.advance(&self.scenario.economy, day);
        for p in 0..self.platforms.len() {
            self.platform_day(p, day, queue);
        }
        let mut closes = Vec::with_capacity(self.platforms.len());
        for p in 0..self.platforms.len() {
            let (arm_book, credit_book) = (self.arm_book(p), self.credit.book(p));
            // Burn is measured on cash plus the loan books: lending
            // principal out is not spending it.
            let available = self.available_cash(p) + arm_book + credit_book;
            let recent = &mut self.platforms[p].recent_available;
            if recent.len() == 31 {
                recent.pop_front();
            }
            recent.push_back(available);
            let lines = self.close_lines(p, arm_book, credit_book);
            closes.push(PlatformClose {
                lines,
                loan_book: arm_book,
                credit_book,
                cash: self.platform_cash(p),
                funding: self.platforms[p].funding,
                runway_months: self.runway_months(p),
                installed: u64::from(self.platforms[p].installed),
                merchants: u64::from(self.listings.listed_total(p)),
                alive: self.platforms[p].alive,
                merchants_accepting: if self.platforms[p].alive {
                    u64::from(self.wallet_reach.accepting(p))
                } else {
                    0
                },
                balances: self.fund_balances(p),
                exclusive_merchants: self.exclusive_merchants(p),
            });
        }
        self.recorder.close_day(day, &closes);
        let next = day + 1;
        if next < self.scenario.horizon_days {
            for p in 0..self.platforms.len() {
                if self.platforms[p].alive {
                    let review = next.is_multiple_of(self.scenario.platforms[p].review_days);
                    self.review_platform(p, next, review);
                    // After a merger the acquirer's rules see the market
                    // it has made, from the merger day on.
                    if review && self.review_acquisitions(p, next, queue) {
                        self.review_platform(p, next, true);
                    }
                }
            }
        }
        if let Some(observe) = self.day_observer {
            let lenders = self.scenario.lenders.len();
            let lending = &self.lending.days;
            observe(
                self.recorder.closed_day(),
                &lending[lending.len().saturating_sub(lenders)..],
            );
        }
        (self.on_day_closed)();
    }

    /// Platform `p`'s cash by role of posting so far: profit by business
    /// line (with each line's book: `arm_book` for lending, `credit_book`
    /// for consumer credit), money held for merchants, and financing.
    fn lines_so_far(
        &self,
        p: usize,
        arm_book: Money,
        credit_book: Money,
    ) -> ([Money; Line::COUNT], Money, Money) {
        let account = self.accounts.platform(p);
        let mut by_line = [Money::ZERO; Line::COUNT];
        let (mut held, mut financing) = (Money::ZERO, Money::ZERO);
        for kind in crate::ledger::PostingKind::ALL {
            let net = self.ledger.booked(account, kind).unwrap_or(Money::ZERO);
            match lines::role(kind) {
                Role::Profit(l) | Role::Principal(l) => by_line[l.index()] += net,
                Role::Settlement => held += net,
                Role::Financing => financing += net,
                Role::Elsewhere => {}
            }
        }
        // Principal out is still the line's: profit is what did not come
        // back and will not. A book taken over in a merger was bought, not
        // earned.
        let moved = self.books_moved[p];
        by_line[Line::Lending.index()] += arm_book - moved;
        by_line[Line::ConsumerCredit.index()] += credit_book;
        (by_line, held, financing + moved)
    }

    /// Platform `p`'s profit by business line on the day being closed.
    fn close_lines(
        &mut self,
        p: usize,
        arm_book: Money,
        credit_book: Money,
    ) -> [Money; Line::COUNT] {
        let (now, _, _) = self.lines_so_far(p, arm_book, credit_book);
        let before = std::mem::replace(&mut self.line_totals[p], now);
        std::array::from_fn(|i| now[i] - before[i])
    }

    /// Ends the run: daily records, per-platform summaries, cohorts and
    /// market totals.
    pub fn finish(self) -> Finished {
        let np = self.platforms.len();
        let horizon = self.scenario.horizon_days;
        let exit_days: Vec<Option<u32>> = self.platforms.iter().map(|p| p.exit_day).collect();
        let retention = cohorts::retention_90d(&self.consumers, np, horizon);
        let cac = self.cac();
        let cohorts = cohorts::cohorts(
            &self.consumers,
            np,
            self.scenario.consumers.segments.len(),
            horizon,
        );
        let balance_sheet: Vec<(Money, Money)> = (0..np)
            .map(|p| {
                let (_, held, financing) =
                    self.lines_so_far(p, self.arm_book(p), self.credit.book(p));
                (held, financing)
            })
            .collect();
        let (days, mut summary, mut totals) = self.recorder.finish(&exit_days, &retention, &cac);
        totals.servers = self
            .merchants
            .hot
            .iter()
            .filter(|h| h.service_ticks > 0.0)
            .count() as u64;
        let merchants: Vec<MerchantRecord> = (0..self.merchants.len())
            .map(|m| {
                let account = self.accounts.merchant(m);
                let closed = self.merchants.closed_day[m];
                MerchantRecord::from_tally(
                    m as u32,
                    self.merchants.hot[m].district,
                    self.merchants.hot[m].listed_on,
                    self.merchants.listed_ever[m],
                    (closed != u32::MAX).then_some(closed),
                    |kind| self.ledger.tallied(account, kind).unwrap_or(Money::ZERO),
                )
            })
            .collect();
        for (p, s) in summary.iter_mut().enumerate() {
            let (listed, survival, profit) = merchants::platform_figures(&merchants, p);
            s.merchants_listed_ever = listed;
            s.merchant_survival = survival;
            s.merchant_profit_mean = profit;
        }
        for (p, state) in self.platforms.iter().enumerate() {
            summary[p].acquired_day = state.acquired_day;
            summary[p].acquired_by = state
                .acquired_by
                .map(|a| self.scenario.platforms[a].name.clone());
        }
        for (s, credit) in summary.iter_mut().zip(self.credit.summaries()) {
            s.credit = credit;
        }
        for (s, &(held, financing)) in summary.iter_mut().zip(&balance_sheet) {
            s.held_for_merchants_end = held;
            s.financing = financing;
        }
        for (s, products) in summary
            .iter_mut()
            .zip(self.products.summaries(self.scenario))
        {
            s.products = products;
        }
        let lenders = self.lending.summaries(self.scenario);
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
            merchants,
            products: self.products.days,
        }
    }
}

/// What a finished run recorded.
#[derive(Debug, Clone)]
pub struct Finished {
    /// Daily records, day-major then platform.
    pub days: Vec<DayRecord>,
    /// One summary per platform.
    pub summary: Vec<PlatformSummary>,
    /// Cohort retention.
    pub cohorts: Vec<CohortRecord>,
    /// Market totals.
    pub totals: MarketTotals,
    /// Daily records per lender.
    pub lender_days: Vec<LenderDay>,
    /// One summary per lender.
    pub lenders: Vec<LenderSummary>,
    /// Every loan made.
    pub loans: Vec<Loan>,
    /// Every merchant's economics.
    pub merchants: Vec<MerchantRecord>,
    /// Each product's days from its launch.
    pub products: Vec<crate::metrics::products::ProductDay>,
}

impl Model for Market<'_> {
    fn prefetch(&self, event: &Event) {
        if let Event::Purchase { consumer } = *event {
            let c = consumer as usize;
            crate::memory::prefetch(&self.consumers.agents[c]);
            crate::memory::prefetch_all(self.consumers.relation.of(c));
        }
    }

    fn prefetch_mid(&self, event: &Event) {
        if let Event::Purchase { consumer } = *event
            && self.prefetch_merchants
        {
            self.prefetch_route(consumer as usize);
        }
    }

    fn prefetch_near(&self, now: Tick, event: &Event) {
        if let Event::Purchase { consumer } = *event
            && self.prefetch_merchants
        {
            self.prefetch_occasion(consumer as usize, now.day());
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
            } => self.churn_clock(consumer as usize, usize::from(platform), spell, time, queue),
            Event::DayEnd { day } => self.close_day(day, queue),
            Event::Horizon => {}
        }
    }
}
