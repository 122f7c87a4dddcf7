//! A day's platform orders, summed and posted to the ledger when the day
//! closes.
//!
//! An order through a platform moves money ten ways among four accounts
//! (households, suppliers, the platform, the merchant). Posted one by one
//! with their tallies, those postings were a tenth of a run's
//! instructions. Nothing reads a merchant's cash, or its tallies, before
//! the day closes, and a platform's cash is read through
//! [`DayPostings::platform_net`]; so unless the ledger keeps a journal
//! (the replay option, which keeps every order's postings), the amounts
//! are summed per platform and per merchant and platform, and posted as
//! one posting per kind when the day closes. Balances, per-kind totals and
//! tallies at the day's close are the same to the fen; only the number of
//! postings differs.

use crate::agents::Accounts;
use crate::ledger::{Ledger, Money, PostingKind};

use super::occasion::OrderTerms;

/// What a platform's orders of the day moved between it and households
/// and suppliers, in fen.
#[derive(Debug, Clone, Copy, Default)]
struct PlatformSums {
    price: i64,
    fee: i64,
    coupon: i64,
    new_user_bonus: i64,
    variable_cost: i64,
}

/// What the day's orders at one merchant through one platform moved
/// between them (and to suppliers), in fen.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct MerchantSums {
    payout: i64,
    merchant_subsidy: i64,
    commission: i64,
    unit_cost: i64,
    held: i64,
}

/// Posts an order at merchant `m` through platform `p` on `terms` at
/// once, as [`DayPostings::add`] and [`DayPostings::post`] do in sum: the
/// merchant's goods cost `unit_cost`, and `held` of its takings is held
/// by the platform.
pub(super) fn post_order(
    ledger: &mut Ledger,
    accounts: &Accounts,
    (m, p): (usize, usize),
    terms: &OrderTerms,
    unit_cost: Money,
    held: Money,
) {
    let (h, s) = (Accounts::HOUSEHOLDS, Accounts::SUPPLIERS);
    let (platform, merchant) = (accounts.platform(p), accounts.merchant(m));
    ledger.post(h, platform, terms.price, PostingKind::ConsumerPayment);
    ledger.post(h, platform, terms.fee, PostingKind::ConsumerFee);
    ledger.post(platform, merchant, terms.price, PostingKind::MerchantPayout);
    let subsidy = terms.merchant_subsidy;
    ledger.post(platform, merchant, subsidy, PostingKind::MerchantSubsidy);
    ledger.post(
        merchant,
        platform,
        terms.commission,
        PostingKind::Commission,
    );
    ledger.post(platform, h, terms.coupon, PostingKind::Coupon);
    ledger.post(platform, h, terms.new_user_bonus, PostingKind::NewUserBonus);
    let variable_cost = terms.variable_cost;
    ledger.post(
        platform,
        s,
        variable_cost,
        PostingKind::PlatformVariableCost,
    );
    ledger.post(merchant, s, unit_cost, PostingKind::MerchantUnitCost);
    ledger.post(merchant, platform, held, PostingKind::SettlementHold);
}

/// Bytes of the day's sums per merchant and platform (memory estimates).
pub(crate) const BYTES_PER_MERCHANT_PLATFORM: usize = std::mem::size_of::<MerchantSums>();

/// The platform orders of the current day not yet posted to the ledger.
#[derive(Debug, Clone)]
pub(super) struct DayPostings {
    platforms: usize,
    /// Per platform.
    by_platform: Vec<PlatformSums>,
    /// What platform `p`'s pending orders add to its cash.
    net: Vec<i64>,
    /// `[m * platforms + p]`.
    by_merchant: Vec<MerchantSums>,
    /// Orders pending.
    orders: u32,
}

impl DayPostings {
    /// Sums for `merchants` merchants and `platforms` platforms, all zero.
    pub(super) fn new(merchants: usize, platforms: usize) -> DayPostings {
        DayPostings {
            platforms,
            by_platform: vec![PlatformSums::default(); platforms],
            net: vec![0; platforms],
            by_merchant: {
                let mut rows = crate::memory::huge_vec(merchants * platforms);
                rows.resize(merchants * platforms, MerchantSums::default());
                rows
            },
            orders: 0,
        }
    }

    /// What platform `p`'s orders not yet posted add to its cash.
    #[inline]
    pub(super) fn platform_net(&self, p: usize) -> Money {
        Money(self.net.get(p).copied().unwrap_or(0))
    }

    /// Adds an order at merchant `m` through platform `p` on `terms`, with
    /// the merchant's goods costing `unit_cost` and `held` of its takings
    /// held by the platform. Returns false, adding nothing, if an amount
    /// is negative or beyond 2^34 fen (170 million yuan), or 2^26 orders
    /// (67 million) are pending: such an order is posted at once. Below
    /// those limits no sum, nor a platform's net, can leave the 64-bit
    /// range (four amounts of one sign per order, at most 2^62).
    #[inline]
    pub(super) fn add(
        &mut self,
        m: usize,
        p: usize,
        terms: &OrderTerms,
        unit_cost: Money,
        held: Money,
    ) -> bool {
        const LIMIT: u64 = 1 << 34;
        const MAX_ORDERS: u32 = 1 << 26;
        let amounts = [
            terms.price.0,
            terms.fee.0,
            terms.coupon.0,
            terms.new_user_bonus.0,
            terms.variable_cost.0,
            terms.merchant_subsidy.0,
            terms.commission.0,
            unit_cost.0,
            held.0,
        ];
        if self.orders == MAX_ORDERS || amounts.iter().any(|&a| a as u64 > LIMIT) {
            return false;
        }
        let Some(row) = self.by_merchant.get_mut(m * self.platforms + p) else {
            return false;
        };
        row.payout += terms.price.0;
        row.merchant_subsidy += terms.merchant_subsidy.0;
        row.commission += terms.commission.0;
        row.unit_cost += unit_cost.0;
        row.held += held.0;
        let sums = &mut self.by_platform[p];
        sums.price += terms.price.0;
        sums.fee += terms.fee.0;
        sums.coupon += terms.coupon.0;
        sums.new_user_bonus += terms.new_user_bonus.0;
        sums.variable_cost += terms.variable_cost.0;
        self.net[p] += terms.fee.0 + terms.commission.0 + held.0
            - terms.merchant_subsidy.0
            - terms.coupon.0
            - terms.new_user_bonus.0
            - terms.variable_cost.0;
        self.orders += 1;
        true
    }

    /// Hints that an order at merchant `m` will be added soon. Changes
    /// nothing.
    #[inline]
    pub(super) fn prefetch(&self, m: usize) {
        let n = self.platforms;
        if let Some(rows) = self.by_merchant.get(m * n..(m + 1) * n) {
            crate::memory::prefetch_all(rows);
        }
    }

    /// Posts the pending sums to `ledger`, one posting per kind and
    /// platform, then per kind, merchant and platform, and clears them.
    /// (Balances, totals and tallies do not depend on the order.)
    pub(super) fn post(&mut self, ledger: &mut Ledger, accounts: &Accounts) {
        if self.orders == 0 {
            return;
        }
        self.orders = 0;
        let (h, s) = (Accounts::HOUSEHOLDS, Accounts::SUPPLIERS);
        for (p, sums) in self.by_platform.iter_mut().enumerate() {
            let platform = accounts.platform(p);
            let day = std::mem::take(sums);
            ledger.post(h, platform, Money(day.price), PostingKind::ConsumerPayment);
            ledger.post(h, platform, Money(day.fee), PostingKind::ConsumerFee);
            ledger.post(platform, h, Money(day.coupon), PostingKind::Coupon);
            ledger.post(
                platform,
                h,
                Money(day.new_user_bonus),
                PostingKind::NewUserBonus,
            );
            ledger.post(
                platform,
                s,
                Money(day.variable_cost),
                PostingKind::PlatformVariableCost,
            );
            self.net[p] = 0;
        }
        let n = self.platforms;
        for (i, row) in self.by_merchant.iter_mut().enumerate() {
            if *row == MerchantSums::default() {
                continue;
            }
            let r = std::mem::take(row);
            let (m, p) = (i / n, i % n);
            let (platform, merchant) = (accounts.platform(p), accounts.merchant(m));
            ledger.post(
                platform,
                merchant,
                Money(r.payout),
                PostingKind::MerchantPayout,
            );
            ledger.post(
                platform,
                merchant,
                Money(r.merchant_subsidy),
                PostingKind::MerchantSubsidy,
            );
            ledger.post(
                merchant,
                platform,
                Money(r.commission),
                PostingKind::Commission,
            );
            ledger.post(
                merchant,
                s,
                Money(r.unit_cost),
                PostingKind::MerchantUnitCost,
            );
            ledger.post(
                merchant,
                platform,
                Money(r.held),
                PostingKind::SettlementHold,
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ledger::AccountId;

    const MERCHANTS: usize = 3;
    const PLATFORMS: usize = 2;

    fn terms(price: i64, coupon: i64, bonus: i64, subsidy: i64) -> OrderTerms {
        OrderTerms {
            price: Money(price),
            fee: Money(200),
            coupon: Money(coupon),
            new_user_bonus: Money(bonus),
            merchant_subsidy: Money(subsidy),
            commission: Money(price * 15 / 100),
            variable_cost: Money(300),
        }
    }

    fn ledger(accounts: &Accounts) -> Ledger {
        Ledger::new(accounts.count(MERCHANTS))
            .with_tally(
                accounts.merchant(0),
                &crate::metrics::merchants::PROFIT_KINDS,
            )
            .with_book(accounts.platform(0), accounts.platform(PLATFORMS))
            .with_journal()
    }

    /// A day of orders summed and posted at its close leaves every
    /// balance, per-kind total, merchant tally and platform book as
    /// posting each order at once does, with fewer postings; before the
    /// close, a platform's pending net is what its balance will gain.
    #[test]
    fn a_days_sums_post_what_each_order_would() {
        let accounts = Accounts::new(PLATFORMS, 0);
        let (mut each, mut summed) = (ledger(&accounts), ledger(&accounts));
        let mut day = DayPostings::new(MERCHANTS, PLATFORMS);
        let orders = [
            ((0, 0), terms(3_500, 300, 0, 0), 2_000, 3_000),
            ((0, 0), terms(4_100, 300, 500, 0), 2_300, 0),
            ((2, 1), terms(1_900, 0, 0, 150), 1_000, 1_700),
            ((1, 0), terms(0, 0, 0, 0), 0, 0),
            ((2, 1), terms(2_800, 0, 0, 150), 1_600, 2_500),
        ];
        let before: Vec<Money> = (0..PLATFORMS)
            .map(|p| summed.balance(accounts.platform(p)))
            .collect();
        for &(at, t, unit, held) in &orders {
            super::post_order(&mut each, &accounts, at, &t, Money(unit), Money(held));
            assert!(day.add(at.0, at.1, &t, Money(unit), Money(held)));
        }
        let pending: Vec<Money> = (0..PLATFORMS).map(|p| day.platform_net(p)).collect();
        day.post(&mut summed, &accounts);
        for p in 0..PLATFORMS {
            let account = accounts.platform(p);
            assert_eq!(
                summed.balance(account),
                before[p] + pending[p],
                "platform {p}"
            );
            assert_eq!(day.platform_net(p), Money::ZERO);
        }
        for a in 0..accounts.count(MERCHANTS) {
            let a = AccountId(a as u32);
            assert_eq!(summed.balance(a), each.balance(a), "account {a:?}");
            assert_eq!(summed.credits(a), each.credits(a), "account {a:?}");
            for kind in PostingKind::ALL {
                assert_eq!(summed.tallied(a, kind), each.tallied(a, kind));
                assert_eq!(summed.booked(a, kind), each.booked(a, kind));
            }
        }
        for kind in PostingKind::ALL {
            assert_eq!(summed.total_of(kind), each.total_of(kind), "{kind:?}");
        }
        summed.check().expect("the summed ledger balances");
        assert!(summed.postings() < each.postings());
        // A second close with nothing pending posts nothing.
        let postings = summed.postings();
        day.post(&mut summed, &accounts);
        assert_eq!(summed.postings(), postings);
    }

    /// An order with a negative amount or one beyond the limit is not
    /// summed (the occasion posts it at once, faults included).
    #[test]
    fn odd_amounts_are_left_to_post_at_once() {
        let mut day = DayPostings::new(MERCHANTS, PLATFORMS);
        let negative = OrderTerms {
            fee: Money(-1),
            ..terms(3_500, 0, 0, 0)
        };
        assert!(!day.add(0, 0, &negative, Money(100), Money::ZERO));
        let huge = terms(1 << 35, 0, 0, 0);
        assert!(!day.add(0, 0, &huge, Money(100), Money::ZERO));
        assert!(!day.add(MERCHANTS, 0, &terms(100, 0, 0, 0), Money(1), Money::ZERO));
        assert_eq!(day.platform_net(0), Money::ZERO);
        assert_eq!(day.orders, 0);
    }
}
