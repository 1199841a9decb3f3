"""Every run's bundle is its own (issue 23): `golive-bundle-<env>-<release>-<UTC start of the
run>-<verdict>.tar.gz`, so a NO-GO bundle never overwrites the GO one; it holds the
certificate and the run's single-file report (reports/report.html, which `golive report`
writes and the next run's start removes), and the strict verifier accepts it."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest

import pytest_golive.plugins.runlock  # noqa: F401  (kept across pytester's in-process runs)
from conftest import Golive

CHECKS = """
import os
import pytest

@pytest.mark.smoke
def test_health():
    assert os.environ.get("APP_DOWN") is None, "app1: /health answered 503"
"""
GOLIVE = Path(sys.executable).parent / "golive"
NAME = re.compile(r"golive-bundle-fake-2\.0\.0-\d{8}T\d{6}Z-(GO|NO-GO)\.tar\.gz")


@pytest.fixture(autouse=True)
def own_run(monkeypatch: pytest.MonkeyPatch) -> None:
    """Inner runs are runs of their own, also when these tests run under pytest-xdist."""
    monkeypatch.delenv("PYTEST_XDIST_WORKER", raising=False)
    monkeypatch.delenv("GOLIVE_REPORTS", raising=False)


def golive_cli(golive: Golive, *argv: str) -> str:
    """`golive ARGV` as a real process in the test's directory: its stdout (exit 0)."""
    proc = subprocess.run(
        [str(GOLIVE), *argv], cwd=golive.pytester.path, capture_output=True, text=True,
        timeout=120, env=dict(os.environ),
    )  # fmt: skip
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return proc.stdout


def bundle(golive: Golive) -> tuple[Path, list[str]]:
    """`golive bundle`, then `golive bundle --verify` of it: the bundle and what it holds."""
    out = golive_cli(golive, "bundle", "--reports", "reports")
    path = Path(out.split()[1])
    assert NAME.fullmatch(path.name), out
    assert "intact" in golive_cli(golive, "bundle", "--verify", str(path)).lower()
    with tarfile.open(path) as tar:
        top = path.name.removesuffix(".tar.gz")
        return path, [m.name.removeprefix(f"{top}/") for m in tar.getmembers() if m.isfile()]


def test_each_run_has_its_own_bundle_with_certificate_and_report(
    golive: Golive, monkeypatch: pytest.MonkeyPatch
) -> None:
    golive.run(CHECKS).assert_outcomes(passed=1)
    go, names = bundle(golive)
    assert go.name.endswith("-GO.tar.gz")
    assert {"verdict.json", "certificate.md", "certificate.html"} <= set(names), names
    assert "report.html" not in names  # no `golive report` yet: the bundle says so
    # `golive report`'s single file (its real generation: tests/sandbox/test_gate.py)
    (golive.reports / "report.html").write_text("<html>the run's report</html>")
    again, names = bundle(golive)
    assert again == go and "report.html" in names  # the same run: the same bundle
    monkeypatch.setenv("APP_DOWN", "1")
    golive.run(CHECKS).assert_outcomes(failed=1)
    assert not (golive.reports / "report.html").exists(), "the earlier run's report stayed"
    nogo, names = bundle(golive)
    assert nogo.name.endswith("-NO-GO.tar.gz") and "report.html" not in names
    assert go.is_file(), "the NO-GO bundle took the GO bundle's place"
