"""The union `(predeploy or smoke or integration or security) and not drill` serially and on N
pytest-xdist workers (``-n N``), interleaved in one run so a busy machine weighs on both alike
(issue 24: the ``-n 2`` union faster than serial). Medians of whole-process wall and CPU time
(the process and the children it waited for: workers, ssh), the ratio of ``-n N`` to serial, and
each run split by a small timing plugin (the controller's: under xdist the checks are reported
to it) into before its first check, its checks and after its last check; with the load average.

``--root DIR`` (repeatable) runs other checkouts too, with this venv (a checkout other than
this one needs its pytest_golive laid out: ``for d in plugins fixtures suites; do ln -s ../$d
DIR/pytest_golive/$d; done``, else the editable install's finder imports this checkout's).
Runs against the sandbox the environment variables name (GOLIVE_SANDBOX_DIR, GOLIVE_NETNS),
which must be up; every run must be GO. Measure with bytecode caching on (unset
PYTHONDONTWRITEBYTECODE).

Run: .venv/bin/python bench/union_workers.py [--runs 3] [--workers 2] [--root DIR ...];
--quick: one run of each, this checkout.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import tempfile
from pathlib import Path

from import_cost import PHASES, UNION, _cpu
from scope_run import REPO, expect, run_scope

TIMEOUT_S = 300.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--workers", type=int, default=2, help="pytest-xdist workers (-n)")
    parser.add_argument("--quick", action="store_true", help="one run of each")
    parser.add_argument("--root", type=Path, action="append", help="a checkout to measure")
    args = parser.parse_args()
    runs = 1 if args.quick else args.runs
    roots = [REPO] if args.quick else [r.resolve() for r in args.root or [REPO]]
    modes = {"serial": (), f"-n {args.workers}": ("-n", str(args.workers))}
    loads = [os.getloadavg()[0]]
    times: dict[tuple[int, str], list[tuple[float, float]]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        (work / "union_phases.py").write_text(PHASES)
        for _ in range(runs):
            for i, root in enumerate(roots):
                for mode, extra in modes.items():
                    phases = work / f"phases-{i}-{mode}.jsonl"
                    env = {**os.environ, "IMPORT_COST_PHASES": str(phases)}
                    env["PYTHONPATH"] = os.pathsep.join([str(root), str(work)])
                    cpu = _cpu()
                    run = run_scope(
                        UNION, str(work / "r"), "-p", "union_phases", *extra,
                        timeout=TIMEOUT_S, root=root, env=env,
                    )  # fmt: skip
                    expect(f"{root} {mode}", run.verdict, "GO")
                    times.setdefault((i, mode), []).append((run.elapsed, _cpu() - cpu))
                loads.append(os.getloadavg()[0])
        split = {
            key: [json.loads(line) for line in p.read_text().splitlines()]
            for key in times
            if (p := work / f"phases-{key[0]}-{key[1]}.jsonl").exists()
        }
    print(f"1-minute load average during the run: {min(loads):.1f} to {max(loads):.1f}")
    print(f"bytecode caching {'off' if os.environ.get('PYTHONDONTWRITEBYTECODE') else 'on'}")
    for i, root in enumerate(roots):
        serial = statistics.median(w for w, _ in times[(i, "serial")])
        for mode in modes:
            values = times[(i, mode)]
            wall = statistics.median(w for w, _ in values)
            cpu = statistics.median(c for _, c in values)
            runs_text = ", ".join(f"{w:.2f}" for w, _ in values)
            print(
                f"{i} {root} {mode}: wall median {wall:.2f} s ({wall / serial:.2f}x serial), "
                f"CPU {cpu:.2f} s; wall runs {runs_text}"
            )
            marks = split.get((i, mode), [])
            if marks:
                before = statistics.median(m["first"][0] for m in marks)
                checks = statistics.median(m["last"][0] - m["first"][0] for m in marks)
                after = statistics.median(m["exit"][0] - m["last"][0] for m in marks)
                print(
                    f"    before the first check {before:.2f} s, checks {checks:.2f} s, "
                    f"after the last check {after:.2f} s"
                )


if __name__ == "__main__":
    main()
