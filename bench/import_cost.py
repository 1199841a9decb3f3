"""What a smoke run pays before its first check: whole-process wall time of
`pytest -m smoke --collect-only`, of a real `pytest -m smoke`, and of bare pytest running one
trivial test without golive's plugin (the floor), interleaved in one run so a busy machine
weighs on all three alike; medians and the ratio of each to the floor, with the load average.

Also lists which heavy modules (sslyze, psycopg, locust, matplotlib, ...) a smoke collection
imported. Runs against the sandbox the environment variables name (GOLIVE_SANDBOX_DIR,
GOLIVE_NETNS), which must be up. `--root DIR` (repeatable) measures other checkouts (e.g. a
`git archive` of an older commit) with this venv, interleaved with the same floor runs. The
floor is pytest alone: no golive plugin, no hypothesis plugin. Measure with bytecode caching on
(unset PYTHONDONTWRITEBYTECODE; PYTHONPYCACHEPREFIX keeps the caches out of the checkouts).

Run: .venv/bin/python bench/import_cost.py [--runs 5] [--root DIR ...]; --quick: one run each.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
PYTEST = str(Path(sys.executable).with_name("pytest"))
HEAVY = ("sslyze", "nassl", "psycopg", "locust", "matplotlib", "nmap", "paramiko", "hypothesis")
TIMEOUT = 120.0
DUMP = """import os, sys
def pytest_collection_finish(session):
    with open(os.environ["IMPORT_COST_DUMP"], "w") as f:
        f.write("\\n".join(sorted(sys.modules)))
"""


def _cpu() -> float:
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    return used.ru_utime + used.ru_stime


def timed(args: list[str], cwd: Path, env: dict[str, str]) -> tuple[float, float]:
    """Wall time and CPU time (user + system, less sensitive to a busy machine) of a run."""
    started, cpu = time.perf_counter(), _cpu()
    proc = subprocess.run(
        args, cwd=cwd, env=env, capture_output=True, text=True, timeout=TIMEOUT, check=False
    )
    elapsed, cpu = time.perf_counter() - started, _cpu() - cpu
    if proc.returncode not in (0, 5):
        tail = "\n".join((proc.stdout + proc.stderr).splitlines()[-5:])
        raise SystemExit(f"{' '.join(args[1:])} exited {proc.returncode}:\n{tail}")
    return elapsed, cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--quick", action="store_true", help="one run of each")
    parser.add_argument("--root", type=Path, action="append", help="a checkout to measure")
    args = parser.parse_args()
    runs = 1 if args.quick else args.runs
    roots = [r.resolve() for r in args.root or [REPO]]
    loads = [os.getloadavg()[0]]
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        (work / "test_trivial.py").write_text("def test_trivial():\n    pass\n")
        (work / "import_cost_dump.py").write_text(DUMP)
        envs = {r: {**os.environ, "PYTHONPATH": f"{r}{os.pathsep}{work}"} for r in roots}
        for root, env in envs.items():
            env["IMPORT_COST_DUMP"] = str(work / f"modules-{roots.index(root)}.txt")
        bare = ["-p", "no:golive", "-p", "no:hypothesispytest", "-p", "no:cacheprovider"]
        floor = [PYTEST, "-q", *bare, "test_trivial.py"]
        collect = [PYTEST, "-q", "-m", "smoke", "--collect-only", "-p", "import_cost_dump"]
        smoke = [PYTEST, "-q", "-m", "smoke", "-p", "no:randomly", f"--golive-reports={work}/r"]
        times: dict[str, list[tuple[float, float]]] = {"floor": []}
        for _ in range(runs):
            times["floor"].append(timed(floor, work, os.environ.copy()))
            for i, root in enumerate(roots):
                times.setdefault(f"{i} collect", []).append(timed(collect, root, envs[root]))
                times.setdefault(f"{i} smoke", []).append(timed(smoke, root, envs[root]))
            loads.append(os.getloadavg()[0])
        imported = [set((work / f"modules-{i}.txt").read_text().split()) for i in range(len(roots))]
    base = statistics.median(w for w, _ in times["floor"])
    base_cpu = statistics.median(c for _, c in times["floor"])
    print(f"1-minute load average during the run: {min(loads):.1f} to {max(loads):.1f}")
    # without bytecode caching every module (and pytest's assertion rewrite) compiles anew
    caching = "off" if os.environ.get("PYTHONDONTWRITEBYTECODE") else "on"
    print(f"bytecode caching {caching}; pycache prefix {sys.pycache_prefix or 'none'}")
    for i, root in enumerate(roots):
        print(f"{i}: {root}; heavy modules after a smoke collection:", end=" ")
        print(", ".join(m for m in HEAVY if m in imported[i]) or "none")
    for name, values in times.items():
        wall = statistics.median(w for w, _ in values)
        cpu = statistics.median(c for _, c in values)
        runs_text = ", ".join(f"{w:.2f}" for w, _ in values)
        print(
            f"{name:10} wall median {wall:.2f} s ({wall / base:.1f}x floor), CPU median "
            f"{cpu:.2f} s ({cpu / base_cpu:.1f}x floor); wall runs {runs_text}"
        )


if __name__ == "__main__":
    main()
