//! Products a platform sells to the users it already has
//! (`[[platforms.products]]`): who is reached, who joins, claims, shared
//! costs, leaving, and the money, stepped once at each day's end.
//!
//! **Reach.** A product reaches a consumer who has the platform's app and
//! ordered on it in the last `reach_days` days, or whom the product's
//! marketing has reached. Marketing spends `marketing_budget` a day (as
//! far as the platform's spendable cash goes) on consumers it has not
//! reached, at `cpa / (unreached share)^cpa_elasticity` each: the
//! platform's acquisition-cost model, so reach gets dearer as the pool it
//! has not reached shrinks. A stand-alone provider has no users of its
//! own: marketing is its only channel.
//!
//! **Joining.** A reached consumer who is not a member joins on a day
//! with probability `1 − exp(−h)`,
//!
//! ```text
//! h = take_up · exp(trust · habit + tenure · years + appeal
//!                   + payout_weight · payout / 10000 − price_weight · price)
//! ```
//!
//! where habit and years are the consumer's on the platform (zero for a
//! consumer reached only by marketing) and price is the product's price
//! per period as it stands, provided that price is within its
//! willingness to pay. With a constant `h` among `N` reached consumers
//! and nobody leaving, members follow `N (1 − e^{−h t})`.
//!
//! **Periods.** At the end of each `period_days` since launch a member
//! claims with probability `incidence × risk × exposure` (exposure: the
//! share of the period it was a member); a claimant is paid `payout` and
//! leaves (the cover is used).
//!
//! - *Mutual aid.* The period's claims plus the platform's management fee
//!   (`fee_share` of the claims) are shared among the period's members,
//!   each paying the same amount rounded up to the fen into the plan's
//!   pool, an account of its own; the pool pays the claims and the fee.
//!   The shared cost is the price until the next sharing: a member whose
//!   willingness to pay is below it leaves. When nobody leaves the cost
//!   per member converges to `incidence × payout × (1 + fee_share)`.
//! - *Insurance.* Each member pays the platform the premium (times its
//!   exposure) and the platform pays the claims; `incidence` is
//!   `premium × loss_ratio / payout`.
//! - *Fund.* A member may hold its balance in the platform wallet's fund
//!   (see [`funds`](super::funds)); no one else can, so the fund's size
//!   follows the product's reach.
//!
//! **Adverse selection.** With `adverse_selection`, each consumer's risk
//! is a gamma draw with mean 1 and coefficient of variation
//! `risk_spread`, and its willingness to pay is its draw of `willingness`
//! times its risk: as a plan's cost rises the healthy leave first, the
//! pool gets riskier and the cost rises further.
//!
//! **Retention.** When the churn clock of a member of a product with
//! `retention` runs out on the product's platform, the member stays with
//! that probability and a new clock is drawn from the install's churn
//! model, as if it had just installed (its install spell, tenure and
//! habit carry on). A member of several of the platform's products is
//! kept if any of them keeps it (the first, in product order, is
//! credited). Dormancy (no order for `dormancy_days`) is not resisted.
//! The draws come from a stream per (product, consumer, spell, time), so
//! they do not disturb any other stream.
//!
//! **Draws.** A consumer's willingness and risk come from its own stream
//! (`Purpose::Products`, keyed by the consumer), so the same consumer
//! values the same plan alike on every platform; joins, claims and
//! marketing draw from one stream per product, in consumer order.
//!
//! Without products nothing here runs and no per-consumer state is kept.

use rand::RngExt;
use rand_distr::{Distribution, Gamma};

use super::Market;
use crate::agents::Accounts;
use crate::engine::{Event, EventQueue, NEVER, Tick};
use crate::ledger::{AccountId, Money, PostingKind};
use crate::metrics::products::{ProductDay, ProductSummary};
use crate::rng::{Purpose, StreamRng, mix64, stream};
use crate::scenario::{ProductKind, ProductSpec, Scenario};

/// A Poisson draw with mean `mean`: by inversion for the small means of
/// claims, by `rand_distr` for large ones.
fn poisson(mean: f64, rng: &mut StreamRng) -> u64 {
    if mean <= 0.0 || !mean.is_finite() {
        return 0;
    }
    if mean > 30.0 {
        return rand_distr::Poisson::new(mean).map_or(0, |d| d.sample(rng) as u64);
    }
    let u = rng.random::<f64>();
    let mut k = 0u64;
    let mut p = (-mean).exp();
    let mut cumulative = p;
    while u > cumulative && k < 1000 {
        k += 1;
        p *= mean / k as f64;
        cumulative += p;
    }
    k
}

/// Members needed for "a million members" (in people represented).
const MILLION: f64 = 1e6;

/// Agent ids of the per-product streams sit above every consumer id.
const PRODUCT_STREAM: u64 = 1 << 40;

/// Mixed into the key of a retention draw's stream.
const RETENTION_STREAM: u64 = 0x5245_5445_4e54_494f;

/// One product's running state.
#[derive(Debug, Clone)]
struct Item {
    platform: usize,
    spec: usize,
    rng: StreamRng,
    members: u64,
    /// Price per person per period as it stands, in yuan (`None` before
    /// a plan's first sharing, and for a fund).
    price: Option<f64>,
    reached: u64,
    reach_spend: Money,
    reach_joins: u64,
    marketing_spend: Money,
    marketing_joins: u64,
    /// Whether the members left when the platform exited.
    closed: bool,
    days_to_million: Option<u32>,
    /// Churns averted since launch, and on the day under way.
    churn_averted: u64,
    averted_today: u64,
}

/// Every product's state.
#[derive(Debug, Clone, Default)]
pub(crate) struct Products {
    items: Vec<Item>,
    /// Each consumer's memberships, one bit per product.
    member: Vec<u32>,
    /// Consumers each product's marketing has reached, one bit per
    /// product.
    reached: Vec<u32>,
    /// Day each consumer joined each product (`[c * products + k]`).
    joined: Vec<u16>,
    /// Each consumer's willingness to pay for each product.
    willingness: Vec<f32>,
    /// Each consumer's risk under each product (1 without adverse
    /// selection).
    risk: Vec<f32>,
    /// Wallets whose fund only a fund product's members may hold in, one
    /// bit per platform.
    gated_funds: u32,
    /// The first account of the products' pools.
    first_pool: u32,
    /// Seed of the replication, for the retention draws.
    run_seed: u64,
    /// Each product's days from launch.
    pub(crate) days: Vec<ProductDay>,
}

/// The specs of every product, in product order, with their platform.
fn specs(scenario: &Scenario) -> impl Iterator<Item = (usize, &ProductSpec)> {
    scenario
        .platforms
        .iter()
        .enumerate()
        .flat_map(|(p, spec)| spec.products.iter().map(move |q| (p, q)))
}

/// Number of ledger accounts the products need beyond the market's: one
/// pool per product.
pub(crate) fn accounts_needed(scenario: &Scenario) -> usize {
    specs(scenario).count()
}

impl Products {
    /// State for `scenario`'s products, their pools starting at account
    /// `first_pool`: empty without products.
    pub(crate) fn new(scenario: &Scenario, run_seed: u64, first_pool: usize) -> Products {
        let all: Vec<(usize, &ProductSpec)> = specs(scenario).collect();
        if all.is_empty() {
            return Products::default();
        }
        let n = scenario.market.consumers as usize;
        let np = all.len();
        let mut willingness = vec![0.0f32; n * np];
        let mut risk = vec![1.0f32; n * np];
        let mut gated_funds = 0u32;
        for (k, &(p, spec)) in all.iter().enumerate() {
            if spec.kind == ProductKind::Fund {
                gated_funds |= 1 << p;
                continue;
            }
            let cv = spec.risk_spread;
            let gamma = (spec.adverse_selection && cv > 0.0)
                .then(|| Gamma::new(1.0 / (cv * cv), cv * cv).ok())
                .flatten();
            for c in 0..n {
                let mut rng = stream(run_seed, Purpose::Products, c as u64);
                let w = spec.willingness.sample(&mut rng);
                let r = gamma.as_ref().map_or(1.0, |g| g.sample(&mut rng));
                let w = if spec.adverse_selection { w * r } else { w };
                willingness[c * np + k] = w as f32;
                risk[c * np + k] = r as f32;
            }
        }
        let items = all
            .iter()
            .enumerate()
            .map(|(k, &(p, spec))| Item {
                platform: p,
                spec: scenario.platforms[p]
                    .products
                    .iter()
                    .position(|q| std::ptr::eq(q, spec))
                    .unwrap_or(0),
                rng: stream(run_seed, Purpose::Products, PRODUCT_STREAM + k as u64),
                members: 0,
                price: match spec.kind {
                    ProductKind::Insurance => Some(spec.premium.as_major()),
                    _ => None,
                },
                reached: 0,
                reach_spend: Money::ZERO,
                reach_joins: 0,
                marketing_spend: Money::ZERO,
                marketing_joins: 0,
                closed: false,
                days_to_million: None,
                churn_averted: 0,
                averted_today: 0,
            })
            .collect();
        Products {
            items,
            member: vec![0; n],
            reached: vec![0; n],
            joined: vec![NEVER; n * np],
            willingness,
            risk,
            gated_funds,
            first_pool: first_pool as u32,
            run_seed,
            days: Vec::new(),
        }
    }

    /// The wallets whose fund consumer `c` may hold a balance in, one bit
    /// per platform: every wallet but those gated by a fund product it
    /// has not signed up to.
    pub(crate) fn fund_access(&self, c: usize) -> u32 {
        if self.gated_funds == 0 {
            return u32::MAX;
        }
        let mut open = !self.gated_funds;
        let member = self.member.get(c).copied().unwrap_or(0);
        for (k, item) in self.items.iter().enumerate() {
            if member & (1 << k) != 0 && self.gated_funds & (1 << item.platform) != 0 {
                open |= 1 << item.platform;
            }
        }
        open
    }

    /// What each platform's summary row says of its products.
    pub(crate) fn summaries(&self, scenario: &Scenario) -> Vec<Option<ProductSummary>> {
        let mut out: Vec<Option<ProductSummary>> = vec![None; scenario.platforms.len()];
        for item in &self.items {
            let spec = &scenario.platforms[item.platform].products[item.spec];
            let s = out[item.platform].get_or_insert_with(ProductSummary::default);
            s.members_end += item.members as f64 * spec.represents;
            s.churn_averted += item.churn_averted;
            s.days_to_million = match (s.days_to_million, item.days_to_million) {
                (Some(a), Some(b)) => Some(a.min(b)),
                (a, b) => a.or(b),
            };
        }
        out
    }

    fn pool(&self, k: usize) -> AccountId {
        AccountId(self.first_pool + k as u32)
    }
}

/// A day's counts of one product, before they become its record.
#[derive(Debug, Default)]
struct Tally {
    joins_reach: u64,
    joins_marketing: u64,
    leaves: u64,
    claims: u64,
    claims_paid: Money,
    contributions: Money,
    fee_income: Money,
    marketing_spend: Money,
    reach_spend: Money,
}

impl Market<'_> {
    /// A day of every product: marketing, joins, and at a period's end
    /// claims, shared costs or premiums, and leaving (see the module
    /// documentation).
    pub(super) fn products_day(&mut self, day: u32) {
        let scenario = self.scenario;
        for k in 0..self.products.items.len() {
            let (p, j) = (self.products.items[k].platform, self.products.items[k].spec);
            let spec = &scenario.platforms[p].products[j];
            if day < spec.launch_day {
                continue;
            }
            let mut t = Tally::default();
            if self.platforms[p].alive {
                self.market_product(k, spec, &mut t);
                self.join_product(k, spec, day, &mut t);
                if (day - spec.launch_day + 1).is_multiple_of(spec.period_days) {
                    self.close_period(k, spec, day, &mut t);
                }
            } else if !self.products.items[k].closed {
                self.close_product(k, &mut t);
            }
            self.record_product(k, spec, day, &t);
        }
    }

    /// The product's marketing for the day.
    fn market_product(&mut self, k: usize, spec: &ProductSpec, t: &mut Tally) {
        let p = self.products.items[k].platform;
        let budget = spec
            .marketing_budget
            .min(self.available_cash(p).max(Money::ZERO));
        let n = self.consumers.len();
        let reached = self.products.items[k].reached;
        if budget.0 <= 0 || n == 0 || reached as usize >= n {
            return;
        }
        let platform = &self.scenario.platforms[p];
        let unreached = (n as u64 - reached) as f64 / n as f64;
        // The cost is per person reached; a simulated consumer stands for
        // `represents` people.
        let cpa = platform.cpa / unreached.powf(platform.cpa_elasticity);
        let expected = budget.as_major() / (cpa * spec.represents);
        let rng = &mut self.products.items[k].rng;
        let mut count = expected.floor() as u64;
        if rng.random::<f64>() < expected - count as f64 {
            count += 1;
        }
        count = count.min(n as u64 - reached);
        // Draw consumers not yet reached; a bounded number of tries keeps
        // the day's cost bounded when few are left.
        let bit = 1u32 << k;
        let mut acquired = 0u64;
        let mut tries = 0u64;
        while acquired < count && tries < 20 * count + 100 {
            tries += 1;
            let c = rng.random_range(0..n);
            if self.products.reached[c] & bit == 0 {
                self.products.reached[c] |= bit;
                acquired += 1;
            }
        }
        let spend = Money::from_major(acquired as f64 * spec.represents * cpa)
            .unwrap_or(Money::ZERO)
            .min(budget);
        self.ledger.post(
            self.accounts.platform(p),
            Accounts::SUPPLIERS,
            spend,
            PostingKind::ProductMarketing,
        );
        let item = &mut self.products.items[k];
        item.reached += acquired;
        item.marketing_spend += spend;
        t.marketing_spend = spend;
    }

    /// The day's joins.
    fn join_product(&mut self, k: usize, spec: &ProductSpec, day: u32, t: &mut Tally) {
        let p = self.products.items[k].platform;
        let standalone = self.scenario.platforms[p].standalone;
        let nk = self.products.items.len();
        let price = self.products.items[k].price.unwrap_or(0.0);
        let base = spec.take_up
            * (spec.appeal + spec.payout_weight * spec.payout.as_major() / 1e4
                - spec.price_weight * price)
                .exp();
        if base <= 0.0 {
            return;
        }
        let personal = spec.trust != 0.0 || spec.tenure != 0.0;
        let base_p = 1.0 - (-base).exp();
        let bit = 1u32 << k;
        let mut joins = 0u64;
        for c in 0..self.consumers.len() {
            if self.products.member[c] & bit != 0 {
                continue;
            }
            let rel = self.consumers.relation.get(c, p);
            let reach = !standalone
                && self.consumers.agents[c].installed & (1 << p) != 0
                && rel.last_order_day != NEVER
                && day.saturating_sub(u32::from(rel.last_order_day)) < spec.reach_days;
            if !reach && self.products.reached[c] & bit == 0 {
                continue;
            }
            if f64::from(self.products.willingness[c * nk + k]) < price {
                continue;
            }
            let chance = if personal && reach {
                let habit = rel.loyalty_from(day, &self.decay_powers);
                let years = if rel.spell_start == NEVER {
                    0.0
                } else {
                    f64::from(day.saturating_sub(u32::from(rel.spell_start))) / 365.0
                };
                let h = base * (spec.trust * habit + spec.tenure * years).exp();
                1.0 - (-h).exp()
            } else {
                base_p
            };
            if self.products.items[k].rng.random::<f64>() < chance {
                self.products.member[c] |= bit;
                self.products.joined[c * nk + k] = day as u16;
                joins += 1;
                if reach {
                    t.joins_reach += 1;
                } else {
                    t.joins_marketing += 1;
                }
            }
        }
        let reach_spend = spec
            .reach_cost
            .times(t.joins_reach as f64 * spec.represents);
        self.ledger.post(
            self.accounts.platform(p),
            Accounts::SUPPLIERS,
            reach_spend,
            PostingKind::ProductReachCost,
        );
        t.reach_spend = reach_spend;
        let item = &mut self.products.items[k];
        item.members += joins;
        item.reach_spend += reach_spend;
        item.reach_joins += t.joins_reach;
        item.marketing_joins += t.joins_marketing;
    }

    /// A period's end: claims, then shared costs or premiums, then
    /// members priced out leave.
    ///
    /// A simulated member stands for `represents` people who claim
    /// independently: its claims are a Poisson draw with mean
    /// `represents × incidence × risk × exposure` (for one person, a
    /// claim with that probability up to a negligible second one), and it
    /// leaves with probability claims / represents, so the people who
    /// leave are, on average, those who claimed.
    fn close_period(&mut self, k: usize, spec: &ProductSpec, day: u32, t: &mut Tally) {
        if spec.kind == ProductKind::Fund {
            return;
        }
        let p = self.products.items[k].platform;
        let nk = self.products.items.len();
        let bit = 1u32 << k;
        let period = f64::from(spec.period_days);
        let people = spec.represents;
        let start = day + 1 - spec.period_days;
        let mut members = 0u64;
        let mut claims_count = 0u64;
        let mut leaving = 0u64;
        let mut exposure_sum = 0.0;
        for c in 0..self.consumers.len() {
            if self.products.member[c] & bit == 0 {
                continue;
            }
            members += 1;
            let joined = u32::from(self.products.joined[c * nk + k]).max(start);
            let exposure = f64::from(day + 1 - joined) / period;
            exposure_sum += exposure;
            let mean =
                people * spec.incidence * f64::from(self.products.risk[c * nk + k]) * exposure;
            let rng = &mut self.products.items[k].rng;
            let claims = poisson(mean, rng);
            if claims > 0 {
                claims_count += claims;
                if rng.random::<f64>() < claims as f64 / people {
                    self.products.member[c] &= !bit;
                    leaving += 1;
                }
            }
        }
        let claims = Money(spec.payout.0.saturating_mul(claims_count as i64));
        let platform = self.accounts.platform(p);
        match spec.kind {
            ProductKind::MutualAid => {
                let pool = self.products.pool(k);
                let fee = claims.times(spec.fee_share);
                let total = claims + fee;
                // The people who were members at the period's end share
                // the claims and the fee equally: together they pay the
                // total to the fen.
                let heads = members as f64 * people;
                let share = if heads > 0.0 {
                    total.as_major() / heads
                } else {
                    0.0
                };
                let contributions = if heads > 0.0 { total } else { Money::ZERO };
                self.ledger.post(
                    Accounts::HOUSEHOLDS,
                    pool,
                    contributions,
                    PostingKind::ProductContribution,
                );
                self.ledger.post(
                    pool,
                    Accounts::HOUSEHOLDS,
                    claims,
                    PostingKind::ProductClaim,
                );
                self.ledger
                    .post(pool, platform, fee, PostingKind::ProductFee);
                t.contributions = contributions;
                t.fee_income = fee;
                self.products.items[k].price = Some(share);
                // Members who will not pay the cost as it now stands leave.
                let limit = share;
                let mut priced_out = 0u64;
                for c in 0..self.consumers.len() {
                    if self.products.member[c] & bit != 0
                        && f64::from(self.products.willingness[c * nk + k]) < limit
                    {
                        self.products.member[c] &= !bit;
                        priced_out += 1;
                    }
                }
                leaving += priced_out;
            }
            ProductKind::Insurance => {
                let premiums = spec.premium.times(exposure_sum * people);
                self.ledger.post(
                    Accounts::HOUSEHOLDS,
                    platform,
                    premiums,
                    PostingKind::ProductPremium,
                );
                self.ledger.post(
                    platform,
                    Accounts::HOUSEHOLDS,
                    claims,
                    PostingKind::ProductClaim,
                );
                t.contributions = premiums;
                t.fee_income = premiums;
            }
            ProductKind::Fund => {}
        }
        t.claims = claims_count;
        t.claims_paid = claims;
        t.leaves += leaving;
        self.products.items[k].members -= leaving;
    }

    /// The platform offering product `k` has exited: its members leave.
    fn close_product(&mut self, k: usize, t: &mut Tally) {
        let bit = 1u32 << k;
        for m in &mut self.products.member {
            *m &= !bit;
        }
        let item = &mut self.products.items[k];
        t.leaves = item.members;
        item.members = 0;
        item.closed = true;
    }

    fn record_product(&mut self, k: usize, spec: &ProductSpec, day: u32, t: &Tally) {
        let churn_averted = std::mem::take(&mut self.products.items[k].averted_today);
        let nk = self.products.items.len();
        let bit = 1u32 << k;
        let item = &self.products.items[k];
        let represented = item.members as f64 * spec.represents;
        let risk_mean = if item.members > 0 && spec.adverse_selection {
            let sum: f64 = (0..self.consumers.len())
                .filter(|&c| self.products.member[c] & bit != 0)
                .map(|c| f64::from(self.products.risk[c * nk + k]))
                .sum();
            Some(sum / item.members as f64)
        } else if item.members > 0 && spec.kind != ProductKind::Fund {
            Some(1.0)
        } else {
            None
        };
        let record = ProductDay {
            day,
            platform: item.platform,
            product: k,
            members: item.members,
            members_represented: represented,
            joins: t.joins_reach + t.joins_marketing,
            joins_reach: t.joins_reach,
            joins_marketing: t.joins_marketing,
            leaves: t.leaves,
            claims: t.claims,
            claims_paid: t.claims_paid,
            contributions: t.contributions,
            cost_per_member: item.price,
            fee_income: t.fee_income,
            marketing_spend: t.marketing_spend,
            reach_spend: t.reach_spend,
            acquisition_cost_per_member_reach: (item.reach_joins > 0)
                .then(|| item.reach_spend.as_major() / (item.reach_joins as f64 * spec.represents)),
            acquisition_cost_per_member_marketing: (item.marketing_joins > 0).then(|| {
                item.marketing_spend.as_major() / (item.marketing_joins as f64 * spec.represents)
            }),
            reached_marketing: item.reached,
            pool_balance: (spec.kind == ProductKind::MutualAid)
                .then(|| self.ledger.balance(self.products.pool(k))),
            risk_mean,
            churn_averted,
        };
        if item.days_to_million.is_none() && represented >= MILLION {
            self.products.items[k].days_to_million = Some(day - spec.launch_day + 1);
        }
        self.products.days.push(record);
    }

    /// Whether a product consumer `c` is a member of keeps it on platform
    /// `p` when the churn clock of its install spell `spell` runs out at
    /// `now`; if so a new clock for the spell starts (see the module
    /// documentation).
    pub(super) fn product_retains(
        &mut self,
        c: usize,
        p: usize,
        spell: u16,
        now: Tick,
        queue: &mut EventQueue<Event>,
    ) -> bool {
        let member = self.products.member.get(c).copied().unwrap_or(0);
        if member == 0 {
            return false;
        }
        let scenario = self.scenario;
        for k in 0..self.products.items.len() {
            let item = &self.products.items[k];
            if member & (1 << k) == 0 || item.platform != p {
                continue;
            }
            let retention = scenario.platforms[p].products[item.spec].retention;
            if retention <= 0.0 {
                continue;
            }
            let key = mix64(
                mix64(mix64(RETENTION_STREAM ^ k as u64) ^ c as u64)
                    ^ (u64::from(spell) << 48 | now.0),
            );
            let mut rng = stream(self.products.run_seed, Purpose::Products, key);
            if rng.random::<f64>() < retention {
                let u: f64 = rng.random();
                self.start_churn_clock(c, p, spell, now, queue, |_| u);
                let item = &mut self.products.items[k];
                item.churn_averted += 1;
                item.averted_today += 1;
                return true;
            }
        }
        false
    }

    /// Whether any product is declared.
    pub(super) fn has_products(&self) -> bool {
        !self.products.items.is_empty()
    }
}
