"""SIGTERM during the rollback rehearsal: the drill rolls the candidate forward again (every
app node serves it, healthy on its schema) before the run ends, and the verdict says that the
rehearsal was interrupted and what it restored. A real run, a real signal."""

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


def test_sigterm_during_the_rehearsal_rolls_the_candidate_forward(
    sandbox: None, tmp_path: Path
) -> None:
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
    while all(served(sbx, n).get("version") != release.previous for n in nodes):
        assert proc.poll() is None and time.monotonic() < deadline, (
            f"the rehearsal never rolled back:\n{proc.communicate()[0]}"
        )
        time.sleep(0.2)
    os.kill(proc.pid, signal.SIGTERM)
    out, _ = proc.communicate(timeout=240)
    assert proc.returncode == 2, out
    for node in nodes:
        answer = served(sbx, node)
        assert (answer.get("version"), answer.get("status")) == (release.version, "UP"), (
            f"{node} left at {answer} after SIGTERM:\n{out}"
        )
    verdict = json.loads((reports / "verdict.json").read_text())
    assert verdict["verdict"] == "NO-GO" and verdict["complete"] is True, out
    (drill,) = (c for c in verdict["checks"] if c["id"].endswith("test_rollback_rehearsal"))
    assert drill["outcome"] == "error"
    assert drill["message"].startswith("drill interrupted (SIGTERM); app1, app2, db1 restored")
