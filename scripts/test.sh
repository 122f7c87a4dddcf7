#!/usr/bin/env bash
# The whole test suite, as CI runs it: formatting, lints, then every test
# in release mode (the simulations are too slow unoptimised), then the
# Slurm end-to-end test of sharded sweeps on a throwaway local cluster.
set -euo pipefail
cd "$(dirname "$0")/.."

cargo fmt --check
cargo clippy --release --all-targets --locked -- -D warnings
cargo test --release --locked
bash scripts/slurm/test-cluster.sh
