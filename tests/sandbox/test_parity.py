"""`golive parity`: the sandbox against itself shows no drift; against a copy of its
environment with one changed version, exactly that drift."""

from __future__ import annotations

import shutil
from pathlib import Path

from conftest import REPO, golive


def test_sandbox_has_no_drift_with_itself(sandbox: None) -> None:
    proc = golive("parity", "sandbox", "sandbox")
    assert "no drift" in proc.stdout


def test_changed_version_is_the_only_drift(sandbox: None, tmp_path: Path) -> None:
    copy = tmp_path / "sandbox-copy"
    shutil.copytree(REPO / "environments" / "sandbox", copy, ignore=shutil.ignore_patterns("stack"))
    exp = copy / "expectations.yml"
    exp.write_text(exp.read_text().replace('version: "==17.*"}', 'version: "==21.*"}', 1))
    proc = golive("parity", "sandbox", str(copy), check=False)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    drift = [line for line in proc.stdout.splitlines() if not line.startswith("parity ")]
    assert drift == [
        f"declared.software.app.runtimes.java.version: sandbox===17.* {copy}===21.*"
    ], proc.stdout
