"""Helpers shared by the Flywheel notebooks.

The notebooks run Flywheel through its Python package (`import flywheel`);
these helpers find scenarios, copy a scenario with some values changed,
turn a result (or a results directory written by the `flywheel` command)
into a dict of pandas DataFrames (always read by column name, so new
columns never break a notebook), and compute the statistics and chart
styles the notebooks share. They can also find and run the command-line
binary, for results made outside Python.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import tempfile
import tomllib
from pathlib import Path

import numpy as np
import pandas as pd

# ---------------------------------------------------------------- finding things


def repo_root(start: Path | None = None) -> Path:
    """The Flywheel checkout containing `start` (default: the working directory)."""
    here = Path(start or Path.cwd()).resolve()
    for d in [here, *here.parents]:
        if (d / "Cargo.toml").is_file() and (d / "scenarios").is_dir():
            return d
    raise RuntimeError(
        f"cannot find the Flywheel checkout above {here}: open the notebook from the "
        "repository's notebooks/ directory"
    )


def flywheel_binary(explicit: str | None = None) -> str:
    """Path of the flywheel binary: `explicit`, $FLYWHEEL, target/release/flywheel, or PATH."""
    candidates = [explicit, os.environ.get("FLYWHEEL")]
    try:
        candidates.append(str(repo_root() / "target" / "release" / "flywheel"))
    except RuntimeError:
        pass
    candidates.append(shutil.which("flywheel"))
    for c in candidates:
        if c and Path(c).is_file() and os.access(c, os.X_OK):
            return str(Path(c).resolve())
    raise RuntimeError(
        "flywheel binary not found: run `cargo build --release` in the repository, "
        "or set the FLYWHEEL parameter (or environment variable) to its path"
    )


def flywheel(*args, binary: str | None = None, check: bool = True) -> subprocess.CompletedProcess:
    """Runs `flywheel ARGS...` and returns the finished process (text output)."""
    cmd = [flywheel_binary(binary), *map(str, args)]
    done = subprocess.run(cmd, capture_output=True, text=True, stdin=subprocess.DEVNULL)
    if check and done.returncode != 0:
        raise RuntimeError(
            f"`flywheel {' '.join(map(str, args))}` failed (exit {done.returncode}):\n"
            f"{done.stderr}"
        )
    return done


def has_command(name: str, binary: str | None = None) -> bool:
    """Whether this flywheel build has a subcommand (e.g. `sweep`)."""
    return flywheel(name, "--help", binary=binary, check=False).returncode == 0


def work_dir(explicit: str | None = None, prefix: str = "flywheel-nb-") -> Path:
    """A directory for this notebook's own runs (a fresh temporary one by default)."""
    if explicit:
        path = Path(explicit)
        path.mkdir(parents=True, exist_ok=True)
        return path
    return Path(tempfile.mkdtemp(prefix=prefix))


def scenario_path(name_or_path: str) -> Path:
    """A scenario given by path, or by name in the repository's scenarios/."""
    p = Path(name_or_path)
    if p.is_file():
        return p.resolve()
    p = repo_root() / name_or_path
    if p.is_file():
        return p
    p = repo_root() / "scenarios" / f"{name_or_path}.toml"
    if p.is_file():
        return p
    raise FileNotFoundError(f"no scenario {name_or_path!r}")


# ------------------------------------------------------------- editing scenarios

_STEP = re.compile(r"([^.\[\]]+)|\[(\d+)\]")


def _steps(path: str) -> list[str | int]:
    steps: list[str | int] = []
    for key, index in _STEP.findall(path):
        steps.append(int(index) if index else key)
    return steps


def get_path(doc, path: str):
    """The value at a key path such as `platforms[1].subsidy[0].per_order`."""
    node = doc
    for s in _steps(path):
        node = node[s]
    return node


def set_path(doc, path: str, value) -> None:
    """Sets the value at a key path (the path must already exist, except its last key)."""
    steps = _steps(path)
    node = doc
    for s in steps[:-1]:
        node = node[s]
    node[steps[-1]] = value


_BARE = re.compile(r"^[A-Za-z0-9_-]+$")


def _key(k: str) -> str:
    return k if _BARE.match(k) else json.dumps(k)


def _value(v) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, float)):
        return repr(v)
    if isinstance(v, str):
        return json.dumps(v, ensure_ascii=False)
    if isinstance(v, dict):
        return "{ " + ", ".join(f"{_key(k)} = {_value(x)}" for k, x in v.items()) + " }"
    if isinstance(v, list):
        return "[" + ", ".join(_value(x) for x in v) + "]"
    raise TypeError(f"cannot write {type(v).__name__} to TOML")


def _is_table_array(v) -> bool:
    return isinstance(v, list) and bool(v) and all(isinstance(x, dict) for x in v)


def _table(lines: list[str], name: str, table: dict, array: bool) -> None:
    lines.append(f"[[{name}]]" if array else f"[{name}]")
    nested = []
    for k, v in table.items():
        if _is_table_array(v):
            nested.append((k, v))
        else:
            lines.append(f"{_key(k)} = {_value(v)}")
    lines.append("")
    for k, items in nested:
        for item in items:
            _table(lines, f"{name}.{_key(k)}", item, True)


def _drop_none(v):
    if isinstance(v, dict):
        return {k: _drop_none(x) for k, x in v.items() if x is not None}
    if isinstance(v, list):
        return [_drop_none(x) for x in v if x is not None]
    return v


def dump_toml(doc: dict) -> str:
    """Writes a scenario (as read by tomllib, or from a manifest) back as TOML text.

    Keys whose value is null (JSON) are left out: TOML has no null.
    """
    doc = _drop_none(doc)
    lines: list[str] = []
    tables = []
    for k, v in doc.items():
        if isinstance(v, dict) or _is_table_array(v):
            tables.append((k, v))
        else:
            lines.append(f"{_key(k)} = {_value(v)}")
    lines.append("")
    for k, v in tables:
        if isinstance(v, dict):
            _table(lines, _key(k), v, False)
        else:
            for item in v:
                _table(lines, _key(k), item, True)
    return "\n".join(lines)


def load_scenario(path) -> dict:
    """A scenario file as nested dicts and lists."""
    with open(path, "rb") as f:
        return tomllib.load(f)


def scenario_copy(source, dest, changes: dict | None = None, name: str | None = None) -> Path:
    """Writes a copy of a scenario with `changes` ({key path: value}) applied."""
    doc = load_scenario(source)
    for path, value in (changes or {}).items():
        set_path(doc, path, value)
    if name:
        doc["name"] = name
    dest = Path(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    dest.write_text(dump_toml(doc), encoding="utf-8")
    return dest


# --------------------------------------------------------------- reading results


def is_run_dir(path) -> bool:
    """Whether a directory holds a run's results."""
    return path is not None and (Path(path) / "timeseries.csv").is_file()


def is_sweep_dir(path) -> bool:
    """Whether a directory holds a sweep's results."""
    return (
        path is not None
        and (Path(path) / "points.csv").is_file()
        and (Path(path) / "aggregate.csv").is_file()
    )


def read_run(path) -> dict:
    """Every CSV file of a run directory as a DataFrame, plus the manifest."""
    path = Path(path)
    out = {"dir": path}
    for f in sorted(path.glob("*.csv")):
        out[f.stem] = pd.read_csv(f)
    manifest = path / "manifest.json"
    out["manifest"] = json.loads(manifest.read_text()) if manifest.is_file() else {}
    return out


def tables(result) -> dict:
    """Every table of a `flywheel.run` result as a DataFrame, plus its manifest:
    the same dict `read_run` makes of a results directory."""
    out = {name: result.table(name) for name in result.tables}
    out["manifest"] = result.manifest
    return out


def resolved_scenario(run: dict) -> dict:
    """The fully resolved scenario a run used (from its manifest), overrides included."""
    scenario = run.get("manifest", {}).get("scenario")
    if not scenario:
        raise ValueError(f"{run.get('dir')} has no manifest.json with the resolved scenario")
    return scenario


def subsidy_windows(run: dict) -> pd.DataFrame:
    """Every platform's per-order coupon windows: platform, from_day, to_day, per_order."""
    rows = []
    for p in resolved_scenario(run).get("platforms", []):
        for w in p.get("subsidy", []) or []:
            rows.append({"platform": p.get("name"), "from_day": w.get("from_day"),
                         "to_day": w.get("to_day"), "per_order": w.get("per_order")})
    return pd.DataFrame(rows, columns=["platform", "from_day", "to_day", "per_order"])


def shade_windows(ax, windows: pd.DataFrame, min_coupon: float = 0.0) -> None:
    """Shades the days on which any platform pays more than `min_coupon` per order."""
    for _, w in windows[windows.per_order > min_coupon].iterrows():
        ax.axvspan(w.from_day, w.to_day, color="0.5", alpha=0.08, lw=0)


def platforms_in_order(df: pd.DataFrame, column: str = "platform") -> list[str]:
    """Group names in the order they first appear (scenario order)."""
    return list(dict.fromkeys(df[column]))


# ------------------------------------------------------------------- statistics

# Two-sided 95% Student-t quantiles for 1-30 degrees of freedom.
_T975 = [
    12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228,
    2.201, 2.179, 2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086,
    2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042,
]


def t975(dof: int) -> float:
    """The 97.5% Student-t quantile (normal approximation past 30 degrees of freedom)."""
    return _T975[dof - 1] if 1 <= dof <= len(_T975) else 1.96


def mean_ci(values) -> tuple[float, float, float]:
    """Mean and 95% confidence interval (NaN interval with fewer than two values)."""
    v = pd.Series(values, dtype=float).dropna()
    n = len(v)
    if n == 0:
        return (np.nan, np.nan, np.nan)
    m = v.mean()
    if n < 2:
        return (m, np.nan, np.nan)
    h = t975(n - 1) * v.std(ddof=1) / np.sqrt(n)
    return (m, m - h, m + h)


def _is_fraction(metric: str) -> bool:
    return any(w in metric for w in ("share", "retention", "rate", "ratio", "exited"))


def summarise(summary: pd.DataFrame, metrics: list[str], by: str = "platform") -> pd.DataFrame:
    """Mean ± 95% half-width of each metric per group, as readable text.

    Fractions (shares, rates, ratios) get three decimals; counts and yuan none.
    """
    rows = {}
    for name, g in summary.groupby(by, sort=False):
        row = {}
        for m in metrics:
            if m not in g:
                continue
            mean, lo, hi = mean_ci(g[m])
            digits = 3 if _is_fraction(m) else 0
            row[m] = f"{mean:,.{digits}f}"
            if not np.isnan(lo):
                row[m] += f" ± {(hi - lo) / 2:,.{digits}f}"
        rows[name] = row
    return pd.DataFrame(rows)


def band(df: pd.DataFrame, value: str, by: str = "platform", x: str = "day") -> pd.DataFrame:
    """Mean and 5-95% range across replications of `value`, per group and x."""
    g = df.groupby([by, x], sort=False)[value]
    out = g.agg(mean="mean").join(g.quantile(0.05).rename("p5")).join(g.quantile(0.95).rename("p95"))
    return out.reset_index()


# ---------------------------------------------------------------------- charts

# Colour, dash and marker all differ, so lines stay apart in greyscale print.
STYLES = [
    dict(color="#14378a", linestyle="-", marker="o"),
    dict(color="#e69600", linestyle="--", marker="^"),
    dict(color="#009673", linestyle=":", marker="s"),
    dict(color="#961e3c", linestyle="-.", marker="D"),
    dict(color="#737373", linestyle="-", marker="x"),
]
_NAMED = {"blue": "#14378a", "red": "#d7372d", "green": "#008c50", "orange": "#eb8c00"}


def style(i: int, name: str = "") -> dict:
    """Line style for the i-th group; platforms named after a colour get that colour."""
    s = dict(STYLES[i % len(STYLES)])
    s["color"] = _NAMED.get(str(name).lower(), s["color"])
    return s


def plot_band(ax, bands: pd.DataFrame, label: str, scale: float = 1.0, by: str = "platform",
              x: str = "day", markevery: int | None = None) -> None:
    """Draws mean lines with 5-95% bands, one per group."""
    for i, name in enumerate(platforms_in_order(bands, by)):
        b = bands[bands[by] == name]
        s = style(i, name)
        every = markevery or max(1, len(b) // 8)
        ax.plot(b[x], b["mean"] * scale, label=name, markevery=every, markersize=5, **s)
        ax.fill_between(b[x], b["p5"] * scale, b["p95"] * scale, color=s["color"], alpha=0.15, lw=0)
    ax.set_ylabel(label)
    ax.grid(alpha=0.3)
    ax.legend()


# ---------------------------------------------------------------------- sweeps

_LOW = ["ci_low", "ci_lo", "ci95_low", "ci_lower", "lower", "low", "lo"]
_HIGH = ["ci_high", "ci_hi", "ci95_high", "ci_upper", "upper", "high", "hi"]


def tidy_aggregate(agg: pd.DataFrame) -> pd.DataFrame:
    """A sweep's aggregate.csv in long form: point, platform, metric, mean, ci_low, ci_high.

    A lender's rows (a bank's) are labelled by the lender in `platform`. Reads both layouts: wide (`<metric>_mean`, `<metric>_ci_low`, ...) and long
    (`metric`, `mean`, `ci_low`, `ci_high`).
    """
    platform = agg["platform"] if "platform" in agg else "all"
    if "platform" in agg and "lender" in agg:
        # A lender of its own (a bank) has its own rows, with `platform`
        # empty and its name in `lender`: label them by the lender.
        platform = agg["platform"].fillna(agg["lender"])
    if "metric" in agg and "mean" in agg:
        low = next((c for c in _LOW if c in agg), None)
        high = next((c for c in _HIGH if c in agg), None)
        return pd.DataFrame({
            "point": agg["point"], "platform": platform, "metric": agg["metric"],
            "mean": agg["mean"],
            "ci_low": agg[low] if low else np.nan,
            "ci_high": agg[high] if high else np.nan,
        })
    parts = []
    for col in agg.columns:
        if not col.endswith("_mean"):
            continue
        m = col[: -len("_mean")]
        low = next((f"{m}_{s}" for s in _LOW if f"{m}_{s}" in agg), None)
        high = next((f"{m}_{s}" for s in _HIGH if f"{m}_{s}" in agg), None)
        parts.append(pd.DataFrame({
            "point": agg["point"], "platform": platform, "metric": m, "mean": agg[col],
            "ci_low": agg[low] if low else np.nan,
            "ci_high": agg[high] if high else np.nan,
        }))
    if not parts:
        raise ValueError("aggregate.csv has neither <metric>_mean columns nor metric/mean columns")
    return pd.concat(parts, ignore_index=True)


def aggregate_runs(runs: pd.DataFrame, metrics: list[str]) -> pd.DataFrame:
    """Per point and platform: n, and mean, sd, 95% CI of each metric (the layout of
    `flywheel sweep`'s aggregate.csv)."""
    rows = []
    for (point, platform), g in runs.groupby(["point", "platform"], sort=False):
        row = {"point": point, "platform": platform, "n": len(g)}
        for m in metrics:
            if m not in g:
                continue
            mean, lo, hi = mean_ci(g[m])
            row[f"{m}_mean"] = mean
            row[f"{m}_sd"] = g[m].std(ddof=1) if len(g) > 1 else np.nan
            row[f"{m}_ci_low"] = lo
            row[f"{m}_ci_high"] = hi
        rows.append(row)
    return pd.DataFrame(rows)
