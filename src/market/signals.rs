//! What a lender's data tell it about a borrower, and how well its
//! anti-fraud screening works.
//!
//! Every borrower has a latent risk `r`, standard normal across the
//! population. Each kind of data a lender sees is a measurement
//! `s = r + σ·ν` with `ν` standard normal and `σ² = (1 − v)/v`, so that
//! the kind's information value `v` is the squared correlation of `s`
//! with `r`. The lender combines the kinds it sees as a Bayesian would:
//! with precisions `w = v/(1 − v)`, the posterior mean is
//! `Σ w·s / (1 + Σ w)`, whose variance across borrowers is
//! `R² = Σw / (1 + Σw)`: the share of latent risk the data reveal. The
//! score is minus that estimate in standard deviations (`−r̂ / R`), so a
//! cut-off approves the same share of applicants whatever the data, and
//! better data approve better borrowers.
//!
//! Screening catches a fraudulent application with probability
//! `1 − Π (1 − v)` over the kinds seen: each kind independently exposes
//! a fabricated identity as often as it reveals risk.

use rand::Rng;
use rand_distr::{Distribution, StandardNormal};

use crate::scenario::{DataKind, DataSpec};

/// Precision of a measurement with information value `v`.
fn precision(v: f64) -> f64 {
    if v <= 0.0 { 0.0 } else { v / (1.0 - v) }
}

/// The standardised score (`−r̂ / R`) of a borrower with latent risk
/// `latent` seen through `kinds` of `data`, drawing each measurement's
/// noise from `rng`; 0 (the population mean) when nothing informative is
/// seen.
pub(crate) fn score<R: Rng + ?Sized>(
    latent: f64,
    data: &DataSpec,
    kinds: impl Iterator<Item = DataKind>,
    rng: &mut R,
) -> f64 {
    let (mut weighted, mut total) = (0.0, 0.0);
    for kind in kinds {
        let w = precision(data.information[kind.index()]);
        if w <= 0.0 {
            continue;
        }
        let noise: f64 = StandardNormal.sample(rng);
        let measured = latent + noise / w.sqrt();
        weighted += w * measured;
        total += w;
    }
    if total <= 0.0 {
        return 0.0;
    }
    let estimate = weighted / (1.0 + total);
    let r2 = total / (1.0 + total);
    -estimate / r2.sqrt()
}

/// Probability that screening with `kinds` of `data` catches a fraudulent
/// application.
pub(crate) fn catch_probability(data: &DataSpec, kinds: impl Iterator<Item = DataKind>) -> f64 {
    1.0 - kinds
        .map(|k| 1.0 - data.information[k.index()])
        .product::<f64>()
}

/// The kinds of `data` a platform lender sees when the platform may use
/// its data (`platform_data`) and serves the borrower (`served`): its
/// own kinds only then; what a borrower reports always.
pub(crate) fn visible(
    data: &DataSpec,
    platform_data: bool,
    served: bool,
) -> impl Iterator<Item = DataKind> + '_ {
    data.kinds
        .iter()
        .copied()
        .filter(move |k| !k.platform_data() || (platform_data && served))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::{Purpose, stream};

    fn spec(kinds: &[DataKind]) -> DataSpec {
        DataSpec {
            kinds: kinds.to_vec(),
            information: [0.3, 0.2, 0.15, 0.05],
        }
    }

    #[test]
    fn scores_are_standardised_and_correlate_with_risk_as_the_data_reveal() {
        let mut rng = stream(9, Purpose::ConsumerCredit, 0);
        for kinds in [
            vec![DataKind::Transactions],
            vec![
                DataKind::Transactions,
                DataKind::Behaviour,
                DataKind::Scenes,
            ],
        ] {
            let data = spec(&kinds);
            let n = 200_000;
            let (mut s1, mut s2, mut sr) = (0.0, 0.0, 0.0);
            for _ in 0..n {
                let r: f64 = StandardNormal.sample(&mut rng);
                let s = score(r, &data, kinds.iter().copied(), &mut rng);
                s1 += s;
                s2 += s * s;
                sr += s * r;
            }
            let n = f64::from(n);
            let var = s2 / n - (s1 / n).powi(2);
            // Variance 1, and corr(score, −r)² = R².
            assert!((var - 1.0).abs() < 0.02, "variance {var}");
            let total: f64 = kinds
                .iter()
                .map(|k| precision(data.information[k.index()]))
                .sum();
            let r2 = total / (1.0 + total);
            let corr = -sr / n;
            assert!(
                (corr * corr - r2).abs() < 0.01,
                "corr² {} vs {r2}",
                corr * corr
            );
        }
    }

    #[test]
    fn more_kinds_catch_more_fraud() {
        let one = spec(&[DataKind::SelfReported]);
        let all = spec(&[
            DataKind::Transactions,
            DataKind::Behaviour,
            DataKind::Scenes,
            DataKind::SelfReported,
        ]);
        let p1 = catch_probability(&one, one.kinds.iter().copied());
        let p4 = catch_probability(&all, all.kinds.iter().copied());
        assert!((p1 - 0.05).abs() < 1e-12);
        assert!((p4 - (1.0 - 0.7 * 0.8 * 0.85 * 0.95)).abs() < 1e-12);
    }
}
