"""One whole-process golive run of a marker scope, timed: shared by the scope benchmarks."""

from __future__ import annotations

import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
PYTEST = str(Path(sys.executable).with_name("pytest"))


@dataclass(frozen=True)
class ScopeRun:
    """Wall time of `pytest -m MARKERS` (start to exit), its verdict and its output."""

    elapsed: float
    verdict: str
    stdout: str


def run_scope(markers: str, reports: str, *extra: str) -> ScopeRun:
    started = time.perf_counter()
    proc = subprocess.run(
        [PYTEST, "-m", markers, "-q", "-p", "no:randomly", f"--golive-reports={reports}", *extra],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
    )
    elapsed = time.perf_counter() - started
    verdict = next(
        (line.split(": ", 1)[1] for line in proc.stdout.splitlines() if "golive verdict:" in line),
        f"no verdict (exit {proc.returncode})",
    )
    return ScopeRun(elapsed, verdict, proc.stdout)
