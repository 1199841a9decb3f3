"""What a smoke run pays before its first check: whole-process wall time of
`pytest -m smoke --collect-only`, of a real `pytest -m smoke`, and of bare pytest running one
trivial test without golive's plugin (the floor), interleaved in one run so a busy machine
weighs on all three alike; medians and the ratio of each to the floor, with the load average.

Also lists which heavy modules (sslyze, psycopg, locust, matplotlib, ...) a smoke collection
imported. Runs against the sandbox the environment variables name (GOLIVE_SANDBOX_DIR,
GOLIVE_NETNS), which must be up; `--root` measures another checkout (e.g. `git archive` of an
older commit) with this venv.

Run: .venv/bin/python bench/import_cost.py [--runs 5] [--root DIR]; --quick is one run each.
"""

from __future__ import annotations

import argparse
import os
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


def timed(args: list[str], cwd: Path, env: dict[str, str]) -> float:
    started = time.perf_counter()
    proc = subprocess.run(
        args, cwd=cwd, env=env, capture_output=True, text=True, timeout=TIMEOUT, check=False
    )
    elapsed = time.perf_counter() - started
    if proc.returncode not in (0, 5):
        tail = "\n".join((proc.stdout + proc.stderr).splitlines()[-5:])
        raise SystemExit(f"{' '.join(args[1:])} exited {proc.returncode}:\n{tail}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--quick", action="store_true", help="one run of each")
    parser.add_argument("--root", type=Path, default=REPO, help="the checkout to measure")
    args = parser.parse_args()
    runs = 1 if args.quick else args.runs
    root = args.root.resolve()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        (work / "test_trivial.py").write_text("def test_trivial():\n    pass\n")
        (work / "import_cost_dump.py").write_text(DUMP)
        env = {**os.environ, "PYTHONPATH": f"{root}{os.pathsep}{work}"}
        env["IMPORT_COST_DUMP"] = str(work / "modules.txt")
        floor = [PYTEST, "-q", "-p", "no:golive", "-p", "no:cacheprovider", "test_trivial.py"]
        collect = [PYTEST, "-q", "-m", "smoke", "--collect-only", "-p", "import_cost_dump"]
        smoke = [PYTEST, "-q", "-m", "smoke", "-p", "no:randomly", f"--golive-reports={work}/r"]
        times: dict[str, list[float]] = {"floor": [], "collect": [], "smoke": []}
        for _ in range(runs):
            times["floor"].append(timed(floor, work, env))
            times["collect"].append(timed(collect, root, env))
            times["smoke"].append(timed(smoke, root, env))
        imported = set((work / "modules.txt").read_text().split())
    base = statistics.median(times["floor"])
    print(f"root {root}; load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    for name, values in times.items():
        median = statistics.median(values)
        runs_text = ", ".join(f"{v:.2f}" for v in values)
        print(f"{name:8} median {median:.2f} s ({median / base:.1f}x floor); runs {runs_text}")
    print("heavy modules after a smoke collection:", [m for m in HEAVY if m in imported] or "none")


if __name__ == "__main__":
    main()
