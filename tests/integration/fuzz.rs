//! The loader never panics: random bytes, random TOML-like text, random
//! `--set` overrides and random mutations of every valid scenario file we
//! ship (lines deleted, duplicated, swapped or cut short; values replaced
//! by strings, NaN, infinities, huge or negative numbers, wrong tables)
//! are either loaded or refused with problems that each carry a rule. A
//! mutant that loads and is small is also run, and the run never panics.
//!
//! Runs are reproducible: the generator is seeded with a fixed seed (set
//! `PROPTEST_RNG_SEED` to explore others, and `FLYWHEEL_PROPTEST_SCALE`
//! to run that many times more cases) and failures are not persisted to
//! files; a failure prints the minimal failing input.

use std::path::{Path, PathBuf};

use flywheel::runner::{RunOptions, run_one};
use flywheel::scenario::{self, Override, Scenario, ScenarioError};
use proptest::prelude::*;
use proptest::sample::Index;
use proptest::test_runner::{Config, RngSeed};

/// The configuration of every property test in this binary: `cases`
/// cases from a fixed seed, no persistence files, bounded shrinking.
pub fn config(cases: u32) -> Config {
    let scale = std::env::var("FLYWHEEL_PROPTEST_SCALE")
        .ok()
        .and_then(|s| s.parse::<u32>().ok())
        .unwrap_or(1)
        .max(1);
    let mut c = Config::with_cases(cases.saturating_mul(scale));
    c.failure_persistence = None;
    if std::env::var_os("PROPTEST_RNG_SEED").is_none() {
        c.rng_seed = RngSeed::Fixed(20_150_601);
    }
    c.max_shrink_time = 60_000;
    c
}

/// Values that break scenario files in every way we know of.
const NASTY: &[&str] = &[
    "nan",
    "-nan",
    "inf",
    "-inf",
    "1e308",
    "-1e308",
    "1e-320",
    "0",
    "-1",
    "0.0",
    "-0.0",
    "2",
    "0.5",
    "1e9",
    "9223372036854775807",
    "-9223372036854775808",
    "\"\"",
    "\"x\"",
    "\"share >= nan\"",
    "true",
    "[]",
    "[1, 2]",
    "[\"day > 1e999\"]",
    "{}",
    "{ scale = -1 }",
    "{ scale = nan }",
    "{ gamma = { shape = 0.0, mean = -1.0 } }",
    "{ gamma = { shape = 1e-300, mean = 1e300 } }",
    "{ lognormal = { mean = 1e300, sd = 1e300 } }",
    "{ uniform = { min = 5.0, max = 1.0 } }",
    "{ beta = { alpha = nan, beta = 1.0 } }",
    "{ normal = { mean = 0.0, sd = inf } }",
    "{ exponential = { mean = 1e-300 } }",
    "{ vasicek = { pd = 1.0, rho = 1.0 } }",
    "1979-05-27T07:32:00Z",
];

/// Keys to insert, from every level of the format.
const KEYS: &[&str] = &[
    "seed",
    "replications",
    "horizon_days",
    "name",
    "consumers",
    "merchants",
    "districts",
    "cash",
    "commission",
    "from_day",
    "to_day",
    "per_order",
    "share",
    "day",
    "amount",
    "when",
    "then",
    "set",
    "rate",
    "repayment",
    "term_days",
    "purchase_rate",
    "price",
    "settlement_days",
    "review_days",
    "sweep",
    "unknown_key",
];

/// Every valid scenario we ship, with its path (so `extends` resolves).
fn bases() -> Vec<(PathBuf, String)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut paths = vec![
        root.join("tests/data/tiny.toml"),
        root.join("tests/data/full.toml"),
    ];
    for dir in ["scenarios", "scenarios/templates"] {
        let mut found: Vec<PathBuf> = std::fs::read_dir(root.join(dir))
            .map(|entries| {
                entries
                    .filter_map(Result::ok)
                    .map(|e| e.path())
                    .filter(|p| p.extension().is_some_and(|x| x == "toml"))
                    .collect()
            })
            .unwrap_or_default();
        found.sort();
        paths.extend(found);
    }
    paths
        .into_iter()
        .filter_map(|p| std::fs::read_to_string(&p).ok().map(|t| (p, t)))
        .collect()
}

/// One edit of a scenario file's lines.
#[derive(Debug, Clone)]
enum Mutation {
    Delete(Index),
    Duplicate(Index),
    Swap(Index, Index),
    /// Replace the value of a `key = value` line.
    Value(Index, Index),
    /// Insert `key = value` before a line.
    Insert(Index, Index, Index),
    /// Cut the line short at a character.
    Truncate(Index, Index),
    /// Negate or scale the first number on the line.
    Number(Index, f64),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        any::<Index>().prop_map(Mutation::Delete),
        any::<Index>().prop_map(Mutation::Duplicate),
        (any::<Index>(), any::<Index>()).prop_map(|(a, b)| Mutation::Swap(a, b)),
        (any::<Index>(), any::<Index>()).prop_map(|(a, b)| Mutation::Value(a, b)),
        (any::<Index>(), any::<Index>(), any::<Index>())
            .prop_map(|(a, b, c)| Mutation::Insert(a, b, c)),
        (any::<Index>(), any::<Index>()).prop_map(|(a, b)| Mutation::Truncate(a, b)),
        (
            any::<Index>(),
            prop_oneof![
                Just(-1.0),
                Just(0.0),
                Just(1e6),
                Just(1e-6),
                Just(f64::MAX),
                -1e3..1e3f64
            ]
        )
            .prop_map(|(a, f)| Mutation::Number(a, f)),
    ]
}

fn apply(text: &str, mutations: &[Mutation]) -> String {
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    for m in mutations {
        if lines.is_empty() {
            lines.push(String::new());
        }
        let n = lines.len();
        match m {
            Mutation::Delete(i) => {
                lines.remove(i.index(n));
            }
            Mutation::Duplicate(i) => {
                let line = lines[i.index(n)].clone();
                lines.insert(i.index(n), line);
            }
            Mutation::Swap(a, b) => lines.swap(a.index(n), b.index(n)),
            Mutation::Value(i, v) => {
                let line = &mut lines[i.index(n)];
                if let Some((key, _)) = line.split_once('=') {
                    *line = format!("{key}= {}", NASTY[v.index(NASTY.len())]);
                }
            }
            Mutation::Insert(i, k, v) => lines.insert(
                i.index(n),
                format!(
                    "{} = {}",
                    KEYS[k.index(KEYS.len())],
                    NASTY[v.index(NASTY.len())]
                ),
            ),
            Mutation::Truncate(i, at) => {
                let line = &mut lines[i.index(n)];
                let cut = line
                    .char_indices()
                    .map(|(p, _)| p)
                    .nth(at.index(line.chars().count().max(1)))
                    .unwrap_or(0);
                line.truncate(cut);
            }
            Mutation::Number(i, f) => {
                let line = &mut lines[i.index(n)];
                if let Some((key, value)) = line.split_once('=')
                    && let Ok(v) = value.trim().parse::<f64>()
                {
                    *line = format!("{key}= {:?}", v * f);
                }
            }
        }
    }
    lines.join("\n")
}

/// A refusal must say what is wrong: at least one problem, each with a rule.
fn well_formed(e: &ScenarioError) -> Result<(), TestCaseError> {
    prop_assert!(!e.problems.is_empty(), "an error without problems");
    for p in &e.problems {
        prop_assert!(!p.rule.trim().is_empty(), "a problem without a rule: {p:?}");
    }
    let text = e.to_string();
    prop_assert!(text.contains(&e.file), "the message does not name the file");
    Ok(())
}

/// Runs replication 0 of a scenario that is small enough to run in a few
/// milliseconds; the run must not panic, and its ledger must balance.
fn run_if_small(s: &Scenario) -> Result<(), TestCaseError> {
    let rate = s
        .consumers
        .segments
        .iter()
        .map(|g| g.purchase_rate.mean())
        .fold(0.0, f64::max);
    let work = f64::from(s.market.consumers) * f64::from(s.horizon_days) * rate.max(0.01);
    let small = s.market.consumers <= 5_000
        && s.market.merchants <= 2_000
        && s.horizon_days <= 400
        && work <= 100_000.0;
    if small {
        let options = RunOptions {
            threads: 1,
            journal: false,
        };
        let run = run_one(s, 0, &options, &|| {});
        prop_assert!(run.is_ok(), "{:?}", run.err());
    }
    Ok(())
}

fn check_text(text: &str, label: &str, overrides: &[Override]) -> Result<(), TestCaseError> {
    match scenario::parse(text, label, "fuzz", overrides) {
        Ok(s) => run_if_small(&s),
        Err(e) => well_formed(&e),
    }
}

proptest! {
    #![proptest_config(config(1024))]

    #[test]
    fn random_bytes_never_panic_the_loader(bytes in proptest::collection::vec(any::<u8>(), 0..1024)) {
        let text = String::from_utf8_lossy(&bytes);
        check_text(&text, "bytes.toml", &[])?;
    }

    #[test]
    fn random_toml_like_text_never_panics_the_loader(
        text in "([a-z_\\[\\]{}=.,\"#0-9 +-]{0,40}\n){0,30}"
    ) {
        check_text(&text, "text.toml", &[])?;
    }

    #[test]
    fn mutated_scenario_files_are_loaded_or_refused_never_panic(
        base in any::<Index>(),
        mutations in proptest::collection::vec(mutation(), 1..6),
    ) {
        let bases = bases();
        prop_assume!(!bases.is_empty());
        let (path, text) = &bases[base.index(bases.len())];
        let mutated = apply(text, &mutations);
        check_text(&mutated, &path.to_string_lossy(), &[])?;
    }

    #[test]
    fn random_overrides_are_applied_or_refused_never_panic(
        path in "(seed|replications|horizon_days|market|platforms|lenders|consumers|economy)((\\.[a-z_]{1,12})|(\\[[0-9]{1,2}\\])){0,4}",
        value in proptest::sample::select(NASTY),
    ) {
        let base = &bases()[0];
        match Override::parse(&format!("{path}={value}"), "--set fuzz") {
            Ok(o) => check_text(&base.1, &base.0.to_string_lossy(), &[o])?,
            Err(rule) => prop_assert!(!rule.is_empty()),
        }
    }
}

#[test]
fn every_base_of_the_fuzzer_loads() {
    let bases = bases();
    assert!(
        bases.len() >= 10,
        "found only {} scenario files",
        bases.len()
    );
    for (path, text) in &bases {
        if let Err(e) = scenario::parse(text, &path.to_string_lossy(), "fuzz", &[]) {
            panic!("{e}");
        }
    }
}
