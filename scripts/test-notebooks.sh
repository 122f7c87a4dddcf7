#!/usr/bin/env bash
# Executes every notebook in notebooks/ headlessly, failing on any error:
# a virtual environment under target/ with the pinned requirements and the
# flywheel Python package (scripts/python-env.sh), then nbclient (see
# scripts/execute_notebooks.py).
set -euo pipefail
cd "$(dirname "$0")/.."

started=$SECONDS
# The pinned environment, with the flywheel package the notebooks import.
venv=$(bash scripts/python-env.sh)

work=$(mktemp -d "${TMPDIR:-/tmp}/flywheel-notebooks.XXXXXX")
trap 'rm -rf "$work"' EXIT
"$venv/bin/python" scripts/execute_notebooks.py --work "$work"
echo "notebook tests took $((SECONDS - started)) s"
