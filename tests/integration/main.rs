//! Integration tests: one binary, one module per concern.

mod bad_input;
mod cli;
mod closed_form;
mod common;
mod ledger_identities;
mod reproducibility;
mod sweep;
