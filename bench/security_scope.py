"""Time of the full security scope: whole-process `pytest -m security` runs, with the slowest
setups (the sslyze scan, the nmap scan, the reachability probes) reported per run.

Runs against the sandbox the environment variables name (GOLIVE_SANDBOX_DIR, GOLIVE_NETNS),
which must be up. Target (issue 5): under 30 s.

Run: .venv/bin/python bench/security_scope.py [--runs 3]
"""

from __future__ import annotations

import argparse
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
PYTEST = str(Path(sys.executable).with_name("pytest"))
DURATION = re.compile(r"^([\d.]+)s (setup|call)\s+(\S+)$")


def once(reports: str) -> tuple[float, str, list[str]]:
    started = time.perf_counter()
    proc = subprocess.run(
        [
            PYTEST,
            "-m",
            "security",
            "-q",
            "-p",
            "no:randomly",
            "--durations=3",
            f"--golive-reports={reports}",
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
    )
    elapsed = time.perf_counter() - started
    verdict = next(
        (line.split(": ", 1)[1] for line in proc.stdout.splitlines() if "golive verdict:" in line),
        f"no verdict (exit {proc.returncode})",
    )
    slowest = [
        f"{m[1]} s {m[2]} {m[3].split('::')[-1]}"
        for line in proc.stdout.splitlines()
        if (m := DURATION.match(line.strip()))
    ]
    return elapsed, verdict, slowest


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as reports:
        runs = [once(reports) for _ in range(args.runs)]
    for elapsed, verdict, slowest in runs:
        print(f"{elapsed:.2f} s ({verdict}); slowest: {'; '.join(slowest)}")
    times = [t for t, _, _ in runs]
    print(
        f"security scope: median {statistics.median(times):.2f} s, "
        f"max {max(times):.2f} s over {args.runs} runs"
    )


if __name__ == "__main__":
    main()
