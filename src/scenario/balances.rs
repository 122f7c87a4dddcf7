//! Wallet balances in money-market funds: each wallet's fund for
//! consumers (`[platforms.payments.fund]`, 余额宝-style) and for merchants'
//! idle cash (`[platforms.payments.merchant_fund]`, 余利宝-style), and how
//! consumers hold balances (`[balances]`): where they put them (a logit
//! on the net yield against a bank deposit), what flows in each day, and
//! what a balance is worth when paying.
//!
//! Balances are off unless some wallet has a fund: `[balances]` without
//! one is refused, as are fund tables on a platform without a wallet.

use serde::{Deserialize, Serialize};

use super::checker::{Checker, MAX_UTILITY};
use crate::ledger::Money;

/// `[platforms.payments.fund]`: the money-market fund consumers hold
/// their wallet balances in.
#[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize)]
pub struct RawFund {
    /// Annual yield the fund's assets earn.
    #[serde(default)]
    pub gross_yield: f64,
    /// Annual share of the assets the platform keeps (its fee); holders
    /// earn `gross_yield − spread`.
    #[serde(default)]
    pub spread: f64,
}

/// `[platforms.payments.merchant_fund]`: the cash-management fund that
/// merchants accepting the wallet sweep idle cash into.
#[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize)]
pub struct RawMerchantFund {
    /// Annual yield the fund's assets earn.
    #[serde(default)]
    pub gross_yield: f64,
    /// Annual share of the assets the platform keeps.
    #[serde(default)]
    pub spread: f64,
    /// Cash a merchant keeps on hand, in yuan; what is above it at a day's
    /// end is swept into the fund.
    #[serde(default)]
    pub buffer: f64,
}

/// A validated fund.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct FundSpec {
    /// Annual yield of the fund's assets.
    pub gross_yield: f64,
    /// Annual share the platform keeps.
    pub spread: f64,
    /// Cash a merchant keeps out of the fund (zero for consumers' funds).
    pub buffer: Money,
}

impl FundSpec {
    /// Annual yield holders earn.
    pub fn net_yield(&self) -> f64 {
        self.gross_yield - self.spread
    }
}

/// `[balances]`: how consumers hold wallet balances.
#[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize)]
pub struct RawBalances {
    /// Yuan a holding consumer adds to the balance each day (the part of
    /// income kept in the wallet).
    #[serde(default)]
    pub income: f64,
    /// Balance above which daily income is no longer added, in yuan; none:
    /// no limit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<f64>,
    /// Yuan deposited when a consumer starts holding a balance.
    #[serde(default)]
    pub opening: f64,
    /// Annual rate of a bank deposit, the outside option.
    #[serde(default)]
    pub deposit_rate: f64,
    /// Utility per percentage point of a fund's net yield above the
    /// deposit rate.
    #[serde(default = "super::raw::one_f")]
    pub yield_weight: f64,
    /// Utility of holding a wallet balance at all, against the bank.
    #[serde(default)]
    pub hold_utility: f64,
    /// Daily probability that a consumer reconsiders where it holds.
    #[serde(default)]
    pub review: f64,
    /// Utility added to paying with the wallet that holds the consumer's
    /// balance (while the balance is positive).
    #[serde(default)]
    pub pay_utility: f64,
}

/// Validated `[balances]`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BalancesSpec {
    /// Daily inflow per holding consumer.
    pub income: Money,
    /// Balance above which income stops flowing in.
    pub target: Option<Money>,
    /// Opening deposit.
    pub opening: Money,
    /// Annual bank deposit rate.
    pub deposit_rate: f64,
    /// Utility per percentage point of net yield over the deposit rate.
    pub yield_weight: f64,
    /// Utility of holding a wallet balance against the bank.
    pub hold_utility: f64,
    /// Daily probability of reconsidering.
    pub review: f64,
    /// Utility of paying with the wallet holding the balance.
    pub pay_utility: f64,
}

impl Default for BalancesSpec {
    fn default() -> Self {
        BalancesSpec {
            income: Money::ZERO,
            target: None,
            opening: Money::ZERO,
            deposit_rate: 0.0,
            yield_weight: 1.0,
            hold_utility: 0.0,
            review: 0.0,
            pay_utility: 0.0,
        }
    }
}

/// Checks the yields of a fund table at `key`.
fn check_yields(c: &mut Checker, key: &str, gross_yield: f64, spread: f64) -> (f64, f64) {
    let gross_yield = c.real(&format!("{key}.gross_yield"), gross_yield, 0.0, 1.0);
    let spread = c.real(&format!("{key}.spread"), spread, 0.0, 1.0);
    if spread > gross_yield {
        c.fail(
            format!("{key}.spread"),
            format!("must not exceed gross_yield ({gross_yield}), got {spread}"),
        );
    }
    (gross_yield, spread.min(gross_yield))
}

/// Checks a consumers' fund table at `key`.
pub(super) fn check_fund(c: &mut Checker, key: &str, f: &RawFund) -> FundSpec {
    let (gross_yield, spread) = check_yields(c, key, f.gross_yield, f.spread);
    FundSpec {
        gross_yield,
        spread,
        buffer: Money::ZERO,
    }
}

/// Checks a merchant fund table at `key`.
pub(super) fn check_merchant_fund(c: &mut Checker, key: &str, f: &RawMerchantFund) -> FundSpec {
    let (gross_yield, spread) = check_yields(c, key, f.gross_yield, f.spread);
    FundSpec {
        gross_yield,
        spread,
        buffer: c.money(&format!("{key}.buffer"), f.buffer),
    }
}

/// Checks `[balances]`; `funds` says whether some wallet has a consumer
/// fund.
pub(super) fn check(c: &mut Checker, b: Option<&RawBalances>, funds: bool) -> BalancesSpec {
    let Some(b) = b else {
        return BalancesSpec::default();
    };
    if !funds {
        c.fail(
            "balances",
            "describes balances held in wallets' funds: give some wallet a [platforms.payments.fund]",
        );
    }
    BalancesSpec {
        income: c.money("balances.income", b.income),
        target: b.target.map(|v| c.money("balances.target", v)),
        opening: c.money("balances.opening", b.opening),
        deposit_rate: c.real("balances.deposit_rate", b.deposit_rate, 0.0, 1.0),
        yield_weight: c.real("balances.yield_weight", b.yield_weight, 0.0, MAX_UTILITY),
        hold_utility: c.real(
            "balances.hold_utility",
            b.hold_utility,
            -MAX_UTILITY,
            MAX_UTILITY,
        ),
        review: c.share("balances.review", b.review),
        pay_utility: c.real(
            "balances.pay_utility",
            b.pay_utility,
            -MAX_UTILITY,
            MAX_UTILITY,
        ),
    }
}
