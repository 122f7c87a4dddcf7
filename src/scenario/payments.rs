//! `[platforms.payments]`: a platform's payments arm — whether it runs a
//! wallet consumers pay merchants with, what the wallet is worth to a
//! payer (convenience, a fee), what merchants pay to accept it, how fast
//! merchants put up its QR code, settlement and float.

use serde::{Deserialize, Serialize};

use super::balances::{self, FundSpec, RawFund, RawMerchantFund};
use super::checker::{Checker, MAX_UTILITY};
use crate::ledger::Money;

/// `[platforms.payments]`: the payments arm.
#[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize)]
pub struct RawPayments {
    /// Whether consumers can pay merchants directly with the platform's
    /// wallet.
    #[serde(default)]
    pub wallet: bool,
    /// Fee on each wallet payment, as a share of the amount, paid by the
    /// merchant.
    #[serde(default)]
    pub fee_rate: f64,
    /// Days the platform holds money before paying merchants.
    #[serde(default)]
    pub settlement_days: i64,
    /// Annual interest earned on money held (the float).
    #[serde(default)]
    pub float_rate: f64,
    /// Utility of paying with this wallet, on top of
    /// `choice.wallet_convenience`.
    #[serde(default)]
    pub convenience: f64,
    /// Fee per wallet payment charged to the payer, in yuan.
    #[serde(default)]
    pub consumer_fee: f64,
    /// Share of merchants accepting this wallet at the start (default:
    /// `merchants.accepts_wallet`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub acceptance: Option<f64>,
    /// How merchants that do not accept the wallet yet come to accept it.
    #[serde(default)]
    pub adoption: RawAdoption,
    /// The money-market fund consumers hold wallet balances in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fund: Option<RawFund>,
    /// The cash-management fund merchants sweep idle cash into.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub merchant_fund: Option<RawMerchantFund>,
}

/// `[platforms.payments.adoption]`: the daily probability (hazard) that a
/// merchant not yet accepting the wallet puts up its QR code.
#[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize)]
pub struct RawAdoption {
    /// Hazard with no demand and no bounty.
    #[serde(default)]
    pub base: f64,
    /// Hazard per unit share of the merchant's district's consumers who
    /// have the wallet installed.
    #[serde(default)]
    pub demand: f64,
    /// Hazard per yuan of bounty paid to the merchant per wallet payment.
    #[serde(default)]
    pub bounty: f64,
    /// Hazard lost per unit of the merchant fee rate (a fee of 0.006 with
    /// `fee = 1` lowers the hazard by 0.006).
    #[serde(default)]
    pub fee: f64,
}

/// A platform's payments arm.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PaymentsSpec {
    /// Consumers can pay merchants with this wallet.
    pub wallet: bool,
    /// Fee on wallet payments, as a share of the amount.
    pub fee_rate: f64,
    /// Days money is held before merchants are paid.
    pub settlement_days: u32,
    /// Annual interest on money held.
    pub float_rate: f64,
    /// Utility of paying with this wallet, on top of the market's wallet
    /// convenience.
    pub convenience: f64,
    /// Fee per wallet payment charged to the payer.
    pub consumer_fee: Money,
    /// Share of merchants accepting the wallet at the start, if it differs
    /// from `merchants.accepts_wallet`.
    pub acceptance: Option<f64>,
    /// How merchants adopt the wallet during the run.
    pub adoption: Adoption,
    /// The fund consumers hold balances in, if the wallet has one.
    pub fund: Option<FundSpec>,
    /// The fund merchants sweep idle cash into, if the wallet has one.
    pub merchant_fund: Option<FundSpec>,
}

/// Coefficients of a merchant's daily hazard of adopting a wallet.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Adoption {
    /// Hazard with no demand and no bounty.
    pub base: f64,
    /// Per unit share of district consumers with the wallet installed.
    pub demand: f64,
    /// Per yuan of per-payment bounty.
    pub bounty: f64,
    /// Lost per unit of merchant fee rate.
    pub fee: f64,
}

impl Adoption {
    /// Whether merchants ever adopt during the run (any coefficient that
    /// can make the hazard positive).
    pub fn is_active(&self) -> bool {
        self.base > 0.0 || self.demand > 0.0 || self.bounty > 0.0
    }

    /// Today's hazard for a merchant whose district has `installed_share`
    /// of its consumers on the wallet, when the wallet pays `bounty` yuan
    /// per payment and charges `fee_rate`; within [0, 1].
    pub fn hazard(&self, installed_share: f64, bounty: f64, fee_rate: f64) -> f64 {
        (self.base + self.demand * installed_share + self.bounty * bounty - self.fee * fee_rate)
            .clamp(0.0, 1.0)
    }
}

/// Checks `platforms[i].payments` (`at` gives the key path of a field).
pub(super) fn check(c: &mut Checker, at: &dyn Fn(&str) -> String, p: &RawPayments) -> PaymentsSpec {
    let a = &p.adoption;
    let adoption = Adoption {
        base: c.share(&at("payments.adoption.base"), a.base),
        demand: c.real(&at("payments.adoption.demand"), a.demand, 0.0, 10.0),
        bounty: c.real(&at("payments.adoption.bounty"), a.bounty, 0.0, 10.0),
        fee: c.real(&at("payments.adoption.fee"), a.fee, 0.0, 1000.0),
    };
    let spec = PaymentsSpec {
        wallet: p.wallet,
        fee_rate: c.share(&at("payments.fee_rate"), p.fee_rate),
        settlement_days: c.count(&at("payments.settlement_days"), p.settlement_days, 0, 90),
        float_rate: c.real(&at("payments.float_rate"), p.float_rate, 0.0, 1.0),
        convenience: c.real(
            &at("payments.convenience"),
            p.convenience,
            -MAX_UTILITY,
            MAX_UTILITY,
        ),
        consumer_fee: c.money(&at("payments.consumer_fee"), p.consumer_fee),
        acceptance: p.acceptance.map(|v| c.share(&at("payments.acceptance"), v)),
        adoption,
        fund: p
            .fund
            .as_ref()
            .map(|f| balances::check_fund(c, &at("payments.fund"), f)),
        merchant_fund: p
            .merchant_fund
            .as_ref()
            .map(|f| balances::check_merchant_fund(c, &at("payments.merchant_fund"), f)),
    };
    if !p.wallet {
        let wallet_only = [
            ("payments.fund", p.fund.is_some()),
            ("payments.merchant_fund", p.merchant_fund.is_some()),
            ("payments.acceptance", p.acceptance.is_some()),
            ("payments.adoption", adoption.is_active()),
            ("payments.consumer_fee", p.consumer_fee != 0.0),
            ("payments.convenience", p.convenience != 0.0),
        ];
        for (key, set) in wallet_only {
            if set {
                c.fail(
                    at(key),
                    "describes the platform's wallet: set payments.wallet = true",
                );
            }
        }
    }
    spec
}
