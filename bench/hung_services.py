"""What a hung service costs the smoke scope: whole-process `pytest -m smoke` on the healthy
sandbox, then with one service's processes SIGSTOPped for the run (they accept connections and
answer nothing), each against the healthy median (issue 19: at most 2x).

Cases: ``tomcat`` (app2's Tomcat, every process of it), ``postgres`` (db1's postmaster only:
new connections wait, established sessions go on), ``postgres-all`` (db1's PostgreSQL, every
process: the app's pooled sessions hang too).

Runs as root against the sandbox the environment variables name (GOLIVE_SANDBOX_DIR,
GOLIVE_NETNS), which must be up; every stopped process is continued at the end. Each round
runs the healthy smoke, then each case, so the ratios compare runs made under the same load.

Run: .venv/bin/python bench/hung_services.py [--runs 3] [--quick] [--case tomcat ...]
(``--quick``: one run of each. The healthy runs must be GO and each hung run NO-GO, or the
benchmark fails.)
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import statistics
import tempfile
from contextlib import suppress
from pathlib import Path

from scope_run import ScopeRun, expect, run_scope

from golive.sandbox import lifecycle
from golive.sandbox.context import Sandbox
from golive.sandbox.process import descendants

CASES = {"tomcat": ("app2", "tomcat", True), "postgres": ("db1", "postgres", False)}
CASES["postgres-all"] = ("db1", "postgres", True)


def _signal(pids: list[int], sig: signal.Signals) -> None:
    for pid in pids:
        with suppress(ProcessLookupError):
            os.kill(pid, sig)


def _blockers(reports: str) -> list[str]:
    with suppress(OSError, ValueError):
        doc = json.loads((Path(reports) / "verdict.json").read_text())
        return [f"{b['host']}: {b['check']}" for b in doc.get("blockers", [])]
    return []


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="one run of each case")
    parser.add_argument("--case", action="append", choices=sorted(CASES))
    args = parser.parse_args()
    runs = 1 if args.quick else args.runs
    sbx = Sandbox.load()
    cases = args.case or list(CASES)
    healthy: list[float] = []
    times: dict[str, list[float]] = {case: [] for case in cases}
    blockers: dict[str, list[str]] = {}  # each case's, in its last run
    loads = [os.getloadavg()[0]]
    with tempfile.TemporaryDirectory() as reports:
        # interleaved, one healthy run then each hung case per round: a shared machine's load
        # swings weigh on both sides of each ratio alike
        for _ in range(runs):
            run = run_scope("smoke", reports)
            expect("healthy smoke", run.verdict, "GO")
            healthy.append(run.elapsed)
            for case in cases:
                done = _hung_run(sbx, case, reports)
                expect(f"smoke with {case} hung", done.verdict, "NO-GO")
                times[case].append(done.elapsed)
                blockers[case] = _blockers(reports)
            loads.append(os.getloadavg()[0])
    base = statistics.median(healthy)
    print(f"1-minute load average during the run: {min(loads):.1f} to {max(loads):.1f}")
    print(f"healthy smoke: median {base:.2f} s ({', '.join(f'{t:.2f}' for t in healthy)})")
    for case in cases:
        hung = statistics.median(times[case])
        print(
            f"{case} hung: median {hung:.2f} s, {hung / base:.2f}x healthy "
            f"({', '.join(f'{t:.2f}' for t in times[case])}; NO-GO; blockers: "
            f"{', '.join(blockers[case])})"
        )


def _hung_run(sbx: Sandbox, case: str, reports: str) -> ScopeRun:
    """One smoke run with the case's processes stopped, continued at the end whatever
    happens."""
    host, service, whole = CASES[case]
    pidfile = lifecycle.service(sbx, host, service).pidfile(sbx)
    main_pid = int(pidfile.read_text().split()[0])
    pids = descendants(main_pid) if whole else [main_pid]
    try:
        _signal(pids, signal.SIGSTOP)
        return run_scope("smoke", reports)
    finally:
        _signal(pids, signal.SIGCONT)


if __name__ == "__main__":
    main()
