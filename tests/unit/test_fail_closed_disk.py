"""A full disk (issue 9): every output is written atomically, and a run whose evidence or verdict
cannot be written says so in one line per file and ends NO-GO with exit 6, never GO. For real:
a small tmpfs on the run's reports directory, in a mount namespace of its own (``unshare -m``),
at the sizes of the issue (64, 128, 144 KiB), just short of what the run needs, full before
the run starts, and on the Allure results alone."""

from __future__ import annotations

import json
import os
import shlex
import shutil
import subprocess
from dataclasses import dataclass
from typing import Any

import pytest
from subruns import argv

from conftest import Golive

pytestmark = pytest.mark.skipif(
    os.geteuid() != 0 or shutil.which("unshare") is None, reason="needs root and unshare -m"
)
# 30 checks, each with 3 KB of evidence: ~680 KiB of reports
CHECKS = """
import pytest

@pytest.mark.smoke
@pytest.mark.parametrize("host", ["app1", "app2"])
@pytest.mark.parametrize("n", range(15))
def test_evidence(host, n, evidence):
    evidence.text("facts", f"{host} {n} " + "x" * 3000)
"""
WRITE_FAILED = 6


@dataclass
class Run:
    returncode: int
    output: str
    files: dict[str, bytes]
    used_kib: int

    @property
    def verdict(self) -> dict[str, Any] | None:
        data = self.files.get("verdict.json")
        return json.loads(data) if data is not None else None


@pytest.fixture(autouse=True)
def own_run(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PYTEST_XDIST_WORKER", raising=False)


def on_tmpfs(golive: Golive, size: str, mount: str = "", prepare: str = "") -> Run:
    """A run with a ``size`` tmpfs mounted on ``reports/<mount>``; what it left there (the
    mount ends with the namespace, so it is copied out first). ``prepare`` runs first."""
    checks = golive.pytester.makepyfile(test_checks=CHECKS)
    target = golive.reports / mount
    target.mkdir(parents=True, exist_ok=True)
    out = golive.pytester.path / "left"
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir()
    script = (
        f"mount -t tmpfs -o size={size} tmpfs {target} && {prepare} "
        f"{shlex.join(argv(golive, checks))}; rc=$?; df -k --output=used {target} | tail -1; "
        f"cp -a {golive.reports}/. {out}/; exit $rc"
    )
    proc = subprocess.run(
        ["unshare", "-m", "sh", "-c", script],
        cwd=golive.pytester.path, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    *lines, used = proc.stdout.rstrip().splitlines()
    files = {p.relative_to(out).as_posix(): p.read_bytes() for p in out.rglob("*") if p.is_file()}
    return Run(proc.returncode, "\n".join(lines) + proc.stderr, files, int(used))


def assert_nogo_exit_6(run: Run) -> None:
    """Exit 6, one line per file that could not be written, and no GO anywhere."""
    assert run.returncode == WRITE_FAILED, run.output
    assert "cannot write reports/" in run.output or "cannot write Allure evidence in reports/" in (
        run.output
    ), run.output
    assert "No space left on device" in run.output
    assert run.output.rstrip().endswith("golive verdict: NO-GO") or (
        "golive verdict: NO-GO" in run.output
    ), run.output
    assert "golive verdict: GO" not in run.output
    assert "INTERNALERROR" not in run.output and "Traceback" not in run.output, run.output
    verdict = run.verdict  # whole JSON, if there at all (atomic writes)
    if verdict is not None:
        assert verdict["verdict"] == "NO-GO", verdict
        if verdict["complete"]:
            assert verdict["exit_code"] == WRITE_FAILED
            assert any(b["check"] == "evidence" for b in verdict["blockers"])
    certificate = run.files.get("certificate.md", b"").decode()
    assert "certificate: GO" not in certificate
    assert not any(name.endswith(".tmp") for name in run.files), sorted(run.files)


@pytest.mark.parametrize("size", ["64k", "128k", "144k"])
def test_full_disk_is_nogo_exit_6(golive: Golive, size: str) -> None:
    run = on_tmpfs(golive, size)
    assert_nogo_exit_6(run)
    assert "checks that ran have no Allure result" in run.output


def test_room_enough_is_go_and_just_short_of_it_nogo_exit_6(golive: Golive) -> None:
    """With room, GO; just short of what that run used, the last files (certificate, verdict)
    do not fit: NO-GO, and no certificate without its verdict."""
    roomy = on_tmpfs(golive, "2m")
    assert roomy.returncode == 0, roomy.output
    assert roomy.verdict is not None and roomy.verdict["verdict"] == "GO"
    assert roomy.verdict["complete"] is True
    for short_kib in (8, 28):
        run = on_tmpfs(golive, f"{roomy.used_kib - short_kib}k")
        assert_nogo_exit_6(run)
        assert "cannot write reports/verdict.json" in run.output
        assert run.verdict is not None and run.verdict["complete"] is False
        assert "certificate.md" not in run.files, "a certificate without its verdict"


def test_disk_full_before_the_run_removes_the_earlier_verdict(golive: Golive) -> None:
    earlier = golive.pytester.path / "earlier-verdict.json"
    earlier.write_text('{"verdict": "GO", "complete": true}')
    reports = golive.reports
    fill = (
        f"cp {earlier} {reports}/verdict.json && "
        f"(dd if=/dev/zero of={reports}/fill bs=4k 2>/dev/null; true) &&"
    )
    run = on_tmpfs(golive, "64k", prepare=fill)
    assert run.returncode == WRITE_FAILED, run.output
    assert run.output.strip().splitlines()[-2:] == [
        "golive: cannot write reports/verdict.json: No space left on device",
        "golive verdict: NO-GO",
    ], run.output
    assert "verdict.json" not in run.files


def test_allure_results_that_cannot_be_written_are_nogo(golive: Golive) -> None:
    """The Allure results alone on a full disk: the verdict, written, says which are missing."""
    run = on_tmpfs(golive, "64k", mount="allure-results")
    assert_nogo_exit_6(run)
    verdict = run.verdict
    assert verdict is not None and verdict["complete"] is True
    evidence = [b["message"] for b in verdict["blockers"] if b["check"] == "evidence"]
    assert any("of 30 checks that ran have no Allure result" in m for m in evidence), evidence
    assert "have no Allure result" in run.files["certificate.md"].decode()
