"""`--envdir DIR` as README writes it, with a space (issue 23): pytest does not take DIR for a
path to test when it chooses its rootdir and ini file, so the run collects the same checks and
writes the same reports/ as with `--envdir=DIR`, from the checkout or from anywhere; and every
`golive` command takes `--envdir DIR` (and `--env`) after its name as well as before it."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import Golive

PASS = """
import pytest

@pytest.mark.smoke
def test_health():
    pass
"""
GOLIVE = Path(sys.executable).parent / "golive"


@pytest.fixture(autouse=True)
def own_run(monkeypatch: pytest.MonkeyPatch) -> None:
    """Inner runs are runs of their own, whatever the outer run's environment says."""
    for name in ("PYTEST_XDIST_WORKER", "GOLIVE_REPORTS", "GOLIVE_ENV", "GOLIVE_ENVDIR"):
        monkeypatch.delenv(name, raising=False)


def run(cwd: Path, *argv: str) -> tuple[int, str]:
    """A real process in ``cwd``: exit status, stdout and stderr."""
    env = {k: v for k, v in os.environ.items() if k != "GOLIVE_ENVDIR"}
    proc = subprocess.run(argv, cwd=cwd, capture_output=True, text=True, timeout=180, env=env)
    return proc.returncode, proc.stdout + proc.stderr


def test_envdir_with_a_space_keeps_the_rootdir_and_the_reports(
    golive: Golive, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """The environments outside the project: pytest would take the common ancestor of the
    project and DIR for its rootdir."""
    elsewhere = tmp_path_factory.mktemp("team-envs")
    shutil.copytree(golive.env, elsewhere / "fake")
    here = golive.pytester.path
    golive.pytester.makepyfile(test_checks=PASS)
    pytest_cmd = (sys.executable, "-m", "pytest", "-p", "no:randomly", "test_checks.py")
    code, out = run(here, *pytest_cmd, "--envdir", str(elsewhere), "--env", "fake")
    assert code == 0, out
    assert f"rootdir: {here}" in out, out
    assert (here / "reports" / "verdict.json").is_file()
    ancestor = Path(os.path.commonpath([here, elsewhere]))
    assert not (ancestor / "reports").exists(), "the run wrote its reports elsewhere"


def test_envdir_with_a_space_from_anywhere_runs_golives_suites(
    golive: Golive, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """From a directory with no pytest configuration, the environments in a checkout (a
    pytest.ini above DIR): golive's own suites are collected, as with ``--envdir=DIR``."""
    anywhere = tmp_path_factory.mktemp("anywhere")
    expectations = golive.read("expectations.yml")
    golive.write("expectations.yml", {**expectations, "roles": {
        **expectations["roles"], "lb": {"optional": True}}})  # fmt: skip
    collect = (sys.executable, "-m", "pytest", "--collect-only", "-q", "-m", "smoke")
    code, out = run(anywhere, *collect, "--envdir", str(golive.env.parent), "--env", "fake")
    assert code == 0, out
    assert "suites/smoke/test_smoke.py::" in out, out


@pytest.mark.parametrize(
    "argv",
    [
        ["--envdir", "ENVDIR", "validate", "--env", "fake"],
        ["validate", "--envdir", "ENVDIR", "--env", "fake"],
        ["certificate", "--env", "fake", "--envdir", "ENVDIR", "--reports", "REPORTS"],
    ],
)
def test_every_command_takes_envdir_and_env_after_its_name(
    golive: Golive, tmp_path_factory: pytest.TempPathFactory, argv: list[str]
) -> None:
    golive.run(PASS).assert_outcomes(passed=1)
    anywhere = tmp_path_factory.mktemp("anywhere")
    given = [
        {"ENVDIR": str(golive.env.parent), "REPORTS": str(golive.reports)}.get(a, a) for a in argv
    ]
    code, out = run(anywhere, str(GOLIVE), *given)
    assert code == 0, out
    assert "fake" in out or "certificate.md" in out, out
