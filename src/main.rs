//! The `flywheel` command: parse arguments, run, map the outcome to an
//! exit code. Everything else lives in the library.
use std::process::ExitCode;

use clap::Parser;
use flywheel::cli::{Cli, run};

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(e.exit_code())
        }
    }
}
