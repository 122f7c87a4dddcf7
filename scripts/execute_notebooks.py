"""Executes every notebook in notebooks/ headlessly, as CI does.

1. Checks that the committed notebooks carry no outputs (`--strip` removes
   them in place).
2. Runs each notebook top to bottom with nbclient, injecting parameters
   papermill-style after the cell tagged `parameters` (smaller runs than
   the notebooks' defaults, so the whole set takes a minute or two), with
   a time limit per cell; any error fails the run. The notebooks run
   Flywheel through the `flywheel` Python package, which must be installed
   in this interpreter (scripts/python-env.sh does that). Executed copies
   are written to the work directory, never over the committed files.

Usage: python scripts/execute_notebooks.py --work DIR
       python scripts/execute_notebooks.py --strip
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"

CELL_TIMEOUT_SECONDS = 300


def notebooks() -> list[Path]:
    return sorted(NOTEBOOKS.glob("*.ipynb"))


def unstripped(path: Path) -> list[str]:
    """Cells of a notebook that carry outputs or execution counts."""
    nb = nbformat.read(path, as_version=4)
    return [
        f"cell {i}"
        for i, c in enumerate(nb.cells)
        if c.cell_type == "code" and (c.get("outputs") or c.get("execution_count") is not None)
    ]


def strip(path: Path) -> None:
    nb = nbformat.read(path, as_version=4)
    for c in nb.cells:
        if c.cell_type == "code":
            c.outputs = []
            c.execution_count = None
    nbformat.write(nb, path)


def inject(nb, params: dict) -> None:
    """Adds a cell setting `params` right after the cell tagged `parameters`."""
    at = next(
        (i for i, c in enumerate(nb.cells) if "parameters" in c.get("metadata", {}).get("tags", [])),
        None,
    )
    if at is None:
        raise ValueError("the notebook has no cell tagged `parameters`")
    source = "# Parameters injected by scripts/execute_notebooks.py\n" + "\n".join(
        f"{k} = {v!r}" for k, v in params.items()
    )
    cell = nbformat.v4.new_code_cell(source)
    cell.metadata["tags"] = ["injected-parameters"]
    cell["id"] = "injected-parameters"
    nb.cells.insert(at + 1, cell)


def execute(path: Path, params: dict, out: Path) -> None:
    nb = nbformat.read(path, as_version=4)
    inject(nb, params)
    client = NotebookClient(
        nb,
        timeout=CELL_TIMEOUT_SECONDS,
        kernel_name="python3",
        # The kernel listens on loopback only; its warning about that is noise here.
        extra_arguments=["--IPKernelApp.log_level=ERROR"],
        resources={"metadata": {"path": str(NOTEBOOKS)}},
    )
    try:
        client.execute()
    finally:
        nbformat.write(nb, out)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--work", help="directory for results and executed copies")
    ap.add_argument("--strip", action="store_true", help="strip outputs from notebooks/ in place and exit")
    args = ap.parse_args()

    if args.strip:
        for p in notebooks():
            strip(p)
            print(f"stripped {p.relative_to(ROOT)}")
        return 0
    if not args.work:
        ap.error("--work is required")

    dirty = {p.name: cells for p in notebooks() if (cells := unstripped(p))}
    if dirty:
        for name, cells in dirty.items():
            print(f"notebooks/{name} is committed with outputs ({', '.join(cells)})", file=sys.stderr)
        print("strip them with: python scripts/execute_notebooks.py --strip", file=sys.stderr)
        return 1

    # The kernel runs this interpreter (the virtual environment's), which
    # has the flywheel package.
    os.environ["PATH"] = str(Path(sys.executable).parent) + os.pathsep + os.environ.get("PATH", "")
    work = Path(args.work).resolve()
    work.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()

    small = {"market.consumers": 8000, "market.merchants": 200}
    plans = [
        ("01_quickstart", "", {"REPLICATIONS": 3}),
        ("02_subsidy_war", "", {"REPLICATIONS": 4}),
        ("03_lending", "", {"SCENARIO": str(ROOT / "scenarios" / "lending_platform_vs_bank.toml"),
                            "REPLICATIONS": 2, "SET": small}),
        ("04_sweep", "", {"REPLICATIONS": 3, "CONSUMERS": 8000}),
        ("05_sensitivity", "", {"N": 16, "SET": {"market.consumers": 3000, "market.merchants": 120}}),
    ]
    executed = work / "executed"
    executed.mkdir(exist_ok=True)
    passed, failed = 0, 0
    for name, suffix, params in plans:
        path = NOTEBOOKS / f"{name}.ipynb"
        out = executed / f"{name}{suffix}.ipynb"
        params = {"WORK_DIR": str(work / f"nb-{name}{suffix}"), **params}
        t0 = time.monotonic()
        try:
            execute(path, params, out)
        except (CellExecutionError, CellTimeoutError, DeadKernelError, RuntimeError) as e:
            failed += 1
            print(f"FAILED {name}{suffix}: {e}", file=sys.stderr)
            continue
        passed += 1
        print(f"ok {name}{suffix} ({time.monotonic() - t0:.1f} s)")
    print(f"notebooks executed in {time.monotonic() - started:.1f} s; executed copies in {executed}")
    print(f"notebooks: {passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
