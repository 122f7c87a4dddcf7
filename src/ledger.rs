//! Double-entry ledger in integer minor units.
//!
//! Every movement of money in a run is a [`Posting`] from one account to
//! another, of a non-negative [`Money`] amount, tagged with its
//! [`PostingKind`]. Balances are never written directly, so the sum of all
//! balances is always zero (money is conserved) and each balance equals its
//! credits minus its debits. [`Ledger::check`] verifies both identities and
//! the per-kind totals; with a journal enabled it also replays every posting.
//!
//! Money is an `i64` count of fen (cents): exact, so sums over 10^8 postings
//! do not drift. Arithmetic is checked; an overflow is recorded and reported
//! by [`Ledger::check`] rather than wrapping silently.

use std::fmt;

/// An amount of money in minor units (fen, cents).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Money(pub i64);

impl Money {
    /// Zero.
    pub const ZERO: Money = Money(0);

    /// The amount in major units (yuan), for reporting and for utilities.
    pub fn as_major(self) -> f64 {
        self.0 as f64 / 100.0
    }

    /// Rounds a major-unit amount (yuan) to the nearest minor unit; `None` if
    /// it is not finite or does not fit.
    pub fn from_major(yuan: f64) -> Option<Money> {
        let fen = (yuan * 100.0).round();
        // 2^62 fen leaves headroom for sums of a few such amounts.
        if fen.is_finite() && fen.abs() < 4.0e18 {
            Some(Money(fen as i64))
        } else {
            None
        }
    }

    /// `self * rate`, rounded to the nearest minor unit (used for
    /// commissions and other shares of a price).
    pub fn times(self, rate: f64) -> Money {
        Money((self.0 as f64 * rate).round() as i64)
    }

    /// The smaller of two amounts.
    pub fn min(self, other: Money) -> Money {
        Money(self.0.min(other.0))
    }

    /// The larger of two amounts.
    pub fn max(self, other: Money) -> Money {
        Money(self.0.max(other.0))
    }
}

impl std::ops::Add for Money {
    type Output = Money;
    fn add(self, rhs: Money) -> Money {
        Money(self.0.saturating_add(rhs.0))
    }
}

impl std::ops::Sub for Money {
    type Output = Money;
    fn sub(self, rhs: Money) -> Money {
        Money(self.0.saturating_sub(rhs.0))
    }
}

impl std::ops::AddAssign for Money {
    fn add_assign(&mut self, rhs: Money) {
        *self = *self + rhs;
    }
}

impl fmt::Display for Money {
    /// Major units with exactly two decimals, computed from the integer so
    /// the text is exact and reproducible (`-12.05`).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.0 < 0 { "-" } else { "" };
        let abs = self.0.unsigned_abs();
        write!(f, "{sign}{}.{:02}", abs / 100, abs % 100)
    }
}

/// Index of an account in a [`Ledger`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct AccountId(pub u32);

/// What a posting is for. Totals are kept per kind so reports can be
/// reconciled against the ledger.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum PostingKind {
    /// Investors fund a platform or a merchant's owner funds the merchant.
    Funding,
    /// A consumer pays the list price of an order to a platform.
    ConsumerPayment,
    /// A consumer pays a platform's per-order fee.
    ConsumerFee,
    /// A platform pays a coupon (per-order subsidy) back to a consumer.
    Coupon,
    /// A platform pays a merchant the list price of an order.
    MerchantPayout,
    /// A merchant pays a platform its commission.
    Commission,
    /// A consumer pays a merchant directly (offline or own channel).
    DirectSale,
    /// A merchant pays for the goods or service it sold.
    MerchantUnitCost,
    /// A platform's per-order variable cost (delivery, servers, support).
    PlatformVariableCost,
    /// A platform's fixed daily operating cost.
    PlatformFixedCost,
    /// A platform's one-off coupon on a consumer's first order.
    NewUserBonus,
    /// A platform's extra payout to a merchant per order.
    MerchantSubsidy,
    /// A platform's red packet to a consumer paying with its wallet.
    RedPacket,
    /// A consumer pays a merchant through a platform's wallet.
    WalletPayment,
    /// A merchant pays a platform's fee on a wallet payment.
    PaymentFee,
    /// A bank pays a platform interest on money it holds.
    FloatIncome,
    /// A platform pays for marketing (acquisitions).
    Marketing,
    /// A merchant's fixed daily cost and platform listing costs.
    MerchantFixedCost,
    /// Creditors absorb the unpaid bills of a merchant that closes.
    MerchantClosureLoss,
    /// A platform holds a merchant's takings until settlement.
    SettlementHold,
    /// A platform releases held takings to the merchant.
    SettlementRelease,
    /// A lender pays out a loan to a merchant.
    LoanDisbursement,
    /// A merchant repays loan principal.
    LoanPrincipal,
    /// A merchant pays loan interest.
    LoanInterest,
    /// A defaulted loan's recovery (collateral, guarantees) reaches the
    /// lender.
    LoanRecovery,
    /// A lender pays interest on its funding.
    FundingCost,
    /// A merchant's owner puts in cash so the business can pay a loan
    /// instalment (only where defaults come from a Vasicek model).
    OwnerInjection,
    /// Bounty a wallet pays a merchant for taking a payment with it.
    MerchantBounty,
    /// Fee a payer pays its wallet on a payment.
    WalletFee,
    /// Money put into a wallet's fund: a consumer's income or opening
    /// deposit, or a merchant's idle cash swept in.
    FundDeposit,
    /// Money taken out of a wallet's fund back to its holder (a consumer
    /// leaving the fund, a merchant short of cash).
    FundRedemption,
    /// A consumer's fund balance pays for a wallet payment (the fund
    /// redeems to the household, which pays as usual).
    BalancePayment,
    /// The yield a fund's holders earn, paid by the banks holding its
    /// assets into the fund.
    FundYield,
    /// The platform's share (spread) of what its fund's assets earn.
    FundSpread,
    /// A platform pays a merchant for listing on it alone (exclusivity).
    ExclusivityPayment,
    /// An acquirer pays the price of a platform it buys to that platform's
    /// shareholders (outside the market).
    AcquisitionPrice,
    /// A bought platform's cash passes to its acquirer.
    MergerTransfer,
    /// A platform's consumer credit pays for a consumer's order (the
    /// consumer owes it the amount).
    CreditPurchase,
    /// A consumer repays consumer credit principal.
    CreditRepayment,
    /// A consumer pays interest on a revolving credit balance.
    CreditInterest,
    /// Collections recover part of a defaulted credit balance.
    CreditRecovery,
    /// A platform pays for the money its consumer credit has lent out.
    CreditFundingCost,
    /// A lender pays for anti-fraud screening of an application.
    ScreeningCost,
    /// A lender pays out to an undetected fraudster, who never repays.
    FraudDisbursement,
    /// Part of a fraudulent exposure recovered after default.
    FraudRecovery,
    /// A merchant pays its lender a penalty to delist from the platform
    /// it repays a sales-share loan through.
    DelistPenalty,
    /// A platform's consumer credit pays for anti-fraud screening of an
    /// application.
    CreditScreeningCost,
    /// A platform's consumer credit pays out a line to an undetected
    /// fraudster, who never repays.
    CreditFraudDisbursement,
    /// Part of a fraudulent consumer credit exposure recovered after
    /// default.
    CreditFraudRecovery,
    /// A mutual-aid member pays its share of a period's claims and fee
    /// into the plan's pool.
    ProductContribution,
    /// A product pays a member's claim (from a mutual-aid pool, or from
    /// an insurer's cash).
    ProductClaim,
    /// A mutual-aid pool pays the platform its management fee.
    ProductFee,
    /// An insurance member pays the platform a premium.
    ProductPremium,
    /// A platform pays for marketing a product (reach bought at its cost
    /// per acquisition).
    ProductMarketing,
    /// A platform pays for promoting a product to its own users, per
    /// member who joins through its reach.
    ProductReachCost,
}

impl PostingKind {
    /// Every kind, in a fixed order (used to index totals).
    pub const ALL: [PostingKind; 55] = [
        PostingKind::Funding,
        PostingKind::ConsumerPayment,
        PostingKind::ConsumerFee,
        PostingKind::Coupon,
        PostingKind::MerchantPayout,
        PostingKind::Commission,
        PostingKind::DirectSale,
        PostingKind::MerchantUnitCost,
        PostingKind::PlatformVariableCost,
        PostingKind::PlatformFixedCost,
        PostingKind::NewUserBonus,
        PostingKind::MerchantSubsidy,
        PostingKind::RedPacket,
        PostingKind::WalletPayment,
        PostingKind::PaymentFee,
        PostingKind::FloatIncome,
        PostingKind::Marketing,
        PostingKind::MerchantFixedCost,
        PostingKind::MerchantClosureLoss,
        PostingKind::SettlementHold,
        PostingKind::SettlementRelease,
        PostingKind::LoanDisbursement,
        PostingKind::LoanPrincipal,
        PostingKind::LoanInterest,
        PostingKind::LoanRecovery,
        PostingKind::FundingCost,
        PostingKind::OwnerInjection,
        PostingKind::MerchantBounty,
        PostingKind::WalletFee,
        PostingKind::FundDeposit,
        PostingKind::FundRedemption,
        PostingKind::BalancePayment,
        PostingKind::FundYield,
        PostingKind::FundSpread,
        PostingKind::ExclusivityPayment,
        PostingKind::AcquisitionPrice,
        PostingKind::MergerTransfer,
        PostingKind::CreditPurchase,
        PostingKind::CreditRepayment,
        PostingKind::CreditInterest,
        PostingKind::CreditRecovery,
        PostingKind::CreditFundingCost,
        PostingKind::ScreeningCost,
        PostingKind::FraudDisbursement,
        PostingKind::FraudRecovery,
        PostingKind::DelistPenalty,
        PostingKind::CreditScreeningCost,
        PostingKind::CreditFraudDisbursement,
        PostingKind::CreditFraudRecovery,
        PostingKind::ProductContribution,
        PostingKind::ProductClaim,
        PostingKind::ProductFee,
        PostingKind::ProductPremium,
        PostingKind::ProductMarketing,
        PostingKind::ProductReachCost,
    ];

    fn index(self) -> usize {
        self as usize
    }
}

/// One movement of money.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Posting {
    /// Account the money leaves.
    pub from: AccountId,
    /// Account the money reaches.
    pub to: AccountId,
    /// Amount moved; never negative.
    pub amount: Money,
    /// What the movement is for.
    pub kind: PostingKind,
}

/// A broken accounting identity, found by [`Ledger::check`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LedgerError {
    /// The balances do not sum to zero.
    #[error("money not conserved: balances sum to {0} fen")]
    NotConserved(i128),
    /// An account's balance differs from its credits minus debits.
    #[error("account {account}: balance {balance} fen but credits - debits = {expected} fen")]
    BalanceMismatch {
        /// The account.
        account: u32,
        /// Its balance.
        balance: i64,
        /// Credits minus debits.
        expected: i128,
    },
    /// Per-kind totals do not add up to the total posted.
    #[error("per-kind totals {by_kind} fen differ from total posted {total} fen")]
    KindTotals {
        /// Sum of per-kind totals.
        by_kind: i128,
        /// Total of all postings.
        total: i128,
    },
    /// Replaying the journal gives a different balance.
    #[error("account {account}: journal replay gives {replayed} fen, balance is {balance} fen")]
    JournalMismatch {
        /// The account.
        account: u32,
        /// Replayed balance.
        replayed: i128,
        /// Ledger balance.
        balance: i64,
    },
    /// A negative amount was posted.
    #[error("a posting of a negative amount was attempted")]
    NegativeAmount,
    /// An amount overflowed the 64-bit range.
    #[error("an account balance overflowed the 64-bit range")]
    Overflow,
}

/// Net amounts of chosen kinds of posting for each account of a block (a
/// run's merchants): what the account received less what it paid, per
/// kind, so per-agent accounts (profit and loss) come from the postings
/// themselves.
#[derive(Debug, Clone)]
struct Tally {
    /// First account of the block.
    first: usize,
    /// One past the last account of the block.
    last: usize,
    /// Slot of each kind ([`NO_SLOT`] if not tallied).
    slot_of: [u8; PostingKind::ALL.len()],
    /// Cache lines of slots per account.
    lines: usize,
    /// `[(account - first) * lines + slot / 8][slot % 8]`, in fen: each
    /// account's row starts a cache line, so the first eight kinds (those
    /// an order posts) of an account share one line.
    sums: Vec<TallyLine>,
}

/// Eight slots of a [`Tally`], one cache line.
#[derive(Debug, Clone, Copy, Default)]
#[repr(C, align(64))]
struct TallyLine([i64; TALLY_LINE]);

/// Slots per [`TallyLine`].
const TALLY_LINE: usize = 8;

const NO_SLOT: u8 = u8::MAX;

/// One account's balance with the totals it is checked against, kept
/// together and aligned so a posting touches one cache line per account.
#[derive(Debug, Clone, Copy, Default)]
#[repr(C, align(64))]
struct Account {
    balance: i64,
    credits: i128,
    debits: i128,
}

/// The double-entry ledger of one run.
#[derive(Debug, Clone)]
pub struct Ledger {
    accounts: Vec<Account>,
    by_kind: [i128; PostingKind::ALL.len()],
    total: i128,
    postings: u64,
    journal: Option<Vec<Posting>>,
    fault: Option<LedgerError>,
    tally: Option<Tally>,
    /// A second tally, of every kind, for a block of accounts whose
    /// flows reports break down by kind (the platforms' cash accounts).
    book: Option<Tally>,
}

impl Tally {
    /// A tally of `kinds` for accounts `first..last`.
    fn new(first: usize, last: usize, kinds: &[PostingKind]) -> Tally {
        let mut slot_of = [NO_SLOT; PostingKind::ALL.len()];
        let mut slots = 0;
        for &k in kinds {
            if slot_of[k.index()] == NO_SLOT && slots < usize::from(NO_SLOT) {
                slot_of[k.index()] = slots as u8;
                slots += 1;
            }
        }
        Tally {
            first,
            last,
            slot_of,
            lines: slots.div_ceil(TALLY_LINE),
            sums: vec![
                TallyLine::default();
                last.saturating_sub(first) * slots.div_ceil(TALLY_LINE)
            ],
        }
    }

    /// Adds one posting of `amount` from account `f` to account `t`.
    #[inline]
    fn add(&mut self, f: usize, t: usize, amount: i64, kind: PostingKind) {
        let slot = self.slot_of[kind.index()];
        if slot == NO_SLOT {
            return;
        }
        let slot = usize::from(slot);
        let (line, at) = (slot / TALLY_LINE, slot % TALLY_LINE);
        // One unsigned comparison per account: below `first` wraps to a
        // large offset, so `offset < span` is `first <= a < last`.
        let span = self.last.saturating_sub(self.first);
        let (fo, to) = (f.wrapping_sub(self.first), t.wrapping_sub(self.first));
        if fo < span {
            let c = &mut self.sums[fo * self.lines + line].0[at];
            *c = c.saturating_sub(amount);
        }
        if to < span {
            let c = &mut self.sums[to * self.lines + line].0[at];
            *c = c.saturating_add(amount);
        }
    }

    /// The net amount of `kind` for `account`, if tallied.
    fn get(&self, account: AccountId, kind: PostingKind) -> Option<Money> {
        let slot = self.slot_of[kind.index()];
        let a = account.0 as usize;
        (slot != NO_SLOT && a >= self.first && a < self.last).then(|| {
            let slot = usize::from(slot);
            Money(self.sums[(a - self.first) * self.lines + slot / TALLY_LINE].0[slot % TALLY_LINE])
        })
    }
}

impl Ledger {
    /// A ledger with `accounts` accounts, all at zero.
    pub fn new(accounts: usize) -> Self {
        Ledger {
            accounts: vec![Account::default(); accounts],
            by_kind: [0; PostingKind::ALL.len()],
            total: 0,
            postings: 0,
            journal: None,
            fault: None,
            tally: None,
            book: None,
        }
    }

    /// Keeps, for every account from `first` on, the net amount of each
    /// of `kinds` (see [`Ledger::tallied`]): one counter per account and
    /// kind.
    pub fn with_tally(mut self, first: AccountId, kinds: &[PostingKind]) -> Self {
        let last = self.accounts.len();
        self.tally = Some(Tally::new(first.0 as usize, last, kinds));
        self
    }

    /// What `account` received less what it paid in postings of `kind`,
    /// if the ledger tallies that kind for that account.
    pub fn tallied(&self, account: AccountId, kind: PostingKind) -> Option<Money> {
        self.tally.as_ref()?.get(account, kind)
    }

    /// Keeps, for each account of `first..last`, the net amount of every
    /// kind of posting (see [`Ledger::booked`]): what a platform's
    /// business lines are read from.
    pub fn with_book(mut self, first: AccountId, last: AccountId) -> Self {
        let last = (last.0 as usize).min(self.accounts.len());
        self.book = Some(Tally::new(first.0 as usize, last, &PostingKind::ALL));
        self
    }

    /// What `account` received less what it paid in postings of `kind`,
    /// if the account is in the block given to [`Ledger::with_book`].
    pub fn booked(&self, account: AccountId, kind: PostingKind) -> Option<Money> {
        self.book.as_ref()?.get(account, kind)
    }

    /// Keeps every posting in memory so [`Ledger::check`] can replay them.
    /// Meant for tests and audits of small runs.
    pub fn with_journal(mut self) -> Self {
        self.journal = Some(Vec::new());
        self
    }

    /// Moves `amount` from `from` to `to`. Zero amounts are not recorded.
    // Always inlined: an order makes about ten postings, and a call's
    // register saves cost about as much as the posting itself.
    #[inline(always)]
    pub fn post(&mut self, from: AccountId, to: AccountId, amount: Money, kind: PostingKind) {
        let a = amount.0;
        if a <= 0 {
            if a < 0 {
                self.fault.get_or_insert(LedgerError::NegativeAmount);
            }
            return;
        }
        let (f, t) = (from.0 as usize, to.0 as usize);
        // Both balances are checked before either changes, so a posting
        // that would overflow leaves the ledger as it was.
        let (Some(fb), Some(tb)) = (
            self.accounts[f].balance.checked_sub(a),
            self.accounts[t].balance.checked_add(a),
        ) else {
            self.fault.get_or_insert(LedgerError::Overflow);
            return;
        };
        // A posting from an account to itself leaves its balance alone.
        if f != t {
            self.accounts[f].balance = fb;
            self.accounts[t].balance = tb;
        }
        if let Some(tally) = &mut self.tally {
            tally.add(f, t, a, kind);
        }
        if let Some(book) = &mut self.book {
            book.add(f, t, a, kind);
        }
        let wide = i128::from(a);
        self.accounts[f].debits += wide;
        self.accounts[t].credits += wide;
        self.by_kind[kind.index()] += wide;
        self.total += wide;
        self.postings += 1;
        if self.journal.is_some() {
            self.record(from, to, amount, kind);
        }
    }

    /// Hints that `account` will be posted to soon: fetches its record and
    /// its row of the tally into cache. Changes nothing.
    #[inline]
    pub fn prefetch(&self, account: AccountId) {
        let a = account.0 as usize;
        if let Some(record) = self.accounts.get(a..=a) {
            crate::memory::prefetch_all(record);
        }
        if let Some(tally) = &self.tally
            && a >= tally.first
            && a < tally.last
        {
            // An order's postings touch the row's first line only.
            if let Some(first) = tally.sums.get((a - tally.first) * tally.lines) {
                crate::memory::prefetch(first);
            }
        }
    }

    /// Appends a posting to the journal (kept out of line: journals are
    /// for tests and audits, not the hot path).
    #[cold]
    fn record(&mut self, from: AccountId, to: AccountId, amount: Money, kind: PostingKind) {
        if let Some(journal) = &mut self.journal {
            journal.push(Posting {
                from,
                to,
                amount,
                kind,
            });
        }
    }

    /// Current balance of an account.
    pub fn balance(&self, account: AccountId) -> Money {
        Money(self.accounts[account.0 as usize].balance)
    }

    /// Total ever posted of one kind.
    pub fn total_of(&self, kind: PostingKind) -> i128 {
        self.by_kind[kind.index()]
    }

    /// Total ever credited to an account.
    pub fn credits(&self, account: AccountId) -> i128 {
        self.accounts[account.0 as usize].credits
    }

    /// Number of postings made.
    pub fn postings(&self) -> u64 {
        self.postings
    }

    /// Number of accounts.
    pub fn accounts(&self) -> usize {
        self.accounts.len()
    }

    /// The journal, if enabled.
    pub fn journal(&self) -> Option<&[Posting]> {
        self.journal.as_deref()
    }

    /// Verifies the accounting identities: no fault occurred, balances sum
    /// to zero, each balance equals credits minus debits, per-kind totals
    /// add up, and (with a journal) a replay reproduces every balance.
    pub fn check(&self) -> Result<(), LedgerError> {
        if let Some(fault) = &self.fault {
            return Err(fault.clone());
        }
        let sum: i128 = self.accounts.iter().map(|a| i128::from(a.balance)).sum();
        if sum != 0 {
            return Err(LedgerError::NotConserved(sum));
        }
        for (i, a) in self.accounts.iter().enumerate() {
            let expected = a.credits - a.debits;
            if i128::from(a.balance) != expected {
                return Err(LedgerError::BalanceMismatch {
                    account: i as u32,
                    balance: a.balance,
                    expected,
                });
            }
        }
        let by_kind: i128 = self.by_kind.iter().sum();
        if by_kind != self.total {
            return Err(LedgerError::KindTotals {
                by_kind,
                total: self.total,
            });
        }
        if let Some(journal) = &self.journal {
            let mut replay = vec![0i128; self.accounts.len()];
            for p in journal {
                replay[p.from.0 as usize] -= i128::from(p.amount.0);
                replay[p.to.0 as usize] += i128::from(p.amount.0);
            }
            for (i, (&r, a)) in replay.iter().zip(&self.accounts).enumerate() {
                let b = a.balance;
                if r != i128::from(b) {
                    return Err(LedgerError::JournalMismatch {
                        account: i as u32,
                        replayed: r,
                        balance: b,
                    });
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_display_is_exact() {
        assert_eq!(Money(0).to_string(), "0.00");
        assert_eq!(Money(5).to_string(), "0.05");
        assert_eq!(Money(-1205).to_string(), "-12.05");
        assert_eq!(Money(123_456_789).to_string(), "1234567.89");
        assert_eq!(Money(i64::MIN).to_string(), "-92233720368547758.08");
    }

    #[test]
    fn money_from_major_rounds_and_rejects_non_finite() {
        assert_eq!(Money::from_major(12.345), Some(Money(1235)));
        assert_eq!(Money::from_major(0.1 + 0.2), Some(Money(30)));
        assert_eq!(Money::from_major(f64::NAN), None);
        assert_eq!(Money::from_major(f64::INFINITY), None);
        assert_eq!(Money::from_major(1e300), None);
    }

    #[test]
    fn postings_conserve_money() {
        let (a, b, c) = (AccountId(0), AccountId(1), AccountId(2));
        let mut l = Ledger::new(3).with_journal();
        l.post(a, b, Money(500), PostingKind::Funding);
        l.post(b, c, Money(120), PostingKind::ConsumerPayment);
        l.post(c, c, Money(7), PostingKind::Commission);
        l.post(c, a, Money(0), PostingKind::Coupon);
        assert_eq!(l.balance(a), Money(-500));
        assert_eq!(l.balance(b), Money(380));
        assert_eq!(l.balance(c), Money(120));
        assert_eq!(l.postings(), 3);
        assert_eq!(l.total_of(PostingKind::Funding), 500);
        assert_eq!(l.check(), Ok(()));
    }

    #[test]
    fn negative_amount_and_overflow_are_reported() {
        let mut l = Ledger::new(2);
        l.post(AccountId(0), AccountId(1), Money(-1), PostingKind::Coupon);
        assert_eq!(l.check(), Err(LedgerError::NegativeAmount));
        let mut l = Ledger::new(2);
        l.post(
            AccountId(0),
            AccountId(1),
            Money(i64::MAX),
            PostingKind::Funding,
        );
        l.post(
            AccountId(0),
            AccountId(1),
            Money(i64::MAX),
            PostingKind::Funding,
        );
        assert_eq!(l.check(), Err(LedgerError::Overflow));
    }
}
