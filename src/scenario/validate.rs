//! Stage 4 of loading: every rule, table by table, building the validated
//! [`Scenario`]. Each table's check lives beside its types, in the table's
//! module; this file checks the top-level keys and calls the tables in
//! file order, so problems are listed in the order a reader meets them.
//! Problems are collected, not thrown, so one pass reports everything
//! wrong with a file.
//!
//! The `[sweep]` table is kept as written: it is read and checked by
//! [`crate::sweep`], and a scenario does not need one.
//!
//! Validity never depends on the machine: whether a valid scenario fits in
//! this machine's memory is the runner's question
//! ([`crate::resources`]), asked before a run starts.

use super::Problem;
use super::checker::{Checker, Horizon};
use super::choice::{self, ChoiceSpec};
use super::consumers::{self, ConsumerSpec};
use super::economy::{self, EconomySpec};
use super::lenders::{self, LenderSpec};
use super::market::{self, Market};
use super::merchants::{self, MerchantSpec};
use super::platforms::{self, PlatformSpec};
use super::raw::RawScenario;
use super::regulation::{self, SubsidyCaps};

/// Longest run accepted, in days (a century).
pub const MAX_HORIZON_DAYS: u32 = 36_500;
/// Most replications of one scenario.
pub(crate) const MAX_REPLICATIONS: i64 = 1_000_000;

/// A validated scenario: everything a run needs, in model units.
#[derive(Debug, Clone)]
pub struct Scenario {
    /// Short name, safe to use as a directory name.
    pub name: String,
    /// Master seed.
    pub seed: u64,
    /// Number of replications.
    pub replications: u32,
    /// Run length in days.
    pub horizon_days: u32,
    /// Market sizes and outside options.
    pub market: Market,
    /// Utility coefficients.
    pub choice: ChoiceSpec,
    /// Consumer traits.
    pub consumers: ConsumerSpec,
    /// Merchant traits.
    pub merchants: MerchantSpec,
    /// Competing platforms, in file order (their index is their identity).
    pub platforms: Vec<PlatformSpec>,
    /// Lenders to merchants, in file order.
    pub lenders: Vec<LenderSpec>,
    /// Consumer credit programmes, in file order.
    pub consumer_credit: Vec<super::credit::ConsumerCreditSpec>,
    /// The common economic environment.
    pub economy: EconomySpec,
    /// A regulator's caps on subsidies.
    pub subsidy_caps: SubsidyCaps,
    /// How consumers hold wallet balances (used only when some wallet has
    /// a fund).
    pub balances: super::balances::BalancesSpec,
}

/// Whether `name` may name a scenario (and so a results directory).
pub(crate) fn valid_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 64
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        && !name.starts_with('.')
}

/// Checks every rule and builds the validated scenario.
pub(super) fn check(raw: &RawScenario, default_name: &str) -> Result<Scenario, Vec<Problem>> {
    let mut c = Checker {
        problems: Vec::new(),
    };
    let name = raw.name.clone().unwrap_or_else(|| default_name.to_string());
    if !valid_name(&name) {
        c.fail(
            if raw.name.is_some() { "name" } else { "" },
            format!(
                "scenario name `{name}` must be 1-64 characters of letters, digits, '-', '_' or '.', \
                 not starting with '.' (it names the output directory); set `name` in the file"
            ),
        );
    }
    let replications = c.count("replications", raw.replications, 1, MAX_REPLICATIONS);
    let problems_before = c.problems.len();
    let horizon_days = c.count(
        "horizon_days",
        raw.horizon_days,
        1,
        i64::from(MAX_HORIZON_DAYS),
    );
    let horizon = Horizon {
        days: horizon_days,
        ok: c.problems.len() == problems_before,
    };

    let market = market::check(&mut c, &raw.market);
    let choice = choice::check(&mut c, &raw.choice);
    let consumers = consumers::check(&mut c, &raw.consumers);
    let merchants = merchants::check(&mut c, &raw.merchants);
    let platforms = platforms::check(&mut c, &raw.platforms, horizon, market.customer_data);
    let regulation = regulation::check(&mut c, &raw.regulation);
    let lenders = lenders::check(
        &mut c,
        &raw.lenders,
        &raw.platforms,
        regulation.max_interest_rate,
    );
    let consumer_credit = super::credit::check(&mut c, &raw.consumer_credit, &raw.platforms);
    let economy = economy::check(&mut c, &raw.economy, horizon);
    let funds = platforms.iter().any(|p| p.payments.fund.is_some());
    let balances = super::balances::check(&mut c, raw.balances.as_ref(), funds);

    if c.problems.is_empty() {
        Ok(Scenario {
            name,
            seed: raw.seed,
            replications,
            horizon_days,
            market,
            choice,
            consumers,
            merchants,
            platforms,
            lenders,
            consumer_credit,
            economy,
            subsidy_caps: regulation.subsidy_caps,
            balances,
        })
    } else {
        Err(c.problems)
    }
}
