//! Flywheel: a discrete-event, agent-based simulator of platform
//! competition.
pub mod agents;
pub mod cli;
pub mod engine;
pub mod ledger;
pub mod market;
pub mod metrics;
pub mod rng;
pub mod runner;
pub mod scenario;
