"""Flywheel in Python: load scenarios, run, compare and sweep them, and get the
results as pandas DataFrames.

The functions mirror the command line and its names::

    import flywheel
    s = flywheel.load("scenarios/quickstart.toml", set={"market.consumers": 5000})
    r = flywheel.run(s, replications=4, seed=7)
    r.summary.groupby("platform").final_share.mean()
    r.save("results/quickstart")      # the files `flywheel run` writes, byte for byte

Each result holds the files the command would write, rendered in memory by
the same writers; its tables (``r.summary``, ``r.timeseries``, ...) are those
files read into DataFrames through Arrow on first use, with the column types
of the results reference (`flywheel.params(results=True)`). The simulation
runs with the GIL released; Ctrl-C stops it at the end of the simulated day
in progress and raises KeyboardInterrupt.
"""

from __future__ import annotations

import csv
import json
import math
import numbers
import os
import sys
import warnings
from pathlib import Path
from typing import Any, Callable, Mapping

import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv

from . import _flywheel
from ._errors import Problem, ScenarioError

__all__ = [
    "Problem",
    "Scenario",
    "ScenarioError",
    "RunResult",
    "CompareResult",
    "SweepResult",
    "load",
    "run",
    "compare",
    "sweep",
    "params",
    "plot",
    "report",
]

__version__ = _flywheel.version()

#: A validated scenario, as returned by `load`: ``name``, ``seed``,
#: ``replications``, ``horizon_days``, ``platforms``, ``lenders``, ``path``,
#: ``overrides`` and ``to_toml()`` (the fully resolved scenario).
Scenario = _flywheel.Scenario

Progress = "bool | Callable[[int, int], Any] | None"


# ------------------------------------------------------------------ scenarios


def _toml(value) -> str:
    """A Python value as TOML text, for ``set``."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, numbers.Integral):
        return str(int(value))
    if isinstance(value, numbers.Real):
        x = float(value)
        if math.isnan(x):
            return "nan"
        if math.isinf(x):
            return "inf" if x > 0 else "-inf"
        return repr(x)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, Mapping):
        return "{ " + ", ".join(f"{json.dumps(str(k))} = {_toml(v)}" for k, v in value.items()) + " }"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    raise TypeError(f"cannot write a {type(value).__name__} as a scenario value")


def _sets(set: Mapping[str, Any] | None) -> list[tuple[str, str]]:
    return [(str(k), _toml(v)) for k, v in (set or {}).items()]


def _is_text(source: str) -> bool:
    # A scenario needs tables, so TOML text always spans lines; a one-line
    # string is a path unless it names no file and holds a `=`.
    return "\n" in source or ("=" in source and not os.path.exists(source))


def load(path_or_toml_text: str | os.PathLike, set: Mapping[str, Any] | None = None) -> Scenario:
    """Loads and validates a scenario, as `flywheel validate` does.

    `path_or_toml_text` is a scenario file (a path, or a one-line string) or
    the scenario's TOML text. `set` maps key paths to values, as repeated
    ``--set KEY.PATH=VALUE`` would: ``{"platforms[0].subsidy[0].per_order": 3}``.
    Raises `ScenarioError`, whose ``problems`` name the file, key path, rule
    and line of everything wrong.
    """
    if isinstance(path_or_toml_text, os.PathLike):
        return _flywheel.load(os.fspath(path_or_toml_text), True, _sets(set))
    if not isinstance(path_or_toml_text, str):
        raise TypeError("load takes a path or the scenario's TOML text")
    text = _is_text(path_or_toml_text)
    return _flywheel.load(path_or_toml_text, not text, _sets(set))


def _scenario(s) -> Scenario:
    return s if isinstance(s, Scenario) else load(s)


# -------------------------------------------------------------------- tables


def _column_types() -> tuple[dict[str, dict[str, pa.DataType]], dict[str, pa.DataType]]:
    """Arrow types of every documented result column: per file, and by name alone."""
    arrow = {"integer": pa.int64(), "text": pa.string()}
    per_file: dict[str, dict[str, pa.DataType]] = {}
    by_name: dict[str, pa.DataType] = {}
    for file, _, column, _, fmt, _ in _flywheel.result_params():
        t = arrow.get(fmt, pa.float64())
        if column == "seed":
            t = pa.uint64()  # replication seeds use all 64 bits
        per_file.setdefault(file, {})[column] = t
        by_name.setdefault(column, t)
    return per_file, by_name


_TYPES: tuple[dict, dict] | None = None


def _types_for(file: str, header: list[str]) -> dict[str, pa.DataType]:
    global _TYPES
    if _TYPES is None:
        _TYPES = _column_types()
    per_file, by_name = _TYPES
    own = per_file.get(file, {})
    return {c: own.get(c, by_name.get(c)) for c in header if c in own or c in by_name}


def _frame(file: str, data: bytes) -> pd.DataFrame:
    """A CSV file's bytes as a DataFrame, parsed by Arrow with the documented column types."""
    header = data.split(b"\n", 1)[0].decode("utf-8").rstrip("\r")
    columns = next(csv.reader([header]), [])
    table = pacsv.read_csv(
        pa.py_buffer(data),
        convert_options=pacsv.ConvertOptions(
            column_types=_types_for(file, columns),
            strings_can_be_null=True,
            quoted_strings_can_be_null=False,
        ),
    )
    return table.to_pandas()


def _empty(file: str) -> pd.DataFrame:
    """A file the result does not have (no lenders, not requested), with its documented columns."""
    global _TYPES
    if _TYPES is None:
        _TYPES = _column_types()
    columns = _TYPES[0].get(file, {})
    return pa.schema(list(columns.items())).empty_table().to_pandas()


class _Result:
    """The files of a finished command, as DataFrames on first use."""

    def __init__(self, output):
        self._output = output
        self._frames: dict[str, pd.DataFrame] = {}
        self._manifest: dict | None = None

    @property
    def files(self) -> list[str]:
        """The files the command writes, in order (`save` writes exactly these)."""
        return self._output.names()

    def table(self, name: str) -> pd.DataFrame:
        """A result file as a DataFrame: ``table("summary")`` or ``table("summary.csv")``.

        A documented file this result does not have (``lending`` without
        lenders, ``loans`` not requested) is an empty frame with its columns.
        """
        file = name if name.endswith(".csv") else f"{name}.csv"
        if file not in self._frames:
            if file in self.files:
                self._frames[file] = _frame(file, self._output.file(file))
            else:
                frame = _empty(file)
                if frame.columns.empty:
                    raise KeyError(f"no result table {name!r}; this result has {self.tables}")
                self._frames[file] = frame
        return self._frames[file]

    @property
    def tables(self) -> list[str]:
        """The names of the tables this result holds (its CSV files)."""
        return [f[: -len(".csv")] for f in self.files if f.endswith(".csv")]

    @property
    def manifest(self) -> dict:
        """The manifest (``manifest.json``) as a dict."""
        if self._manifest is None:
            self._manifest = json.loads(self._output.file("manifest.json"))
        return self._manifest

    def raw(self, file: str) -> bytes:
        """A file's exact bytes, as `save` writes them."""
        return self._output.file(file)

    def save(self, dir: str | os.PathLike) -> Path:
        """Writes the files the command writes into `dir`, byte for byte as it does.

        The directory is staged and moved into place when complete; one that
        exists and is not a results directory (no manifest.json) is refused.
        """
        return Path(self._output.save(os.fspath(dir)))

    def __getattr__(self, name: str) -> pd.DataFrame:
        # Tables added later (a new CSV file) are attributes too.
        if name.startswith("_"):
            raise AttributeError(name)
        if f"{name}.csv" in self.files:
            return self.table(name)
        raise AttributeError(f"{type(self).__name__} has no attribute or table {name!r}")

    def __dir__(self):
        return sorted(set(super().__dir__()) | set(self.tables))

    def __repr__(self) -> str:
        return f"<flywheel.{type(self).__name__}: {', '.join(self.files)}>"


class RunResult(_Result):
    """The results of `run`: the tables of a ``flywheel run`` directory."""

    summary = property(lambda self: self.table("summary"), doc="summary.csv: replication × platform.")
    summary_stats = property(lambda self: self.table("summary_stats"), doc="summary_stats.csv: what `run` prints.")
    timeseries = property(lambda self: self.table("timeseries"), doc="timeseries.csv: replication × day × platform.")
    cohorts = property(lambda self: self.table("cohorts"), doc="cohorts.csv: retention by cohort.")
    market = property(lambda self: self.table("market"), doc="market.csv: market totals per replication.")
    lenders = property(lambda self: self.table("lenders"), doc="lenders.csv: replication × lender (empty without lenders).")
    lending = property(lambda self: self.table("lending"), doc="lending.csv: replication × day × lender (empty without lenders).")
    loans = property(lambda self: self.table("loans"), doc="loans.csv: one row per loan (with loans=True).")
    merchants = property(lambda self: self.table("merchants"), doc="merchants.csv: one row per merchant (with merchants=True).")


class CompareResult(_Result):
    """The results of `compare`: the tables of a ``flywheel compare`` directory."""

    comparison = property(lambda self: self.table("comparison"), doc="comparison.csv: paired differences.")
    summaries = property(lambda self: self.table("summaries"), doc="summaries.csv: every variant's summary rows.")

    @property
    def notes(self) -> list[str]:
        """What loading changed (a variant's seed or replications replaced by the first's)."""
        return self._output.notes


class SweepResult(_Result):
    """The results of `sweep`: the tables of a ``flywheel sweep`` directory."""

    points = property(lambda self: self.table("points"), doc="points.csv: one row per point.")
    runs = property(lambda self: self.table("runs"), doc="runs.csv: point × replication × platform.")
    aggregate = property(lambda self: self.table("aggregate"), doc="aggregate.csv: per point, means and intervals.")
    failures = property(lambda self: self.table("failures"), doc="failures.csv: runs that failed (empty if none).")


# ---------------------------------------------------------------- progress


def _progress(progress, label: str):
    """The callback for `progress`: None, a callable(done_days, total_days), or True for a bar on stderr."""
    if progress is None or progress is False:
        return None
    if callable(progress):
        return progress
    if progress is True:
        def bar(done: int, total: int) -> None:
            width = 30
            filled = width * done // total if total else width
            sys.stderr.write(f"\r{label} [{'=' * filled}{' ' * (width - filled)}] {done}/{total} days")
            if total and done >= total:
                sys.stderr.write("\n")
            sys.stderr.flush()
        return bar
    raise TypeError("progress is True, False, None or a callable(done_days, total_days)")


# ---------------------------------------------------------------- commands


def run(
    scenario,
    replications: int | None = None,
    seed: int | None = None,
    threads: int = 0,
    progress=False,
    loans: bool = False,
    merchants: bool = False,
) -> RunResult:
    """Runs every replication of a scenario, as `flywheel run` does.

    `scenario` is a `Scenario` from `load` (or a path or text, loaded
    first). `replications` and `seed` replace the scenario's; `threads` is
    the number of worker threads (0: one per core; results are identical
    at any number). `progress` is True for a bar on stderr or a callable
    ``f(done_days, total_days)``. `loans` and `merchants` add ``loans.csv``
    and ``merchants.csv`` as ``--loans`` and ``--merchants`` do.
    """
    s = _scenario(scenario)
    out = _flywheel.run(s, replications, seed, threads, _progress(progress, s.name), loans, merchants)
    return RunResult(out)


def compare(
    a,
    b,
    *more,
    replications: int | None = None,
    set: Mapping[str, Any] | None = None,
    threads: int = 0,
    progress=False,
) -> CompareResult:
    """Runs variants with common random numbers and compares them, as `flywheel compare` does.

    The first scenario is the reference: its seed and replication count are
    used for every variant, so replication r of each shares its random draws
    and differences are estimated paired. `set` applies to every variant.
    """
    scenarios = [_scenario(x) for x in (a, b, *more)]
    label = f"compare-{scenarios[0].name}"
    out = _flywheel.compare_variants(scenarios, _sets(set), replications, threads, _progress(progress, label))
    return CompareResult(out)


def sweep(
    scenario,
    out: str | os.PathLike | None = None,
    threads: int = 0,
    progress=False,
    resume: bool = False,
) -> SweepResult:
    """Runs the scenario's ``[sweep]`` table, as `flywheel sweep` does.

    With `out` the sweep journals into that directory as the command does
    (and `resume` continues it); without, it runs in a temporary directory
    that is removed once the results are read. As with the command, Ctrl-C
    starts no new run and raises KeyboardInterrupt once the runs in flight
    have finished (journalled in `out`, so ``resume=True`` continues).
    """
    s = _scenario(scenario)
    result = _flywheel.sweep_scenario(
        s, None if out is None else os.fspath(out), threads, _progress(progress, f"{s.name}-sweep"), resume
    )
    return SweepResult(result)


def params(results: bool = False) -> pd.DataFrame:
    """The reference of every scenario key (`flywheel params`): key, type, unit, range, default, meaning.

    With ``results=True``, every result file's columns (`flywheel params
    --results`): file, written_by, column, unit, format, meaning.
    """
    if results:
        return pd.DataFrame(
            _flywheel.result_params(),
            columns=["file", "written_by", "column", "unit", "format", "meaning"],
        )
    return pd.DataFrame(
        _flywheel.scenario_params(),
        columns=["key", "type", "unit", "range", "default", "meaning"],
    )


def plot(dir: str | os.PathLike, format: str = "png") -> list[Path]:
    """Draws the standard figures of a saved run, compare or sweep directory into
    ``DIR/figures/``, as `flywheel plot` does; returns the files written.

    Figures that cannot be drawn from the directory are skipped with a warning
    saying why.
    """
    if format not in ("png", "svg"):
        raise ValueError(f"format is 'png' or 'svg', got {format!r}")
    written, notes = _flywheel.plot(os.fspath(dir), format == "svg")
    for note in notes:
        warnings.warn(note, stacklevel=2)
    return [Path(p) for p in written]


def report(dir: str | os.PathLike, out: str | os.PathLike | None = None) -> Path:
    """Writes one self-contained HTML page of a saved results directory, as
    `flywheel report` does (default ``DIR/report.html``); returns its path."""
    path, notes = _flywheel.report(os.fspath(dir), None if out is None else os.fspath(out))
    for note in notes:
        warnings.warn(note, stacklevel=2)
    return Path(path)
