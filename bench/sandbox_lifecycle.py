"""Time the sandbox lifecycle: cold `up` (empty data dir), warm `up` (after `down`), and an
idempotent `up` (already running). Uses its own namespace and data dir, named after the
sandbox's (GOLIVE_SANDBOX_DIR and GOLIVE_NETNS with ``-lc`` appended), so it never touches a
running sandbox, nor another run's bench sandbox; cleans up after.

Run: .venv/bin/python bench/sandbox_lifecycle.py [--runs N] [--quick] [--against GOLIVE]
(``--quick``: one round. Every step must succeed within TIMEOUT_S, or the benchmark fails.)
``--against GOLIVE`` (another checkout's ``.venv/bin/golive``, e.g. main's) then times the
running ``up`` of both, interleaved, ``--runs`` x 3 each, beside a yardstick in the same run
(a bare ``python3 -I -S -c pass``), so that two versions are compared at one load.
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
YARDSTICK = ["/usr/bin/python3", "-I", "-S", "-c", "pass"]  # a bare interpreter start


def timed(*args: str, golive: str = GOLIVE) -> float:
    started = time.perf_counter()
    proc = subprocess.run(
        [golive, "sandbox", *args], env=ENV, capture_output=True, text=True, timeout=TIMEOUT_S
    )
    if proc.returncode != 0:
        tail = "\n".join((proc.stdout + proc.stderr).splitlines()[-5:])
        raise SystemExit(f"golive sandbox {' '.join(args)} exited {proc.returncode}:\n{tail}")
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="one round")
    parser.add_argument("--against", metavar="GOLIVE", help="another golive to compare")
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
        if args.against:
            compare(args.against, runs * 3)
    finally:
        timed("down")
        shutil.rmtree(ENV["GOLIVE_SANDBOX_DIR"], ignore_errors=True)
    print(f"cold up (first install of data): {cold:.1f} s")
    print(f"warm up after down, median of {runs}: {statistics.median(warm):.1f} s")
    print(f"up when already running, median of {runs}: {statistics.median(idle):.2f} s")


def compare(other: str, rounds: int) -> None:
    """The running ``up`` of this golive and ``other``, interleaved, with a yardstick."""
    mine, theirs, stick = [], [], []
    for _ in range(rounds):
        mine.append(timed("up"))
        theirs.append(timed("up", golive=other))
        started = time.perf_counter()
        subprocess.run(YARDSTICK, check=True, timeout=TIMEOUT_S)
        stick.append(time.perf_counter() - started)
    timed("up")  # this golive's files last (the other may write its own)
    yard = statistics.median(stick)
    for name, got in ((GOLIVE, mine), (other, theirs)):
        median, spread = statistics.median(got), f"{min(got):.2f}-{max(got):.2f}"
        print(
            f"up when running, {name}: median of {rounds} {median:.2f} s "
            f"({median / yard:.0f}x the yardstick), range {spread} s"
        )
    print(f"yardstick (python3 -I -S -c pass): median {yard * 1000:.0f} ms")


if __name__ == "__main__":
    main()
