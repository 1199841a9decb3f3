"""golive installs as a package: its built wheel, in a fresh venv, brings the sandbox up, runs
the smoke and performance suites (the load journeys from the wheel) and certifies without
load, from a directory outside the checkout, with the environments in a directory of the
team's own (issue 20: packaged whole; docs/architecture.md#packaging).

Cost: the wheel's install in a fresh venv dominates (its dependencies from the local wheel
directories: 1-4 min on the shared machine), then the quick load profile and certify
``--no-load``; it runs a load test, so it runs alone (``serial``, conftest.ALONE)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from conftest import REPO, terminal_environment

pytestmark = pytest.mark.serial

PLAN_ONLY = "no check of this run names it"
"""How certify names a plan item no check of the run proved (--no-load: the load's items)."""


def _source(tmp_path: Path) -> Path:
    """The checkout's files (tracked, or new and not ignored) in a directory of their own: the
    wheel is built from them alone, never from a stale build/ of the checkout."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=REPO, capture_output=True, check=True, timeout=60,
    ).stdout.decode().split("\0")  # fmt: skip
    source = tmp_path / "source"
    for name in filter(None, listed):
        path = REPO / name
        if path.is_file() and not name.startswith(("tests/", "bench/", "docs/", "examples/")):
            (source / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, source / name, follow_symlinks=False)
    return source


def _run(cmd: list[str], cwd: Path, timeout: float) -> tuple[int, str]:
    # the team's own terminal: its reports go where it runs (reports/), not to a
    # GOLIVE_REPORTS the developer running this test may have set for their own runs
    env = {k: v for k, v in terminal_environment().items() if k != "GOLIVE_REPORTS"}
    proc = subprocess.run(
        cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout,
    )  # fmt: skip
    return proc.returncode, proc.stdout + proc.stderr


@pytest.fixture
def outside_tmp() -> Iterator[Path]:
    """Where the venv and the team's directory go: not under /tmp, which each sandbox host has
    of its own (issue 25), so that the sandbox's bin/service, run on a host, finds the venv's
    Python (under /tmp it did not: the node-loss drill could not restart app2)."""
    where = Path(tempfile.mkdtemp(prefix="golive-wheel-", dir="/var/tmp"))
    where.chmod(0o755)
    try:
        yield where
    finally:
        shutil.rmtree(where, ignore_errors=True)


def test_wheel_in_fresh_venv_runs_the_sandbox_the_load_and_certify_outside_the_checkout(
    tmp_path: Path, outside_tmp: Path
) -> None:
    dist = tmp_path / "dist"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(dist),
         str(_source(tmp_path))],
        check=True, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    (wheel,) = dist.glob("golive-*.whl")
    venv = outside_tmp / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=120)
    install = subprocess.run(
        [str(venv / "bin/pip"), "install", "-q", str(wheel)],
        capture_output=True, text=True, timeout=900,
    )  # fmt: skip
    assert install.returncode == 0, install.stderr[-3000:]

    team = outside_tmp / "team-repo"  # outside the checkout: no conftest, no pytest.ini
    shutil.copytree(REPO / "environments", team / "envs")
    shutil.rmtree(team / "envs" / "sandbox" / "stack")  # the stack is the wheel's
    # the team's own latency baselines, in its own directory: the sandbox this test shares
    # keeps the baselines of the runs before it (the fault matrix stores one), and this run's
    # load, right after the wheel's `sandbox up`, was judged against them (CI, stop 32: POST
    # /api/login p95 590 ms vs 260 ms, +127 %); packaging is what this test proves
    expectations = team / "envs" / "sandbox" / "expectations.yml"
    shared = "directory: ${GOLIVE_SANDBOX_DIR:-/var/lib/golive/sandbox}/baselines"
    assert shared in expectations.read_text()
    expectations.write_text(expectations.read_text().replace(shared, "directory: baselines"))
    golive = [str(venv / "bin/golive"), "--envdir", "envs"]

    # the sandbox from the wheel's stack (GOLIVE_SANDBOX_DIR / GOLIVE_NETNS: this run's own)
    code, out = _run([*golive, "sandbox", "up"], team, 600)
    assert code == 0, out[-4000:]

    # smoke and the load test, golive's suites and journeys from the wheel
    code, out = _run(
        [str(venv / "bin/pytest"), "-m", "smoke or performance", "--load-profile", "quick",
         "--envdir", "envs", "-q", "-p", "no:randomly"],
        team, 600,
    )  # fmt: skip
    verdict = json.loads((team / "reports" / "verdict.json").read_text())
    load = json.loads((team / "reports" / "load" / "summary.json").read_text())
    assert load["steps"] > 0 and sum(e["requests"] for e in load["endpoints"].values()) > 0
    not_passed = {c["id"].rsplit("::", 1)[-1] for c in verdict["checks"]
                  if c["outcome"] in ("failed", "error")}  # fmt: skip
    # a fresh sandbox has no latency baseline yet: CONDITIONAL for that one check (issue 22)
    assert not_passed <= {"test_latency_baseline_exists"}, out[-6000:]
    assert verdict["verdict"] in ("GO", "CONDITIONAL"), out[-6000:]
    suites = {c["id"].split("/")[1] for c in verdict["checks"]}
    assert suites == {"smoke", "performance"}, suites
    assert all(c["id"].startswith("suites/") for c in verdict["checks"])
    assert str(REPO) not in out, "the plugin, fixtures or suites came from the checkout"

    # certify without load: NO-GO only for the plan items the load checks alone prove
    reports = team / "certified"
    code, out = _run(
        [*golive, "certify", "--no-load", "--no-report", "--reports", str(reports)], team, 900
    )
    certified = json.loads((reports / "verdict.json").read_text())
    lines = out.splitlines()
    assert any(line in ("suites verdict: GO", "suites verdict: CONDITIONAL") for line in lines), (
        out[-6000:]
    )
    unproven = [line for line in lines if line.startswith("golive certify: NO-GO: ")]
    assert unproven and all(line.endswith(PLAN_ONLY) for line in unproven), out[-6000:]
    assert "golive verdict: NO-GO" in lines and code == 1, out[-3000:]
    left_out = {m["check"] for m in certified["missing"]}
    assert left_out and all(c.startswith("suites/performance/") for c in left_out), left_out
    ran = {c["id"].split("/")[1] for c in certified["checks"]}
    assert {"predeploy", "smoke", "integration", "security", "monitoring", "backup",
            "rollback"} <= ran, ran  # fmt: skip
    assert (reports / "certificate.md").is_file()
    assert list(reports.glob("golive-bundle-sandbox-*.tar.gz"))
    assert str(REPO) not in out
