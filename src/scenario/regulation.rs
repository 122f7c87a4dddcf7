//! `[regulation]`: caps a regulator may impose — on the coupon per order
//! and on the interest rate of loans to merchants.

use serde::{Deserialize, Serialize};

use super::checker::Checker;
use crate::ledger::Money;

/// `[regulation]`: caps a regulator may impose.
#[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize)]
pub struct RawRegulation {
    /// Largest per-order coupon allowed, in yuan.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_coupon: Option<f64>,
    /// Largest annual interest rate allowed on loans.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_interest_rate: Option<f64>,
}

/// The validated caps.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct Regulation {
    /// Largest coupon per order.
    pub max_coupon: Option<Money>,
    /// Largest annual interest rate on loans.
    pub max_interest_rate: Option<f64>,
}

/// Checks `[regulation]`.
pub(super) fn check(c: &mut Checker, r: &RawRegulation) -> Regulation {
    Regulation {
        max_interest_rate: r
            .max_interest_rate
            .map(|r| c.real("regulation.max_interest_rate", r, 0.0, 10.0)),
        max_coupon: r.max_coupon.map(|v| c.money("regulation.max_coupon", v)),
    }
}
