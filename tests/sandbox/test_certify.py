"""golive certify on the healthy sandbox: the whole plan in one run (the only full
certification in the sandbox tests; the load phase with the short profile) is GO (CONDITIONAL
only for a missing latency baseline, on a fresh sandbox), every plan
item is proven (by a passing check, or the valid sign-off the plan names), and the
certificate and the bundle are written."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from conftest import BIN, REPO

# golive certify runs the load test: alone on the machine (conftest.ALONE)
pytestmark = pytest.mark.serial


def test_certify_healthy_sandbox_is_go_with_every_plan_item_proven(
    sandbox: None, tmp_path: Path
) -> None:
    reports = tmp_path / "reports"
    proc = subprocess.run(
        [str(BIN / "golive"), "certify", "--no-report", "--reports", str(reports), "--",
         "--load-profile", "quick"],
        cwd=REPO, capture_output=True, text=True, timeout=1200,
    )  # fmt: skip
    out = proc.stdout + proc.stderr
    verdict = json.loads((reports / "verdict.json").read_text())
    assert proc.returncode == 0, out[-6000:]
    # A fresh sandbox has no latency baseline yet: the run is CONDITIONAL for that one minor
    # check ("no baseline yet, regression not judged", issue 22), and for nothing else.
    not_passed = {c["id"].rsplit("::", 1)[-1] for c in verdict["checks"]
                  if c["outcome"] in ("failed", "error")}  # fmt: skip
    if verdict["verdict"] == "CONDITIONAL":
        assert not_passed == {"test_latency_baseline_exists"}, out[-6000:]
    else:
        assert verdict["verdict"] == "GO", out[-6000:]
    assert "golive certify: NO-GO" not in out
    # only the UAT execution sign-off, which the sandbox's policy does not require, is open
    assert verdict["plan_open"] == [
        "plan item post.uat.execution (UAT Execution): sign-off uat is not recorded"
    ], out[-3000:]
    ran = {check["id"].split("/")[1] for check in verdict["checks"]}
    assert {"predeploy", "smoke", "integration", "performance", "security", "monitoring",
            "backup", "rollback"} <= ran  # fmt: skip
    assert (reports / "certificate.md").is_file()
    assert list(reports.glob("golive-bundle-sandbox-*.tar.gz"))
