"""A run invalidates the previous verdict the moment it starts (issue 9): however it stops (a
configuration error, a crash, SIGTERM, `timeout`, SIGKILL), an earlier GO never stays behind,
and `golive bundle` / `golive certificate` refuse a verdict that is not from a completed run."""

from __future__ import annotations

import os
import signal
from typing import Any

import pytest
from subruns import WAITING, finish, start, wait_for

import pytest_golive.plugins.runlock  # noqa: F401  (kept across pytester's in-process runs)
from conftest import Golive
from golive.cli import main

PASS = """
import pytest

@pytest.mark.smoke
@pytest.mark.parametrize("host", ["app1", "app2"])
def test_health(host):
    pass
"""


@pytest.fixture(autouse=True)
def own_run(monkeypatch: pytest.MonkeyPatch) -> None:
    """Inner runs are runs of their own, also when these tests run under pytest-xdist."""
    monkeypatch.delenv("PYTEST_XDIST_WORKER", raising=False)


def earlier_go(golive: Golive) -> None:
    golive.run(PASS).assert_outcomes(passed=2)
    verdict = golive.verdict()
    assert verdict["verdict"] == "GO" and verdict["complete"] is True
    assert (golive.reports / "certificate.md").is_file()


def assert_not_complete(golive: Golive, pid: int | None = None) -> dict[str, Any]:
    """verdict.json is this run's NO-GO "not complete" one; the earlier certificate is gone."""
    verdict = golive.verdict()
    assert verdict["verdict"] == "NO-GO" and verdict["complete"] is False, verdict
    [blocker] = verdict["blockers"]
    assert blocker["check"] == "run" and "has not completed" in blocker["message"]
    if pid is not None:
        assert verdict["run"]["pid"] == pid
    assert not (golive.reports / "certificate.md").exists()
    return verdict


def assert_refused(golive: Golive, capsys: pytest.CaptureFixture[str]) -> None:
    """The bundle and the certificate refuse it: one line, a non-zero exit, nothing written."""
    capsys.readouterr()  # the run's own output
    for command in ("bundle", "certificate"):
        assert main([command, "--reports", str(golive.reports)]) == 4
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1 and "did not complete" in err[0], err
    assert not list(golive.reports.glob("golive-bundle-*"))
    assert not (golive.reports / "certificate.md").exists()


def test_config_error_leaves_no_go_behind(golive: Golive, capsys) -> None:
    earlier_go(golive)
    inventory = golive.read("inventory.yml")
    golive.write("inventory.yml", {**inventory, "hosts": "not a mapping"})
    result = golive.run(PASS)
    assert result.ret == 4
    assert_not_complete(golive)
    assert_refused(golive, capsys)


def test_unknown_option_leaves_no_go_behind_and_the_next_run_goes_on(golive: Golive) -> None:
    earlier_go(golive)
    assert golive.run(PASS, "--no-such-option").ret == 4
    assert_not_complete(golive)
    earlier_go(golive)  # the reports directory is free again


def test_crash_before_the_session_leaves_no_go_behind(golive: Golive, capsys) -> None:
    earlier_go(golive)
    golive.pytester.makeconftest("def pytest_sessionstart(session):\n    raise RuntimeError('x')")
    assert golive.run(PASS).ret == 3
    assert_not_complete(golive)
    assert_refused(golive, capsys)


def test_crash_during_the_session_is_nogo_exit_3(golive: Golive) -> None:
    earlier_go(golive)
    golive.pytester.makeconftest(
        "def pytest_runtest_logreport(report):\n"
        "    if report.when == 'call' and report.nodeid.endswith('[app2]'):\n"
        "        raise RuntimeError('plugin bug')"
    )
    assert golive.run(PASS).ret == 3
    verdict = golive.verdict()
    assert verdict["complete"] is True and verdict["verdict"] == "NO-GO"
    assert verdict["exit_code"] == 3
    assert any("internal error" in b["message"] for b in verdict["blockers"])


def test_collect_only_leaves_the_verdict_alone(golive: Golive) -> None:
    earlier_go(golive)
    before = (golive.reports / "verdict.json").read_text()
    assert golive.run(PASS, "--collect-only").ret == 0
    assert (golive.reports / "verdict.json").read_text() == before


def test_running_run_is_not_complete_and_sigkill_leaves_it_so(golive: Golive, capsys) -> None:
    earlier_go(golive)
    proc = start(golive, WAITING)
    wait_for((golive.pytester.path / "started").exists, proc)
    assert_not_complete(golive, proc.pid)
    assert_refused(golive, capsys)
    proc.kill()
    finish(proc)
    assert proc.returncode == -signal.SIGKILL
    assert_not_complete(golive, proc.pid)


def test_sigterm_ends_the_run_nogo_interrupted(golive: Golive) -> None:
    earlier_go(golive)
    proc = start(golive, WAITING)
    wait_for((golive.pytester.path / "started").exists, proc)
    os.kill(proc.pid, signal.SIGTERM)
    out = finish(proc)
    assert proc.returncode == 2, out
    verdict = golive.verdict()
    assert verdict["complete"] is True and verdict["verdict"] == "NO-GO", out
    assert verdict["exit_code"] == 2
    assert {"check": "run", "message": "run interrupted: interrupted by SIGTERM"}.items() <= (
        verdict["blockers"][-1].items()
    )
    assert "golive verdict: NO-GO" in out


def test_timeout_ends_the_run_nogo(golive: Golive) -> None:
    earlier_go(golive)
    # long enough that a loaded machine has started the run (a process killed before golive's
    # first moment runs no golive code at all; the wrapper's 124 is then all CI has)
    proc = start(golive, WAITING, wrap=("timeout", "-s", "TERM", "25"))
    out = finish(proc)
    assert proc.returncode == 124, out
    verdict = golive.verdict()
    assert verdict["verdict"] == "NO-GO", out
    if (golive.pytester.path / "started").exists():  # it got as far as the checks
        assert verdict["complete"] is True and verdict["exit_code"] == 2
        assert "interrupted by SIGTERM" in verdict["blockers"][-1]["message"]


SWALLOWS = """
import os, signal
import pytest

@pytest.mark.smoke
@pytest.mark.parametrize("host", ["app1", "app2"])
def test_health(host):
    try:
        os.kill(os.getpid(), signal.SIGTERM)
    except KeyboardInterrupt:
        pass  # the interrupt swallowed: pytest never learns of it
"""


def test_signal_received_is_nogo_even_when_the_interrupt_was_lost(golive: Golive) -> None:
    """A SIGTERM whose KeyboardInterrupt never reached pytest (swallowed, or raised again
    inside pytest's handling of the first: GNU timeout signals the process, then its group)
    still ends the run NO-GO, interrupted: the checks run so far are not a complete GO."""
    earlier_go(golive)
    result = golive.run(SWALLOWS)
    verdict = golive.verdict()
    assert verdict["verdict"] == "NO-GO", verdict
    assert verdict["exit_code"] == 2 and result.ret == 2
    assert "interrupted by SIGTERM" in verdict["blockers"][-1]["message"]


def test_the_same_stop_said_twice_at_once_interrupts_once() -> None:
    """Two SIGTERMs at once (the process, then its group) raise one KeyboardInterrupt."""
    from pytest_golive.plugins.safety import Termination

    termination = Termination()
    with pytest.raises(KeyboardInterrupt):
        termination._handle(signal.SIGTERM, None)
    termination._handle(signal.SIGTERM, None)  # the same stop again: not raised
    assert termination.received == "SIGTERM"
