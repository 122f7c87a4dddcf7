//! Flywheel: a discrete-event, agent-based simulator of platform
//! competition — subsidies, payments and embedded lending — that reports
//! cash burn, market share and, as the model grows, retention and loan
//! defaults.
//!
//! # How a run flows
//!
//! ```text
//!  scenario.toml ──► scenario::load ──► Scenario (validated; engine never re-checks)
//!                                         │
//!            runner::run_all (rayon) ─────┤ one run_one per replication, seeded
//!                                         ▼ from (seed, replication, agent)
//!   engine::run ◄──► market::Market ──► ledger::Ledger (double entry, integer fen)
//!     (time, seq)        │
//!                        ▼
//!                 metrics::Recorder ──► RunOutput ──► metrics::output (CSV, manifest)
//!                                                              │
//!            plot (`flywheel plot DIR`, `report DIR`) ◄────┘ figures and an HTML page from the CSV files
//! ```
//!
//! Before simulating, the commands estimate whether the run fits this
//! machine's memory (`resources`, beside the runner) and refuse one that
//! does not; whether a scenario is valid never depends on the machine.
//!
//! Comparisons (`compare`) load several variants with one seed and run
//! each through the same `runner::run_all`, so replication `r` of every
//! variant shares its random draws and differences are estimated paired.
//!
//! A parameter sweep (`sweep::run_sweep`) builds one scenario per point of
//! the file's `[sweep]` table and calls the same `run_one` for every
//! (point, replication), journalling each as it finishes; shards of a sweep
//! merge back into the same files (`sweep::merge`).
//!
//! The classroom server (`serve`, `flywheel serve`) runs a scenario with
//! a student's levers through the same `run_one`, watching each closed
//! day through a day observer (`market::DayObserver`) and streaming it to
//! a page.
//! A strategy search (`search::run_optimize`, `search::run_equilibrium`)
//! writes candidate lever values into the scenario by key path, as a sweep
//! does, and runs each candidate's replications with the same seeds; a
//! Nelder–Mead simplex picks the next candidate, and iterated best
//! responses look for an equilibrium of several platforms.
//!
//! Every CSV file's columns are declared once, as a column table (name,
//! unit, kind, meaning, accessor): `metrics::tables` for a run's files,
//! and `compare` and `sweep` for theirs. The writers, the results
//! reference (`flywheel params --results`) and the tests all read those
//! tables; `metrics::write` stages every results directory and moves it
//! into place atomically.
//!
//! The engine pops events in (time, sequence) order and hands each to the
//! market; the market moves money only through ledger postings and reports
//! what happened to the recorder; nothing in the library prints, reads
//! arguments or exits.
//!
//! # Layers
//!
//! Each module uses only the ones below it (a test reads every `crate::`
//! path and holds the code to this order):
//!
//! ```text
//!  cli                        commands, argument parsing, exit codes
//!  search                     best levers and equilibria over many runs
//!  compare · sweep · plot     many runs; figures and reports from result files;
//!  · serve                    the classroom server
//!  runner · resources         replications in parallel; will it fit in memory
//!  market                     occasions, consumers, merchants, platforms,
//!                             payments, listings, economy, lending
//!  metrics                    the recorder, result records, retention, writers
//!  agents                     compact agent state, ledger accounts
//!  scenario                   TOML → validated Scenario
//!  engine · ledger · rng · memory
//! ```
//!
//! The recorder sits below the market because the market records into it
//! as it runs; what the market does with a record never flows back up.
//!
//! # Example
//!
//! ```
//! use flywheel::runner::{run_one, RunOptions};
//! use flywheel::scenario;
//!
//! let text = r#"
//!     seed = 1
//!     horizon_days = 5
//!     [market]
//!     consumers = 200
//!     merchants = 10
//!     [consumers]
//!     purchase_rate = 1.0
//!     price_sensitivity = { gamma = { shape = 4.0, mean = 0.1 } }
//!     [merchants]
//!     price = 25.0
//!     [[platforms]]
//!     name = "Solo"
//!     cash = 10000.0
//!     commission = 0.1
//! "#;
//! let s = scenario::parse(text, "example.toml", "example", &[]).unwrap();
//! let run = run_one(&s, 0, &RunOptions::default(), &|| {}).unwrap();
//! let t = run.totals;
//! // Every purchase occasion ends in exactly one outcome.
//! assert_eq!(t.occasions, t.platform_orders + t.direct_orders + t.no_purchase);
//! assert_eq!(run.summary[0].flows.orders, t.platform_orders);
//! ```
#![warn(missing_docs, unreachable_pub)]

pub mod agents;
pub mod calibrate;
pub mod cli;
pub mod compare;
pub mod engine;
pub mod ledger;
pub mod market;
pub mod memory;
pub mod metrics;
pub mod plot;
pub(crate) mod resources;
pub mod rng;
pub mod runner;
pub mod scenario;
pub mod search;
pub mod serve;
pub mod sweep;
