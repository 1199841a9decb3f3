"""Rollback rehearsal time, per phase, against the bare runbook as the yardstick.

golive: whole-process `pytest -m rollback -k rehearsal` (the drill: a synthetic order, the
runbook back, the smoke probes on the previous release, the runbook forward, the probes on the
candidate); its phases come from the check's own evidence ("rollback rehearsal phases").
Yardstick, in the same run, alternated with it: the sandbox's runbook alone, `back` then
`forward`, run as root in the sandbox's namespace (no SSH, no sudo, no validation).
Reported: each phase's median, and the ratios golive / bare for the rollback phase and for the
whole rehearsal (the check's duration against bare back + forward).

Runs against the sandbox the environment variables name (GOLIVE_SANDBOX_DIR, GOLIVE_NETNS),
which must be up; as root.

Run: .venv/bin/python bench/rollback_rehearsal.py [--runs 3] [--quick]
(``--quick``: one run. The runbook must succeed and each rehearsal be GO, or the benchmark
fails.)
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

from scope_run import expect, run_scope

RUNBOOK_TIMEOUT_S = 300.0


def bare(runbook: str, netns: str, direction: str) -> float:
    started = time.perf_counter()
    subprocess.run(
        ["ip", "netns", "exec", netns, runbook, direction],
        check=True, capture_output=True, timeout=RUNBOOK_TIMEOUT_S,
    )  # fmt: skip
    return time.perf_counter() - started


def rehearsal(reports: str) -> tuple[dict[str, float], float, str]:
    """The phases (s), the check's duration (s) and the verdict of one golive run."""
    run = run_scope("rollback", reports, "-k", "rehearsal")
    phases: dict[str, float] = {}
    for path in Path(reports, "allure-results").glob("*-attachment.json"):
        data = json.loads(path.read_text())
        if isinstance(data, dict) and "phases" in data:
            phases = {p["name"]: p["seconds"] for p in data["phases"]}
    verdict = json.loads(Path(reports, "verdict.json").read_text())
    check = next(c for c in verdict["checks"] if c["id"].endswith("test_rollback_rehearsal"))
    return phases, float(check["duration"]), run.verdict


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="one run")
    args = parser.parse_args()
    if args.quick:
        args.runs = 1
    sandbox = os.environ.get("GOLIVE_SANDBOX_DIR", "/var/lib/golive/sandbox")
    netns = os.environ.get("GOLIVE_NETNS", "golive-sbx")
    runbook = str(Path(sandbox, "bin", "rollback"))
    backs, forwards, checks = [], [], []
    phases: dict[str, list[float]] = {}
    for i in range(args.runs):
        backs.append(bare(runbook, netns, "back"))
        forwards.append(bare(runbook, netns, "forward"))
        with tempfile.TemporaryDirectory() as reports:
            got, duration, verdict = rehearsal(reports)
        expect("the rollback rehearsal on the healthy sandbox", verdict, "GO")
        checks.append(duration)
        for name, seconds in got.items():
            phases.setdefault(name, []).append(seconds)
        print(
            f"run {i + 1}: bare back {backs[-1]:.2f} s, forward {forwards[-1]:.2f} s; golive "
            f"{verdict}, check {duration:.2f} s: "
            + ", ".join(f"{k} {v:.2f} s" for k, v in got.items())
        )
    med = statistics.median
    print(f"bare runbook: back {med(backs):.2f} s, forward {med(forwards):.2f} s (median)")
    for name, values in phases.items():
        print(f"golive phase {name}: median {med(values):.2f} s")
    if "rollback" in phases:
        print(f"rollback phase / bare back: {med(phases['rollback']) / med(backs):.2f}")
    whole = med(checks) / (med(backs) + med(forwards))
    print(f"rehearsal check {med(checks):.2f} s / bare back + forward: {whole:.2f}")


if __name__ == "__main__":
    main()
