"""`pytest` from outside the venv (a pytest without golive's plugin) stops in the repository's
conftest.py with one line saying how to get the plugin, exit 4, instead of one collection
traceback per suite (issue 23). A pytest without the plugin is simulated with `-p no:golive`
(checked by hand with a pyenv pytest that has no golive installed: the same line)."""

from __future__ import annotations

import subprocess
import sys

from conftest import REPO


def test_pytest_without_golives_plugin_says_so_in_one_line() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:golive", "-q", "-m", "smoke"],
        cwd=REPO, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    out = (proc.stdout + proc.stderr).strip()
    assert proc.returncode == 4, out
    assert out.splitlines() == [
        "Exit: this pytest does not have golive's plugin: run `. .venv/bin/activate` "
        "(or .venv/bin/pytest)"
    ], out
