//! Flywheel: a discrete-event, agent-based simulator of platform competition.
pub mod engine;
pub mod ledger;
pub mod rng;
pub mod scenario;
