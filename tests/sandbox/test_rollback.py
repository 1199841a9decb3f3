"""SIGINT during the rollback rehearsal's runbook: the drill waits for the runbook it started,
rolls the candidate forward again (every app node serves it, healthy on its schema) before the
run ends, and the verdict says that the rehearsal was interrupted and, read again after the
cleanup, what it restored or not. A real run, a real signal (SIGTERM takes the same path:
test_fail_closed_drill.py)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from pathlib import Path

from conftest import BIN, REPO
from golive.model.expectations.smoke import App
from golive.sandbox.context import Sandbox


def served(sbx: Sandbox, node: str) -> dict[str, object]:
    """The node's own health answer (version, schema), asked inside the sandbox's namespace."""
    app = sbx.env.expectation(App)
    url = f"http://{sbx.address(node)}:{app.port}{app.health_path}"
    out = subprocess.run(
        ["ip", "netns", "exec", sbx.netns, "curl", "-s", "-m", "2", url],
        capture_output=True, text=True, timeout=10,
    )  # fmt: skip
    try:
        answer = json.loads(out.stdout or "{}")
    except json.JSONDecodeError:
        return {}
    return answer if isinstance(answer, dict) else {}


def test_sigint_during_the_runbook_says_only_the_truth(sandbox: None, tmp_path: Path) -> None:
    """SIGINT while the runbook takes the nodes back (the first node stopped serving the
    candidate, the switch under way): the run waits for that runbook, rolls forward and
    reads every node again. Right after the run exits, each node serves the candidate, healthy,
    and the drill's message says restored; or the verdict says NOT restored, a blocker about
    a node that is not."""
    sbx = Sandbox.load()
    release = sbx.env.inventory.release
    nodes = sbx.env.hosts_with_role("app")
    assert all(served(sbx, n).get("version") == release.version for n in nodes)
    reports = tmp_path / "reports-rehearsal"
    proc = subprocess.Popen(
        [str(BIN / "pytest"), "-m", "rollback and drill", "-q", "-p", "no:randomly",
         f"--golive-reports={reports}"],
        cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    deadline = time.monotonic() + 120
    while all(served(sbx, n).get("version") == release.version for n in nodes):
        assert proc.poll() is None and time.monotonic() < deadline, (
            f"the rehearsal never rolled back:\n{proc.communicate()[0]}"
        )
        time.sleep(0.1)
    os.kill(proc.pid, signal.SIGINT)
    out, _ = proc.communicate(timeout=240)
    after = {node: served(sbx, node) for node in nodes}  # at once: no grace for the cleanup
    assert proc.returncode == 2, out
    verdict = json.loads((reports / "verdict.json").read_text())
    assert verdict["verdict"] == "NO-GO" and verdict["complete"] is True, out
    (drill,) = (c for c in verdict["checks"] if c["id"].endswith("test_rollback_rehearsal"))
    assert drill["outcome"] == "error"
    assert drill["message"].startswith("drill interrupted (SIGINT); app1, app2, db1 "), drill
    wrong = [
        n
        for n, a in after.items()
        if (a.get("version"), a.get("status")) != (release.version, "UP")
    ]
    if not wrong:
        assert drill["message"].startswith("drill interrupted (SIGINT); app1, app2, db1 restored")
        return
    assert "NOT restored: " in drill["message"], f"{after} after SIGINT, yet:\n{drill}"
    (blocker,) = (b for b in verdict["blockers"] if b["check"] == drill["id"])
    assert blocker["host"] in wrong and "NOT restored: " in blocker["message"], blocker
