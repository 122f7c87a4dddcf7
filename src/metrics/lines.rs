//! A platform's business lines: which line each kind of posting through
//! the platform's cash account belongs to, so the platform's result can
//! be read by line (`business_lines.csv`, the `contribution_*` columns of
//! `summary.csv`).
//!
//! [`role`] is the one table from [`PostingKind`] to a line: adding a kind
//! of posting is one line there, and the compiler asks for it (the match
//! has no catch-all). A posting through a platform's cash is either
//!
//! - **profit** of a line (commission, a coupon, loan interest),
//! - **principal** of a line that keeps a book of loans (a disbursement,
//!   a repayment, a recovery): cash that becomes or stops being a loan,
//!   not profit,
//! - **settlement**: customers' money passing through to merchants (what
//!   is still held for them is a liability, not profit),
//! - **financing**: funding rounds and mergers.
//!
//! A line's profit over a period is its profit postings plus its
//! principal postings plus the change in its book (principal
//! outstanding): for lending, interest + penalties − funding cost −
//! screening − principal written off (credit and fraud losses); for
//! consumer credit likewise on its book of balances. So, exactly to the fen, for every platform
//!
//! ```text
//! cash = financing + Σ lines' profit + held for merchants − loan books
//! ```
//!
//! which a test checks. A lending arm that is not consolidated keeps its
//! own account, so its flows reach no platform's lines.

use crate::ledger::PostingKind;

/// A business line of a platform group.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Line {
    /// The marketplace: commission and consumer fees.
    Listings,
    /// The wallet: payment fees, float income and the spread on its funds.
    Payments,
    /// The consolidated lending arm: interest and delisting penalties less
    /// funding cost and principal written off.
    Lending,
    /// Credit to consumers: interest less funding cost, screening and
    /// balances written off (credit and fraud).
    ConsumerCredit,
    /// Coupons, new-user bonuses, red packets, merchant subsidies, wallet
    /// bounties and exclusivity payments (negative).
    Subsidies,
    /// Variable and fixed operating costs and marketing (negative).
    Costs,
    /// Products sold to users: management fees and premiums less claims
    /// an insurer pays and the products' marketing and reach costs.
    Products,
}

impl Line {
    /// Every line, in reporting order (the order of `business_lines.csv`
    /// and of the `contribution_*` columns).
    pub const ALL: [Line; 7] = [
        Line::Listings,
        Line::Payments,
        Line::Lending,
        Line::ConsumerCredit,
        Line::Subsidies,
        Line::Costs,
        Line::Products,
    ];

    /// Number of lines.
    pub const COUNT: usize = Line::ALL.len();

    /// Name in `business_lines.csv`.
    pub fn name(self) -> &'static str {
        match self {
            Line::Listings => "listings",
            Line::Payments => "payments",
            Line::Lending => "lending",
            Line::ConsumerCredit => "consumer_credit",
            Line::Subsidies => "subsidies",
            Line::Costs => "costs",
            Line::Products => "products",
        }
    }

    /// Position in [`Line::ALL`].
    pub fn index(self) -> usize {
        self as usize
    }
}

/// What a posting through a platform's cash account is, for the
/// platform's accounts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// Profit (or loss) of a line.
    Profit(Line),
    /// Principal moving between cash and a line's book of loans.
    Principal(Line),
    /// Customers' money passing through to merchants.
    Settlement,
    /// Funding rounds, acquisitions and cash taken over in a merger.
    Financing,
    /// A kind that never moves a platform's cash (merchants' costs,
    /// households' and funds' flows).
    Elsewhere,
}

/// The role of each kind of posting through a platform's cash: the one
/// table from posting kinds to business lines.
pub const fn role(kind: PostingKind) -> Role {
    use Line::*;
    use PostingKind as K;
    match kind {
        K::Commission | K::ConsumerFee => Role::Profit(Listings),
        K::PaymentFee | K::WalletFee | K::FloatIncome | K::FundSpread => Role::Profit(Payments),
        K::LoanInterest | K::FundingCost | K::DelistPenalty | K::ScreeningCost => {
            Role::Profit(Lending)
        }
        K::LoanDisbursement
        | K::LoanPrincipal
        | K::LoanRecovery
        | K::FraudDisbursement
        | K::FraudRecovery => Role::Principal(Lending),
        K::CreditInterest | K::CreditFundingCost | K::CreditScreeningCost => {
            Role::Profit(ConsumerCredit)
        }
        K::CreditPurchase
        | K::CreditRepayment
        | K::CreditRecovery
        | K::CreditFraudDisbursement
        | K::CreditFraudRecovery => Role::Principal(ConsumerCredit),
        K::Coupon
        | K::NewUserBonus
        | K::MerchantSubsidy
        | K::RedPacket
        | K::MerchantBounty
        | K::ExclusivityPayment => Role::Profit(Subsidies),
        K::PlatformVariableCost | K::PlatformFixedCost | K::Marketing => Role::Profit(Costs),
        K::ProductClaim
        | K::ProductFee
        | K::ProductPremium
        | K::ProductMarketing
        | K::ProductReachCost => Role::Profit(Products),
        K::ConsumerPayment
        | K::MerchantPayout
        | K::WalletPayment
        | K::SettlementHold
        | K::SettlementRelease => Role::Settlement,
        K::Funding | K::AcquisitionPrice | K::MergerTransfer => Role::Financing,
        K::DirectSale
        | K::MerchantUnitCost
        | K::MerchantFixedCost
        | K::MerchantClosureLoss
        | K::OwnerInjection
        | K::FundDeposit
        | K::FundRedemption
        | K::BalancePayment
        | K::FundYield
        | K::ProductContribution => Role::Elsewhere,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_line_has_a_kind_of_its_own() {
        for line in Line::ALL {
            let kinds = PostingKind::ALL
                .iter()
                .filter(|&&k| matches!(role(k), Role::Profit(l) | Role::Principal(l) if l == line))
                .count();
            assert!(kinds > 0, "{line:?}");
            assert_eq!(Line::ALL[line.index()], line);
        }
    }
}
