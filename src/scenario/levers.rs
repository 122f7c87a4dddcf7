//! A platform's policy levers as typed values: money levers in integer fen,
//! commission as a share. Scenario files and strategy rules speak of levers
//! by name and in yuan; [`Levers::set`] and [`Levers::scale`] are where a
//! rule's number becomes money, once a day, rather than on every order.

use super::{Lever, LeverValue};
use crate::ledger::Money;

/// The value of every lever of one platform at one moment.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Levers {
    /// Coupon per order.
    pub coupon: Money,
    /// One-off coupon on a consumer's first order in an install spell.
    pub new_user_bonus: Money,
    /// Extra payout to the merchant per order.
    pub merchant_subsidy: Money,
    /// Red packet per wallet payment.
    pub red_packet: Money,
    /// Bounty to the merchant per wallet payment.
    pub merchant_bounty: Money,
    /// Bounty to the merchant per first payment of a new payer.
    pub new_payer_bounty: Money,
    /// Marketing spend per day.
    pub marketing_budget: Money,
    /// Fee per order charged to the consumer.
    pub consumer_fee: Money,
    /// Payment per day to each merchant listed on this platform only.
    pub exclusivity: Money,
    /// Share of the price kept from the merchant, in [0, 1].
    pub commission: f64,
}

impl Levers {
    fn money_mut(&mut self, lever: Lever) -> Option<&mut Money> {
        match lever {
            Lever::Coupon => Some(&mut self.coupon),
            Lever::NewUserBonus => Some(&mut self.new_user_bonus),
            Lever::MerchantSubsidy => Some(&mut self.merchant_subsidy),
            Lever::RedPacket => Some(&mut self.red_packet),
            Lever::MerchantBounty => Some(&mut self.merchant_bounty),
            Lever::NewPayerBounty => Some(&mut self.new_payer_bounty),
            Lever::MarketingBudget => Some(&mut self.marketing_budget),
            Lever::ConsumerFee => Some(&mut self.consumer_fee),
            Lever::Exclusivity => Some(&mut self.exclusivity),
            Lever::Commission => None,
        }
    }

    /// The value of `lever` as rules and metrics see it: yuan for a money
    /// lever, a share for commission.
    pub fn get(&self, lever: Lever) -> f64 {
        match lever {
            Lever::Coupon => self.coupon.as_major(),
            Lever::NewUserBonus => self.new_user_bonus.as_major(),
            Lever::MerchantSubsidy => self.merchant_subsidy.as_major(),
            Lever::RedPacket => self.red_packet.as_major(),
            Lever::MerchantBounty => self.merchant_bounty.as_major(),
            Lever::NewPayerBounty => self.new_payer_bounty.as_major(),
            Lever::MarketingBudget => self.marketing_budget.as_major(),
            Lever::ConsumerFee => self.consumer_fee.as_major(),
            Lever::Exclusivity => self.exclusivity.as_major(),
            Lever::Commission => self.commission,
        }
    }

    /// Sets `lever` to `value` (yuan, or a share for commission), rounded
    /// to the fen. Levers are never negative, a money lever is at most the
    /// largest amount a scenario may write (a rule scaling a coupon a
    /// billionfold gets that, not nothing) and commission is at most 1; a
    /// value that is not finite (a rule copying an infinite runway, say)
    /// sets the lever to zero.
    pub fn set(&mut self, lever: Lever, value: f64) {
        let value = if value.is_finite() && value > 0.0 {
            value
        } else {
            0.0
        };
        match self.money_mut(lever) {
            Some(money) => {
                *money =
                    Money::from_major(value.min(super::checker::MAX_YUAN)).unwrap_or(Money::ZERO);
            }
            None => self.commission = value.min(1.0),
        }
    }

    /// Sets `lever` to a validated value: an amount for a money lever, a
    /// share for commission.
    pub fn set_value(&mut self, lever: Lever, value: LeverValue) {
        match (self.money_mut(lever), value) {
            (Some(money), LeverValue::Money(amount)) => *money = amount.max(Money::ZERO),
            (None, LeverValue::Share(share)) => self.set(lever, share),
            // Validation types each value by its lever; a mismatch still
            // lands on the lever's own scale.
            (_, LeverValue::Money(amount)) => self.set(lever, amount.as_major()),
            (_, LeverValue::Share(v)) => self.set(lever, v),
        }
    }

    /// Multiplies `lever` by `factor` (a money lever is rounded to the fen),
    /// within the same bounds as [`Levers::set`].
    pub fn scale(&mut self, lever: Lever, factor: f64) {
        self.set(lever, self.get(lever) * factor);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_levers_round_to_the_fen_and_stay_non_negative() {
        let mut l = Levers::default();
        l.set(Lever::Coupon, 4.996);
        assert_eq!(l.coupon, Money(500));
        l.scale(Lever::Coupon, 0.5);
        assert_eq!(l.coupon, Money(250));
        l.set(Lever::RedPacket, -1.0);
        assert_eq!(l.red_packet, Money::ZERO);
        l.set(Lever::MarketingBudget, f64::INFINITY);
        assert_eq!(l.marketing_budget, Money::ZERO);
        l.set(Lever::Commission, 0.3);
        l.scale(Lever::Commission, 5.0);
        assert_eq!(l.commission, 1.0);
        assert_eq!(l.get(Lever::Coupon), 2.5);
        // Scaled past what money can hold, a lever stops at the most a
        // scenario may write instead of falling to zero.
        l.scale(Lever::Coupon, 1e20);
        assert_eq!(l.coupon, Money(100_000_000_000_000));
    }
}
