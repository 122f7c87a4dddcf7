#!/usr/bin/env bash
# Builds and installs the Python package (python/) into target/notebook-venv
# (scripts/python-env.sh), then runs its tests with pytest against the
# release binary, whose files `save` must reproduce. (scripts/test.sh lints
# the package's Rust half with the rest of the workspace.)
set -euo pipefail
cd "$(dirname "$0")/.."

started=$SECONDS
cargo build --release --locked --quiet --bin flywheel
venv=$(bash scripts/python-env.sh)
FLYWHEEL="$PWD/target/release/flywheel" "$venv/bin/python" -m pytest python/tests -q -p no:cacheprovider
echo "python package tests took $((SECONDS - started)) s"
