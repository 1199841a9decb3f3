"""Time to verdict of the smoke scope: median of whole-process `pytest -m smoke` runs.

Runs against the sandbox the environment variables name (GOLIVE_SANDBOX_DIR, GOLIVE_NETNS),
which must be up. Target: under 5 s.

Run: .venv/bin/python bench/smoke_time_to_verdict.py [--runs 5]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
PYTEST = str(Path(sys.executable).with_name("pytest"))


def once(reports: str) -> tuple[float, str]:
    started = time.perf_counter()
    proc = subprocess.run(
        [PYTEST, "-m", "smoke", "-q", "-p", "no:randomly", f"--golive-reports={reports}"],
        cwd=REPO,
        capture_output=True,
        text=True,
    )
    elapsed = time.perf_counter() - started
    verdict = next(
        (line.split(": ", 1)[1] for line in proc.stdout.splitlines() if "golive verdict:" in line),
        f"no verdict (exit {proc.returncode})",
    )
    return elapsed, verdict


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as reports:
        runs = [once(reports) for _ in range(args.runs)]
    times = [t for t, _ in runs]
    print("runs:", ", ".join(f"{t:.2f} s ({v})" for t, v in runs))
    print(f"smoke time to verdict: median {statistics.median(times):.2f} s over {args.runs} runs")


if __name__ == "__main__":
    main()
