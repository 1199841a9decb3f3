"""Time to verdict of `golive certify` (the whole plan in one run), with and without the load
phase, against the sum of its inherent parts measured separately in the same run (ratio), and
against the smoke scope as the yardstick.

The inherent parts (issue 24): certify's suites in three pytest runs of their own, each timed
by its session (``timings.duration_s`` of its verdict.json: the checks themselves, without the
process's start or the reports): the checks (``not drill and not performance``), the
destructive drills (``drill``) and the load test (``performance``). Certify can cost no less
than their sum run one after another; the ratio says what it adds (start, gate, plan proof,
certificate, bundle) or saves (a drill run beside the checks it cannot disturb, ``-n 2``).

Each certify run is timed from start until its final verdict line (`golive verdict: ...`),
so the Allure HTML report is left out (--no-report); the certificate and the bundle are in.
Runs against the sandbox the environment variables name (GOLIVE_SANDBOX_DIR, GOLIVE_NETNS),
which must be up. Target without load: under 60 s.

Run: .venv/bin/python bench/certify_time.py [--runs 1] [--workers 0] [--quick]
(``--quick``: smoke, the checks and drills parts and certify without load, once. Each run
must end as the healthy sandbox does, or the benchmark fails: the parts GO (the checks part
may be CONDITIONAL); smoke GO; certify GO or CONDITIONAL (a fresh sandbox has no
latency baseline); certify ``--no-load`` NO-GO for the plan items only the load checks prove
and nothing else, its suites GO or CONDITIONAL. A certify that takes longer than TIMEOUT_S is
killed and fails it.)
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from scope_run import TIMEOUT_S, expect, run_scope

from golive.cli.certify import ORDER

REPO = Path(__file__).resolve().parents[1]
GOLIVE = str(Path(sys.executable).with_name("golive"))
PLAN_ONLY = "no check of this run names it"  # a plan item no check of the run proved
CERTIFIED = f"({' or '.join(ORDER)})"
"""Certify's suites as a marker expression (``watch`` has no certify place)."""
PARTS = {
    "checks": f"{CERTIFIED} and not drill and not performance",
    "drills": f"{CERTIFIED} and drill",
    "load": f"{CERTIFIED} and performance",
}
"""Certify's inherent parts, each a run of its own."""


def part(markers: str, reports: str, *extra: str) -> tuple[float, float, str]:
    """One inherent part: its session's own seconds (verdict.json), its wall time, verdict."""
    run = run_scope(markers, reports, *extra)
    try:
        doc = json.loads(Path(reports, "verdict.json").read_text(encoding="utf-8"))
        session = float(doc["timings"]["duration_s"])
    except (OSError, ValueError, KeyError, TypeError):
        return run.elapsed, run.elapsed, run.verdict  # no verdict.json: the check below fails
    # a verdict the bench does not expect says why (the reports are a temporary directory's)
    blockers = doc.get("blockers") or []
    said = [f"{b.get('host')}: {b.get('check')}: {b.get('message')}" for b in blockers[:3]]
    if said and run.verdict == "NO-GO":
        return session, run.elapsed, f"{run.verdict} ({'; '.join(said)})"
    return session, run.elapsed, run.verdict


def certify(reports: str, *options: str) -> tuple[float, str]:
    """Seconds from start to the certify verdict line, and the verdict."""
    started = time.perf_counter()
    proc = subprocess.Popen(
        [GOLIVE, "certify", "--no-report", "--reports", reports, *options],
        cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    assert proc.stdout is not None
    watchdog = threading.Timer(TIMEOUT_S, proc.kill)
    watchdog.start()
    verdict, suites, unproven, elapsed = "no verdict", "no verdict", True, 0.0
    try:
        for line in proc.stdout:
            if match := re.match(r"golive verdict: (\S+)", line):
                verdict, elapsed = match.group(1), time.perf_counter() - started
            elif match := re.match(r"suites verdict: (\S+)", line):
                suites = match.group(1)
            elif line.startswith("golive certify: NO-GO: "):
                unproven = unproven and line.rstrip().endswith(PLAN_ONLY)
        proc.wait()
    finally:
        watchdog.cancel()
    if proc.returncode == -9:
        verdict = f"no verdict (killed after {TIMEOUT_S:g} s)"
    elif "--no-load" in options and verdict == "NO-GO" and unproven:
        # without load, the plan items only the load checks prove stay open: NO-GO by
        # design; what the run says of the environment is its suites' verdict
        verdict = f"{suites} (suites; NO-GO without load)"
    return elapsed or time.perf_counter() - started, verdict


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--workers", type=int, default=0, help="pytest-xdist workers (-n)")
    parser.add_argument("--quick", action="store_true", help="smoke and certify --no-load, once")
    args = parser.parse_args()
    if args.quick:
        args.runs = 1
    extra = ["-n", str(args.workers)] if args.workers else []
    xdist = ["--", *extra] if extra else []
    rows: dict[str, list[tuple[float, str]]] = {"without load": [], "with load": [], "smoke": []}
    parts: dict[str, list[tuple[float, float, str]]] = {name: [] for name in PARTS}
    with tempfile.TemporaryDirectory() as tmp:
        for i in range(args.runs):
            smoke = run_scope("smoke", f"{tmp}/s{i}")
            rows["smoke"].append((smoke.elapsed, smoke.verdict))
            for name, markers in PARTS.items():
                if name != "load" or not args.quick:
                    parts[name].append(part(markers, f"{tmp}/{name}{i}", *extra))
            rows["without load"].append(certify(f"{tmp}/n{i}", "--no-load", *xdist))
            if not args.quick:
                rows["with load"].append(certify(f"{tmp}/l{i}", *xdist))
    yard = statistics.median(t for t, _ in rows["smoke"])
    inherent: dict[str, float] = {}
    for name, measured in parts.items():
        if not measured:
            continue
        inherent[name] = statistics.median(s for s, _, _ in measured)
        wall = statistics.median(w for _, w, _ in measured)
        said = ", ".join(f"{s:.1f} s ({v})" for s, _, v in measured)
        print(f"part {name}: {said}; median {inherent[name]:.1f} s of checks, {wall:.1f} s wall")
    for name, runs in rows.items():
        if not runs:
            continue
        median = statistics.median(t for t, _ in runs)
        verdicts = ", ".join(f"{t:.1f} s ({v})" for t, v in runs)
        used = [p for p in inherent if name != "without load" or p != "load"]
        versus = ""
        if name != "smoke" and all(p in inherent for p in used):
            total = sum(inherent[p] for p in used)
            summed = f"{' + '.join(used)} = {total:.1f} s"
            versus = f", {median / total:.2f}x its inherent parts ({summed})"
        print(f"{name}: {verdicts}; median {median:.1f} s = {median / yard:.1f}x smoke{versus}")
    for name, measured in parts.items():
        allowed = ("GO",) if name == "drills" else ("GO", "CONDITIONAL")
        for _, _, verdict in measured:
            expect(f"part {name} on the healthy sandbox", verdict, *allowed)
    for name, runs in rows.items():
        expected = ["GO", "CONDITIONAL"][: 1 if name == "smoke" else 2]
        if name == "without load":
            expected = [f"{v} (suites; NO-GO without load)" for v in expected]
        for _, verdict in runs:
            expect(f"{name} on the healthy sandbox", verdict, *expected)


if __name__ == "__main__":
    main()
