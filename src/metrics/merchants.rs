//! Merchant-side economics: each merchant's profit and loss over a run,
//! read from the ledger's per-merchant tally of the postings that make
//! it, its listings and whether it survived; and the per-platform
//! summary of the merchants a platform ever listed.

use crate::ledger::{Money, PostingKind};

/// The kinds of posting that make a merchant's profit: what the ledger
/// tallies per merchant. Financing (opening cash, loans, principal, owner
/// injections), takings held and released at settlement, and the
/// creditors' absorption of a closing merchant's debts move cash but are
/// not profit.
pub const PROFIT_KINDS: [PostingKind; 12] = [
    PostingKind::MerchantPayout,
    PostingKind::DirectSale,
    PostingKind::WalletPayment,
    PostingKind::MerchantUnitCost,
    PostingKind::Commission,
    PostingKind::PaymentFee,
    PostingKind::MerchantSubsidy,
    PostingKind::MerchantBounty,
    PostingKind::ExclusivityPayment,
    PostingKind::MerchantFixedCost,
    PostingKind::LoanInterest,
    PostingKind::DelistPenalty,
];

/// One merchant over a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MerchantRecord {
    /// Merchant index.
    pub merchant: u32,
    /// District.
    pub district: u32,
    /// Platforms it was listed on at the end, one bit per platform.
    pub listed_end: u32,
    /// Platforms it was listed on at any time, one bit per platform.
    pub listed_ever: u32,
    /// Sales: platform payouts of list prices, direct sales and wallet
    /// payments received.
    pub revenue: Money,
    /// Cost of the goods sold.
    pub unit_costs: Money,
    /// Commissions and wallet payment fees paid to platforms.
    pub commissions_fees: Money,
    /// Merchant subsidies and wallet bounties received from platforms.
    pub subsidies_bounties: Money,
    /// Fixed daily costs and listing costs paid.
    pub fixed_costs: Money,
    /// Interest paid on loans, and any penalty paid to delist from a
    /// lender's platform.
    pub loan_interest: Money,
    /// Day the merchant closed for lack of cash, if it did.
    pub closed_day: Option<u32>,
}

impl MerchantRecord {
    /// Builds the record from the ledger's tally of [`PROFIT_KINDS`]
    /// (`net(kind)`: what the merchant received less what it paid).
    pub fn from_tally(
        merchant: u32,
        district: u32,
        listed_end: u32,
        listed_ever: u32,
        closed_day: Option<u32>,
        net: impl Fn(PostingKind) -> Money,
    ) -> MerchantRecord {
        use PostingKind as K;
        let received = |kinds: &[PostingKind]| Money(kinds.iter().map(|&k| net(k).0).sum());
        let paid = |kinds: &[PostingKind]| Money(-kinds.iter().map(|&k| net(k).0).sum::<i64>());
        MerchantRecord {
            merchant,
            district,
            listed_end,
            listed_ever,
            revenue: received(&[K::MerchantPayout, K::DirectSale, K::WalletPayment]),
            unit_costs: paid(&[K::MerchantUnitCost]),
            commissions_fees: paid(&[K::Commission, K::PaymentFee]),
            subsidies_bounties: received(&[
                K::MerchantSubsidy,
                K::MerchantBounty,
                K::ExclusivityPayment,
            ]),
            fixed_costs: paid(&[K::MerchantFixedCost]),
            loan_interest: paid(&[K::LoanInterest, K::DelistPenalty]),
            closed_day,
        }
    }

    /// Revenue and subsidies less every cost: the merchant's profit over
    /// the run.
    pub fn profit(&self) -> Money {
        self.revenue + self.subsidies_bounties
            - self.unit_costs
            - self.commissions_fees
            - self.fixed_costs
            - self.loan_interest
    }
}

/// The merchants platform `p` ever listed: how many, the share still
/// open at the end, and their mean profit in yuan (`None` for the last
/// two when it listed none).
pub fn platform_figures(records: &[MerchantRecord], p: usize) -> (u64, Option<f64>, Option<f64>) {
    let mut listed = 0u64;
    let mut open = 0u64;
    let mut profit = 0i128;
    for r in records.iter().filter(|r| r.listed_ever & (1 << p) != 0) {
        listed += 1;
        if r.closed_day.is_none() {
            open += 1;
        }
        profit += i128::from(r.profit().0);
    }
    if listed == 0 {
        return (0, None, None);
    }
    let n = listed as f64;
    (
        listed,
        Some(open as f64 / n),
        Some(profit as f64 / 100.0 / n),
    )
}
