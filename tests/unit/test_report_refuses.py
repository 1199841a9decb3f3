"""`golive report`, `certificate` and `bundle` refuse a verdict.json that is not a completed
run's, or not golive's, or of another environment than `--env` names (issue 23): exit 4, one
line naming the file, nothing written, and no point added to the trend. A run stopped by a
configuration error leaves a "not complete" verdict.json that still names the scope it knew
(environment, markers) and says with which exit status and error it stopped."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import pytest_golive.plugins.runlock  # noqa: F401  (kept across pytester's in-process runs)
from conftest import Golive
from golive.cli import main

PASS = """
import pytest

@pytest.mark.smoke
def test_health():
    pass
"""
GOLIVE = Path(sys.executable).parent / "golive"
COMMANDS = ("report", "certificate", "bundle")


@pytest.fixture(autouse=True)
def own_run(monkeypatch: pytest.MonkeyPatch) -> None:
    """Inner runs are runs of their own, also when these tests run under pytest-xdist."""
    monkeypatch.delenv("PYTEST_XDIST_WORKER", raising=False)
    monkeypatch.delenv("GOLIVE_REPORTS", raising=False)
    monkeypatch.delenv("GOLIVE_ENV", raising=False)


def golive_cli(golive: Golive, *argv: str) -> tuple[int, str, str]:
    """`golive ARGV` as a real process in the test's directory."""
    proc = subprocess.run(
        [str(GOLIVE), *argv], cwd=golive.pytester.path, capture_output=True, text=True,
        timeout=120, env=dict(os.environ),
    )  # fmt: skip
    return proc.returncode, proc.stdout, proc.stderr


def assert_refused(
    golive: Golive, capsys: pytest.CaptureFixture[str], *words: str, extra: tuple[str, ...] = ()
) -> None:
    """Each report command (`golive report` as a real process, the others in this one, for
    speed): exit 4, one line on stderr holding ``words``, nothing written."""
    capsys.readouterr()
    for command in COMMANDS:
        argv = (command, "--reports", str(golive.reports), *extra)
        if command == "report":
            code, out, err = golive_cli(golive, *argv)
        else:
            code = main(list(argv))
            out, err = capsys.readouterr()
        assert code == 4, (command, out, err)
        assert out == "" and len(err.splitlines()) == 1, (command, out, err)
        what = {"report": "report", "certificate": "certify", "bundle": "bundle"}[command]
        for word in (*words, f"nothing to {what}"):
            assert word in err, (command, err)
    assert not list(golive.reports.glob("golive-bundle-*"))
    assert not (golive.reports / "certificate.md").exists()
    assert not (golive.reports / "history").exists(), "a refused run joined the trend"
    assert not (golive.reports / "html").exists() and not (golive.reports / "report.html").exists()


def test_a_run_stopped_by_a_config_error_is_refused_and_keeps_its_scope(
    golive: Golive, capsys: pytest.CaptureFixture[str]
) -> None:
    golive.run(PASS, "-m", "smoke").assert_outcomes(passed=1)
    assert golive.verdict()["complete"] is True
    inventory = golive.read("inventory.yml")
    golive.write("inventory.yml", {**inventory, "hosts": "not a mapping"})
    assert golive.run(PASS, "-m", "smoke").ret == 4
    doc = golive.verdict()
    assert doc["complete"] is False and doc["verdict"] == "NO-GO"
    assert doc["scope"] == {"env": "fake", "markers": "smoke"}
    assert doc["exit_code"] == 4 and "inventory.yml" in doc["error"], doc
    started = doc["run"]["started"]
    assert_refused(golive, capsys, "verdict.json: the run of", f"the run of {started}", "(exit 4: ")


def test_a_foreign_verdict_is_refused(golive: Golive, capsys: pytest.CaptureFixture[str]) -> None:
    golive.run(PASS).assert_outcomes(passed=1)
    (golive.reports / "certificate.md").unlink()
    # another environment's run: --env names the environment the run must be of
    other = golive.env.parent / "other"
    other.mkdir()
    for name in ("inventory.yml", "expectations.yml", "signoffs.yml"):
        (other / name).write_text((golive.env / name).read_text())
    golive.env = other
    golive.write("inventory.yml", {**golive.read("inventory.yml"), "name": "other"})
    assert_refused(
        golive, capsys, "run of environment 'fake', not 'other'", extra=("--env", "other")
    )
    # not golive's verdict at all
    (golive.reports / "verdict.json").write_text(json.dumps({"status": "passed"}))
    assert_refused(golive, capsys, "verdict.json is not a golive verdict")
