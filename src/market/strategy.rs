//! Platform policy as data: each day a platform's levers start from their
//! base values, then the schedule entries active that day apply in order,
//! then the effects of the rules that held at the last review. Rules are
//! evaluated every `review_days` over observable metrics; a rule's effect
//! lasts while its conditions held at the latest review.

use crate::agents::{PlatformState, RuleEffect};
use crate::scenario::{
    Condition, Lever, LeverChange, Levers, Metric, Operand, PlatformSpec, SubsidyCaps,
};

/// Whether every condition holds for the metric values `m`.
pub(crate) fn holds(conditions: &[Condition], m: &[f64; Metric::ALL.len()]) -> bool {
    conditions.iter().all(|c| {
        let rhs = match c.rhs {
            Operand::Number(v) => v,
            Operand::Metric(x) => m[x.index()],
        };
        c.op.holds(m[c.metric.index()], rhs)
    })
}

fn resolve(change: LeverChange, m: &[f64; Metric::ALL.len()]) -> RuleEffect {
    match change {
        LeverChange::Set(v) => RuleEffect::Set(v),
        LeverChange::Copy(x) => RuleEffect::Copy(m[x.index()]),
        LeverChange::Scale(f) => RuleEffect::Scale(f),
    }
}

fn apply(levers: &mut Levers, lever: Lever, effect: RuleEffect) {
    match effect {
        RuleEffect::Set(v) => levers.set_value(lever, v),
        RuleEffect::Copy(x) => levers.set(lever, x),
        RuleEffect::Scale(f) => levers.scale(lever, f),
    }
}

/// Re-evaluates the rules against the metric values stored in `state`
/// (a review).
pub(crate) fn review(spec: &PlatformSpec, state: &mut PlatformState) {
    state.active_rules.clear();
    for rule in &spec.rules {
        if holds(&rule.when, &state.metrics) {
            for &(lever, change) in &rule.then {
                state
                    .active_rules
                    .push((lever, resolve(change, &state.metrics)));
            }
        }
    }
}

/// Sets the levers for `day` from base values, the schedule, the active
/// rule effects and the regulator's coupon cap.
pub(crate) fn set_levers(
    spec: &PlatformSpec,
    state: &mut PlatformState,
    day: u32,
    caps: &SubsidyCaps,
) {
    let mut levers = spec.base_levers;
    for entry in spec
        .schedule
        .iter()
        .filter(|e| e.from_day <= day && day < e.to_day)
    {
        for &(lever, change) in &entry.set {
            apply(&mut levers, lever, resolve(change, &state.metrics));
        }
    }
    for &(lever, effect) in &state.active_rules {
        apply(&mut levers, lever, effect);
    }
    caps.apply(&mut levers);
    state.levers = levers;
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ledger::Money;
    use crate::scenario::{LeverValue, Op};

    #[test]
    fn conditions_compare_metrics_and_numbers() {
        let mut m = [0.0; Metric::ALL.len()];
        m[Metric::Share.index()] = 0.45;
        m[Metric::RunwayMonths.index()] = f64::INFINITY;
        m[Metric::Coupon.index()] = 3.0;
        m[Metric::RivalCoupon.index()] = 5.0;
        let c = |metric, op, rhs| Condition { metric, op, rhs };
        assert!(holds(&[c(Metric::Share, Op::Ge, Operand::Number(0.4))], &m));
        assert!(holds(
            &[c(Metric::RunwayMonths, Op::Gt, Operand::Number(6.0))],
            &m
        ));
        assert!(holds(
            &[c(
                Metric::RivalCoupon,
                Op::Gt,
                Operand::Metric(Metric::Coupon)
            )],
            &m
        ));
        assert!(!holds(
            &[
                c(Metric::Share, Op::Ge, Operand::Number(0.4)),
                c(Metric::Coupon, Op::Gt, Operand::Number(4.0))
            ],
            &m
        ));
    }

    #[test]
    fn effects_clamp_levers() {
        let mut l = Levers {
            coupon: Money(100),
            marketing_budget: Money(100),
            commission: 1.0,
            ..Levers::default()
        };
        apply(&mut l, Lever::Coupon, RuleEffect::Copy(f64::INFINITY));
        assert_eq!(l.coupon, Money::ZERO);
        apply(
            &mut l,
            Lever::Coupon,
            RuleEffect::Set(LeverValue::Money(Money(250))),
        );
        assert_eq!(l.coupon, Money(250));
        apply(&mut l, Lever::Coupon, RuleEffect::Copy(f64::NAN));
        assert_eq!(l.coupon, Money::ZERO);
        apply(&mut l, Lever::Commission, RuleEffect::Scale(3.0));
        assert_eq!(l.commission, 1.0);
        apply(&mut l, Lever::MarketingBudget, RuleEffect::Scale(0.5));
        assert_eq!(l.marketing_budget, Money(50));
    }
}
