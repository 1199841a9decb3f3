"""`pytest` from outside the venv (a pytest without golive's plugin) stops in the repository's
conftest.py with one line saying how to get the plugin, exit 4, instead of one collection
traceback per suite (issue 23). A pytest without the plugin is simulated with `-p no:golive`
(checked by hand with a pyenv pytest that has no golive installed: the same line)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

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


def test_python_that_finds_golive_but_not_its_dependencies_says_so_in_one_line(
    tmp_path: Path,
) -> None:
    """`python3 -m pytest` from the checkout with a Python outside the venv: the checkout's
    golive.egg-info (written by `make setup`) makes it load golive's plugin, whose dependencies
    that Python lacks. One line naming that Python, exit 4, no traceback. The missing
    dependency is simulated by a `debian` package on PYTHONPATH that cannot be imported (by
    hand: the pyenv python3 with its own pytest says the same line)."""
    shadow = tmp_path / "debian"
    shadow.mkdir()
    (shadow / "__init__.py").write_text(
        "raise ModuleNotFoundError(\"No module named 'debian'\", name='debian')\n"
    )
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-m", "smoke"],
        cwd=REPO, capture_output=True, text=True, timeout=120,
        env={**os.environ, "PYTHONPATH": str(tmp_path)},
    )  # fmt: skip
    out = (proc.stdout + proc.stderr).strip()
    assert proc.returncode == 4, out
    assert out.splitlines() == [
        f"ERROR: golive's plugin cannot load in {sys.executable} (No module named 'debian'): "
        "run `. .venv/bin/activate` (or .venv/bin/pytest; `make setup` makes .venv)"
    ], out
