#!/usr/bin/env bash
# Gets target/notebook-venv ready for the notebooks and the Python package's
# tests: a virtual environment with the pinned notebooks/requirements.txt
# (rebuilt when that file changes), then the `flywheel` package built from
# python/ and installed into it. The Rust build shares target/ and
# Cargo.lock with the rest of the workspace, so after the first time only
# what changed is recompiled (the install then takes seconds).
# Prints the environment's directory on its last line.
set -euo pipefail
cd "$(dirname "$0")/.."

started=$SECONDS
venv=target/notebook-venv
requirements=notebooks/requirements.txt
if [ ! -x "$venv/bin/python" ] || ! cmp -s "$requirements" "$venv/requirements.txt"; then
    rm -rf "$venv"
    python3 -m venv "$venv"
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r "$requirements"
    cp "$requirements" "$venv/requirements.txt"
fi
echo "python environment ready in $((SECONDS - started)) s" >&2

# The pinned maturin from the environment builds the package (no build
# isolation, so nothing is downloaded); --locked keeps Cargo.lock as it is.
built=$SECONDS
PATH="$PWD/$venv/bin:$PATH" MATURIN_PEP517_ARGS="--locked" \
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check \
    --no-build-isolation --no-deps --force-reinstall ./python
echo "flywheel package built and installed in $((SECONDS - built)) s" >&2
echo "$venv"
