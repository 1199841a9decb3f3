"""Time the sandbox lifecycle: cold `up` (empty data dir), warm `up` (after `down`), and an
idempotent `up` (already running). Uses its own namespace and data dir; cleans up after.

Run: .venv/bin/python bench/sandbox_lifecycle.py [--runs N]
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
    "GOLIVE_SANDBOX_DIR": "/var/lib/golive/sbx-bench",
    "GOLIVE_NETNS": "golive-bench",
}


def timed(*args: str) -> float:
    started = time.perf_counter()
    subprocess.run([GOLIVE, "sandbox", *args], env=ENV, check=True, capture_output=True)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=3)
    runs = parser.parse_args().runs
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
