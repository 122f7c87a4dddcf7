#!/usr/bin/env bash
# The whole test suite, as CI runs it: formatting, lints, the Python
# package (built into the notebook environment, then pytest), the notebooks,
# the Slurm end-to-end test of sharded sweeps on a throwaway local
# cluster, then every test in release mode (the simulations are too slow
# unoptimised). The Rust tests run last so that their summary closes the
# output.
set -euo pipefail
cd "$(dirname "$0")/.."

cargo fmt --all --check
# --workspace: the Python package's Rust half (python/) too.
cargo clippy --release --all-targets --locked --workspace -- -D warnings
bash scripts/test-python.sh
bash scripts/test-notebooks.sh
bash scripts/slurm/test-cluster.sh
cargo test --release --locked
