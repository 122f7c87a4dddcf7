//! Exclusivity ("二选一"): a platform pays each merchant that lists on it
//! alone a sum per day (the `exclusivity` lever). At a listing review a
//! merchant listed on the platform and on rivals weighs the payment
//! against what it would lose by leaving the rivals — its estimated daily
//! profit through each rival, from its own orders since the last review,
//! as the listing review estimates it (rival orders count as lost, the
//! listing costs as saved) — and accepts only when the payment is
//! larger. A merchant under a deal stays while the payment continues and
//! exceeds what it expects from joining the best rival; it is released
//! when the payment stops, the platform exits or the merchant closes.
//! Merchants differ in prices, costs and orders, so the share that
//! accepts rises smoothly with the payment.

use super::Market;
use crate::ledger::{Money, PostingKind};
use crate::metrics::Flows;
use crate::scenario::{Lever, Scenario};

/// A merchant under no exclusivity deal.
pub(crate) const NO_PARTNER: u8 = u8::MAX;

/// Whether any platform of `scenario` can ever offer exclusivity (a base
/// value, a schedule entry or a rule sets the lever); without one, nothing
/// here runs and results are those of a market without the mechanism.
pub(crate) fn possible(scenario: &Scenario) -> bool {
    scenario.platforms.iter().any(|p| {
        p.base_levers.exclusivity > Money::ZERO
            || p.schedule
                .iter()
                .any(|e| e.set.iter().any(|(l, _)| *l == Lever::Exclusivity))
            || p.rules
                .iter()
                .any(|r| r.then.iter().any(|(l, _)| *l == Lever::Exclusivity))
    })
}

/// The platform whose exclusivity offer a merchant takes, if any.
/// `listed` is the set of live platforms it lists on, `offers[p]` the
/// daily payment platform `p` offers (zero: none) and `profit[p]` its
/// estimated daily profit through listed platform `p`. An offer from a
/// listed platform is worth its payment minus the profit through every
/// other listed platform; the merchant takes the best offer worth more
/// than nothing (ties: the first platform).
pub(crate) fn best_offer(listed: u32, offers: &[Money], profit: &[f64]) -> Option<usize> {
    let mut best: Option<(usize, f64)> = None;
    for (p, offer) in offers.iter().enumerate() {
        if listed & (1 << p) == 0 || *offer <= Money::ZERO {
            continue;
        }
        let lost: f64 = (0..profit.len())
            .filter(|&q| q != p && listed & (1 << q) != 0)
            .map(|q| profit[q])
            .sum();
        let surplus = offer.as_major() - lost;
        if surplus > 0.0 && best.is_none_or(|(_, b)| surplus > b) {
            best = Some((p, surplus));
        }
    }
    best.map(|(p, _)| p)
}

impl Market<'_> {
    /// Platform `p`'s exclusivity payment to merchant `m` today: its lever
    /// if it is alive and lists the merchant, else zero.
    fn exclusivity_offer(&self, p: usize, m: usize) -> Money {
        if self.platforms[p].alive && self.merchants.hot[m].listed_on & (1 << p) != 0 {
            self.platforms[p].levers.exclusivity
        } else {
            Money::ZERO
        }
    }

    /// The exclusivity part of merchant `m`'s listing review, given its
    /// estimated daily profit through each platform (`profit`) and the best
    /// platform it could join (`best`). Returns true when the review is
    /// settled: the merchant stays under its deal or has just taken one.
    pub(super) fn review_exclusivity(
        &mut self,
        m: usize,
        profit: &[f64],
        best: Option<(usize, f64)>,
    ) -> bool {
        let partner = self.exclusive[m];
        if partner != NO_PARTNER {
            let pay = self.exclusivity_offer(usize::from(partner), m);
            if pay > Money::ZERO && best.is_none_or(|(_, b)| b <= pay.as_major()) {
                return true;
            }
            self.exclusive[m] = NO_PARTNER;
            return false;
        }
        let np = self.platforms.len();
        let offers: Vec<Money> = (0..np).map(|p| self.exclusivity_offer(p, m)).collect();
        // A platform whose deal would make the merchant leave one it is
        // tied to by a loan is not an option.
        let live = (0..np)
            .filter(|&p| self.platforms[p].alive && !self.tied_elsewhere(m, p))
            .fold(0u32, |acc, p| acc | (1 << p));
        let Some(p) = best_offer(self.merchants.hot[m].listed_on & live, &offers, profit) else {
            return false;
        };
        for q in (0..np).filter(|&q| q != p) {
            self.delist(m, q);
        }
        self.exclusive[m] = p as u8;
        true
    }

    /// Each platform pays today's exclusivity to the merchants under a deal
    /// with it (at most its spendable cash); deals whose payment stopped,
    /// whose platform exited or whose merchant closed end.
    pub(super) fn pay_exclusivity(&mut self) {
        for m in 0..self.merchants.len() {
            let partner = self.exclusive[m];
            if partner == NO_PARTNER {
                continue;
            }
            let p = usize::from(partner);
            let pay = self.exclusivity_offer(p, m);
            if !self.merchants.hot[m].open || pay <= Money::ZERO {
                self.exclusive[m] = NO_PARTNER;
                continue;
            }
            let amount = pay.min(self.available_cash(p).max(Money::ZERO));
            self.ledger.post(
                self.accounts.platform(p),
                self.accounts.merchant(m),
                amount,
                PostingKind::ExclusivityPayment,
            );
            self.recorder.platform_flows(
                p,
                Flows {
                    subsidy_spend: amount,
                    exclusivity_spend: amount,
                    ..Flows::default()
                },
            );
        }
    }

    /// Open merchants under an exclusivity deal with platform `p`.
    pub(super) fn exclusive_merchants(&self, p: usize) -> u64 {
        if !self.exclusivity_on {
            return 0;
        }
        (0..self.merchants.len())
            .filter(|&m| {
                self.merchants.hot[m].open
                    && usize::from(self.exclusive[m]) == p
                    && self.merchants.hot[m].listed_on & (1 << p) != 0
            })
            .count() as u64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A merchant on platforms 0 and 1 earning 12.5 yuan a day through 1:
    /// an offer from 0 just below moves nothing, just above moves it.
    #[test]
    fn an_offer_moves_a_merchant_only_above_its_lost_margin() {
        let profit = [30.0, 12.5];
        let listed = 0b11;
        let below = [Money(1249), Money::ZERO];
        let above = [Money(1251), Money::ZERO];
        assert_eq!(best_offer(listed, &below, &profit), None);
        assert_eq!(best_offer(listed, &above, &profit), Some(0));
        // Equal is not more: the merchant keeps its rivals.
        assert_eq!(
            best_offer(listed, &[Money(1250), Money::ZERO], &profit),
            None
        );
    }

    #[test]
    fn offers_need_a_listing_and_the_best_surplus_wins() {
        let profit = [5.0, 8.0, 2.0];
        // Not listed on 2: its offer is not open to the merchant.
        assert_eq!(
            best_offer(0b011, &[Money::ZERO, Money::ZERO, Money(10_000)], &profit),
            None
        );
        // Listed on all three: platform 0's offer loses 10 a day, platform
        // 1's loses 7; 1's surplus (20 − 7) beats 0's (20 − 10).
        let offers = [Money(2000), Money(2000), Money::ZERO];
        assert_eq!(best_offer(0b111, &offers, &profit), Some(1));
        // A merchant listed on one platform alone loses nothing.
        assert_eq!(
            best_offer(0b001, &[Money(1), Money::ZERO, Money::ZERO], &profit),
            Some(0)
        );
    }
}
