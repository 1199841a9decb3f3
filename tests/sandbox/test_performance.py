"""The performance suite against the real sandbox, beyond the fault matrix: a Locust worker
killed mid-run makes the run inconclusive (NO-GO), never a pass on reduced load.

(The catalog's performance faults, slow_release, error_burst, db_slow, lb_single_node and
generator_starved, run in test_faults.py; their healed runs are consecutive healthy runs, each
compared with the baseline the one before stored: the real A/A pairs of CI.)"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from pathlib import Path

from conftest import BIN, REPO


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
