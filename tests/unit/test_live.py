"""Lines fixtures show while they run (pytest_golive.live): the load's progress line appears in
a normal pytest run, piped (not only with ``-s``), while the checks' own output stays captured."""

from __future__ import annotations

import pytest

CHECKS = """
import types

import pytest

from pytest_golive.fixtures.performance import _progress_writer


@pytest.fixture(scope="session")
def load(pytestconfig):
    show = _progress_writer(pytestconfig, types.SimpleNamespace(duration_s=30))
    print("captured output of the fixture")
    for t in range(0, 12):
        show({"t": t, "users": 20, "rps": 41.25, "p95_ms": 38.2, "failures": 0})
    return True


def test_load(load):
    assert load
"""


def test_progress_line_shows_in_a_piped_run_without_s(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_load=CHECKS)
    result = pytester.runpytest_subprocess("-p", "no:golive", "-p", "no:randomly")
    result.assert_outcomes(passed=1)
    out = result.stdout.lines
    # piped: a line every 5 s of the load (not rewritten in place)
    shown = [line for line in out if line.startswith("load: ")]
    assert shown == [
        "load: 0/30 s, 20 users, 41.2 rps, p95 38 ms, 0 failures",
        "load: 5/30 s, 20 users, 41.2 rps, p95 38 ms, 0 failures",
        "load: 10/30 s, 20 users, 41.2 rps, p95 38 ms, 0 failures",
    ]
    assert "captured output of the fixture" not in result.stdout.str()
