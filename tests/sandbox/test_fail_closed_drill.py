"""SIGTERM during the node-loss drill (issue 9): the drill restores its node (Tomcat on app2,
healthy and back in the load balancer's rotation) before the run ends, and the verdict says
that the drill was interrupted and that app2 was restored; SIGINT during the DR restore drill
(issue 19) leaves neither its data directory nor its PostgreSQL on dr1. Real runs, real
signals."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from pathlib import Path

from conftest import BIN, REPO
from golive.model.expectations.backup import Backup
from golive.model.expectations.integration import Integration
from golive.model.expectations.smoke import App
from golive.sandbox.context import Sandbox


def health(sbx: Sandbox, node: str) -> int:
    """The node's own health status, asked from inside the sandbox's namespace (0: none)."""
    app = sbx.env.expectation(App)
    url = f"http://{sbx.address(node)}:{app.port}{app.health_path}"
    out = subprocess.run(
        ["ip", "netns", "exec", sbx.netns, "curl", "-s", "-o", "/dev/null", "-w", "%{http_code}",
         "-m", "2", url],
        capture_output=True, text=True, timeout=10,
    )  # fmt: skip
    return int(out.stdout or 0)


def test_sigterm_during_the_node_loss_drill_restores_the_node(
    sandbox: None, certify, tmp_path: Path
) -> None:
    sbx = Sandbox.load()
    node = sbx.env.expectation(Integration).drill.node
    assert health(sbx, node) == 200, f"{node} is not healthy before the drill"
    reports = tmp_path / "reports-drill"
    proc = subprocess.Popen(
        [str(BIN / "pytest"), "-m", "integration", "-q", "-p", "no:randomly",
         f"--golive-reports={reports}"],
        cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    deadline = time.monotonic() + 120
    while health(sbx, node) == 200:
        assert proc.poll() is None and time.monotonic() < deadline, (
            f"the drill never stopped {node}:\n{proc.communicate()[0]}"
        )
        time.sleep(0.1)
    os.kill(proc.pid, signal.SIGTERM)
    out, _ = proc.communicate(timeout=180)
    assert proc.returncode == 2, out
    assert health(sbx, node) == 200, f"{node} left down after SIGTERM:\n{out}"

    verdict = json.loads((reports / "verdict.json").read_text())
    assert verdict["verdict"] == "NO-GO" and verdict["complete"] is True, out
    (drill,) = (c for c in verdict["checks"] if c["id"].endswith("survives_node_loss"))
    assert drill["outcome"] == "error"
    assert drill["message"].startswith(f"drill interrupted (SIGTERM); {node} restored"), drill
    assert "run interrupted: interrupted by SIGTERM" in [b["message"] for b in verdict["blockers"]]

    # restored means back in the load balancer's rotation: the next run spreads at once
    again = certify("integration and not drill")
    assert again.verdict.get("verdict") == "GO", again.output


def _processes_on(path: str) -> dict[int, str]:
    """Every process whose command line names ``path`` (a restored PostgreSQL's ``-D``, the
    copy into it); the controller's process table holds every host's processes."""
    found = {}
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            argv = cmdline.read_bytes().split(b"\0")
        except OSError:
            continue
        if any(a.decode(errors="replace").rstrip("/") == path for a in argv):
            found[int(cmdline.parent.name)] = b" ".join(argv).decode(errors="replace")[:200]
    return found


def test_sigint_during_the_restore_drill_leaves_no_instance_and_no_directory(
    sandbox: None, tmp_path: Path
) -> None:
    """SIGINT, as a terminal's Ctrl-C sends it (to the run's whole process group), while the
    DR drill restores on dr1 (its data directory has just appeared: the copy under way): when
    the run has exited, the drill's directory is gone and no process of the drill (a
    PostgreSQL on it, the copy into it) is left, then or a few seconds later, and the verdict
    says the drill was interrupted and dr1 restored."""
    sbx = Sandbox.load()
    drill = sbx.env.expectation(Backup).drill
    # as dr1 sees it (the drill's command lines name it) and as the controller finds it
    seen = drill.datadir.rstrip("/")
    datadir = sbx.local("dr1", seen)
    assert not datadir.exists() and not _processes_on(seen), "a drill is left over"
    reports = tmp_path / "reports-dr"
    proc = subprocess.Popen(
        [str(BIN / "pytest"), "-m", "backup and drill", "-q", "-p", "no:randomly",
         f"--golive-reports={reports}"],
        cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        start_new_session=True,
    )  # fmt: skip
    deadline = time.monotonic() + 120
    while not datadir.exists():
        assert proc.poll() is None and time.monotonic() < deadline, (
            f"the drill never restored into {datadir}:\n{proc.communicate()[0]}"
        )
        time.sleep(0.02)
    os.killpg(proc.pid, signal.SIGINT)
    out, _ = proc.communicate(timeout=180)
    assert proc.returncode == 2, out
    for when in ("when the run exited", "3 s later"):
        assert not datadir.exists(), f"{datadir} left {when}:\n{out}"
        assert not _processes_on(seen), f"left running {when}: {_processes_on(seen)}"
        time.sleep(3)
    verdict = json.loads((reports / "verdict.json").read_text())
    (check,) = (c for c in verdict["checks"] if c["id"].endswith("meets_rto_and_rpo[dr1]"))
    assert check["message"].startswith("drill interrupted (SIGINT); dr1 restored"), check
