"""Time the sandbox lifecycle: cold `up` (empty data dir), warm `up` (after `down`), and an
idempotent `up` (already running). Uses its own namespace and data dir, named after the
sandbox's (GOLIVE_SANDBOX_DIR and GOLIVE_NETNS with ``-lc`` appended), so it never touches a
running sandbox, nor another run's bench sandbox; cleans up after.

Run: .venv/bin/python bench/sandbox_lifecycle.py [--runs N] [--quick]
(``--quick``: one round. Every step must succeed within TIMEOUT_S, or the benchmark fails.)
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

GOLIVE = str(Path(sys.executable).with_name("golive"))
ENV = {
    **os.environ,
    "GOLIVE_SANDBOX_DIR": os.environ.get("GOLIVE_SANDBOX_DIR", "/var/lib/golive/sandbox") + "-lc",
    "GOLIVE_NETNS": os.environ.get("GOLIVE_NETNS", "golive-sbx") + "-lc",
}
TIMEOUT_S = 300.0


def timed(*args: str) -> float:
    started = time.perf_counter()
    proc = subprocess.run(
        [GOLIVE, "sandbox", *args], env=ENV, capture_output=True, text=True, timeout=TIMEOUT_S
    )
    if proc.returncode != 0:
        tail = "\n".join((proc.stdout + proc.stderr).splitlines()[-5:])
        raise SystemExit(f"golive sandbox {' '.join(args)} exited {proc.returncode}:\n{tail}")
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="one round")
    args = parser.parse_args()
    runs = 1 if args.quick else args.runs
    shutil.rmtree(ENV["GOLIVE_SANDBOX_DIR"], ignore_errors=True)
    cold = timed("up")
    warm, idle = [], []
    try:
        for _ in range(runs):
            idle.append(timed("up"))
            timed("down")
            warm.append(timed("up"))
    finally:
        timed("down")
        shutil.rmtree(ENV["GOLIVE_SANDBOX_DIR"], ignore_errors=True)
    print(f"cold up (first install of data): {cold:.1f} s")
    print(f"warm up after down, median of {runs}: {statistics.median(warm):.1f} s")
    print(f"up when already running, median of {runs}: {statistics.median(idle):.2f} s")


if __name__ == "__main__":
    main()
