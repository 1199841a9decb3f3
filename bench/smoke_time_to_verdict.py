"""Time to verdict of the smoke scope: median of whole-process `pytest -m smoke` runs.

Runs against the sandbox the environment variables name (GOLIVE_SANDBOX_DIR, GOLIVE_NETNS),
which must be up. Target: under 5 s.

Run: .venv/bin/python bench/smoke_time_to_verdict.py [--runs 5] [--quick]
(``--quick``: one run; every run must be GO on the healthy sandbox, or the benchmark fails.)
"""

from __future__ import annotations

import argparse
import statistics
import tempfile

from scope_run import expect, run_scope


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--quick", action="store_true", help="one run")
    args = parser.parse_args()
    if args.quick:
        args.runs = 1
    with tempfile.TemporaryDirectory() as reports:
        runs = [run_scope("smoke", reports) for _ in range(args.runs)]
    times = [r.elapsed for r in runs]
    print("runs:", ", ".join(f"{r.elapsed:.2f} s ({r.verdict})" for r in runs))
    print(f"smoke time to verdict: median {statistics.median(times):.2f} s over {args.runs} runs")
    for run in runs:
        expect("pytest -m smoke on the healthy sandbox", run.verdict, "GO")


if __name__ == "__main__":
    main()
