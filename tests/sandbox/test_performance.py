"""The performance suite against the real sandbox, beyond the fault matrix: a Locust worker
killed mid-run makes the run inconclusive (NO-GO), never a pass on reduced load; a run killed
(SIGKILL) mid-load leaves no Locust process and no secret on disk.

(The catalog's performance faults, slow_release, error_burst, db_slow, lb_single_node,
generator_starved, errors_as_200 and slow_endpoint_limits_load, run in test_faults.py; their
healed runs are consecutive healthy runs, each compared with the baseline the one before
stored: the real A/A pairs of CI.)"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import time
from pathlib import Path

import pytest

from conftest import BIN, REPO
from golive.model.environment import load_environment
from golive.model.expectations.performance import Performance

# a load test or a watch: alone on the machine (conftest.ALONE)
pytestmark = pytest.mark.serial


def _wait_for(path: Path, deadline: float) -> None:
    while not path.exists():
        assert time.monotonic() < deadline, f"{path} never appeared"
        time.sleep(0.2)


def test_worker_lost_mid_run_is_inconclusive(tmp_path: Path, sandbox: None) -> None:
    reports = tmp_path / "reports"
    run = subprocess.Popen(
        [
            str(BIN / "pytest"),
            "-m",
            "performance",
            "-q",
            "-p",
            "no:randomly",
            f"--golive-reports={reports}",
            "--load-profile",
            "quick",
            "--load-workers",
            "2",
        ],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 120
        load = reports / "load"
        _wait_for(load / "workers.pid", deadline)
        progress = load / "progress.jsonl"
        while True:  # every user runs: the load is under way
            _wait_for(progress, deadline)
            samples = [json.loads(line) for line in progress.read_text().splitlines() if line]
            if samples and samples[-1]["users"] >= 10 and samples[-1].get("workers") == 2:
                break
            assert time.monotonic() < deadline, "the load never reached its users"
            time.sleep(0.2)
        pid = json.loads((load / "workers.pid").read_text())["worker2"]
        os.kill(pid, signal.SIGKILL)
        output, _ = run.communicate(timeout=180)
    finally:
        if run.poll() is None:
            run.kill()
            run.wait()
    verdict = json.loads((reports / "verdict.json").read_text())
    assert verdict["verdict"] == "NO-GO", output
    checks = {c["id"].rsplit("::", 1)[-1]: c for c in verdict["checks"]}
    check = checks["test_load_run_applied_planned_load"]
    assert (
        "inconclusive: a Locust worker was lost mid-run (1 of 2 connected)" in check["message"]
    ), output
    slo = checks["test_endpoints_meet_slos"]
    assert slo["outcome"] != "passed", "SLOs judged on a run with a lost worker"


def _descendants(pid: int) -> list[int]:
    """Every process below ``pid`` (children, grandchildren, ...), from /proc."""
    parents: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        parents.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    found, todo = [], [pid]
    while todo:
        for child in parents.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def _alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def test_sigkill_during_the_load_leaves_no_locust_and_no_secret(
    tmp_path: Path, sandbox: None
) -> None:
    """SIGKILL of the run while Locust (a master and two workers) applies the load: within a
    few seconds no process of the run is left, and no file the run wrote holds the trader's
    password or TOTP seed."""
    env = load_environment("sandbox")
    account = env.inventory.accounts[env.expectation(Performance).journey.account]
    secrets = [env.secret(account.password), env.secret(account.totp) if account.totp else ""]
    assert all(secrets), "the sandbox's trader has a password and a TOTP seed"
    reports = tmp_path / "reports"
    run = subprocess.Popen(
        [str(BIN / "pytest"), "-m", "performance", "-q", "-p", "no:randomly",
         f"--golive-reports={reports}", "--load-profile", "quick", "--load-workers", "2"],
        cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    left: list[int] = []
    try:
        deadline = time.monotonic() + 120
        progress = reports / "load" / "progress.jsonl"
        _wait_for(progress, deadline)
        while not progress.read_text().strip():  # the load is under way
            assert time.monotonic() < deadline, "the load never started"
            time.sleep(0.2)
        started = _descendants(run.pid)
        assert len(started) >= 3, f"not a master and two workers: {started}"
        run.kill()
        run.wait(timeout=10)
        deadline = time.monotonic() + 5
        while (left := [p for p in started if _alive(p)]) and time.monotonic() < deadline:
            time.sleep(0.1)
        names = {p: Path(f"/proc/{p}/cmdline").read_bytes()[:200] for p in left if _alive(p)}
        assert not left, f"left running 5 s after SIGKILL of the run: {names}"
    finally:
        if run.poll() is None:
            run.kill()
            run.wait()
        for pid in left:
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGKILL)
    leaked = [
        str(path)
        for path in [reports, *reports.rglob("*")]
        if path.is_file() and any(s.encode() in path.read_bytes() for s in secrets)
    ]
    assert not leaked, f"the trader's secrets are written in {leaked}"
