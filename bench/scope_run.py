"""One whole-process golive run of a marker scope, timed: shared by the scope benchmarks."""

from __future__ import annotations

import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
PYTEST = str(Path(sys.executable).with_name("pytest"))
# a scope run that takes longer is hung: the benchmark reports it, it never waits for ever
TIMEOUT_S = 900.0


@dataclass(frozen=True)
class ScopeRun:
    """Wall time of `pytest -m MARKERS` (start to exit), its verdict and its output."""

    elapsed: float
    verdict: str
    stdout: str


def run_scope(
    markers: str,
    reports: str,
    *extra: str,
    timeout: float = TIMEOUT_S,
    root: Path = REPO,
    env: dict[str, str] | None = None,
) -> ScopeRun:
    """``root``: the checkout to run (another one needs ``env`` with it first on PYTHONPATH)."""
    started = time.perf_counter()
    try:
        proc = subprocess.run(
            [PYTEST, "-m", markers, "-q", "-p", "no:randomly", f"--golive-reports={reports}",
             *extra],
            cwd=root, env=env, capture_output=True, text=True, check=False, timeout=timeout,
        )  # fmt: skip
    except subprocess.TimeoutExpired as hung:
        got = hung.stdout or b""
        out = got.decode(errors="replace") if isinstance(got, bytes) else str(got)
        return ScopeRun(
            time.perf_counter() - started, f"no verdict (timed out after {timeout:g} s)", out
        )
    elapsed = time.perf_counter() - started
    verdict = next(
        (line.split(": ", 1)[1] for line in proc.stdout.splitlines() if "golive verdict:" in line),
        f"no verdict (exit {proc.returncode})",
    )
    return ScopeRun(elapsed, verdict, proc.stdout)


def expect(what: str, verdict: str, *allowed: str) -> None:
    """End the benchmark (exit 1, one line) when a run's verdict is not one it expects: a
    benchmark of a broken run measures nothing (`--quick` in CI relies on this)."""
    if verdict not in allowed:
        raise SystemExit(f"{what}: verdict {verdict}, expected {' or '.join(allowed)}")
