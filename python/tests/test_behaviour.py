"""Errors name key paths; results do not depend on threads; Ctrl-C stops a
run within a simulated day; the GIL is free while it simulates."""

from __future__ import annotations

import os
import signal
import sys
import threading
import time

import pytest

import flywheel
from conftest import SCENARIOS, SMALL

BAD = """\
seed = 1
horizon_days = 30

[market]
consumers = 0
merchants = 10

[consumers]
purchase_rate = 1.0
price_sensitivity = 0.1

[merchants]
price = 25.0

[[platforms]]
name = "Solo"
cash = 10000.0
commission = 1.5
"""


def test_scenario_errors_carry_file_key_path_rule_and_line():
    with pytest.raises(flywheel.ScenarioError) as caught:
        flywheel.load(BAD)
    problems = {p.path: p for p in caught.value.problems}
    assert set(problems) == {"market.consumers", "platforms[0].commission"}
    consumers = problems["market.consumers"]
    assert consumers.file == "<text>"
    assert consumers.line == 5
    assert "between 1 and" in consumers.rule
    assert problems["platforms[0].commission"].line == 18
    assert isinstance(caught.value, ValueError)
    assert "market.consumers" in str(caught.value)


def test_an_unknown_key_is_named_with_its_line():
    with pytest.raises(flywheel.ScenarioError) as caught:
        flywheel.load(BAD.replace('commission = 1.5', 'commission = 0.1\ncolour = "red"'))
    (p,) = caught.value.problems
    assert (p.path, p.line) == ("platforms[0].colour", 19)
    assert "unknown key" in p.rule


def test_errors_in_a_file_and_in_set_name_their_origin(tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text(BAD)
    with pytest.raises(flywheel.ScenarioError) as caught:
        flywheel.load(path)
    assert all(p.file.endswith("bad.toml") for p in caught.value.problems)
    with pytest.raises(flywheel.ScenarioError) as caught:
        flywheel.load(SCENARIOS / "quickstart.toml", set={"platforms[1].subsidy[0].per_order": -2})
    (p,) = caught.value.problems
    assert p.key_path == "platforms[1].subsidy[0].per_order"
    assert p.origin == "set platforms[1].subsidy[0].per_order=-2"


def test_results_do_not_depend_on_threads(quickstart):
    one = flywheel.run(quickstart, replications=3, threads=1)
    three = flywheel.run(quickstart, replications=3, threads=3)
    assert one.files == three.files
    for f in one.files:
        if f.endswith(".csv"):
            assert one.raw(f) == three.raw(f), f
    assert one.manifest["threads"] == 1 and three.manifest["threads"] == 3


def test_progress_counts_every_simulated_day(quickstart):
    seen = []
    flywheel.run(quickstart, replications=2, progress=lambda done, total: seen.append((done, total)))
    assert seen[-1] == (2 * quickstart.horizon_days, 2 * quickstart.horizon_days)
    assert [d for d, _ in seen] == sorted(d for d, _ in seen)


def long_scenario():
    # Big enough that a run lasts well beyond the interrupt below.
    return flywheel.load(SCENARIOS / "quickstart.toml",
                         set={"market.consumers": 200000, "horizon_days": 3650})


def test_ctrl_c_raises_keyboard_interrupt_and_stops_the_run():
    s = long_scenario()
    seen = []

    def progress(done, total):
        seen.append((done, total))

    sent = []

    def interrupt():
        sent.append(True)
        os.kill(os.getpid(), signal.SIGINT)

    timer = threading.Timer(1.0, interrupt)
    timer.start()
    try:
        with pytest.raises(KeyboardInterrupt):
            flywheel.run(s, replications=2, threads=2, progress=progress)
    finally:
        timer.cancel()
    assert sent
    done, total = seen[-1]
    assert done < total
    # The stop is not sticky: the next run completes.
    r = flywheel.run(flywheel.load(SCENARIOS / "quickstart.toml", set=SMALL), replications=1)
    assert len(r.summary) == 2


def test_the_gil_is_released_while_simulating():
    # With a switch interval this long Python never takes the GIL from a
    # thread: the counter below runs only while the caller releases it.
    s = flywheel.load(SCENARIOS / "quickstart.toml", set={"market.consumers": 50000, "horizon_days": 730})
    counted = [0]
    stop = threading.Event()
    baseline = []

    def count():
        while not stop.is_set():
            counted[0] += 1
            time.sleep(0)  # lets the caller take the GIL back

    def halt(done, total):
        if not baseline:
            baseline.append(counted[0])
        elif counted[0] - baseline[0] > 100:
            raise RuntimeError("the counter ran while the run simulated")

    interval = sys.getswitchinterval()
    sys.setswitchinterval(1000.0)
    worker = threading.Thread(target=count)
    worker.start()
    try:
        with pytest.raises(RuntimeError, match="the counter ran"):
            flywheel.run(s, replications=1, threads=1, progress=halt)
    finally:
        stop.set()
        worker.join()
        sys.setswitchinterval(interval)


def test_a_run_too_large_for_this_machine_is_refused_before_it_starts():
    huge = flywheel.load(SCENARIOS / "quickstart.toml", set={"market.consumers": 200_000_000})
    with pytest.raises(ValueError, match="too large for this machine: market.consumers"):
        flywheel.run(huge, replications=64, threads=64)
