"""The backup suite on the real sandbox: GO when healthy, the restore drill leaves nothing
behind on dr1 (also when SIGTERM arrives mid-drill), and where drills are not allowed it is
refused and recorded; under -n 2 it runs beside the checks it cannot disturb, never beside a
backup check, with the serial run's verdict. (Each backup fault: test_faults.py, from the
catalog.)"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from pathlib import Path

from test_gate import environment_without_drills

from conftest import BIN, REPO, XDIST, assert_same_verdict
from golive.model.expectations.backup import Backup
from golive.sandbox.context import Sandbox

DRILL = "suites/backup/test_drill.py::test_restore_drill_meets_rto_and_rpo[dr1]"


def _left_behind(sbx: Sandbox) -> list[str]:
    """What a drill must not leave: its data directory, a running instance (its socket)."""
    drill = sbx.env.expectation(Backup).drill
    # the expectations name the drill host's paths (staging's); the controller's are its folders
    socket = sbx.local("dr1", drill.socket_dir) / f".s.PGSQL.{drill.port}"
    return [str(p) for p in (sbx.local("dr1", drill.datadir), socket) if p.exists()]


def test_backup_suite_is_go_with_the_drill(certify) -> None:
    run = certify("backup")
    assert run.verdict.get("verdict") == "GO", run.output
    (drill,) = (c for c in run.verdict["checks"] if c["id"] == DRILL)
    assert drill["outcome"] == "passed", drill
    assert not _left_behind(Sandbox.load())


# the drill, checks it may run beside (smoke, tls) and checks it must not (the backup suite's)
BESIDE_SCOPE = "backup or smoke or tls"


def _intervals(reports: Path) -> list[tuple[str, int, int]]:
    """Each check's (Allure full name, start, stop) in ms, as the run's Allure results say."""
    found = []
    for path in (reports / "allure-results").glob("*-result.json"):
        doc = json.loads(path.read_text())
        found.append((doc["fullName"], int(doc["start"]), int(doc["stop"])))
    return found


def test_restore_drill_beside_checks_gives_the_serial_verdict(certify, tmp_path: Path) -> None:
    """Issue 24: the DR restore drill declares the checks it cannot disturb; under -n 2 it
    overlaps none of the backup suite's checks and the verdict, blockers and counts are the
    serial run's; it leaves nothing behind either way."""
    serial = certify(BESIDE_SCOPE)
    assert serial.verdict.get("verdict") == "GO", serial.output
    assert not _left_behind(Sandbox.load())
    parallel = certify(BESIDE_SCOPE, *XDIST)
    assert_same_verdict(serial, parallel, "the restore drill beside smoke and tls")
    (drill,) = (c for c in parallel.verdict["checks"] if c["id"] == DRILL)
    assert drill["outcome"] == "passed", drill
    runs = _intervals(tmp_path / "reports")
    ((_, start, stop),) = [
        r for r in runs if r[0].endswith("#test_restore_drill_meets_rto_and_rpo")
    ]
    beside = {  # the checks only: the gate's own "golive verdict" result spans the run
        name
        for name, s, e in runs
        if s < stop and e > start and name.startswith("suites.") and "test_drill" not in name
    }
    print(f"beside the drill under -n 2: {sorted(beside)}")  # what it overlapped, not timed
    assert not {n for n in beside if n.startswith("suites.backup.")}, beside
    assert not _left_behind(Sandbox.load())


def test_restore_drill_is_refused_where_not_allowed(certify, tmp_path: Path) -> None:
    # one other check beside the drill keeps the run short (a run with no check is NO-GO)
    run = certify(
        "backup", "-k", "schedule or drill", env=environment_without_drills(tmp_path / "envs")
    )
    assert run.verdict["verdict"] == "GO", run.output
    assert run.verdict["refused"] == [
        {
            "check": DRILL,
            "reason": "environment sandbox does not set allow_destructive",
        }
    ]
    assert not [c for c in run.verdict["checks"] if c["id"] == DRILL]


def test_sigterm_mid_drill_stops_and_removes_the_restored_instance(
    sandbox: None, tmp_path: Path
) -> None:
    sbx = Sandbox.load()
    pid_file = sbx.local("dr1", sbx.env.expectation(Backup).drill.datadir) / "postmaster.pid"
    reports = tmp_path / "reports-drill"
    proc = subprocess.Popen(
        [str(BIN / "pytest"), "-m", "backup and drill", "-q", "-p", "no:randomly",
         f"--golive-reports={reports}"],
        cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    deadline = time.monotonic() + 120
    while not pid_file.exists():  # the restored instance runs
        assert proc.poll() is None and time.monotonic() < deadline, (
            f"the drill never started its instance:\n{proc.communicate()[0]}"
        )
        time.sleep(0.05)
    os.kill(proc.pid, signal.SIGTERM)
    out, _ = proc.communicate(timeout=120)
    assert proc.returncode == 2, out
    assert not _left_behind(sbx), out
    verdict = json.loads((reports / "verdict.json").read_text())
    (drill,) = (c for c in verdict["checks"] if c["id"] == DRILL)
    assert drill["message"].startswith("drill interrupted (SIGTERM); dr1 restored"), drill
