"""Shared fixtures: the repository, the command-line binary the package is
checked against, and small versions of the shipped scenarios."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCENARIOS = ROOT / "scenarios"

#: Small enough to run in well under a second, large enough to trade.
SMALL = {"market.consumers": 1500, "market.merchants": 60}


def cli_binary() -> Path:
    """The release binary (`$FLYWHEEL`, else target/release/flywheel), built by the test script."""
    path = Path(os.environ.get("FLYWHEEL", ROOT / "target" / "release" / "flywheel"))
    if not path.is_file():
        raise RuntimeError(f"{path} not found: run `cargo build --release` first")
    return path


def cli(*args) -> subprocess.CompletedProcess:
    """Runs the command line, failing the test on a non-zero exit."""
    done = subprocess.run(
        [str(cli_binary()), *map(str, args)], capture_output=True, text=True, stdin=subprocess.DEVNULL
    )
    assert done.returncode == 0, f"flywheel {' '.join(map(str, args))} failed:\n{done.stderr}"
    return done


def set_args(values: dict) -> list[str]:
    """`values` as the command line's repeated `--set KEY=VALUE`."""
    out: list[str] = []
    for k, v in values.items():
        out += ["--set", f"{k}={v}"]
    return out


@pytest.fixture
def quickstart():
    import flywheel

    return flywheel.load(SCENARIOS / "quickstart.toml", set=SMALL)
