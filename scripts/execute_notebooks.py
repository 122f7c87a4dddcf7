"""Executes every notebook in notebooks/ headlessly, as CI does.

1. Checks that the committed notebooks carry no outputs (`--strip` removes
   them in place).
2. Produces the results the notebooks read with the project's own
   commands (`flywheel run`, and `flywheel sweep` when the build has it)
   in a work directory.
3. Runs each notebook top to bottom with nbclient, injecting parameters
   papermill-style after the cell tagged `parameters`, with a time limit
   per cell; any error fails the run. Executed copies are written to the
   work directory, never over the committed files.

Usage: python scripts/execute_notebooks.py --flywheel target/release/flywheel --work DIR
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
sys.path.insert(0, str(NOTEBOOKS))

import flywheel_nb as fw  # noqa: E402  (lives in notebooks/)

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


def lending_results(binary: str, work: Path) -> Path:
    """The platform-vs-bank lending scenario, made smaller so it runs in seconds."""
    out = work / "lending"
    fw.flywheel("run", ROOT / "scenarios" / "lending_platform_vs_bank.toml", "--out", out,
                "--replications", 2, "--set", "market.consumers=8000", "--set",
                "market.merchants=200", "--quiet", binary=binary)
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--flywheel", help="the flywheel binary")
    ap.add_argument("--work", help="directory for results and executed copies")
    ap.add_argument("--strip", action="store_true", help="strip outputs from notebooks/ in place and exit")
    args = ap.parse_args()

    if args.strip:
        for p in notebooks():
            strip(p)
            print(f"stripped {p.relative_to(ROOT)}")
        return 0
    if not args.flywheel or not args.work:
        ap.error("--flywheel and --work are required")

    dirty = {p.name: cells for p in notebooks() if (cells := unstripped(p))}
    if dirty:
        for name, cells in dirty.items():
            print(f"notebooks/{name} is committed with outputs ({', '.join(cells)})", file=sys.stderr)
        print("strip them with: python scripts/execute_notebooks.py --strip", file=sys.stderr)
        return 1

    # The kernel runs this interpreter (the virtual environment's).
    os.environ["PATH"] = str(Path(sys.executable).parent) + os.pathsep + os.environ.get("PATH", "")
    binary = str(Path(args.flywheel).resolve())
    work = Path(args.work).resolve()
    work.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()

    # Results the notebooks read, made with the project's own commands.
    quickstart = work / "quickstart"
    fw.flywheel("run", ROOT / "scenarios" / "quickstart.toml", "--out", quickstart,
                "--replications", 3, "--quiet", binary=binary)
    war = work / "subsidy_war"
    fw.flywheel("run", ROOT / "scenarios" / "subsidy_war.toml", "--out", war,
                "--replications", 4, "--quiet", binary=binary)
    sweep = None
    if fw.has_command("sweep", binary):
        doc = fw.load_scenario(ROOT / "scenarios" / "quickstart.toml")
        doc["replications"] = 3
        doc["market"]["consumers"] = 8000
        doc["sweep"] = {"method": "grid", "replications": 3,
                        "parameters": {"platforms[1].subsidy[0].per_order": [0.0, 2.0, 5.0, 8.0]}}
        spec = work / "quickstart-sweep.toml"
        spec.write_text(fw.dump_toml(doc))
        sweep = work / "quickstart-sweep"
        fw.flywheel("sweep", spec, "--out", sweep, "--quiet", binary=binary)
    print(f"results produced in {time.monotonic() - started:.1f} s")

    common = {"FLYWHEEL": binary}
    plans = [
        ("01_quickstart", "", {"RESULTS_DIR": str(quickstart)}),
        ("02_subsidy_war", "", {"RESULTS_DIR": str(war)}),
        ("03_lending", "", {"RESULTS_DIR": str(lending_results(binary, work))}),
        ("04_sweep", "", {"RESULTS_DIR": str(sweep) if sweep else None}),
    ]
    executed = work / "executed"
    executed.mkdir(exist_ok=True)
    passed, failed = 0, 0
    for name, suffix, params in plans:
        path = NOTEBOOKS / f"{name}.ipynb"
        out = executed / f"{name}{suffix}.ipynb"
        params = {**common, "WORK_DIR": str(work / f"nb-{name}{suffix}"), **params}
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
