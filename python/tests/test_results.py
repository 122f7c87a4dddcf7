"""The package's results are the command line's: `save` writes the same
files byte for byte, and the DataFrames hold what those files hold."""

from __future__ import annotations

import json

import pandas as pd
import pytest

import flywheel
from conftest import SCENARIOS, SMALL, cli, set_args


def csv_files(directory):
    return sorted(p.name for p in directory.iterdir() if p.suffix == ".csv")


def assert_same_csv_files(cli_dir, py_dir):
    names = csv_files(cli_dir)
    assert names, f"{cli_dir} has no CSV files"
    assert csv_files(py_dir) == names
    for name in names:
        assert (py_dir / name).read_bytes() == (cli_dir / name).read_bytes(), name


@pytest.mark.parametrize(
    "scenario, flags",
    [
        ("quickstart.toml", []),
        ("lending_platform_vs_bank.toml", ["--loans", "--merchants"]),
    ],
)
def test_run_saves_the_cli_files_byte_for_byte(tmp_path, scenario, flags):
    cli("run", SCENARIOS / scenario, "--out", tmp_path / "cli", "--replications", 2, "--seed", 11,
        "--quiet", *flags, *set_args(SMALL))
    s = flywheel.load(SCENARIOS / scenario, set=SMALL)
    r = flywheel.run(s, replications=2, seed=11, loans="--loans" in flags, merchants="--merchants" in flags)
    r.save(tmp_path / "py")
    assert_same_csv_files(tmp_path / "cli", tmp_path / "py")
    manifest = json.loads((tmp_path / "py" / "manifest.json").read_text())
    assert manifest == r.manifest
    assert manifest["files"] == r.files
    assert manifest["overrides"] == json.loads((tmp_path / "cli" / "manifest.json").read_text())["overrides"]


def test_frames_hold_what_the_files_hold(tmp_path):
    s = flywheel.load(SCENARIOS / "lending_platform_vs_bank.toml", set=SMALL)
    r = flywheel.run(s, replications=2)
    r.save(tmp_path)
    for table in r.tables:
        expected = pd.read_csv(tmp_path / f"{table}.csv")
        got = r.table(table)
        assert list(got.columns) == list(expected.columns), table
        assert len(got) == len(expected), table
        pd.testing.assert_frame_equal(got, expected, check_dtype=False, check_exact=True, obj=table)
    # Every documented table is an attribute, lending ones included.
    assert len(r.lenders) == 2 * len(s.lenders)
    assert set(r.lending.lender) == set(s.lenders)
    assert r.summary.platform.tolist() == s.platforms * 2


def test_tables_without_rows_keep_their_columns(quickstart):
    r = flywheel.run(quickstart, replications=1)
    assert "lending" not in r.tables
    assert r.lending.empty
    assert "npl_ratio" in r.lending.columns
    with pytest.raises(AttributeError):
        r.no_such_table


def test_compare_saves_the_cli_files_byte_for_byte(tmp_path):
    a, b = SCENARIOS / "subsidy_war.toml", SCENARIOS / "subsidy_war_blue7.toml"
    cli("compare", a, b, "--out", tmp_path / "cli", "--replications", 2, "--quiet", *set_args(SMALL))
    c = flywheel.compare(flywheel.load(a), flywheel.load(b), replications=2, set=SMALL)
    c.save(tmp_path / "py")
    assert_same_csv_files(tmp_path / "cli", tmp_path / "py")
    assert set(c.comparison.variant) == {"subsidy_war", "subsidy_war_blue7"}
    assert len(c.summaries) == 2 * 2 * 2  # variants × replications × platforms


def test_sweep_saves_the_cli_files_byte_for_byte(tmp_path):
    small = {**SMALL, "sweep.replications": 2}
    cli("sweep", SCENARIOS / "subsidy_sweep.toml", "--out", tmp_path / "cli", "--quiet", *set_args(small))
    r = flywheel.sweep(flywheel.load(SCENARIOS / "subsidy_sweep.toml", set=small))
    r.save(tmp_path / "py")
    assert_same_csv_files(tmp_path / "cli", tmp_path / "py")
    assert len(r.points) == 16
    assert len(r.runs) == 16 * 2 * 2  # points × replications × platforms
    assert "platforms[1].subsidy[0].per_order" in r.points.columns


def test_a_sweep_does_not_depend_on_threads():
    s = flywheel.load(SCENARIOS / "subsidy_sweep.toml", set={**SMALL, "sweep.replications": 1})
    one, two = flywheel.sweep(s, threads=1), flywheel.sweep(s, threads=2)
    for f in ("points.csv", "runs.csv", "aggregate.csv"):
        assert one.raw(f) == two.raw(f), f


def test_sweep_into_a_directory_journals_and_resumes(tmp_path):
    small = {**SMALL, "sweep.replications": 1}
    s = flywheel.load(SCENARIOS / "subsidy_sweep.toml", set=small)
    first = flywheel.sweep(s, out=tmp_path / "sweep")
    assert (tmp_path / "sweep" / "journal.jsonl").is_file()
    again = flywheel.sweep(s, out=tmp_path / "sweep", resume=True)
    assert again.raw("runs.csv") == first.raw("runs.csv")


def test_a_scenario_given_as_text_runs_like_its_file(quickstart):
    text = (SCENARIOS / "quickstart.toml").read_text()
    from_text = flywheel.run(flywheel.load(text, set=SMALL), replications=1)
    from_file = flywheel.run(quickstart, replications=1)
    assert from_text.raw("summary.csv") == from_file.raw("summary.csv")
    assert from_text.manifest["scenario_path"] == "<text>"


def test_params_are_the_references():
    keys = flywheel.params()
    assert list(keys.columns) == ["key", "type", "unit", "range", "default", "meaning"]
    assert "market.consumers" in set(keys.key)
    assert "platforms[].subsidy[].per_order" in set(keys.key)
    columns = flywheel.params(results=True)
    summary = columns[columns.file == "summary.csv"].column.tolist()
    assert summary[:4] == ["replication", "seed", "platform", "orders"]


def test_save_refuses_a_directory_that_is_not_results(tmp_path, quickstart):
    (tmp_path / "notes.txt").write_text("mine")
    r = flywheel.run(quickstart, replications=1)
    with pytest.raises(ValueError, match="not a Flywheel results directory"):
        r.save(tmp_path)
    assert (tmp_path / "notes.txt").read_text() == "mine"
