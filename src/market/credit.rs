//! Consumer credit (花呗, 借呗, 58消费贷): credit lines a platform opens
//! for the consumers it knows, funds from its own cash and collects
//! through its app, all through the ledger.
//!
//! **Scoring.** Every `review_days` the programme scores the consumers
//! without a line who have placed at least `min_orders` orders on its
//! platform, once each. Each consumer has a latent risk (standard normal,
//! drawn when the run starts); the programme sees it through the data
//! kinds it holds (see [`super::signals`]): the platform's kinds only if
//! its customer data is its to use (`customer_data` is not `merchant`),
//! and is left with what consumers report otherwise. A consumer whose
//! standardised score reaches the cut-off gets a line of `spend_multiple`
//! times their monthly spend on the platform, between a floor and a cap.
//!
//! **Spending.** A consumer with an open line that is not past due and
//! covers the order sees `credit_utility` more utility in ordering on the
//! platform, and pays such an order on credit: the programme pays the
//! consumer's share (`CreditPurchase`) and the consumer owes it.
//!
//! **Statements.** Every `statement_days` after the line opened, the
//! balance is billed and falls due `interest_free_days` later, free of
//! interest. On the due date a transactor pays the bill in full and a
//! revolver (a `revolving_share` of borrowers) pays `min_payment` of it
//! plus the interest accrued; what a revolver leaves unpaid bears
//! interest at `rate` a year until the next due date.
//!
//! **Defaults.** At each due date with something owed, a borrower stops
//! paying for good when `√ρ·z + √(1−ρ)·ε < √(1−ρ)·Φ⁻¹(pd_period)`, where
//! `z` is the economy's common factor in standard deviations (so defaults
//! bunch in bad times), `pd_period = 1 − (1 − pd)^(statement_days/365)`,
//! and `ε = −√λ·r + √(1−λ)·η` mixes the latent risk `r` (share `λ =
//! latent_share`) with fresh noise: ε is standard normal, so a consumer
//! drawn at random and always owing defaults with probability `pd` a year
//! in an average economy (z = 0). With `default_model = { vasicek = { pd, rho } }` the draw is
//! made once, at opening, against a common factor drawn once per
//! replication, and a borrower that defaults stops paying on a day drawn
//! uniformly in its first `term_days`; the others always pay. Then, as
//! for merchant loans, a line 90 days past due defaults, and after
//! `workout_days` a share `1 − lgd` of the balance is recovered
//! (`CreditRecovery`) and the rest written off.
//!
//! **Fraud.** With `[consumer_credit.fraud]` each application is
//! screened at a cost (`CreditScreeningCost`); a `share` of them are fraudulent.
//! Screening catches a fraud with the probability its data give; an
//! undetected fraudster draws the whole line at once
//! (`CreditFraudDisbursement`) and never repays; after default a `recovery`
//! share comes back (`CreditFraudRecovery`) and the rest is a fraud loss,
//! counted apart from credit losses.

use rand::RngExt;
use rand_distr::{Distribution, StandardNormal};
use statrs::distribution::{ContinuousCDF, Normal};

use super::Market;
use super::lending::DEFAULT_DPD;
use super::signals;
use crate::agents::{Accounts, NONE};
use crate::ledger::{Money, PostingKind};
use crate::metrics::credit::CreditSummary;
use crate::metrics::lending::LoanStatus;
use crate::rng::{Purpose, StreamRng, stream};
use crate::scenario::{ConsumerCreditSpec, Scenario};

/// One consumer's credit line (or one fraudster's).
#[derive(Debug, Clone)]
struct Line {
    consumer: u32,
    opened: u32,
    limit: Money,
    /// Principal owed.
    balance: Money,
    /// The last statement's balance, due on `due_day`.
    billed: Money,
    due_day: Option<u32>,
    /// Principal carried past a due date: bears interest.
    revolving: Money,
    /// Interest accrued and unpaid, in fen.
    accrued: f64,
    late_since: Option<u32>,
    stop_day: Option<u32>,
    revolver: bool,
    fraud: bool,
    status: LoanStatus,
    default_day: Option<u32>,
}

/// One programme's state.
#[derive(Debug, Clone)]
struct Programme {
    /// Orders each consumer has placed on the platform.
    orders: Vec<u32>,
    /// What each consumer has spent on the platform, in fen.
    spend: Vec<i64>,
    /// Day of each consumer's first order on the platform.
    first_order: Vec<u32>,
    /// Each consumer's line (`NONE`: none yet).
    line_of: Vec<u32>,
    /// Whether the consumer has been scored.
    scored: Vec<bool>,
    /// Each consumer's latent risk.
    latent: Vec<f32>,
    lines: Vec<Line>,
    open: Vec<u32>,
    rng: StreamRng,
    fraud_rng: StreamRng,
    /// Common factor of the Vasicek model.
    z: f64,
    outstanding: Money,
    totals: CreditSummary,
}

/// Consumer credit state of a run.
#[derive(Debug, Clone)]
pub(crate) struct Credit {
    programmes: Vec<Programme>,
    /// Programme of each platform (`NONE`: none).
    of_platform: Vec<u32>,
}

impl Credit {
    /// The programmes of `scenario` for `consumers` consumers, in the
    /// replication seeded `run_seed`.
    pub(crate) fn new(scenario: &Scenario, run_seed: u64, consumers: usize) -> Credit {
        let np = scenario.platforms.len();
        let nl = scenario.lenders.len() as u64;
        let mut of_platform = vec![NONE; np];
        let programmes = scenario
            .consumer_credit
            .iter()
            .enumerate()
            .map(|(i, spec)| {
                of_platform[spec.platform] = i as u32;
                let mut rng = stream(run_seed, Purpose::ConsumerCredit, i as u64);
                let z = StandardNormal.sample(&mut rng);
                let latent = (0..consumers)
                    .map(|_| StandardNormal.sample(&mut rng))
                    .collect();
                Programme {
                    orders: vec![0; consumers],
                    spend: vec![0; consumers],
                    first_order: vec![u32::MAX; consumers],
                    line_of: vec![NONE; consumers],
                    scored: vec![false; consumers],
                    latent,
                    lines: Vec::new(),
                    open: Vec::new(),
                    rng,
                    fraud_rng: stream(run_seed, Purpose::Fraud, nl + i as u64),
                    z,
                    outstanding: Money::ZERO,
                    totals: CreditSummary::default(),
                }
            })
            .collect();
        Credit {
            programmes,
            of_platform,
        }
    }

    /// Whether any platform offers consumer credit.
    pub(crate) fn any(&self) -> bool {
        !self.programmes.is_empty()
    }

    /// Records consumer `c`'s order of `amount` on platform `p` on `day`.
    pub(crate) fn record_order(&mut self, p: usize, c: usize, amount: Money, day: u32) {
        let Some(&i) = self.of_platform.get(p) else {
            return;
        };
        if i == NONE {
            return;
        }
        let g = &mut self.programmes[i as usize];
        g.orders[c] = g.orders[c].saturating_add(1);
        g.spend[c] += amount.0;
        if g.first_order[c] == u32::MAX {
            g.first_order[c] = day;
        }
    }

    /// Whether consumer `c` can pay `amount` on platform `p` on credit.
    pub(crate) fn usable(&self, scenario: &Scenario, p: usize, c: usize, amount: Money) -> bool {
        let Some(&i) = self.of_platform.get(p) else {
            return false;
        };
        if i == NONE {
            return false;
        }
        let g = &self.programmes[i as usize];
        let id = g.line_of[c];
        if id == NONE {
            return false;
        }
        let line = &g.lines[id as usize];
        let spec = &scenario.consumer_credit[i as usize];
        line.status == LoanStatus::Active
            && line.late_since.is_none()
            && line.balance + amount <= line.limit
            && g.outstanding + amount <= spec.capital
    }

    /// The credit utility of platform `p` (0 without a programme).
    pub(crate) fn utility(&self, scenario: &Scenario, p: usize) -> f64 {
        match self.of_platform.get(p) {
            Some(&i) if i != NONE => scenario.consumer_credit[i as usize].credit_utility,
            _ => 0.0,
        }
    }

    /// Consumer credit balances platform `p`'s programme has outstanding
    /// (fraudulent lines included): its book.
    pub(crate) fn book(&self, p: usize) -> Money {
        match self.of_platform.get(p) {
            Some(&i) if i != NONE => self.programmes[i as usize].outstanding,
            _ => Money::ZERO,
        }
    }

    /// Each platform's programme summary at the end (`None` without one).
    pub(crate) fn summaries(&self) -> Vec<Option<CreditSummary>> {
        self.of_platform
            .iter()
            .map(|&i| {
                (i != NONE).then(|| {
                    let g = &self.programmes[i as usize];
                    CreditSummary {
                        outstanding_end: g.outstanding,
                        ..g.totals
                    }
                })
            })
            .collect()
    }
}

fn money_from_fen(fen: f64) -> Money {
    Money(fen.max(0.0).round() as i64)
}

/// `Φ⁻¹(p)`, finite for p in (0, 1).
fn probit(p: f64) -> f64 {
    Normal::standard().inverse_cdf(p.clamp(1e-12, 1.0 - 1e-12))
}

impl Market<'_> {
    /// Consumer `c` pays `amount` of its order on platform `p` on credit,
    /// if its line allows and the platform can fund it.
    pub(super) fn pay_on_credit(&mut self, c: usize, p: usize, amount: Money) {
        if amount.0 <= 0
            || !self.credit.usable(self.scenario, p, c, amount)
            || self.available_cash(p) < amount
        {
            return;
        }
        let i = self.credit.of_platform[p] as usize;
        let g = &mut self.credit.programmes[i];
        let line = &mut g.lines[g.line_of[c] as usize];
        line.balance += amount;
        g.outstanding += amount;
        g.totals.purchases += 1;
        g.totals.purchase_amount += amount;
        self.ledger.post(
            self.accounts.platform(p),
            Accounts::HOUSEHOLDS,
            amount,
            PostingKind::CreditPurchase,
        );
    }

    /// The day's consumer credit: reviews of new applicants, interest,
    /// statements, payments, defaults, workouts and funding cost.
    pub(super) fn credit_day(&mut self, day: u32) {
        if !self.credit.any() {
            return;
        }
        let z_today = self.economy.standard_factor();
        let scenario = self.scenario;
        for i in 0..self.credit.programmes.len() {
            let spec = &scenario.consumer_credit[i];
            let p = spec.platform;
            if self.platforms[p].alive && day.is_multiple_of(spec.review_days) {
                self.review_applicants(i, day);
            }
            self.service_lines(i, day, z_today);
            let account = self.accounts.platform(p);
            let g = &mut self.credit.programmes[i];
            let cost = g
                .outstanding
                .times(spec.funding_cost / 365.0)
                .min(self.ledger.balance(account).max(Money::ZERO));
            g.totals.funding_cost += cost;
            self.ledger.post(
                account,
                Accounts::BANKS,
                cost,
                PostingKind::CreditFundingCost,
            );
        }
    }

    /// Programme `i` scores the consumers who qualify today.
    fn review_applicants(&mut self, i: usize, day: u32) {
        let scenario = self.scenario;
        let spec: &ConsumerCreditSpec = &scenario.consumer_credit[i];
        let p = spec.platform;
        let platform_data = self.scenario.platforms[p]
            .customer_data
            .platform_uses_data();
        let account = self.accounts.platform(p);
        let vasicek_threshold = spec.vasicek.map(|(pd, _)| probit(pd));
        for c in 0..self.consumers.len() {
            let g = &self.credit.programmes[i];
            if g.scored[c]
                || g.line_of[c] != NONE
                || g.orders[c] < spec.min_orders
                || self.consumers.agents[c].installed & (1 << p) == 0
            {
                continue;
            }
            let g = &mut self.credit.programmes[i];
            g.scored[c] = true;
            g.totals.applications += 1;
            let seen = || signals::visible(&spec.data, platform_data, true);
            let months = f64::from(day.saturating_sub(g.first_order[c].min(day)) + 1).max(30.0);
            let monthly = g.spend[c] as f64 / 100.0 / months * 30.0;
            let limit = Money::from_major(spec.spend_multiple * monthly)
                .unwrap_or(Money::ZERO)
                .max(spec.min_line)
                .min(spec.max_line);
            if let Some(fraud) = spec.fraud {
                g.totals.screening_cost += fraud.cost_per_check;
                self.ledger.post(
                    account,
                    Accounts::SUPPLIERS,
                    fraud.cost_per_check,
                    PostingKind::CreditScreeningCost,
                );
                if g.fraud_rng.random::<f64>() < fraud.share {
                    let caught = signals::catch_probability(&spec.data, seen());
                    if g.fraud_rng.random::<f64>() < caught {
                        g.totals.fraud_caught += 1;
                    } else if self.ledger.balance(account) >= limit {
                        self.open_fraud_line(i, c, limit, day);
                    }
                    continue;
                }
            }
            let g = &mut self.credit.programmes[i];
            let latent = f64::from(g.latent[c]);
            let score = signals::score(latent, &spec.data, seen(), &mut g.rng);
            if score < spec.cutoff {
                continue;
            }
            let revolver = g.rng.random::<f64>() < spec.revolving_share;
            let stop_day = match (spec.vasicek, vasicek_threshold) {
                (Some((_, rho)), Some(threshold)) => {
                    let x = rho.sqrt() * g.z
                        + (1.0 - rho).sqrt() * own_risk(latent, spec.latent_share, &mut g.rng);
                    (x < threshold).then(|| day + g.rng.random_range(0..spec.term_days))
                }
                _ => None,
            };
            g.line_of[c] = g.lines.len() as u32;
            g.open.push(g.lines.len() as u32);
            g.lines.push(Line {
                consumer: c as u32,
                opened: day,
                limit,
                balance: Money::ZERO,
                billed: Money::ZERO,
                due_day: None,
                revolving: Money::ZERO,
                accrued: 0.0,
                late_since: None,
                stop_day,
                revolver,
                fraud: false,
                status: LoanStatus::Active,
                default_day: None,
            });
            g.totals.lines += 1;
        }
    }

    /// An undetected fraudster draws a whole line of `limit` under
    /// consumer `c`'s name and never repays.
    fn open_fraud_line(&mut self, i: usize, c: usize, limit: Money, day: u32) {
        let p = self.scenario.consumer_credit[i].platform;
        let g = &mut self.credit.programmes[i];
        g.open.push(g.lines.len() as u32);
        g.lines.push(Line {
            consumer: c as u32,
            opened: day,
            limit,
            balance: limit,
            billed: Money::ZERO,
            due_day: None,
            revolving: Money::ZERO,
            accrued: 0.0,
            late_since: None,
            stop_day: Some(day),
            revolver: false,
            fraud: true,
            status: LoanStatus::Active,
            default_day: None,
        });
        g.outstanding += limit;
        g.totals.fraud_lines += 1;
        g.totals.fraud_amount += limit;
        self.ledger.post(
            self.accounts.platform(p),
            Accounts::HOUSEHOLDS,
            limit,
            PostingKind::CreditFraudDisbursement,
        );
    }

    /// Interest, statements, payments, delinquency, defaults and workouts
    /// of programme `i`'s open lines; `z` is the economy's common factor.
    fn service_lines(&mut self, i: usize, day: u32, z: f64) {
        let scenario = self.scenario;
        let spec: &ConsumerCreditSpec = &scenario.consumer_credit[i];
        let account = self.accounts.platform(spec.platform);
        let period_pd = 1.0 - (1.0 - spec.pd).powf(f64::from(spec.statement_days) / 365.0);
        // Scaled so that in an average economy (z = 0) a consumer drawn at
        // random defaults with probability `period_pd` at each due date.
        let threshold = (1.0 - spec.rho).sqrt() * probit(period_pd);
        let open = std::mem::take(&mut self.credit.programmes[i].open);
        let mut still_open = Vec::with_capacity(open.len());
        for id in open {
            let g = &mut self.credit.programmes[i];
            let latent = f64::from(g.latent[g.lines[id as usize].consumer as usize]);
            let Programme {
                lines,
                rng,
                outstanding,
                totals,
                ..
            } = g;
            let line = &mut lines[id as usize];
            match line.status {
                LoanStatus::Active => {
                    line.accrued += line.revolving.0 as f64 * spec.rate / 365.0;
                    let age = day - line.opened;
                    if age > 0 && age.is_multiple_of(spec.statement_days) {
                        line.billed = line.balance;
                        line.due_day = Some(day + spec.interest_free_days);
                    }
                    if line.due_day == Some(day) {
                        line.due_day = None;
                        let interest = money_from_fen(line.accrued);
                        let principal = if line.revolver {
                            line.billed.times(spec.min_payment).max(Money(100))
                        } else {
                            line.billed
                        }
                        .min(line.billed)
                        .min(line.balance);
                        let owed = principal + interest;
                        if owed.0 > 0 && line.stop_day.is_none() && spec.vasicek.is_none() {
                            let x = spec.rho.sqrt() * z
                                + (1.0 - spec.rho).sqrt()
                                    * own_risk(latent, spec.latent_share, rng);
                            if x < threshold {
                                line.stop_day = Some(day);
                            }
                        }
                        let stopped = line.stop_day.is_some_and(|s| day >= s);
                        if owed.0 > 0 && stopped {
                            line.late_since.get_or_insert(day);
                        } else if owed.0 > 0 {
                            line.accrued -= interest.0 as f64;
                            line.balance = line.balance - principal;
                            line.revolving = line.billed - principal;
                            line.late_since = None;
                            *outstanding = *outstanding - principal;
                            totals.repaid += principal;
                            totals.interest += interest;
                            self.ledger.post(
                                Accounts::HOUSEHOLDS,
                                account,
                                principal,
                                PostingKind::CreditRepayment,
                            );
                            self.ledger.post(
                                Accounts::HOUSEHOLDS,
                                account,
                                interest,
                                PostingKind::CreditInterest,
                            );
                        }
                    }
                    let g = &mut self.credit.programmes[i];
                    let line = &mut g.lines[id as usize];
                    if line
                        .late_since
                        .is_some_and(|d| day.saturating_sub(d) >= DEFAULT_DPD)
                    {
                        line.status = LoanStatus::Defaulted;
                        line.default_day = Some(day);
                        if !line.fraud {
                            g.totals.defaults += 1;
                        }
                    }
                    still_open.push(id);
                }
                LoanStatus::Defaulted => {
                    if day.saturating_sub(line.default_day.unwrap_or(day)) < spec.workout_days {
                        still_open.push(id);
                        continue;
                    }
                    let exposure = line.balance;
                    let (recovered, kind) = if line.fraud {
                        let share = spec.fraud.map_or(0.0, |f| f.recovery);
                        (exposure.times(share), PostingKind::CreditFraudRecovery)
                    } else {
                        (exposure.times(1.0 - spec.lgd), PostingKind::CreditRecovery)
                    };
                    let written = exposure - recovered;
                    line.balance = Money::ZERO;
                    line.accrued = 0.0;
                    line.status = LoanStatus::WrittenOff;
                    *outstanding = *outstanding - exposure;
                    if line.fraud {
                        totals.fraud_recoveries += recovered;
                        totals.fraud_losses += written;
                    } else {
                        totals.recoveries += recovered;
                        totals.credit_loss += written;
                    }
                    self.ledger
                        .post(Accounts::HOUSEHOLDS, account, recovered, kind);
                }
                LoanStatus::Repaid | LoanStatus::WrittenOff => {}
            }
        }
        self.credit.programmes[i].open = still_open;
    }
}

/// A borrower's own default risk: `−√λ·latent + √(1−λ)·η`, standard
/// normal when the latent risk is.
fn own_risk(latent: f64, latent_share: f64, rng: &mut StreamRng) -> f64 {
    let eta: f64 = StandardNormal.sample(rng);
    -latent_share.sqrt() * latent + (1.0 - latent_share).sqrt() * eta
}
