//! `[regulation]`: caps a regulator may impose — on every consumer
//! subsidy (coupon, first-order bonus, red packet), optionally on merchant
//! subsidies (per-order subsidy and wallet bounties), and on the interest
//! rate of loans to merchants.

use serde::{Deserialize, Serialize};

use super::checker::Checker;
use super::levers::Levers;
use crate::ledger::Money;

/// `[regulation]`: caps a regulator may impose.
#[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize)]
pub struct RawRegulation {
    /// Largest consumer subsidy allowed per order or payment (coupon,
    /// first-order bonus, red packet), in yuan.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_coupon: Option<f64>,
    /// Largest merchant subsidy allowed per order or payment (per-order
    /// subsidy, wallet bounties), in yuan.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_merchant_subsidy: Option<f64>,
    /// Largest annual interest rate allowed on loans.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_interest_rate: Option<f64>,
}

/// The validated caps.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct Regulation {
    /// Caps on subsidies.
    pub subsidy_caps: SubsidyCaps,
    /// Largest annual interest rate on loans.
    pub max_interest_rate: Option<f64>,
}

/// A regulator's caps on subsidies per order or payment.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct SubsidyCaps {
    /// Largest coupon, first-order bonus and red packet.
    pub consumer: Option<Money>,
    /// Largest merchant subsidy and wallet bounty.
    pub merchant: Option<Money>,
}

impl SubsidyCaps {
    /// Lowers every capped lever to its cap.
    pub fn apply(&self, levers: &mut Levers) {
        if let Some(cap) = self.consumer {
            for lever in [
                &mut levers.coupon,
                &mut levers.new_user_bonus,
                &mut levers.red_packet,
            ] {
                *lever = (*lever).min(cap);
            }
        }
        if let Some(cap) = self.merchant {
            for lever in [
                &mut levers.merchant_subsidy,
                &mut levers.merchant_bounty,
                &mut levers.new_payer_bounty,
            ] {
                *lever = (*lever).min(cap);
            }
        }
    }
}

/// Checks `[regulation]`.
pub(super) fn check(c: &mut Checker, r: &RawRegulation) -> Regulation {
    Regulation {
        max_interest_rate: r
            .max_interest_rate
            .map(|r| c.real("regulation.max_interest_rate", r, 0.0, 10.0)),
        subsidy_caps: SubsidyCaps {
            consumer: r.max_coupon.map(|v| c.money("regulation.max_coupon", v)),
            merchant: r
                .max_merchant_subsidy
                .map(|v| c.money("regulation.max_merchant_subsidy", v)),
        },
    }
}
