//! What a run records of consumer credit: each programme's flows over the
//! run and its position at the end. The market's consumer credit fills
//! these in; `summary.csv` reports them on the row of the programme's
//! platform.

use crate::ledger::Money;

/// One consumer credit programme over a run.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct CreditSummary {
    /// Consumers scored (applications).
    pub applications: u64,
    /// Credit lines opened (fraudulent ones excluded).
    pub lines: u64,
    /// Orders paid on credit.
    pub purchases: u64,
    /// Amount of those orders.
    pub purchase_amount: Money,
    /// Principal repaid.
    pub repaid: Money,
    /// Interest received on revolving balances.
    pub interest: Money,
    /// Lines that defaulted (90 days past due).
    pub defaults: u64,
    /// Principal recovered after default.
    pub recoveries: Money,
    /// Principal written off.
    pub credit_loss: Money,
    /// Funding cost paid on outstanding balances.
    pub funding_cost: Money,
    /// Principal owed at the end (performing and in workout).
    pub outstanding_end: Money,
    /// Fraudulent applications caught by screening.
    pub fraud_caught: u64,
    /// Fraudulent lines opened (undetected).
    pub fraud_lines: u64,
    /// Amount paid out to undetected fraudsters.
    pub fraud_amount: Money,
    /// Fraudulent exposure recovered.
    pub fraud_recoveries: Money,
    /// Fraudulent exposure written off.
    pub fraud_losses: Money,
    /// Screening cost.
    pub screening_cost: Money,
}

impl CreditSummary {
    /// Defaults over lines opened (`None` without lines).
    pub fn default_rate(&self) -> Option<f64> {
        (self.lines > 0).then(|| self.defaults as f64 / self.lines as f64)
    }

    /// Interest − funding cost − credit and fraud losses − screening cost.
    pub fn profit(&self) -> Money {
        Money(
            self.interest.0
                - self.funding_cost.0
                - self.credit_loss.0
                - self.fraud_losses.0
                - self.screening_cost.0,
        )
    }
}
