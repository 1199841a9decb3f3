"""A smoke run pays only for what smoke uses (issue 24): collecting golive's own suites for
`-m smoke` imports none of the heavy dependencies other scopes need (sslyze for TLS, psycopg
for the database, locust for load, matplotlib for plots, nmap for port scans, paramiko for the
SSH authentication check); their probes and fixtures import them when they run. Speed itself
is measured in bench/import_cost.py."""

from __future__ import annotations

import os
import subprocess
import sys

from conftest import EXPECTATIONS, REPO, Golive

HEAVY = ("sslyze", "nassl", "psycopg", "locust", "matplotlib", "nmap", "paramiko", "hypothesis")

# a plugin of the inner run: what was imported once collection is finished
DUMP = """
import os, sys

def pytest_collection_finish(session):
    with open(os.environ["GOLIVE_TEST_MODULES"], "w") as f:
        f.write("\\n".join(sorted(sys.modules)))
"""


def test_a_smoke_collection_imports_no_heavy_dependency(golive: Golive) -> None:
    # the fake environment (no sandbox, no network) with every role golive's suites name
    roles = {"app": {}, "db": {}, "lb": {"optional": True}}
    golive.write("expectations.yml", {**EXPECTATIONS, "roles": roles})
    golive.pytester.makepyfile(dump_modules=DUMP)
    dump = golive.pytester.path / "modules.txt"
    env = {
        **os.environ,
        "GOLIVE_TEST_MODULES": str(dump),
        "PYTHONPATH": os.pathsep.join([str(golive.pytester.path), str(REPO)]),
    }
    suites = REPO / "suites"
    out = subprocess.run(
        [sys.executable, "-m", "pytest", str(suites), "--collect-only", "-q", "-m", "smoke",
         "-p", "dump_modules", "--env", "fake", f"--golive-reports={golive.reports}"],
        cwd=golive.pytester.path, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-3000:]
    modules = set(dump.read_text().split())
    assert "suites.smoke.test_smoke" in modules  # the dump is of this run
    # no other suite was imported: none of their checks can match -m smoke (plugins/scope.py)
    others = sorted(m for m in modules if m.startswith("suites.") and ".smoke" not in m)
    assert others == [], f"a smoke collection imported {others}"
    imported = sorted({m.split(".")[0] for m in modules} & set(HEAVY))
    assert not imported, f"a smoke collection imported {imported}"
