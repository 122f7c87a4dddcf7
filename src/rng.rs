//! Reproducible random streams.
//!
//! Every stream is derived from the scenario seed and stable identifiers
//! (replication, purpose, agent) by a SplitMix64-style mix, and drives a
//! named portable generator (Xoshiro256++), so a run's draws never depend on
//! thread scheduling, on how work is split, or on the rand crate's default
//! generator. Streams for one purpose never overlap another's because the
//! purpose is mixed into the seed.

use rand::SeedableRng;
use rand_xoshiro::Xoshiro256PlusPlus;

/// The generator used for every stream in a run.
pub type StreamRng = Xoshiro256PlusPlus;

/// What a stream is used for; mixed into its seed so purposes never share
/// draws.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u64)]
pub enum Purpose {
    /// Per-replication seed reported in results.
    Replication = 1,
    /// Drawing a consumer's fixed attributes.
    ConsumerTraits = 2,
    /// A consumer's behaviour during the run (arrivals, choices).
    ConsumerBehaviour = 3,
    /// Drawing a merchant's fixed attributes.
    MerchantTraits = 4,
    /// A merchant's decisions during the run (which platforms to be on).
    MerchantBehaviour = 5,
    /// A platform's acquisition draws (marketing, word of mouth).
    PlatformGrowth = 6,
    /// A lender's draws (the common factor, idiosyncratic shocks, noise).
    Lender = 7,
    /// The common economic factor.
    Economy = 8,
    /// Merchants' adoption of a wallet (one stream per wallet).
    WalletAdoption = 9,
    /// Consumers' choices of where to hold a wallet balance (one stream per
    /// replication).
    FundChoice = 10,
    /// Consumer credit: consumers' latent risk, the measurements a
    /// programme takes of it, revolving and defaults (one stream per
    /// programme).
    ConsumerCredit = 11,
    /// Fraudulent applications and anti-fraud screening (one stream per
    /// lender, then one per consumer credit programme).
    Fraud = 12,
    /// Products sold to users: each consumer's willingness to pay and
    /// risk (one stream per consumer), and each product's joins, claims
    /// and marketing (one stream per product).
    Products = 15,
}

/// SplitMix64 finaliser: a bijective mix with good avalanche.
pub fn mix64(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// The seed of replication `replication` of a scenario seeded with `seed`.
pub fn replication_seed(seed: u64, replication: u32) -> u64 {
    mix64(
        mix64(seed ^ (Purpose::Replication as u64).wrapping_mul(0xA24B_AED4_963E_E407))
            ^ u64::from(replication),
    )
}

/// A generator for `purpose` and `agent` within the replication whose seed
/// is `run_seed`.
pub fn stream(run_seed: u64, purpose: Purpose, agent: u64) -> StreamRng {
    let s = mix64(mix64(run_seed ^ mix64(purpose as u64)) ^ agent);
    StreamRng::seed_from_u64(s)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::Rng;

    #[test]
    fn streams_are_value_stable() {
        // Pinned outputs: a change here changes every result file. The
        // values were checked against an independent implementation of the
        // SplitMix64 mix and Xoshiro256++ seeded through SplitMix64.
        assert_eq!(mix64(0), 0xE220_A839_7B1D_CDAF);
        let replications = [
            (0, 0, 0x9BD6_2A87_CA2E_2A9F),
            (0, 1, 0x7105_4E26_7677_FE13),
            (42, 0, 0xDD11_C7A6_CCAE_FE34),
            (42, 7, 0xEA4B_99FE_69CA_06EB),
            (20150601, 1, 0x50E6_7A28_2DCB_E159),
        ];
        for (seed, r, expected) in replications {
            assert_eq!(
                replication_seed(seed, r),
                expected,
                "seed {seed}, replication {r}"
            );
        }
        let streams = [
            (
                42,
                Purpose::ConsumerBehaviour,
                7,
                [
                    0x30C1_8667_D5AE_3BC4,
                    0xC2FC_97D2_E320_279E,
                    0x6923_8C55_85A1_4867,
                ],
            ),
            (
                42,
                Purpose::ConsumerTraits,
                7,
                [
                    0x1EA4_BF02_B670_0857,
                    0x5271_C1CC_36F0_7FB0,
                    0x1D4D_40E6_B73A_8BC9,
                ],
            ),
            (
                42,
                Purpose::ConsumerBehaviour,
                8,
                [
                    0x22A0_E381_7FF7_4A9E,
                    0xF384_7748_6D7C_B91C,
                    0xE6EE_0B38_8971_261B,
                ],
            ),
            (
                replication_seed(20150601, 1),
                Purpose::Lender,
                0,
                [
                    0xCD65_033C_AC8A_7C2F,
                    0x88BA_0827_96B8_F76F,
                    0x9454_B99B_AA4A_9310,
                ],
            ),
            (
                0,
                Purpose::Economy,
                0,
                [
                    0x41E7_EB96_6EE6_6972,
                    0x3FF0_CD41_FFFD_0D1A,
                    0xC451_459B_57AD_440F,
                ],
            ),
            (
                u64::MAX,
                Purpose::MerchantTraits,
                1_000_000,
                [
                    0x20C9_1A88_4821_A097,
                    0x4915_99AE_B216_48E1,
                    0x59CF_12AA_1373_E8BD,
                ],
            ),
        ];
        for (seed, purpose, agent, expected) in streams {
            let mut r = stream(seed, purpose, agent);
            let got = [r.next_u64(), r.next_u64(), r.next_u64()];
            assert_eq!(got, expected, "stream({seed}, {purpose:?}, {agent})");
        }
    }

    #[test]
    fn purposes_and_agents_give_distinct_streams() {
        let a = stream(1, Purpose::ConsumerTraits, 0).next_u64();
        let b = stream(1, Purpose::ConsumerBehaviour, 0).next_u64();
        let c = stream(1, Purpose::ConsumerTraits, 1).next_u64();
        assert!(a != b && a != c && b != c);
    }
}
