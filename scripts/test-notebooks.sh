#!/usr/bin/env bash
# Executes every notebook in notebooks/ headlessly, failing on any error:
# a virtual environment under target/ with the pinned requirements, the
# release binary, results made with the project's own commands in a
# temporary directory, then nbclient (see scripts/execute_notebooks.py).
set -euo pipefail
cd "$(dirname "$0")/.."

started=$SECONDS
venv=target/notebook-venv
requirements=notebooks/requirements.txt
# Rebuilt whenever the requirements change (and on a fresh clone).
if [ ! -x "$venv/bin/python" ] || ! cmp -s "$requirements" "$venv/requirements.txt"; then
    rm -rf "$venv"
    python3 -m venv "$venv"
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r "$requirements"
    cp "$requirements" "$venv/requirements.txt"
fi
echo "notebook environment ready in $((SECONDS - started)) s"

cargo build --release --locked --quiet --bin flywheel

work=$(mktemp -d "${TMPDIR:-/tmp}/flywheel-notebooks.XXXXXX")
trap 'rm -rf "$work"' EXIT
"$venv/bin/python" scripts/execute_notebooks.py --flywheel target/release/flywheel --work "$work"
echo "notebook tests took $((SECONDS - started)) s"
