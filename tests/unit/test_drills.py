"""Destructive drills: never run where the environment does not allow them (and the verdict
says so); elsewhere only after every other check, alone, serially and under pytest-xdist."""

from __future__ import annotations

import json
import os
import signal
from typing import Any

import pytest
from subruns import finish, start, wait_for

from conftest import Golive

DRILL = """
import pathlib, pytest

@pytest.mark.drill
@pytest.mark.smoke
def test_restore_drill():
    pathlib.Path("drill-ran").write_text("destroyed")

@pytest.mark.smoke
def test_harmless():
    pass
"""
# Every check appends (name, start, end) to a log; the drill comes first in the file.
# Under xdist, unprotected, the drill would reach the idle worker while check0 still runs.
TIMED = """
import json, os, time, pytest

LOG = os.path.join(os.path.dirname(__file__), "intervals.jsonl")

def _log(name, start):
    with open(LOG, "a") as f:
        f.write(json.dumps([name, start, time.time()]) + "\\n")

@pytest.mark.drill
@pytest.mark.integration
def test_node_loss_drill():
    start = time.time()
    time.sleep(0.3)
    _log("drill", start)

@pytest.mark.smoke
@pytest.mark.parametrize("n", range(8))
def test_check(n):
    start = time.time()
    time.sleep(1.5 if n == 0 else 0.05)  # under xdist one worker is busy with check0 longest
    _log(f"check{n}", start)
"""


def allow_drills(golive: Golive) -> None:
    golive.write("inventory.yml", {**golive.read("inventory.yml"), "allow_destructive": True})


def intervals(golive: Golive) -> dict[str, tuple[float, float]]:
    lines = (golive.pytester.path / "intervals.jsonl").read_text().splitlines()
    return {name: (start, end) for name, start, end in map(json.loads, lines)}


def run_xdist(golive: Golive, source: str, *args: str) -> pytest.RunResult:
    """An inner run with ``-n 2``: in a subprocess, as xdist needs."""
    checks = golive.pytester.makepyfile(test_checks=source)
    return golive.pytester.runpytest_subprocess(
        str(checks), "--env", "fake", f"--golive-reports={golive.reports}", "-n", "2", *args,
        timeout=120,
    )  # fmt: skip


def test_drill_is_refused_where_not_allowed(golive: Golive) -> None:
    result = golive.run(DRILL, "-m", "smoke")
    assert not (golive.pytester.path / "drill-ran").exists()
    result.stdout.fnmatch_lines(["*refused 1 destructive drill(s): environment fake*"])
    result.assert_outcomes(passed=1, deselected=1)


def test_refused_drill_is_in_verdict_and_certificate(golive: Golive) -> None:
    result = golive.run(DRILL, "-m", "smoke")
    assert result.ret == 0, "a refusal alone does not change the decision"
    verdict: dict[str, Any] = golive.verdict()
    assert verdict["verdict"] == "GO"
    assert verdict["refused"] == [
        {
            "check": "test_checks.py::test_restore_drill",
            "reason": "environment fake does not set allow_destructive",
        }
    ]
    assert verdict["counts"]["refused"] == 1 and verdict["counts"]["total"] == 1
    assert not any(c["id"].endswith("test_restore_drill") for c in verdict["checks"])
    cert = (golive.reports / "certificate.md").read_text()
    assert "## Refused drills" in cert
    assert (
        "| test_checks.py::test_restore_drill | environment fake does not set "
        "allow_destructive |" in cert
    )
    assert "test_restore_drill" in (golive.reports / "certificate.html").read_text()


def test_drill_not_selected_is_not_refused(golive: Golive) -> None:
    result = golive.run(DRILL, "-m", "smoke and not drill")
    assert "destructive drill(s)" not in result.stdout.str()
    assert golive.verdict()["refused"] == []


def test_drill_runs_where_allowed(golive: Golive) -> None:
    allow_drills(golive)
    golive.run(DRILL, "-m", "smoke").assert_outcomes(passed=2)
    assert (golive.pytester.path / "drill-ran").read_text() == "destroyed"
    assert golive.verdict()["refused"] == []


def test_serial_drill_runs_after_every_other_check(golive: Golive) -> None:
    allow_drills(golive)
    result = golive.run(TIMED, "-p", "no:xdist")
    result.assert_outcomes(passed=9)
    times = intervals(golive)
    drill_start = times.pop("drill")[0]
    assert all(end <= drill_start for _, end in times.values())


def test_serial_drill_reordered_before_other_checks_does_not_run(golive: Golive) -> None:
    """Fail closed: a plugin that moves the drill ahead again gets it skipped, not run."""
    allow_drills(golive)
    golive.pytester.makeconftest(
        """
import pytest

@pytest.hookimpl(wrapper=True)
def pytest_collection_modifyitems(items):
    yield
    items.reverse()
"""
    )
    result = golive.run(TIMED)
    result.assert_outcomes(passed=8, skipped=1)
    assert "drill" not in intervals(golive)
    verdict = golive.verdict()
    assert verdict["verdict"] == "NO-GO"
    (missing,) = verdict["missing"]
    assert missing["check"] == "test_checks.py::test_node_loss_drill"
    assert "drill not run: 8 other check(s) have not finished" in missing["message"]


def test_xdist_drill_runs_alone_after_every_other_check(golive: Golive) -> None:
    allow_drills(golive)
    result = run_xdist(golive, TIMED)
    result.assert_outcomes(passed=9)
    times = intervals(golive)
    drill_start = times.pop("drill")[0]
    assert len(times) == 8
    late = {name: end for name, (_, end) in times.items() if end > drill_start}
    assert not late, f"checks still running when the drill started: {late}"
    assert golive.verdict()["verdict"] == "GO"


def test_xdist_refused_drill_is_in_verdict(golive: Golive) -> None:
    result = run_xdist(golive, DRILL, "-m", "smoke")
    assert result.ret == 0
    result.stdout.fnmatch_lines(["*refused 1 destructive drill(s): environment fake*"])
    verdict = golive.verdict()
    assert [r["check"] for r in verdict["refused"]] == ["test_checks.py::test_restore_drill"]
    assert verdict["counts"]["refused"] == 1
    assert not (golive.pytester.path / "drill-ran").exists()


def test_xdist_drill_gives_up_when_no_other_check_finishes(golive: Golive) -> None:
    """Fail closed: a drill that waited --golive-drill-wait seconds without any other check
    finishing does not run; the gate counts it as missing evidence."""
    allow_drills(golive)
    source = """
import pathlib, time, pytest

def test_slow():
    time.sleep(4)

@pytest.mark.drill
def test_drill():
    pathlib.Path("drill-ran").write_text("destroyed")
"""
    result = run_xdist(golive, source, "--golive-drill-wait", "1")
    result.assert_outcomes(passed=1, skipped=1)
    assert not (golive.pytester.path / "drill-ran").exists()
    verdict = golive.verdict()
    assert verdict["verdict"] == "NO-GO"
    (missing,) = verdict["missing"]
    assert missing["check"] == "test_checks.py::test_drill"
    assert "none finished for 1 s" in missing["message"]


def test_xdist_drill_does_not_wait_for_a_stopped_worker(golive: Golive) -> None:
    """With -x the worker that fails stops; the drill on the other worker does not wait out
    the stopped worker's checks, and does not run."""
    allow_drills(golive)
    # four checks, handed out two by two: gw0 gets test_a and test_b, gw1 test_c and the drill
    source = """
import pathlib, time, pytest

def test_a():
    time.sleep(1)
    assert False, "fails"

def test_b():
    pass

def test_c():
    pass

@pytest.mark.drill
def test_drill():
    pathlib.Path("drill-ran").write_text("destroyed")
"""
    # a wait far beyond a loaded machine's run time: ending well before it proves no wait
    result = run_xdist(golive, source, "-x", "--golive-drill-wait", "300")
    assert result.duration < 150
    assert not (golive.pytester.path / "drill-ran").exists()
    verdict = golive.verdict()
    assert verdict["verdict"] == "NO-GO"
    (drill,) = (c for c in verdict["checks"] if c["id"] == "test_checks.py::test_drill")
    assert drill["outcome"] == "skipped"
    assert "drill not run: the run stopped before every other check finished" in drill["message"]


# -- a drill beside the checks it cannot disturb (issue 24) -----------------------------------

# The restore drill may run beside smoke checks, never beside a backup check; the node-loss
# drill runs alone and last. Every check logs (name, start, end).
BESIDE = """
import json, os, time, pytest

LOG = os.path.join(os.path.dirname(__file__), "intervals.jsonl")

def _log(name, start):
    with open(LOG, "a") as f:
        f.write(json.dumps([name, start, time.time()]) + "\\n")

@pytest.mark.backup
@pytest.mark.parametrize("n", range(3))
def test_backup(n):
    start = time.time()
    time.sleep(0.3)
    _log(f"backup{n}", start)

@pytest.mark.drill
@pytest.mark.integration
def test_node_loss_drill():
    start = time.time()
    time.sleep(0.2)
    _log("alone", start)

@pytest.mark.drill(beside=["smoke"])
@pytest.mark.backup
def test_restore_drill():
    start = time.time()
    time.sleep(1.5)
    _log("beside", start)

@pytest.mark.smoke
@pytest.mark.parametrize("n", range(6))
def test_smoke(n):
    start = time.time()
    time.sleep(0.4)
    _log(f"smoke{n}", start)

@pytest.mark.backup
def test_backup_last():
    start = time.time()
    time.sleep(0.3)
    _log("backup_last", start)
"""


def overlapping(times: dict[str, tuple[float, float]], name: str) -> set[str]:
    start, end = times[name]
    return {n for n, (s, e) in times.items() if n != name and s < end and e > start}


def test_serial_beside_drill_runs_before_the_first_check_it_cannot_disturb(
    golive: Golive,
) -> None:
    allow_drills(golive)
    result = golive.run(BESIDE, "-p", "no:xdist", "-v")
    result.assert_outcomes(passed=12)
    order = [name for name, _ in sorted(intervals(golive).items(), key=lambda kv: kv[1][0])]
    assert order[:5] == ["backup0", "backup1", "backup2", "beside", "smoke0"], order
    assert order[-2:] == ["backup_last", "alone"], order
    assert golive.verdict()["verdict"] == "GO"


def test_xdist_beside_drill_overlaps_no_check_it_could_disturb(golive: Golive) -> None:
    """Under -n 2 the restore drill runs beside smoke checks only: no backup check overlaps
    it, and the drill that runs alone starts after it and every check have ended."""
    allow_drills(golive)
    result = run_xdist(golive, BESIDE)
    result.assert_outcomes(passed=12)
    times = intervals(golive)
    beside = overlapping(times, "beside")
    assert all(name.startswith("smoke") for name in beside), f"beside the drill: {beside}"
    assert not overlapping(times, "alone"), overlapping(times, "alone")
    assert golive.verdict()["verdict"] == "GO"


def test_beside_names_markers(golive: Golive) -> None:
    """Bad input: one line naming the check and what ``beside`` must be."""
    allow_drills(golive)
    source = """
import pytest

@pytest.mark.drill(beside="smoke")
def test_drill():
    pass
"""
    result = golive.run(source)
    assert result.ret == 4
    result.stderr.fnmatch_lines(
        ["*test_drill: drill(beside=...) names markers, a list of strings, not 'smoke'"]
    )
    typo = golive.run(source.replace('beside="smoke"', 'beside=["smok"]'))
    assert typo.ret == 4
    typo.stderr.fnmatch_lines(
        ["*test_drill: drill(beside=...) names smok, not a registered marker (pytest --markers)"]
    )


# -- nothing left broken: a drill's node is restored however the drill ends (issue 9) ---------

# The "node" is a file: the drill takes it down, says so, and waits (at most a minute); its
# restore says it started, takes RESTORE_S seconds, and brings the node up.
NODE_DRILL = """
import os, pathlib, time, pytest

HERE = pathlib.Path(__file__).parent
NODE = HERE / "node"

@pytest.mark.smoke
def test_health():
    pass

@pytest.mark.drill
def test_node_loss(drill):
    def restore():
        (HERE / "restoring").write_text("")
        time.sleep(float(os.environ.get("RESTORE_S", "0")))
        NODE.write_text("up")
        return os.environ.get("RESTORE_PROBLEM") or None

    with drill.disrupting("app2", restore):
        NODE.write_text("down")
        (HERE / "down").write_text("")
        assert os.environ.get("DRILL_FAILS") is None, "the load balancer answered 502"
        deadline = time.monotonic() + float(os.environ.get("DOWN_S", "0"))
        while time.monotonic() < deadline:
            time.sleep(0.05)
"""


@pytest.fixture
def node_drill(golive: Golive, monkeypatch: pytest.MonkeyPatch) -> Golive:
    allow_drills(golive)
    monkeypatch.delenv("PYTEST_XDIST_WORKER", raising=False)
    return golive


def drill_check(golive: Golive) -> dict[str, Any]:
    verdict = golive.verdict()
    (check,) = (c for c in verdict["checks"] if c["id"] == "test_checks.py::test_node_loss")
    return check


def test_sigterm_during_a_drill_restores_its_node_and_the_verdict_says_so(
    node_drill: Golive, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DOWN_S", "60")
    here = node_drill.pytester.path
    proc = start(node_drill, NODE_DRILL)
    wait_for((here / "down").exists, proc)
    os.kill(proc.pid, signal.SIGTERM)
    out = finish(proc)
    assert proc.returncode == 2, out
    assert (here / "node").read_text() == "up", "the drill's node was left down"
    verdict = node_drill.verdict()
    assert verdict["verdict"] == "NO-GO" and verdict["complete"] is True
    check = drill_check(node_drill)
    assert check["outcome"] == "error"
    assert check["message"].startswith("drill interrupted (SIGTERM); app2 restored")
    assert "run interrupted: interrupted by SIGTERM" in [b["message"] for b in verdict["blockers"]]


def test_sigterm_during_the_restore_waits_for_it(
    node_drill: Golive, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A second SIGTERM (or the first one) while the node is being restored is held until the
    restore is done."""
    monkeypatch.setenv("DOWN_S", "60")
    monkeypatch.setenv("RESTORE_S", "1")
    here = node_drill.pytester.path
    proc = start(node_drill, NODE_DRILL)
    wait_for((here / "down").exists, proc)
    os.kill(proc.pid, signal.SIGTERM)
    wait_for((here / "restoring").exists, proc)
    os.kill(proc.pid, signal.SIGTERM)
    out = finish(proc)
    assert proc.returncode == 2, out
    assert (here / "node").read_text() == "up", out  # the 1 s restore ran to its end
    assert drill_check(node_drill)["message"].startswith("drill interrupted (SIGTERM); app2 ")


def test_sigint_during_a_drill_restores_its_node(node_drill: Golive, monkeypatch) -> None:
    monkeypatch.setenv("DOWN_S", "60")
    here = node_drill.pytester.path
    proc = start(node_drill, NODE_DRILL)
    wait_for((here / "down").exists, proc)
    os.kill(proc.pid, signal.SIGINT)
    out = finish(proc)
    assert proc.returncode == 2, out
    assert (here / "node").read_text() == "up"
    assert drill_check(node_drill)["message"].startswith("drill interrupted (SIGINT); app2 ")


def test_a_failed_restore_fails_the_drill_naming_the_node(node_drill: Golive, monkeypatch):
    monkeypatch.setenv("RESTORE_PROBLEM", "tomcat did not start")
    result = node_drill.run(NODE_DRILL)
    assert result.ret == 1
    check = drill_check(node_drill)
    assert check["outcome"] == "error"
    assert "after the drill, app2 NOT restored: tomcat did not start" in check["message"]
    assert check["host"] == "app2"  # the blocker names the drill's node
    (blocker,) = (b for b in node_drill.verdict()["blockers"] if b["check"] == check["id"])
    assert blocker["host"] == "app2"


def test_a_failed_drill_still_restores_its_node_and_says_whether(node_drill: Golive, monkeypatch):
    monkeypatch.setenv("DRILL_FAILS", "1")
    monkeypatch.setenv("RESTORE_PROBLEM", "tomcat did not start")
    node_drill.run(NODE_DRILL)
    assert (node_drill.pytester.path / "node").read_text() == "up"
    message = drill_check(node_drill)["message"]
    assert "app2 NOT restored: tomcat did not start" in message
    assert "the load balancer answered 502" in message


def test_a_drill_that_restores_its_node_passes(node_drill: Golive) -> None:
    node_drill.run(NODE_DRILL).assert_outcomes(passed=2)
    assert drill_check(node_drill)["outcome"] == "passed"
    assert (node_drill.pytester.path / "node").read_text() == "up"


def test_xdist_drill_record_comes_from_the_worker(node_drill: Golive, monkeypatch) -> None:
    monkeypatch.setenv("DRILL_FAILS", "1")
    monkeypatch.setenv("RESTORE_PROBLEM", "tomcat did not start")
    result = run_xdist(node_drill, NODE_DRILL)
    assert result.ret == 1, result.stdout.str()
    assert (node_drill.pytester.path / "node").read_text() == "up"
    check = drill_check(node_drill)
    assert check["outcome"] == "error"
    assert "after the drill, app2 NOT restored: tomcat did not start" in check["message"]


def test_a_restore_names_the_host_it_found_not_restored(node_drill: Golive) -> None:
    """A drill that disrupted several hosts: its restore names the one that is not back
    (``NotRestored``), and the blocker is about that host (issue 19: an interrupted rollback
    rehearsal that says what each node serves)."""
    source = """
import pytest
from pytest_golive.plugins.safety import NotRestored

@pytest.mark.drill
def test_node_loss(drill):
    with drill.disrupting("app1, app2, db1", lambda: NotRestored("app2", "app2 serves 1.4.0")):
        pass
"""
    result = node_drill.run(source)
    assert result.ret == 1
    check = drill_check(node_drill)
    assert check["outcome"] == "error"
    assert check["message"].startswith(
        "after the drill, app1, app2, db1 NOT restored: app2 serves 1.4.0"
    )
    (blocker,) = (b for b in node_drill.verdict()["blockers"] if b["check"] == check["id"])
    assert blocker["host"] == "app2"


def test_the_host_found_not_restored_outranks_the_one_the_failure_named() -> None:
    """The rehearsal failed through the load balancer (lb1), and its restore then found app1
    serving the previous release: the blocker is about app1."""
    from golive.gate.verdict import CheckResult
    from pytest_golive.plugins.aggregate import drilled as _drilled

    failed = CheckResult("rehearsal", "failed", "blocker", host="lb1", message="HTTP 502")
    message = "drill interrupted (SIGINT); app1, app2, db1 NOT restored: app1 serves 1.4.0"
    drilled = _drilled(failed, message, "app1, app2, db1", "app1")
    assert (drilled.outcome, drilled.host) == ("error", "app1")
    assert drilled.message == f"{message}; HTTP 502"
    assert _drilled(failed, message, "app1, app2, db1").host == "lb1"  # no host named
