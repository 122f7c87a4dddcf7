//! Distributions named in scenario files.
//!
//! A value that varies across agents is written either as a plain number
//! (every agent gets it) or as a one-key table naming the distribution:
//! `{ gamma = { shape = 2.0, mean = 0.3 } }`. [`RawDist`] mirrors the file;
//! [`Dist`] is the validated, ready-to-sample form, built once.

use std::fmt;

use rand::Rng;
use rand_distr::{Beta, Distribution, Exp, Gamma, LogNormal, Normal, Uniform};
use serde::de::{self, MapAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize};

/// A distribution as written in a scenario file.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RawDist {
    /// Gamma with the given shape and mean (scale = mean / shape).
    Gamma {
        /// Shape parameter k > 0; smaller is more dispersed.
        shape: f64,
        /// Mean > 0.
        mean: f64,
    },
    /// Log-normal with the given mean and standard deviation of the value
    /// itself (not of its logarithm).
    Lognormal {
        /// Mean > 0.
        mean: f64,
        /// Standard deviation ≥ 0.
        sd: f64,
    },
    /// Uniform on `[min, max]`.
    Uniform {
        /// Lower end.
        min: f64,
        /// Upper end (≥ min).
        max: f64,
    },
    /// Exponential with the given mean.
    Exponential {
        /// Mean > 0.
        mean: f64,
    },
    /// Normal with the given mean and standard deviation (only for
    /// quantities that may be negative).
    Normal {
        /// Mean.
        mean: f64,
        /// Standard deviation ≥ 0.
        sd: f64,
    },
    /// Beta on `[0, 1]` (for shares and probabilities).
    Beta {
        /// α > 0.
        alpha: f64,
        /// β > 0.
        beta: f64,
    },
    /// Every agent gets this value (written as a plain number).
    #[serde(untagged)]
    Fixed(f64),
}

/// The named (table) forms, deserialised with serde's externally tagged
/// representation so misspelt names and fields get precise errors.
#[derive(Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
enum NamedDist {
    Gamma { shape: f64, mean: f64 },
    Lognormal { mean: f64, sd: f64 },
    Uniform { min: f64, max: f64 },
    Exponential { mean: f64 },
    Normal { mean: f64, sd: f64 },
    Beta { alpha: f64, beta: f64 },
}

impl<'de> Deserialize<'de> for RawDist {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct DistVisitor;
        impl<'de> Visitor<'de> for DistVisitor {
            type Value = RawDist;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str(
                    "a number or a distribution such as { gamma = { shape = 2.0, mean = 0.3 } } \
                     (gamma, lognormal, uniform, exponential, normal, beta)",
                )
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<RawDist, E> {
                Ok(RawDist::Fixed(v))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<RawDist, E> {
                Ok(RawDist::Fixed(v as f64))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<RawDist, E> {
                Ok(RawDist::Fixed(v as f64))
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<RawDist, A::Error> {
                let named = NamedDist::deserialize(de::value::MapAccessDeserializer::new(map))?;
                Ok(match named {
                    NamedDist::Gamma { shape, mean } => RawDist::Gamma { shape, mean },
                    NamedDist::Lognormal { mean, sd } => RawDist::Lognormal { mean, sd },
                    NamedDist::Uniform { min, max } => RawDist::Uniform { min, max },
                    NamedDist::Exponential { mean } => RawDist::Exponential { mean },
                    NamedDist::Normal { mean, sd } => RawDist::Normal { mean, sd },
                    NamedDist::Beta { alpha, beta } => RawDist::Beta { alpha, beta },
                })
            }
        }
        deserializer.deserialize_any(DistVisitor)
    }
}

/// The range of values a quantity may take, checked against a
/// distribution's support when the scenario is validated.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Support {
    /// Smallest allowed value.
    pub min: f64,
    /// Largest allowed value.
    pub max: f64,
}

impl Support {
    /// Values ≥ 0.
    pub const NON_NEGATIVE: Support = Support {
        min: 0.0,
        max: f64::INFINITY,
    };
    /// Values in `[0, 1]`.
    pub const UNIT: Support = Support { min: 0.0, max: 1.0 };
    /// Any real value.
    pub const REAL: Support = Support {
        min: f64::NEG_INFINITY,
        max: f64::INFINITY,
    };
}

#[derive(Debug, Clone)]
enum Sampler {
    Fixed(f64),
    Gamma(Gamma<f64>),
    Lognormal(LogNormal<f64>),
    Uniform(Uniform<f64>),
    Exponential(Exp<f64>),
    Normal(Normal<f64>),
    Beta(Beta<f64>),
}

/// A validated distribution, ready to sample.
#[derive(Debug, Clone)]
pub struct Dist {
    sampler: Sampler,
    mean: f64,
}

fn finite(name: &str, v: f64) -> Result<f64, String> {
    if v.is_finite() {
        Ok(v)
    } else {
        Err(format!("{name} must be a finite number, got {v}"))
    }
}

fn positive(name: &str, v: f64) -> Result<f64, String> {
    if finite(name, v)? > 0.0 {
        Ok(v)
    } else {
        Err(format!("{name} must be > 0, got {v}"))
    }
}

impl Dist {
    /// A distribution that always yields `v`.
    pub fn fixed(v: f64) -> Dist {
        Dist {
            sampler: Sampler::Fixed(v),
            mean: v,
        }
    }

    /// Validates `raw` against `support` and builds the sampler. The error
    /// is the rule broken, without the key path (the caller adds it).
    pub fn new(raw: &RawDist, support: Support) -> Result<Dist, String> {
        let bounded_below = support.min.is_finite();
        let bounded_above = support.max.is_finite();
        let range = || match (bounded_below, bounded_above) {
            (true, true) => format!("[{}, {}]", support.min, support.max),
            (true, false) => format!("≥ {}", support.min),
            (false, true) => format!("≤ {}", support.max),
            (false, false) => "any value".to_string(),
        };
        let (sampler, mean) = match *raw {
            RawDist::Fixed(v) => {
                finite("the value", v)?;
                if v < support.min || v > support.max {
                    return Err(format!("must be {}, got {v}", range()));
                }
                (Sampler::Fixed(v), v)
            }
            RawDist::Gamma { shape, mean } => {
                positive("gamma.shape", shape)?;
                positive("gamma.mean", mean)?;
                if support.min > 0.0 || bounded_above {
                    return Err(format!(
                        "gamma can take values outside {}; use uniform or beta",
                        range()
                    ));
                }
                let g = Gamma::new(shape, mean / shape).map_err(|e| format!("gamma: {e}"))?;
                (Sampler::Gamma(g), mean)
            }
            RawDist::Lognormal { mean, sd } => {
                positive("lognormal.mean", mean)?;
                finite("lognormal.sd", sd)?;
                if sd < 0.0 {
                    return Err(format!("lognormal.sd must be ≥ 0, got {sd}"));
                }
                if support.min > 0.0 || bounded_above {
                    return Err(format!(
                        "lognormal can take values outside {}; use uniform or beta",
                        range()
                    ));
                }
                let sigma2 = (1.0 + (sd / mean).powi(2)).ln();
                let mu = mean.ln() - sigma2 / 2.0;
                let l = LogNormal::new(mu, sigma2.sqrt()).map_err(|e| format!("lognormal: {e}"))?;
                (Sampler::Lognormal(l), mean)
            }
            RawDist::Uniform { min, max } => {
                finite("uniform.min", min)?;
                finite("uniform.max", max)?;
                if min > max {
                    return Err(format!("uniform.min ({min}) must be ≤ uniform.max ({max})"));
                }
                if min < support.min || max > support.max {
                    return Err(format!("uniform range must lie within {}", range()));
                }
                if min == max {
                    (Sampler::Fixed(min), min)
                } else {
                    let u =
                        Uniform::new_inclusive(min, max).map_err(|e| format!("uniform: {e}"))?;
                    (Sampler::Uniform(u), (min + max) / 2.0)
                }
            }
            RawDist::Exponential { mean } => {
                positive("exponential.mean", mean)?;
                if support.min > 0.0 || bounded_above {
                    return Err(format!(
                        "exponential can take values outside {}; use uniform or beta",
                        range()
                    ));
                }
                let e = Exp::new(1.0 / mean).map_err(|e| format!("exponential: {e}"))?;
                (Sampler::Exponential(e), mean)
            }
            RawDist::Normal { mean, sd } => {
                finite("normal.mean", mean)?;
                finite("normal.sd", sd)?;
                if sd < 0.0 {
                    return Err(format!("normal.sd must be ≥ 0, got {sd}"));
                }
                if bounded_below || bounded_above {
                    return Err(format!(
                        "normal can take values outside {}; use gamma, lognormal, uniform or beta",
                        range()
                    ));
                }
                let n = Normal::new(mean, sd).map_err(|e| format!("normal: {e}"))?;
                (Sampler::Normal(n), mean)
            }
            RawDist::Beta { alpha, beta } => {
                positive("beta.alpha", alpha)?;
                positive("beta.beta", beta)?;
                if support.min > 0.0 || support.max < 1.0 {
                    return Err(format!("beta takes values in [0, 1], outside {}", range()));
                }
                let b = Beta::new(alpha, beta).map_err(|e| format!("beta: {e}"))?;
                (Sampler::Beta(b), alpha / (alpha + beta))
            }
        };
        Ok(Dist { sampler, mean })
    }

    /// One draw.
    pub fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> f64 {
        match &self.sampler {
            Sampler::Fixed(v) => *v,
            Sampler::Gamma(d) => d.sample(rng),
            Sampler::Lognormal(d) => d.sample(rng),
            Sampler::Uniform(d) => d.sample(rng),
            Sampler::Exponential(d) => d.sample(rng),
            Sampler::Normal(d) => d.sample(rng),
            Sampler::Beta(d) => d.sample(rng),
        }
    }

    /// The distribution's mean.
    pub fn mean(&self) -> f64 {
        self.mean
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::{Purpose, stream};

    fn parse(s: &str) -> Result<RawDist, String> {
        #[derive(Deserialize)]
        struct W {
            d: RawDist,
        }
        toml::from_str::<W>(s)
            .map(|w| w.d)
            .map_err(|e| e.to_string())
    }

    #[test]
    fn parses_numbers_and_named_tables() {
        assert_eq!(parse("d = 3").ok(), Some(RawDist::Fixed(3.0)));
        assert_eq!(parse("d = 0.5").ok(), Some(RawDist::Fixed(0.5)));
        assert_eq!(
            parse("d = { gamma = { shape = 2.0, mean = 0.3 } }").ok(),
            Some(RawDist::Gamma {
                shape: 2.0,
                mean: 0.3
            })
        );
        let err = parse("d = { gama = { shape = 2.0, mean = 0.3 } }").unwrap_err();
        assert!(err.contains("gama"), "{err}");
        let err = parse("d = { gamma = { shape = 2.0, mena = 0.3 } }").unwrap_err();
        assert!(err.contains("mena"), "{err}");
        assert!(parse("d = \"x\"").is_err());
    }

    #[test]
    fn support_is_enforced() {
        let n = RawDist::Normal { mean: 1.0, sd: 1.0 };
        assert!(Dist::new(&n, Support::NON_NEGATIVE).is_err());
        assert!(Dist::new(&n, Support::REAL).is_ok());
        let g = RawDist::Gamma {
            shape: 1.0,
            mean: 1.0,
        };
        assert!(Dist::new(&g, Support::UNIT).is_err());
        assert!(Dist::new(&RawDist::Fixed(1.5), Support::UNIT).is_err());
        assert!(Dist::new(&RawDist::Fixed(f64::NAN), Support::REAL).is_err());
        assert!(
            Dist::new(
                &RawDist::Gamma {
                    shape: 0.0,
                    mean: 1.0
                },
                Support::NON_NEGATIVE
            )
            .is_err()
        );
        assert!(Dist::new(&RawDist::Uniform { min: 2.0, max: 1.0 }, Support::REAL).is_err());
    }

    #[test]
    fn sample_means_match_parameters() {
        let cases = [
            RawDist::Gamma {
                shape: 2.0,
                mean: 0.3,
            },
            RawDist::Lognormal {
                mean: 30.0,
                sd: 10.0,
            },
            RawDist::Uniform { min: 1.0, max: 3.0 },
            RawDist::Exponential { mean: 4.0 },
            RawDist::Beta {
                alpha: 2.0,
                beta: 6.0,
            },
        ];
        for raw in cases {
            let d = Dist::new(&raw, Support::NON_NEGATIVE.min_with_unit(&raw)).unwrap();
            let mut rng = stream(9, Purpose::ConsumerTraits, 0);
            let n = 200_000;
            let mean = (0..n).map(|_| d.sample(&mut rng)).sum::<f64>() / n as f64;
            assert!(
                (mean - d.mean()).abs() < 0.02 * d.mean(),
                "{raw:?}: sample mean {mean} vs {}",
                d.mean()
            );
        }
    }

    impl Support {
        fn min_with_unit(self, raw: &RawDist) -> Support {
            if matches!(raw, RawDist::Beta { .. }) {
                Support::UNIT
            } else {
                self
            }
        }
    }
}
