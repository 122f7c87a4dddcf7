//! The consumer's choice on a purchase occasion: a multinomial logit over
//! the platforms that list the merchant, buying direct, or not buying.

use rand::{Rng, RngExt};

use crate::scenario::MAX_PLATFORMS;

/// What a consumer does on one purchase occasion.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Choice {
    /// Order through platform `p`.
    Platform(usize),
    /// Buy direct from the merchant (offline or its own channel).
    Direct,
    /// Do not buy.
    NoPurchase,
}

/// Utilities of the options on one occasion; platform entries are `None`
/// when the platform is not available (not listed, or exited).
#[derive(Debug, Clone)]
pub struct Options<'a> {
    /// Utility of each platform, by platform index.
    pub platforms: &'a [Option<f64>],
    /// Utility of buying direct.
    pub direct: f64,
    /// Utility of not buying.
    pub no_purchase: f64,
}

/// Logit choice probabilities in the order (platforms…, direct, none);
/// unavailable platforms get 0. Used by tests and reports.
pub fn probabilities(options: &Options) -> Vec<f64> {
    let max = max_utility(options);
    let mut w: Vec<f64> = options
        .platforms
        .iter()
        .map(|u| u.map_or(0.0, |u| (u - max).exp()))
        .collect();
    w.push((options.direct - max).exp());
    w.push((options.no_purchase - max).exp());
    let total: f64 = w.iter().sum();
    w.iter_mut().for_each(|x| *x /= total);
    w
}

fn max_utility(options: &Options) -> f64 {
    options
        .platforms
        .iter()
        .flatten()
        .copied()
        .fold(options.direct.max(options.no_purchase), f64::max)
}

/// `exp((u - max) / scale)`, without calling `exp` for the best option:
/// its weight is `exp(0) = 1` exactly, so skipping the call saves one
/// exponential per choice and changes no result.
#[inline]
pub(crate) fn shifted_exp(u: f64, max: f64, scale: f64) -> f64 {
    if u == max {
        1.0
    } else {
        ((u - max) / scale).exp()
    }
}

/// Draws one choice by inverting the logit distribution with one uniform
/// draw. Utilities are shifted by their maximum so `exp` cannot overflow.
pub fn choose<R: Rng + ?Sized>(options: &Options, rng: &mut R) -> Choice {
    // The weights live on the stack: in a short array for the usual few
    // platforms (one as long as the most platforms a scenario may have
    // would cost its clearing on every occasion), else in a long one.
    let n = options.platforms.len();
    if n <= FEW_PLATFORMS {
        choose_with(options, rng, &mut [0.0; FEW_PLATFORMS][..n])
    } else if n <= MAX_PLATFORMS {
        choose_with(options, rng, &mut [0.0; MAX_PLATFORMS][..n])
    } else {
        choose_with(options, rng, &mut vec![0.0; n])
    }
}

/// Platforms whose choice weights fit [`choose`]'s short array.
const FEW_PLATFORMS: usize = 8;

/// [`choose`] with `weights` (one per platform) as scratch space.
#[inline]
fn choose_with<R: Rng + ?Sized>(options: &Options, rng: &mut R, weights: &mut [f64]) -> Choice {
    let max = max_utility(options);
    let mut total = 0.0;
    for (w, u) in weights.iter_mut().zip(options.platforms) {
        if let Some(u) = u {
            *w = shifted_exp(*u, max, 1.0);
            total += *w;
        }
    }
    let direct = shifted_exp(options.direct, max, 1.0);
    let none = shifted_exp(options.no_purchase, max, 1.0);
    total += direct + none;
    let mut target = rng.random::<f64>() * total;
    for (p, (w, u)) in weights.iter().zip(options.platforms).enumerate() {
        if u.is_some() {
            if target < *w {
                return Choice::Platform(p);
            }
            target -= *w;
        }
    }
    if target < direct {
        Choice::Direct
    } else {
        Choice::NoPurchase
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::{Purpose, stream};

    /// Draws `n` choices from `options` and checks each option's
    /// frequency against its logit probability, within four standard
    /// errors.
    fn assert_frequencies_match(options: &Options, seed: u64, n: usize) {
        let p = probabilities(options);
        let np = options.platforms.len();
        let mut rng = stream(seed, Purpose::ConsumerBehaviour, 0);
        let mut counts = vec![0usize; np + 2];
        for _ in 0..n {
            let i = match choose(options, &mut rng) {
                Choice::Platform(k) => k,
                Choice::Direct => np,
                Choice::NoPurchase => np + 1,
            };
            counts[i] += 1;
        }
        for (i, &c) in counts.iter().enumerate() {
            let f = c as f64 / n as f64;
            let se = (p[i] * (1.0 - p[i]) / n as f64).sqrt();
            assert!(
                (f - p[i]).abs() <= 4.0 * se + 1e-12,
                "option {i}: {f} vs {}",
                p[i]
            );
        }
    }

    #[test]
    fn frequencies_match_logit_probabilities() {
        let platforms = [Some(1.0), None, Some(-0.5)];
        let options = Options {
            platforms: &platforms,
            direct: 0.2,
            no_purchase: 0.0,
        };
        let p = probabilities(&options);
        assert_eq!(p[1], 0.0);
        assert!((p.iter().sum::<f64>() - 1.0).abs() < 1e-12);
        assert_frequencies_match(&options, 3, 400_000);
    }

    #[test]
    fn many_platforms_choose_by_the_same_rule() {
        // Ten platforms take the weights into the long array; forty (more
        // than a scenario may have) into a vector; and a draw does not
        // depend on the scratch space it is given.
        let platforms: Vec<Option<f64>> = (0..10)
            .map(|p| (p % 3 != 1).then_some(0.1 * p as f64))
            .collect();
        let options = Options {
            platforms: &platforms,
            direct: 0.3,
            no_purchase: -0.2,
        };
        assert_frequencies_match(&options, 4, 200_000);
        let forty: Vec<Option<f64>> = (0..40).map(|p| Some(-0.01 * p as f64)).collect();
        let many = Options {
            platforms: &forty,
            ..options
        };
        assert_frequencies_match(&many, 5, 200_000);
        let few = Options {
            platforms: &platforms[..3],
            ..options
        };
        let (mut a, mut b) = (
            stream(6, Purpose::ConsumerBehaviour, 1),
            stream(6, Purpose::ConsumerBehaviour, 1),
        );
        for _ in 0..1000 {
            assert_eq!(
                choose(&few, &mut a),
                choose_with(&few, &mut b, &mut [0.0; 3])
            );
            assert_eq!(
                choose(&options, &mut a),
                choose_with(&options, &mut b, &mut [0.0; 10])
            );
        }
    }

    #[test]
    fn extreme_utilities_do_not_overflow() {
        let platforms = [Some(1e3), Some(-1e3)];
        let options = Options {
            platforms: &platforms,
            direct: 999.0,
            no_purchase: -1e3,
        };
        let p = probabilities(&options);
        assert!(p.iter().all(|x| x.is_finite()));
        let mut rng = stream(1, Purpose::ConsumerBehaviour, 0);
        assert!(matches!(
            choose(&options, &mut rng),
            Choice::Platform(0) | Choice::Direct
        ));
    }
}
