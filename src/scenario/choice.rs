//! `[choice]`: the utility coefficients of the consumer's logit choice
//! among platforms, buying direct and not buying (the network effect of
//! variety, waiting, habit, switching and wallet convenience).

use serde::{Deserialize, Serialize};

use super::checker::{Checker, MAX_UTILITY};

/// `[choice]`: utility coefficients of the consumer's logit choice.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
pub struct RawChoice {
    /// Utility per unit of ln(1 + merchants a platform lists in the
    /// consumer's district): the cross-side network effect.
    #[serde(default)]
    pub variety: f64,
    /// Utility lost per hour of expected waiting time at the merchant.
    #[serde(default)]
    pub wait_per_hour: f64,
    /// Utility per unit of loyalty (habit) towards a platform.
    #[serde(default)]
    pub loyalty: f64,
    /// Utility lost when choosing a platform other than the one used last.
    #[serde(default)]
    pub switching_cost: f64,
    /// Utility of paying a merchant directly with a mobile wallet rather
    /// than cash (for merchants that accept wallets).
    #[serde(default)]
    pub wallet_convenience: f64,
    /// Logit scale of the choice of how to pay a merchant (cash or one of
    /// the wallets the consumer has and the merchant accepts).
    #[serde(default = "default_wallet_scale")]
    pub wallet_scale: f64,
    /// Utility per unit of habit of paying with a wallet.
    #[serde(default)]
    pub wallet_habit: f64,
    /// Utility of paying cash where a wallet could be used; unset, a
    /// consumer who can pay with a wallet always does.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cash_utility: Option<f64>,
}

fn default_wallet_scale() -> f64 {
    1.0
}

impl Default for RawChoice {
    fn default() -> RawChoice {
        RawChoice {
            variety: 0.0,
            wait_per_hour: 0.0,
            loyalty: 0.0,
            switching_cost: 0.0,
            wallet_convenience: 0.0,
            wallet_scale: default_wallet_scale(),
            wallet_habit: 0.0,
            cash_utility: None,
        }
    }
}

/// Utility coefficients of the consumer's choice.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ChoiceSpec {
    /// Per ln(1 + merchants listed in district).
    pub variety: f64,
    /// Per hour of expected waiting.
    pub wait_per_hour: f64,
    /// Per unit of loyalty.
    pub loyalty: f64,
    /// Lost when choosing a platform other than the last used.
    pub switching_cost: f64,
    /// Paying direct with a wallet rather than cash.
    pub wallet_convenience: f64,
    /// Logit scale of the payment choice.
    pub wallet_scale: f64,
    /// Per unit of wallet habit.
    pub wallet_habit: f64,
    /// Utility of paying cash where a wallet could be used (`None`: cash
    /// is not chosen then).
    pub cash_utility: Option<f64>,
}

/// Checks `[choice]`.
pub(super) fn check(c: &mut Checker, ch: &RawChoice) -> ChoiceSpec {
    ChoiceSpec {
        variety: c.real("choice.variety", ch.variety, -MAX_UTILITY, MAX_UTILITY),
        wait_per_hour: c.real("choice.wait_per_hour", ch.wait_per_hour, 0.0, MAX_UTILITY),
        loyalty: c.real("choice.loyalty", ch.loyalty, -MAX_UTILITY, MAX_UTILITY),
        switching_cost: c.real("choice.switching_cost", ch.switching_cost, 0.0, MAX_UTILITY),
        wallet_convenience: c.real(
            "choice.wallet_convenience",
            ch.wallet_convenience,
            -MAX_UTILITY,
            MAX_UTILITY,
        ),
        wallet_scale: c.real("choice.wallet_scale", ch.wallet_scale, 0.01, MAX_UTILITY),
        wallet_habit: c.real(
            "choice.wallet_habit",
            ch.wallet_habit,
            -MAX_UTILITY,
            MAX_UTILITY,
        ),
        cash_utility: ch
            .cash_utility
            .map(|u| c.real("choice.cash_utility", u, -MAX_UTILITY, MAX_UTILITY)),
    }
}
