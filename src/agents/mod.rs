//! Agent state: consumers, merchants and platforms, each held as a
//! structure of arrays addressed by index, so the hot path touches only
//! the fields it needs and never allocates.

use rand::RngExt;

use crate::ledger::{AccountId, Money};
use crate::rng::{Purpose, StreamRng, stream};
use crate::scenario::Scenario;

/// Sentinel for "never ordered on this platform".
pub const NEVER: u16 = u16::MAX;

/// The consumer population.
#[derive(Debug, Clone)]
pub struct Consumers {
    /// Purchase occasions per day.
    pub rate: Vec<f64>,
    /// Utility lost per yuan of effective price.
    pub price_sensitivity: Vec<f64>,
    /// Each consumer's own behaviour stream (arrivals and choices).
    pub rng: Vec<StreamRng>,
    /// Last day each consumer ordered on each platform (`NEVER` if not),
    /// consumer-major: `[consumer * platforms + platform]`.
    pub last_order_day: Vec<u16>,
}

impl Consumers {
    /// Draws the population of replication `run_seed`: traits from one
    /// stream per consumer, so consumer `i` is the same whatever the size
    /// of the rest of the market.
    pub fn draw(scenario: &Scenario, run_seed: u64) -> Consumers {
        let n = scenario.market.consumers as usize;
        let p = scenario.platforms.len();
        let mut rate = Vec::with_capacity(n);
        let mut price_sensitivity = Vec::with_capacity(n);
        let mut rng = Vec::with_capacity(n);
        for i in 0..n as u64 {
            let mut traits = stream(run_seed, Purpose::ConsumerTraits, i);
            rate.push(
                scenario
                    .consumers
                    .purchase_rate
                    .sample(&mut traits)
                    .max(0.0),
            );
            price_sensitivity.push(
                scenario
                    .consumers
                    .price_sensitivity
                    .sample(&mut traits)
                    .max(0.0),
            );
            rng.push(stream(run_seed, Purpose::ConsumerBehaviour, i));
        }
        Consumers {
            rate,
            price_sensitivity,
            rng,
            last_order_day: vec![NEVER; n * p],
        }
    }

    /// Number of consumers.
    pub fn len(&self) -> usize {
        self.rate.len()
    }

    /// Whether there are no consumers.
    pub fn is_empty(&self) -> bool {
        self.rate.is_empty()
    }
}

/// The merchant population.
#[derive(Debug, Clone)]
pub struct Merchants {
    /// List price of an order.
    pub price: Vec<Money>,
    /// Cost of the goods sold in one order.
    pub unit_cost: Vec<Money>,
    /// Platforms the merchant is listed on, one bit per platform index.
    pub listed_on: Vec<u32>,
}

/// Largest list price a draw may produce, in fen (a million yuan): keeps
/// heavy-tailed price draws inside exact money arithmetic.
const MAX_PRICE_FEN: i64 = 100_000_000;

impl Merchants {
    /// Draws the merchants of replication `run_seed`, one stream per
    /// merchant.
    pub fn draw(scenario: &Scenario, run_seed: u64) -> Merchants {
        let n = scenario.market.merchants as usize;
        let mut price = Vec::with_capacity(n);
        let mut unit_cost = Vec::with_capacity(n);
        let mut listed_on = Vec::with_capacity(n);
        for j in 0..n as u64 {
            let mut traits = stream(run_seed, Purpose::MerchantTraits, j);
            let p = Money::from_major(scenario.merchants.price.sample(&mut traits))
                .unwrap_or(Money::ZERO)
                .max(Money::ZERO)
                .min(Money(MAX_PRICE_FEN));
            let share = scenario
                .merchants
                .unit_cost_share
                .sample(&mut traits)
                .clamp(0.0, 1.0);
            let mut mask = 0u32;
            for (k, platform) in scenario.platforms.iter().enumerate() {
                if traits.random::<f64>() < platform.merchant_reach {
                    mask |= 1 << k;
                }
            }
            price.push(p);
            unit_cost.push(p.times(share));
            listed_on.push(mask);
        }
        Merchants {
            price,
            unit_cost,
            listed_on,
        }
    }

    /// Number of merchants.
    pub fn len(&self) -> usize {
        self.price.len()
    }

    /// Whether there are no merchants.
    pub fn is_empty(&self) -> bool {
        self.price.is_empty()
    }
}

/// A platform's state during a run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlatformState {
    /// Whether it still trades.
    pub alive: bool,
    /// The day it ran out of cash, if it did.
    pub exit_day: Option<u32>,
    /// Total funding received so far.
    pub funding: Money,
}

/// Where each agent's money is held in the ledger.
///
/// Layout: the outside world's accounts first, then one per platform, then
/// one per merchant.
#[derive(Debug, Clone, Copy)]
pub struct Accounts {
    platforms: u32,
}

impl Accounts {
    /// Consumers' households (their spending comes from outside the model).
    pub const HOUSEHOLDS: AccountId = AccountId(0);
    /// Investors who fund platforms.
    pub const INVESTORS: AccountId = AccountId(1);
    /// Suppliers and staff paid for goods and operating costs.
    pub const SUPPLIERS: AccountId = AccountId(2);
    /// Merchants' owners, who put in their opening cash.
    pub const OWNERS: AccountId = AccountId(3);
    const EXTERNAL: u32 = 4;

    /// The layout for a market with `platforms` platforms.
    pub fn new(platforms: usize) -> Accounts {
        Accounts {
            platforms: platforms as u32,
        }
    }

    /// Number of accounts needed for `merchants` merchants.
    pub fn count(&self, merchants: usize) -> usize {
        (Self::EXTERNAL + self.platforms) as usize + merchants
    }

    /// Platform `p`'s cash account.
    pub fn platform(&self, p: usize) -> AccountId {
        AccountId(Self::EXTERNAL + p as u32)
    }

    /// Merchant `m`'s cash account.
    pub fn merchant(&self, m: usize) -> AccountId {
        AccountId(Self::EXTERNAL + self.platforms + m as u32)
    }
}
