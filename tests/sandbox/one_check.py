"""Run one golive check in a pytest process of its own and read what it attached."""

from __future__ import annotations

import subprocess
from pathlib import Path

from conftest import BIN, REPO


def run_one(check: str, tmp_path: Path) -> tuple[subprocess.CompletedProcess[str], str]:
    """Run ``check`` (a node id) with its reports under ``tmp_path``: the run, and the text of
    every text attachment it made (its evidence), joined."""
    reports = tmp_path / "reports"
    run = subprocess.run(
        [str(BIN / "pytest"), check, "-q", "-p", "no:randomly", f"--golive-reports={reports}"],
        cwd=REPO, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    said = "\n".join(
        p.read_text(errors="replace") for p in (reports / "allure-results").glob("*.txt")
    )
    return run, said
