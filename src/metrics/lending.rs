//! What a run records of lending: each loan and its history, each
//! lender's daily flows and its summary over the run. The market's lending
//! arm fills these in; the writers turn them into `loans.csv`,
//! `lending.csv` and `lenders.csv`.

use crate::ledger::Money;
/// Where a loan stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LoanStatus {
    /// Being repaid (possibly late).
    Active,
    /// Repaid in full.
    Repaid,
    /// 90+ days past due (or its borrower closed): non-performing, in
    /// workout.
    Defaulted,
    /// Recovered and written off.
    WrittenOff,
}

impl LoanStatus {
    /// Name used in `loans.csv`.
    pub fn name(self) -> &'static str {
        match self {
            LoanStatus::Active => "active",
            LoanStatus::Repaid => "repaid",
            LoanStatus::Defaulted => "defaulted",
            LoanStatus::WrittenOff => "written_off",
        }
    }
}

/// One loan and its history.
#[derive(Debug, Clone, PartialEq)]
pub struct Loan {
    /// Lender index.
    pub lender: usize,
    /// Borrowing merchant.
    pub merchant: usize,
    /// Day disbursed.
    pub start_day: u32,
    /// Amount disbursed.
    pub principal: Money,
    /// Principal still owed.
    pub outstanding: Money,
    /// Annual interest rate.
    pub rate: f64,
    /// Score at approval.
    pub score: f64,
    /// Interest accrued and not yet paid, in fen (fractional).
    pub(crate) accrued: f64,
    /// Principal fallen due and not yet paid.
    pub(crate) arrears: Money,
    /// First day of the oldest unpaid amount, if any.
    pub(crate) late_since: Option<u32>,
    /// Vasicek borrowers that default stop paying from this day.
    pub(crate) stop_day: Option<u32>,
    /// Current status.
    pub status: LoanStatus,
    /// Day of default.
    pub default_day: Option<u32>,
    /// Principal repaid.
    pub repaid_principal: Money,
    /// Interest paid.
    pub interest_paid: Money,
    /// Principal recovered after default.
    pub recovered: Money,
    /// Principal written off.
    pub written_off: Money,
    /// Expected loss priced in at approval.
    pub expected_loss: Money,
    /// Whether an undetected fraudster took the loan (it is never repaid,
    /// and its loss counts as a fraud loss).
    pub fraud: bool,
}

impl Loan {
    /// Days past due on `day` (0 when current).
    pub fn days_past_due(&self, day: u32) -> u32 {
        self.late_since.map_or(0, |d| day.saturating_sub(d))
    }
}

/// One lender's flows on one day (or, summed, over a run).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct LenderFlows {
    /// Applications received.
    pub applications: u64,
    /// Loans approved and disbursed.
    pub loans_disbursed: u64,
    /// Amount disbursed.
    pub disbursed_amount: Money,
    /// Interest received.
    pub interest_income: Money,
    /// Principal repaid.
    pub principal_repaid: Money,
    /// Loans that defaulted.
    pub new_defaults: u64,
    /// Principal written off.
    pub credit_loss: Money,
    /// Principal recovered.
    pub recoveries: Money,
    /// Expected loss of the loans disbursed.
    pub expected_loss: Money,
    /// Interest paid on the lender's funding.
    pub funding_cost: Money,
    /// Fraudulent applications caught by screening.
    pub fraud_caught: u64,
    /// Loans paid out to undetected fraudsters (not in `loans_disbursed`).
    pub fraud_loans: u64,
    /// Amount paid out to undetected fraudsters.
    pub fraud_amount: Money,
    /// Fraudulent exposure written off (not in `credit_loss`).
    pub fraud_losses: Money,
    /// Fraudulent exposure recovered.
    pub fraud_recoveries: Money,
    /// Cost of anti-fraud screening.
    pub screening_cost: Money,
    /// Penalties merchants paid to delist from the lender's platform.
    pub penalties: Money,
}

impl LenderFlows {
    pub(crate) fn add(&mut self, o: &LenderFlows) {
        self.applications += o.applications;
        self.loans_disbursed += o.loans_disbursed;
        self.disbursed_amount += o.disbursed_amount;
        self.interest_income += o.interest_income;
        self.principal_repaid += o.principal_repaid;
        self.new_defaults += o.new_defaults;
        self.credit_loss += o.credit_loss;
        self.recoveries += o.recoveries;
        self.expected_loss += o.expected_loss;
        self.funding_cost += o.funding_cost;
        self.fraud_caught += o.fraud_caught;
        self.fraud_loans += o.fraud_loans;
        self.fraud_amount += o.fraud_amount;
        self.fraud_losses += o.fraud_losses;
        self.fraud_recoveries += o.fraud_recoveries;
        self.screening_cost += o.screening_cost;
        self.penalties += o.penalties;
    }
}

/// One lender on one day.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LenderDay {
    /// Day.
    pub day: u32,
    /// Lender index.
    pub lender: usize,
    /// The day's flows.
    pub flows: LenderFlows,
    /// Principal outstanding (performing and non-performing).
    pub outstanding: Money,
    /// Principal outstanding on defaulted loans in workout.
    pub non_performing: Money,
    /// Lender's cash.
    pub cash: Money,
}

impl LenderDay {
    /// Non-performing over outstanding principal (0 with nothing
    /// outstanding).
    pub fn npl_ratio(&self) -> f64 {
        if self.outstanding.0 > 0 {
            self.non_performing.0 as f64 / self.outstanding.0 as f64
        } else {
            0.0
        }
    }
}

/// One lender over a run.
#[derive(Debug, Clone, PartialEq)]
pub struct LenderSummary {
    /// Lender index.
    pub lender: usize,
    /// Flows over the run.
    pub flows: LenderFlows,
    /// Outstanding principal at the end.
    pub outstanding_end: Money,
    /// NPL ratio at the end.
    pub npl_ratio: f64,
    /// Defaults over matured loans: loans whose term and 90 days more
    /// ended within the run, so that every default they will have has
    /// happened (`None` without such loans).
    pub default_rate: Option<f64>,
    /// Defaults over every loan disbursed, including loans too young to
    /// have defaulted yet (`None` without loans): biased low.
    pub default_rate_all_loans: Option<f64>,
    /// Loans whose term and 90 days more ended within the run.
    pub loans_matured: u64,
    /// Approvals over applications (`None` without applications).
    pub approval_rate: Option<f64>,
    /// Interest income + delisting penalties − funding cost − credit
    /// losses − fraud losses − screening cost.
    pub lending_profit: Money,
}
