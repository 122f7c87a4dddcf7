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
        // Pinned outputs: a change here changes every result file.
        assert_eq!(mix64(0), 0xE220_A839_7B1D_CDAF);
        let mut r = stream(42, Purpose::ConsumerBehaviour, 7);
        let first = r.next_u64();
        let mut again = stream(42, Purpose::ConsumerBehaviour, 7);
        assert_eq!(first, again.next_u64());
        assert_eq!(replication_seed(42, 0), replication_seed(42, 0));
        assert_ne!(replication_seed(42, 0), replication_seed(42, 1));
    }

    #[test]
    fn purposes_and_agents_give_distinct_streams() {
        let a = stream(1, Purpose::ConsumerTraits, 0).next_u64();
        let b = stream(1, Purpose::ConsumerBehaviour, 0).next_u64();
        let c = stream(1, Purpose::ConsumerTraits, 1).next_u64();
        assert!(a != b && a != c && b != c);
    }
}
