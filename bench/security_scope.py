"""Time of the full security scope: whole-process `pytest -m security` runs, with the slowest
setups (the sslyze scan, the nmap scan, the reachability probes) reported per run.

Runs against the sandbox the environment variables name (GOLIVE_SANDBOX_DIR, GOLIVE_NETNS),
which must be up. Target (issue 5): under 30 s.

Run: .venv/bin/python bench/security_scope.py [--runs 3] [--quick]
(``--quick``: one run; every run must be GO on the healthy sandbox, or the benchmark fails.)
"""

from __future__ import annotations

import argparse
import re
import statistics
import tempfile

from scope_run import expect, run_scope

DURATION = re.compile(r"^([\d.]+)s (setup|call)\s+(\S+)$")


def slowest(stdout: str) -> list[str]:
    """The slowest setups and calls pytest's --durations listed."""
    return [
        f"{m[1]} s {m[2]} {m[3].split('::')[-1]}"
        for line in stdout.splitlines()
        if (m := DURATION.match(line.strip()))
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="one run")
    args = parser.parse_args()
    if args.quick:
        args.runs = 1
    with tempfile.TemporaryDirectory() as reports:
        runs = [run_scope("security", reports, "--durations=3") for _ in range(args.runs)]
    for run in runs:
        print(f"{run.elapsed:.2f} s ({run.verdict}); slowest: {'; '.join(slowest(run.stdout))}")
    times = [run.elapsed for run in runs]
    print(
        f"security scope: median {statistics.median(times):.2f} s, "
        f"max {max(times):.2f} s over {args.runs} runs"
    )
    for run in runs:
        expect("pytest -m security on the healthy sandbox", run.verdict, "GO")


if __name__ == "__main__":
    main()
