//! Agent state: consumers, merchants and platforms, each held as a
//! structure of arrays addressed by index, so the hot path touches only
//! the fields it needs and never allocates.

use rand::RngExt;
use rand_distr::{Beta, Distribution};

use crate::engine::{NEVER, Tick};
use crate::ledger::{AccountId, Money};
use crate::rng::{Purpose, StreamRng, stream};
use crate::scenario::{Churn, Levers, Scenario};

/// Sentinel index for "none".
pub const NONE: u32 = u32::MAX;
/// Sentinel platform for "none".
pub const NO_PLATFORM: u8 = u8::MAX;

/// What a purchase occasion reads of a consumer's relationship with one
/// platform: 16 bytes, so the relations with up to four platforms share
/// one cache line (see [`Relations`]). What only installs, churn and the
/// cohort tables read lives in [`RelationHistory`], the last order of an
/// earlier install spell in [`Relations`] apart.
#[derive(Debug, Clone, Copy, PartialEq)]
#[repr(C, align(16))]
pub struct Relation {
    /// Last day the consumer ordered on the platform (`NEVER` if not in
    /// this install spell).
    pub last_order_day: u16,
    /// Day the current install spell began (`NEVER` if not installed).
    pub spell_start: u16,
    /// Day the loyalty value refers to.
    pub loyalty_day: u16,
    /// Day of the last payment with the platform's wallet (`NEVER` if the
    /// consumer has never paid with it: a new payer).
    pub wallet_day: u16,
    /// Habit stock as of `loyalty_day`.
    pub loyalty: f32,
    /// Habit of paying with the platform's wallet, as of `wallet_day`.
    pub wallet_habit: f32,
}

/// The part of a consumer's relationship with one platform that outlives
/// install spells, read on installs, churn and at the end of a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RelationHistory {
    /// Day of first acquisition: the consumer's cohort (`NEVER` if never).
    pub first_acquired: u16,
    /// Day the first install spell ended (`NEVER` if it has not).
    pub first_churned: u16,
}

impl RelationHistory {
    const EMPTY: RelationHistory = RelationHistory {
        first_acquired: NEVER,
        first_churned: NEVER,
    };
}

/// Every consumer's relations with every platform. A purchase occasion
/// reads the consumer's relation with each platform it could order on, so
/// the occasion's part of them ([`Relation`]) is kept consumer by consumer
/// in blocks that never straddle a cache line (one line for up to four
/// platforms); the day of the last order in an earlier install spell,
/// read on the first order of a spell, in a compact table of its own; the
/// rest ([`RelationHistory`]) apart.
#[derive(Debug, Clone)]
pub struct Relations {
    /// Occasion state, `stride` slots per consumer from `first`.
    hot: Vec<Relation>,
    /// The slot where consumer 0's block starts: the first one aligned to
    /// the block size.
    first: usize,
    /// Slots per consumer: the platform count rounded up to 1, 2 or a
    /// multiple of 4, so blocks tile cache lines.
    stride: usize,
    /// Number of platforms.
    platforms: usize,
    /// Last day each consumer ordered on each platform in an earlier
    /// install spell (`NEVER` if never), `[consumer * platforms +
    /// platform]`: with [`Relation::last_order_day`], the last order in
    /// any spell, which the count of active consumers follows so a
    /// consumer who reinstalls is still counted once.
    earlier_order: Vec<u16>,
    /// Histories, `[consumer * platforms + platform]`.
    history: Vec<RelationHistory>,
}

impl Relations {
    const SLOTS_PER_LINE: usize = 64 / std::mem::size_of::<Relation>();

    /// Slots per consumer with `platforms` platforms: 1, 2 or a multiple
    /// of a line's four.
    fn stride(platforms: usize) -> usize {
        if platforms <= 2 {
            platforms.max(1)
        } else {
            platforms
                .div_ceil(Self::SLOTS_PER_LINE)
                .saturating_mul(Self::SLOTS_PER_LINE)
        }
    }

    /// Bytes of relations per consumer with `platforms` platforms: for
    /// memory estimates.
    pub fn bytes_per_consumer(platforms: usize) -> usize {
        (Self::stride(platforms).saturating_mul(std::mem::size_of::<Relation>()))
            .saturating_add(platforms.saturating_mul(std::mem::size_of::<RelationHistory>() + 2))
    }

    /// Fresh relations (nothing installed, nothing ordered) of `consumers`
    /// consumers with `platforms` platforms.
    pub fn new(consumers: usize, platforms: usize) -> Relations {
        let stride = Self::stride(platforms);
        // Room to move the start up to a block boundary.
        let len = consumers.saturating_mul(stride) + Self::SLOTS_PER_LINE - 1;
        let mut hot = crate::memory::huge_vec(len);
        hot.resize(len, Relation::EMPTY);
        let block = (stride * std::mem::size_of::<Relation>()).min(64);
        let misaligned = hot.as_ptr() as usize % block;
        let first = if misaligned == 0 {
            0
        } else {
            (block - misaligned) / std::mem::size_of::<Relation>()
        };
        let pairs = consumers.saturating_mul(platforms);
        let mut earlier_order = crate::memory::huge_vec(pairs);
        earlier_order.resize(pairs, NEVER);
        Relations {
            hot,
            first,
            stride,
            platforms,
            earlier_order,
            history: vec![RelationHistory::EMPTY; consumers.saturating_mul(platforms)],
        }
    }

    /// Consumer `c`'s relation with platform `p`.
    #[inline]
    pub fn get(&self, c: usize, p: usize) -> &Relation {
        debug_assert!(p < self.platforms);
        &self.hot[self.first + c * self.stride + p]
    }

    /// Consumer `c`'s relation with platform `p`, to change.
    #[inline]
    pub fn get_mut(&mut self, c: usize, p: usize) -> &mut Relation {
        debug_assert!(p < self.platforms);
        &mut self.hot[self.first + c * self.stride + p]
    }

    /// Consumer `c`'s relations with every platform, by platform index
    /// (empty for a consumer out of range).
    #[inline]
    pub fn of(&self, c: usize) -> &[Relation] {
        let at = self.first + c * self.stride;
        self.hot.get(at..at + self.platforms).unwrap_or(&[])
    }

    /// The history of consumer `c`'s relation with platform `p`.
    #[inline]
    pub fn history(&self, c: usize, p: usize) -> &RelationHistory {
        &self.history[c * self.platforms + p]
    }

    /// The history of consumer `c`'s relation with platform `p`, to change.
    #[inline]
    pub fn history_mut(&mut self, c: usize, p: usize) -> &mut RelationHistory {
        &mut self.history[c * self.platforms + p]
    }

    /// Consumer `c` orders on platform `p` on `day`; returns the day of its
    /// previous order on `p` in any install spell (`NEVER` if none).
    #[inline]
    pub fn record_order(&mut self, c: usize, p: usize, day: u16) -> u16 {
        let rel = self.get_mut(c, p);
        let previous = rel.last_order_day;
        rel.last_order_day = day;
        if previous == NEVER {
            self.earlier_order[c * self.platforms + p]
        } else {
            previous
        }
    }

    /// Consumer `c` starts an install spell on platform `p` on `day`: no
    /// order yet in it, no habit, and the last order of the spell before
    /// (if it had one) kept as the earlier order.
    pub fn start_spell(&mut self, c: usize, p: usize, day: u16) {
        let rel = self.get_mut(c, p);
        let previous = rel.last_order_day;
        rel.spell_start = day;
        rel.last_order_day = NEVER;
        rel.loyalty = 0.0;
        rel.loyalty_day = day;
        if previous != NEVER {
            self.earlier_order[c * self.platforms + p] = previous;
        }
    }

    /// Hints that consumer `c` may order soon: fetches the line of its
    /// earlier orders, which its first order in an install spell reads
    /// (about a quarter of orders in `bench_1m`; testing which platforms
    /// have no order yet costs more than the fetch). Changes nothing.
    #[inline]
    pub fn prefetch_earlier_orders(&self, c: usize) {
        if let Some(day) = self.earlier_order.get(c * self.platforms) {
            crate::memory::prefetch(day);
        }
    }
}

impl Relation {
    const EMPTY: Relation = Relation {
        last_order_day: NEVER,
        spell_start: NEVER,
        loyalty_day: 0,
        wallet_day: NEVER,
        loyalty: 0.0,
        wallet_habit: 0.0,
    };

    /// Loyalty decayed to `day` at `daily_decay` per day.
    pub fn loyalty_at(&self, day: u32, daily_decay: f64) -> f64 {
        let age = day.saturating_sub(u32::from(self.loyalty_day));
        f64::from(self.loyalty) * daily_decay.powi(age as i32)
    }

    /// [`Relation::loyalty_at`] with the decay powers looked up:
    /// `powers[k]` must be `daily_decay.powi(k)` (the same values, so the
    /// same results, without a power per platform per occasion).
    pub fn loyalty_from(&self, day: u32, powers: &[f64]) -> f64 {
        let age = day.saturating_sub(u32::from(self.loyalty_day)) as usize;
        let factor = powers.get(age).or(powers.last()).copied().unwrap_or(0.0);
        f64::from(self.loyalty) * factor
    }
}

/// One consumer's state that every purchase occasion reads: kept together
/// in one 64-byte record so an occasion touches one cache line for the
/// consumer (plus its relations), rather than one per field. Occasions
/// visit consumers in random order, so this layout, not a structure of
/// arrays, is what keeps a million-consumer run out of main memory stalls.
#[derive(Debug, Clone)]
#[repr(C, align(64))]
pub struct Consumer {
    /// The consumer's own behaviour stream (arrivals and choices).
    pub rng: StreamRng,
    /// Purchase occasions per day.
    pub rate: f32,
    /// Utility lost per yuan of effective price.
    pub price_sensitivity: f32,
    /// Churn probability per period (0 without churn).
    pub churn_theta: f32,
    /// Merchant of the last purchase (`NONE` if none).
    pub last_merchant: u32,
    /// Merchant whose membership the consumer holds (`NONE` if none).
    pub member_of: u32,
    /// Home district.
    pub district: u32,
    /// Installed platforms, one bit per platform index.
    pub installed: u32,
    /// Segment index.
    pub segment: u8,
    /// Platform of the last platform order (`NO_PLATFORM` if none).
    pub last_platform: u8,
}

/// The consumer population.
#[derive(Debug, Clone)]
pub struct Consumers {
    /// Each consumer's state.
    pub agents: Vec<Consumer>,
    /// Each consumer's relations with the platforms.
    pub relation: Relations,
}

/// Picks an index by cumulative shares with one uniform draw.
fn pick_share<R: rand::Rng + ?Sized>(shares: &[f64], rng: &mut R) -> usize {
    let u: f64 = rng.random();
    let mut acc = 0.0;
    for (i, s) in shares.iter().enumerate() {
        acc += s;
        if u < acc {
            return i;
        }
    }
    shares.len().saturating_sub(1)
}

impl Consumers {
    /// Draws the population of replication `run_seed`: traits from one
    /// stream per consumer, so consumer `i` is the same whatever the size
    /// of the rest of the market.
    pub fn draw(scenario: &Scenario, run_seed: u64) -> Consumers {
        let n = scenario.market.consumers as usize;
        let p = scenario.platforms.len();
        let shares: Vec<f64> = scenario
            .consumers
            .segments
            .iter()
            .map(|s| s.share)
            .collect();
        let betas: Vec<Option<Beta<f64>>> = scenario
            .consumers
            .segments
            .iter()
            .map(|s| match s.churn {
                Churn::Sbg { alpha, beta, .. } => Beta::new(alpha, beta).ok(),
                _ => None,
            })
            .collect();
        let mut agents = crate::memory::huge_vec(n);
        for i in 0..n as u64 {
            let mut traits = stream(run_seed, Purpose::ConsumerTraits, i);
            let s = pick_share(&shares, &mut traits);
            let seg = &scenario.consumers.segments[s];
            let rate = seg.purchase_rate.sample(&mut traits).max(0.0);
            let price_sensitivity = seg.price_sensitivity.sample(&mut traits).max(0.0);
            let theta = match (seg.churn, &betas[s]) {
                (Churn::Sbg { .. }, Some(b)) => b.sample(&mut traits),
                (Churn::Geometric { p, .. }, _) => p,
                _ => 0.0,
            };
            agents.push(Consumer {
                rng: stream(run_seed, Purpose::ConsumerBehaviour, i),
                rate: rate as f32,
                price_sensitivity: price_sensitivity as f32,
                churn_theta: theta as f32,
                last_merchant: NONE,
                member_of: NONE,
                district: traits.random_range(0..scenario.market.districts),
                installed: 0,
                // At most `MAX_GROUPS` (256) segments pass validation, so
                // the index fits in a byte.
                segment: s as u8,
                last_platform: NO_PLATFORM,
            });
        }
        Consumers {
            agents,
            relation: Relations::new(n, p),
        }
    }

    /// Number of consumers.
    pub fn len(&self) -> usize {
        self.agents.len()
    }

    /// Whether there are no consumers.
    pub fn is_empty(&self) -> bool {
        self.agents.is_empty()
    }
}

/// One merchant's state that a purchase occasion reads (and its queue,
/// which the occasion updates): kept together in one 64-byte record, so an
/// occasion at a merchant touches one cache line for it rather than one
/// per field. Occasions visit merchants in random order, so with hundreds
/// of thousands of merchants this layout keeps the visit to a few lines.
#[derive(Debug, Clone, Copy, PartialEq)]
#[repr(C, align(64))]
pub struct MerchantHot {
    /// List price of an order.
    pub price: Money,
    /// Cost of the goods sold in one order.
    pub unit_cost: Money,
    /// Mean service time in ticks (0: no queue).
    pub service_ticks: f64,
    /// Tick at which the merchant's server is next free.
    pub busy_until: Tick,
    /// Smoothed recent time in system, in hours (what consumers expect).
    pub expected_wait_hours: f64,
    /// District.
    pub district: u32,
    /// Platforms the merchant is listed on, one bit per platform index.
    pub listed_on: u32,
    /// Wallets it accepts, one bit per platform index.
    pub accepts: u32,
    /// Whether it runs its own membership programme.
    pub membership: bool,
    /// Whether the merchant still trades.
    pub open: bool,
}

/// The merchant population.
#[derive(Debug, Clone)]
pub struct Merchants {
    /// Each merchant's state that occasions read (see [`MerchantHot`]).
    pub hot: Vec<MerchantHot>,
    /// Fixed cost per day.
    pub fixed_cost: Vec<Money>,
    /// Category index.
    pub category: Vec<u8>,
    /// Platforms it has been listed on at any time, one bit per platform.
    pub listed_ever: Vec<u32>,
    /// Day it closed for lack of cash (`u32::MAX` while open).
    pub closed_day: Vec<u32>,
    /// Orders through each platform since the merchant's last review:
    /// `[merchant * platforms + platform]`.
    pub orders_since_review: Vec<u32>,
    /// Each merchant's own behaviour stream (listing decisions).
    pub rng: Vec<StreamRng>,
}

/// Largest list price a draw may produce, in fen (a million yuan): keeps
/// heavy-tailed price draws inside exact money arithmetic.
const MAX_PRICE_FEN: i64 = 100_000_000;

impl Merchants {
    /// Draws the merchants of replication `run_seed`, one stream per
    /// merchant. Districts are dealt round-robin so each has merchants.
    pub fn draw(scenario: &Scenario, run_seed: u64) -> Merchants {
        let n = scenario.market.merchants as usize;
        let p = scenario.platforms.len();
        let spec = &scenario.merchants;
        let shares: Vec<f64> = spec.categories.iter().map(|c| c.share).collect();
        let wallet_acceptance: Vec<Option<f64>> = scenario
            .platforms
            .iter()
            .map(|p| {
                p.payments
                    .wallet
                    .then(|| p.payments.acceptance.unwrap_or(spec.accepts_wallet))
            })
            .collect();
        let mut m = Merchants {
            hot: crate::memory::huge_vec(n),
            fixed_cost: Vec::with_capacity(n),
            category: Vec::with_capacity(n),
            listed_ever: Vec::with_capacity(n),
            closed_day: vec![u32::MAX; n],
            orders_since_review: vec![0; n * p],
            rng: Vec::with_capacity(n),
        };
        for j in 0..n {
            let mut traits = stream(run_seed, Purpose::MerchantTraits, j as u64);
            let cat = pick_share(&shares, &mut traits);
            let price = Money::from_major(spec.categories[cat].price.sample(&mut traits))
                .unwrap_or(Money::ZERO)
                .max(Money::ZERO)
                .min(Money(MAX_PRICE_FEN));
            let share = spec.unit_cost_share.sample(&mut traits).clamp(0.0, 1.0);
            let mut mask = 0u32;
            for (k, platform) in scenario.platforms.iter().enumerate() {
                if traits.random::<f64>() < platform.merchant_reach {
                    mask |= 1 << k;
                }
            }
            let fixed = Money::from_major(spec.fixed_daily_cost.sample(&mut traits))
                .unwrap_or(Money::ZERO)
                .max(Money::ZERO)
                .min(Money(MAX_PRICE_FEN));
            let service_ticks = match &spec.service_rate {
                Some(d) => {
                    let per_hour = d.sample(&mut traits);
                    if per_hour > 0.0 {
                        3600.0 / per_hour
                    } else {
                        0.0
                    }
                }
                None => 0.0,
            };
            // One draw places the merchant on a scale of openness to QR
            // payments: it accepts every wallet whose starting acceptance
            // exceeds it (all or none when every wallet has the market's
            // share).
            let openness = traits.random::<f64>();
            let accepts = wallet_acceptance
                .iter()
                .enumerate()
                .fold(0u32, |mask, (k, share)| match share {
                    Some(share) if openness < *share => mask | (1 << k),
                    _ => mask,
                });
            let membership = traits.random::<f64>() < spec.membership.share;
            m.hot.push(MerchantHot {
                price,
                unit_cost: price.times(share),
                service_ticks,
                busy_until: Tick(0),
                expected_wait_hours: 0.0,
                district: (j as u32) % scenario.market.districts,
                listed_on: mask,
                accepts,
                membership,
                open: true,
            });
            m.fixed_cost.push(fixed);
            // At most `MAX_GROUPS` categories: the index fits in a byte.
            m.category.push(cat as u8);
            m.listed_ever.push(mask);
            m.rng
                .push(stream(run_seed, Purpose::MerchantBehaviour, j as u64));
        }
        m
    }

    /// Number of merchants.
    pub fn len(&self) -> usize {
        self.hot.len()
    }

    /// Whether there are no merchants.
    pub fn is_empty(&self) -> bool {
        self.hot.is_empty()
    }
}

/// A platform's state during a run.
#[derive(Debug, Clone, PartialEq)]
pub struct PlatformState {
    /// Whether it still trades.
    pub alive: bool,
    /// The day it ran out of cash, if it did.
    pub exit_day: Option<u32>,
    /// The day another platform bought it, if one did (it stopped trading
    /// then, without failing).
    pub acquired_day: Option<u32>,
    /// The platform that bought it.
    pub acquired_by: Option<usize>,
    /// Total funding received so far.
    pub funding: Money,
    /// Money owed to merchants and not yet settled.
    pub payables: Money,
    /// Current value of each lever, after schedules, rules and caps.
    pub levers: Levers,
    /// Lever changes of the rules that held at the last review, resolved
    /// to numbers.
    pub active_rules: Vec<(crate::scenario::Lever, RuleEffect)>,
    /// Which funding rounds have been received.
    pub funded: Vec<bool>,
    /// Consumers with the app installed.
    pub installed: u32,
    /// Consumers acquired by marketing.
    pub marketing_acquisitions: u64,
    /// Money spent on marketing.
    pub marketing_spend: Money,
    /// Spendable cash (cash minus payables) at the end of each of the last
    /// 31 days, oldest first, for runway.
    pub recent_available: std::collections::VecDeque<Money>,
    /// Metric values at the last review (index [`crate::scenario::Metric::index`]).
    pub metrics: [f64; crate::scenario::Metric::ALL.len()],
}

/// A rule's resolved effect on a lever.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum RuleEffect {
    /// Set the lever to this value.
    Set(crate::scenario::LeverValue),
    /// Set the lever to this metric value (yuan for a money lever), as it
    /// stood at the review.
    Copy(f64),
    /// Multiply the lever by this factor.
    Scale(f64),
}

/// Where each agent's money is held in the ledger.
///
/// Layout: the outside world's accounts first, then one per platform, one
/// per lender, one consumers' fund and one merchants' fund per platform
/// (the money-market funds run through each wallet; untouched without
/// them), then one per merchant.
#[derive(Debug, Clone, Copy)]
pub struct Accounts {
    platforms: u32,
    lenders: u32,
}

impl Accounts {
    /// Consumers' households (their spending comes from outside the model).
    pub const HOUSEHOLDS: AccountId = AccountId(0);
    /// Investors who fund platforms.
    pub const INVESTORS: AccountId = AccountId(1);
    /// Suppliers, staff and advertisers paid for goods and operating costs;
    /// also the creditors who absorb a closed merchant's unpaid bills.
    pub const SUPPLIERS: AccountId = AccountId(2);
    /// Merchants' owners, who put in their opening cash.
    pub const OWNERS: AccountId = AccountId(3);
    /// Banks that pay interest on platforms' float and the yield of the
    /// wallets' funds.
    pub const BANKS: AccountId = AccountId(4);
    const EXTERNAL: u32 = 5;

    /// The layout for a market with `platforms` platforms and `lenders`
    /// lenders.
    pub fn new(platforms: usize, lenders: usize) -> Accounts {
        Accounts {
            platforms: platforms as u32,
            lenders: lenders as u32,
        }
    }

    /// Number of accounts needed for `merchants` merchants.
    pub fn count(&self, merchants: usize) -> usize {
        (Self::EXTERNAL + 3 * self.platforms + self.lenders) as usize + merchants
    }

    /// The fund platform `p`'s wallet holds consumers' balances in: its
    /// balance is the sum of those balances.
    pub fn consumer_fund(&self, p: usize) -> AccountId {
        AccountId(Self::EXTERNAL + self.platforms + self.lenders + p as u32)
    }

    /// The fund merchants accepting platform `p`'s wallet sweep idle cash
    /// into: its balance is the sum of their swept cash.
    pub fn merchant_fund(&self, p: usize) -> AccountId {
        AccountId(Self::EXTERNAL + 2 * self.platforms + self.lenders + p as u32)
    }

    /// Lender `l`'s cash account.
    pub fn lender(&self, l: usize) -> AccountId {
        AccountId(Self::EXTERNAL + self.platforms + l as u32)
    }

    /// Platform `p`'s cash account.
    pub fn platform(&self, p: usize) -> AccountId {
        AccountId(Self::EXTERNAL + p as u32)
    }

    /// Merchant `m`'s cash account.
    pub fn merchant(&self, m: usize) -> AccountId {
        AccountId(Self::EXTERNAL + 3 * self.platforms + self.lenders + m as u32)
    }
}

#[cfg(test)]
mod tests {
    use super::{Consumer, MerchantHot, NEVER, Relation, Relations};

    /// An occasion's reads of its consumer and of its merchant are one
    /// cache line each: the layouts that keep large markets out of memory
    /// stalls must not silently grow.
    #[test]
    fn consumer_and_merchant_records_fill_one_cache_line_each() {
        assert_eq!(std::mem::size_of::<Consumer>(), 64);
        assert_eq!(std::mem::align_of::<Consumer>(), 64);
        assert_eq!(std::mem::size_of::<MerchantHot>(), 64);
        assert_eq!(std::mem::align_of::<MerchantHot>(), 64);
    }

    /// A consumer's relations with up to four platforms lie in one cache
    /// line, and with more in whole lines of their own.
    #[test]
    fn a_consumers_relations_never_straddle_a_line() {
        assert_eq!(std::mem::size_of::<Relation>(), 16);
        for platforms in 1..=9 {
            let relations = Relations::new(101, platforms);
            let block = (relations.stride * 16).min(64);
            for c in 0..101 {
                let of = relations.of(c);
                assert_eq!(of.len(), platforms);
                let start = of.as_ptr() as usize;
                let end = start + std::mem::size_of_val(of) - 1;
                assert_eq!(start % block, 0, "{platforms} platforms, consumer {c}");
                if platforms <= 4 {
                    assert_eq!(start / 64, end / 64, "{platforms} platforms, consumer {c}");
                }
            }
        }
    }

    /// The previous order reported on an order is the last one in any
    /// install spell: from this spell once the consumer has ordered in it,
    /// else from the spells before.
    #[test]
    fn an_order_reports_the_last_order_of_any_spell() {
        let mut relations = Relations::new(3, 2);
        relations.start_spell(1, 1, 0);
        assert_eq!(relations.record_order(1, 1, 4), NEVER);
        assert_eq!(relations.record_order(1, 1, 9), 4);
        // Uninstalled and installed again: no order yet in the new spell.
        relations.start_spell(1, 1, 20);
        assert_eq!(relations.get(1, 1).last_order_day, NEVER);
        // A spell without orders keeps the earlier one.
        relations.start_spell(1, 1, 30);
        assert_eq!(relations.record_order(1, 1, 31), 9);
        assert_eq!(relations.record_order(1, 1, 35), 31);
        // The other consumers and platform are untouched.
        assert_eq!(relations.record_order(1, 0, 36), NEVER);
        assert_eq!(relations.record_order(0, 1, 36), NEVER);
        assert_eq!(relations.record_order(2, 1, 36), NEVER);
    }
}
