"""golive's plugin pauses Python's cyclic garbage collector while it, its models and the checks
are imported and collected (pytest_golive/plugin.py, issue 24), and always runs it again: once
the checks start, and when a run ends sooner (a usage error, --collect-only), so that neither
the checks nor a process that goes on (pytester's in-process runs) go without it."""

from __future__ import annotations

import gc

from conftest import Golive

CHECK = """
import gc

def test_the_collector_runs_during_the_checks():
    assert gc.isenabled()
"""


def test_the_collector_runs_again_once_the_checks_start(golive: Golive) -> None:
    assert gc.isenabled()
    result = golive.run(CHECK)
    result.assert_outcomes(passed=1)
    assert gc.isenabled()


def test_the_collector_runs_again_after_a_run_that_stops_before_its_checks(
    golive: Golive,
) -> None:
    collected = golive.run(CHECK, "--collect-only")
    assert collected.ret == 0 and gc.isenabled()
    refused = golive.pytester.runpytest("--env", "no-such-environment")
    assert refused.ret == 4 and gc.isenabled()
