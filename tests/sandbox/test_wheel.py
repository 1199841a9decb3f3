"""golive installs as a package: its built wheel, in a fresh venv, certifies the sandbox from a
directory outside the checkout, with the environments in a directory of the team's own."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

from conftest import REPO


def test_wheel_in_fresh_venv_certifies_the_sandbox_from_outside_the_checkout(
    tmp_path: Path, sandbox: None
) -> None:
    dist = tmp_path / "dist"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps",
         "-w", str(dist), str(REPO)],
        check=True, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    (wheel,) = dist.glob("golive-*.whl")
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=120)
    install = subprocess.run(
        [str(venv / "bin/pip"), "install", "-q", str(wheel)],
        capture_output=True, text=True, timeout=900,
    )  # fmt: skip
    assert install.returncode == 0, install.stderr[-3000:]

    team = tmp_path / "team-repo"  # outside the checkout: no conftest, no pytest.ini
    shutil.copytree(REPO / "environments", team / "envs")
    proc = subprocess.run(
        [str(venv / "bin/pytest"), "-m", "smoke", "--envdir", "envs", "-q", "-p", "no:randomly"],
        cwd=team, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out[-4000:]
    assert "golive verdict: GO" in out
    verdict = json.loads((team / "reports" / "verdict.json").read_text())
    assert verdict["verdict"] == "GO"
    assert verdict["counts"]["passed"] > 0
    # the plugin, fixtures and suites came from the installed wheel, not from the checkout
    assert str(REPO) not in out
    assert all(c["id"].startswith("suites/smoke/") for c in verdict["checks"])
