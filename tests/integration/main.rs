//! Integration tests: one binary, one module per concern.

mod bad_input;
mod claims_merger;
mod cli;
mod closed_form;
mod common;
mod faults;
mod fuzz;
mod layering;
mod ledger_identities;
mod lending;
mod mechanisms;
mod merger;
mod payments;
mod plot;
mod properties;
mod report;
mod reproducibility;
mod result_files;
mod scenario_claims;
mod scenario_library;
mod sweep;
mod tables;
mod whatif;
