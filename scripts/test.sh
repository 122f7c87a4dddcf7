#!/usr/bin/env bash
# The whole test suite, as CI runs it: formatting, lints, the Python
# package (built into the notebook environment, then pytest), the notebooks,
# the Slurm end-to-end test of sharded sweeps on a throwaway local
# cluster, then every test in release mode (the simulations are too slow
# unoptimised), the classroom's headless-browser test among them. The
# Rust tests run last so that their summary closes the output.
set -euo pipefail
cd "$(dirname "$0")/.."

cargo fmt --all --check
# --workspace: the Python package's Rust half (python/) too.
cargo clippy --release --all-targets --locked --workspace -- -D warnings
bash scripts/test-python.sh
bash scripts/test-notebooks.sh
bash scripts/slurm/test-cluster.sh
# The classroom's browser test (`flywheel serve`) drives headless Chromium
# through chromedriver: Debian's packages, installed when missing.
if [ ! -x /usr/bin/chromedriver ]; then
  apt-get update -q
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium chromium-driver
fi
# The coverage of calibration intervals over 20 seeds: too slow for the
# default suite, run here explicitly.
cargo test --release --locked --test integration interval_coverage -- --ignored
cargo test --release --locked
