"""Time to verdict and what a run pays besides its checks: whole-process wall time of
`pytest -m smoke --collect-only`, of a real `pytest -m smoke`, and of bare pytest running one
trivial test without golive's plugin (the floor), interleaved in one run so a busy machine
weighs on all three alike; medians and the ratio of each to the floor, with the load average.
With ``--union``, also the union `predeploy or smoke or integration or security` without the
drills. Each real run is split (a small timing plugin, wall and the process's own CPU) into
before its first check (interpreter, plugins, environment, collection), its checks, and after
its last check (gate, identity, versions, Allure marks, redaction, reports, exit).

Also lists which heavy modules (sslyze, psycopg, locust, matplotlib, ...) a smoke collection
imported. Runs against the sandbox the environment variables name (GOLIVE_SANDBOX_DIR,
GOLIVE_NETNS), which must be up. `--root DIR` (repeatable) measures other checkouts (e.g. a
`git archive` of an older commit) with this venv, interleaved with the same floor runs
(each root's pytest_golive laid out as its wheel's: the editable install would give any root
this checkout's plugins, fixtures and suites). The floor is pytest alone: no golive plugin, no
hypothesis plugin. Measure with bytecode caching on (unset PYTHONDONTWRITEBYTECODE;
PYTHONPYCACHEPREFIX keeps the caches out of the checkouts). `--python PATH` (repeatable)
measures the checkout with another venv's interpreter (its pytest beside it), interleaved, each
against its own floor: e.g. the venv `make setup` makes (Debian's python3) against one made
from another build of CPython (pyenv's).

Run: .venv/bin/python bench/import_cost.py [--runs 5] [--union] [--root DIR ...]
[--python PATH ...]; --quick: one run each (every real run must be GO, or the benchmark fails).
"""

from __future__ import annotations

import argparse
import json
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
UNION = "(predeploy or smoke or integration or security) and not drill"
# the phases of a run: wall since the process started (/proc) and the process's own CPU time
# (bench/union_workers.py uses it too: under xdist, the controller's)
PHASES = """import atexit, json, os, time
def _age():
    with open("/proc/self/stat") as f:
        started = float(f.read().rsplit(")", 1)[1].split()[19]) / os.sysconf("SC_CLK_TCK")
    with open("/proc/uptime") as f:
        return float(f.read().split()[0]) - started
_T0, _AGE0 = time.perf_counter(), _age()
_marks = {}
def _mark(name):
    _marks[name] = (_AGE0 + time.perf_counter() - _T0, time.process_time())
def pytest_runtest_logstart(nodeid, location):
    _marks.setdefault("first", (_AGE0 + time.perf_counter() - _T0, time.process_time()))
def pytest_runtest_logfinish(nodeid, location):
    _mark("last")
@atexit.register
def _write():
    if os.environ.get("PYTEST_XDIST_WORKER") or "first" not in _marks:
        return  # a worker's checks are its controller's; a run without checks has no phases
    _mark("exit")
    with open(os.environ["IMPORT_COST_PHASES"], "a") as f:
        f.write(json.dumps(_marks) + "\\n")
"""


def _cpu() -> float:
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    return used.ru_utime + used.ru_stime


def timed(args: list[str], cwd: Path, env: dict[str, str]) -> tuple[float, float]:
    """Wall time and CPU time (user + system, less sensitive to a busy machine) of a run; a
    real run (with --golive-reports) must end GO."""
    started, cpu = time.perf_counter(), _cpu()
    proc = subprocess.run(
        args, cwd=cwd, env=env, capture_output=True, text=True, timeout=TIMEOUT, check=False
    )
    elapsed, cpu = time.perf_counter() - started, _cpu() - cpu
    real = any(a.startswith("--golive-reports") for a in args)
    if proc.returncode not in (0, 5) or (real and "golive verdict: GO" not in proc.stdout):
        tail = "\n".join((proc.stdout + proc.stderr).splitlines()[-5:])
        raise SystemExit(f"{' '.join(args[1:])} exited {proc.returncode}:\n{tail}")
    return elapsed, cpu


def phases(path: Path) -> list[tuple[float, float, float, float, float, float]]:
    """Each run's (before the first check, checks, after the last check): wall, own CPU."""
    out = []
    for line in path.read_text().splitlines() if path.exists() else []:
        m = json.loads(line)
        first, last, end = m["first"], m["last"], m["exit"]
        out.append(
            (first[0], last[0] - first[0], end[0] - last[0],
             first[1], last[1] - first[1], end[1] - last[1])
        )  # fmt: skip
    return out


def overlay(root: Path, into: Path) -> list[str]:
    """The import path that runs ``root``'s golive: the root itself (golive, and the suites
    pytest collects from it), and for a root other than this checkout, pytest_golive laid out
    as its wheel is (its folders plugins/, fixtures/ and suites/ are linked in), since the
    editable install's finder maps ``pytest_golive.plugins`` and the others to this checkout
    whatever comes first on the path."""
    if root == REPO:
        return [str(root)]
    package = into / "pytest_golive"
    package.mkdir(parents=True)
    for path in (root / "pytest_golive").glob("*.py"):
        (package / path.name).symlink_to(path)
    for folder in ("plugins", "fixtures", "suites"):
        (package / folder).symlink_to(root / folder, target_is_directory=True)
    return [str(into), str(root)]


def _floor(j: int) -> str:
    """The name of the floor measured with the ``j``-th interpreter."""
    return "floor" if j == 0 else f"floor {j}"


def _version(python: str) -> str:
    """The interpreter's version, and whether it runs libpython as a shared library (a
    position-independent build that calls itself through the PLT: pyenv's default) or has it
    linked in (Debian's /usr/bin/python3)."""
    code = (
        "import sys; shared = any('libpython' in line for line in open('/proc/self/maps')); "
        "print(sys.version.split()[0], 'libpython shared' if shared else 'libpython linked in')"
    )
    return subprocess.run(
        [python, "-c", code], capture_output=True, text=True, timeout=30, check=False
    ).stdout.strip()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--quick", action="store_true", help="one run of each")
    parser.add_argument("--root", type=Path, action="append", help="a checkout to measure")
    parser.add_argument("--union", action="store_true", help="also the union, no drills")
    parser.add_argument("--python", action="append", help="a venv's python to measure with")
    args = parser.parse_args()
    runs = 1 if args.quick else args.runs
    roots = [r.resolve() for r in args.root or [REPO]]
    pythons = [str(Path(p).absolute()) for p in args.python or [sys.executable]]
    # what is measured: each checkout with each interpreter (its venv's pytest)
    subjects = [(root, python) for python in pythons for root in roots]
    pytests = {p: str(Path(p).with_name("pytest")) for p in pythons}
    loads = [os.getloadavg()[0]]
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        (work / "test_trivial.py").write_text("def test_trivial():\n    pass\n")
        (work / "import_cost_dump.py").write_text(DUMP)
        (work / "import_cost_phases.py").write_text(PHASES)
        paths = {r: [*overlay(r, work / f"o{i}"), str(work)] for i, r in enumerate(roots)}
        envs = {r: {**os.environ, "PYTHONPATH": os.pathsep.join(paths[r])} for r in roots}
        bare = ["-p", "no:golive", "-p", "no:hypothesispytest", "-p", "no:cacheprovider"]
        collect = ["-q", "-m", "smoke", "--collect-only", "-p", "import_cost_dump"]
        real = ["-q", "-p", "no:randomly", "-p", "import_cost_phases", f"--golive-reports={work}/r"]
        scopes = {"smoke": "smoke", **({"union": UNION} if args.union else {})}
        times: dict[str, list[tuple[float, float]]] = {}
        for _ in range(runs):
            for j, python in enumerate(pythons):
                floor = [pytests[python], "-q", *bare, "test_trivial.py"]
                times.setdefault(_floor(j), []).append(timed(floor, work, os.environ.copy()))
            for i, (root, python) in enumerate(subjects):
                env = {**envs[root], "IMPORT_COST_DUMP": str(work / f"modules-{i}.txt")}
                run = [pytests[python], *collect]
                times.setdefault(f"{i} collect", []).append(timed(run, root, env))
                for name, markers in scopes.items():
                    env["IMPORT_COST_PHASES"] = str(work / f"phases-{i}-{name}.jsonl")
                    run = [pytests[python], "-m", markers, *real]
                    times.setdefault(f"{i} {name}", []).append(timed(run, root, env))
            loads.append(os.getloadavg()[0])
        split = {
            f"{i} {name}": phases(work / f"phases-{i}-{name}.jsonl")
            for i in range(len(subjects))
            for name in scopes
        }
        imported = [
            set((work / f"modules-{i}.txt").read_text().split()) for i in range(len(subjects))
        ]
    print(f"1-minute load average during the run: {min(loads):.1f} to {max(loads):.1f}")
    # without bytecode caching every module (and pytest's assertion rewrite) compiles anew
    caching = "off" if os.environ.get("PYTHONDONTWRITEBYTECODE") else "on"
    print(f"bytecode caching {caching}; pycache prefix {sys.pycache_prefix or 'none'}")
    for j, python in enumerate(pythons):
        print(f"{_floor(j)}: {python}, Python {_version(python)}")
    for i, (root, python) in enumerate(subjects):
        print(f"{i}: {root} with {_floor(pythons.index(python))}'s python;", end=" ")
        print("heavy modules after a smoke collection:", end=" ")
        print(", ".join(m for m in HEAVY if m in imported[i]) or "none")
    for name, values in times.items():
        j = pythons.index(subjects[int(name.split()[0])][1]) if name[0].isdigit() else -1
        floor_of = times[_floor(j)] if j >= 0 else values
        base = statistics.median(w for w, _ in floor_of)
        base_cpu = statistics.median(c for _, c in floor_of)
        wall = statistics.median(w for w, _ in values)
        cpu = statistics.median(c for _, c in values)
        runs_text = ", ".join(f"{w:.2f}" for w, _ in values)
        print(
            f"{name:10} wall median {wall:.2f} s ({wall / base:.1f}x floor), CPU median "
            f"{cpu:.2f} s ({cpu / base_cpu:.1f}x floor); wall runs {runs_text}"
        )
        if split.get(name):
            med = [statistics.median(p[k] for p in split[name]) for k in range(6)]
            print(
                f"{'':10} before the first check {med[0]:.2f} s (CPU {med[3]:.2f}), checks "
                f"{med[1]:.2f} s (CPU {med[4]:.2f}), after the last check {med[2]:.2f} s "
                f"(CPU {med[5]:.2f}); this process's CPU, ssh and other children aside"
            )


if __name__ == "__main__":
    main()
