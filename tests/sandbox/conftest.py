"""Drive golive against the real sandbox: bring it up, inject faults, run suites."""

from __future__ import annotations

import fcntl
import json
import os
import subprocess
import sys
import time
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent

XDIST_VARIABLES = ("PYTEST_XDIST_WORKER", "PYTEST_XDIST_WORKER_COUNT", "PYTEST_XDIST_TESTRUNUID")


def _own_sandbox_per_worker() -> str | None:
    """Under pytest-xdist (``make test-sandbox``) each worker certifies a sandbox of its own:
    the base sandbox's data directory and namespace with the worker's id appended
    (``/var/lib/golive/ci-sandbox-gw0``, ``golive-ci-gw0``), set here, before any golive call,
    so this process and every subprocess it starts use them. The worker's own variables go:
    a golive run a test starts is a run of its own, never a worker of this one."""
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if not worker:
        return None
    from golive.sandbox.context import Sandbox

    base = Sandbox.load()
    os.environ["GOLIVE_SANDBOX_DIR"] = f"{base.dir}-{worker}"
    os.environ["GOLIVE_NETNS"] = f"{base.netns}-{worker}"
    for name in XDIST_VARIABLES:
        os.environ.pop(name, None)
    return worker


WORKER = _own_sandbox_per_worker()

# Suites that run a load test or a watch: their tests are marked ``serial`` and run in the
# second phase of ``make test-sandbox``, alone on the machine (never beside another worker).
ALONE = frozenset({"performance", "watch"})


def alone(suites: Iterable[str]) -> list[pytest.MarkDecorator]:
    """The marks of a test that certifies ``suites``: ``serial`` if one of them loads the
    machine or measures time."""
    return [pytest.mark.serial] if ALONE.intersection(suites) else []


def golive(*args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    """Run the golive CLI."""
    proc = subprocess.run(
        [str(BIN / "golive"), *args], cwd=REPO, capture_output=True, text=True, timeout=300
    )
    if check and proc.returncode != 0:
        raise AssertionError(
            f"golive {' '.join(args)} exited {proc.returncode}:\n{proc.stdout}\n{proc.stderr}"
        )
    return proc


def terminal_environment() -> dict[str, str]:
    """This process's environment as QA's terminal has it: pytest prints its summary lines
    whole under CI (CI, BUILD_NUMBER), so a run inside CI would print each cause twice more
    than the same run on a terminal."""
    return {k: v for k, v in os.environ.items() if k not in ("CI", "BUILD_NUMBER")}


@dataclass
class Run:
    """One certification run: exit code, terminal output and the verdict file."""

    returncode: int
    output: str
    verdict: dict[str, Any]


@pytest.fixture(scope="session")
def sandbox() -> None:
    """The sandbox is up (idempotent)."""
    golive("sandbox", "up")


UP_LOCK_WAIT_S = 600  # two `golive sandbox up` (300 s each at most) before this one


@pytest.fixture(scope="session", autouse=True)
def _worker_sandbox() -> Iterator[None]:
    """An xdist worker brings its own sandbox up before its first test and down after its last
    (a real ``golive sandbox down``). Workers bring theirs up one at a time: two first installs
    would race to create the machine's users."""
    if WORKER is None:
        yield
        return
    lock = Path(os.environ["GOLIVE_SANDBOX_DIR"]).parent / ".golive-sandbox-up.lock"
    lock.parent.mkdir(parents=True, exist_ok=True)
    with lock.open("a") as held:
        deadline = time.monotonic() + UP_LOCK_WAIT_S
        while True:
            try:
                fcntl.flock(held, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError as busy:
                if time.monotonic() > deadline:
                    raise TimeoutError(f"{lock}: another sandbox's up held it too long") from busy
                time.sleep(0.5)
        golive("sandbox", "up")
    try:
        yield
    finally:
        golive("sandbox", "down")


@pytest.fixture
def certify(tmp_path: Path, sandbox: None):
    """Run golive's suites (``pytest -m MARKERS``) as a subprocess, like QA or CI does;
    ``env`` adds environment variables (e.g. GOLIVE_ENVDIR) to the run's."""

    def run(markers: str, *extra: str, env: Mapping[str, str] | None = None) -> Run:
        reports = tmp_path / "reports"
        proc = subprocess.run(
            [
                str(BIN / "pytest"),
                "-m",
                markers,
                "-q",
                "-p",
                "no:randomly",
                f"--golive-reports={reports}",
                *extra,
            ],
            cwd=REPO,
            env={**terminal_environment(), **(env or {})},
            capture_output=True,
            text=True,
            timeout=600,
        )
        verdict_file = reports / "verdict.json"
        verdict = json.loads(verdict_file.read_text()) if verdict_file.exists() else {}
        return Run(proc.returncode, proc.stdout + proc.stderr, verdict)

    return run


@contextmanager
def injected(name: str) -> Iterator[None]:
    """Inject a catalog fault for the duration of the block, healing it afterwards."""
    golive("sandbox", "fault", name)
    try:
        yield
    finally:
        golive("sandbox", "heal", name)


# pytest-xdist: a run's options for two workers, and what must not depend on them
XDIST = ("-n", "2")


def blockers(run: Run) -> set[tuple[str, str | None]]:
    return {(b["check"], b["host"]) for b in run.verdict.get("blockers", [])}


def assert_same_verdict(serial: Run, parallel: Run, what: str) -> None:
    """-n 2 gives the serial run's verdict, blocker (check, host) set and counts."""
    assert parallel.verdict, f"{what}: -n 2 wrote no verdict.json:\n{parallel.output}"
    assert "bringing up nodes" in parallel.output, f"{what}: not under xdist:\n{parallel.output}"
    assert parallel.verdict["verdict"] == serial.verdict["verdict"], (
        f"{what}: serial {serial.verdict['verdict']}, -n 2 {parallel.verdict['verdict']}:\n"
        f"{parallel.output}"
    )
    assert blockers(parallel) == blockers(serial), (
        f"{what}: blockers differ; only serial: {blockers(serial) - blockers(parallel)}, "
        f"only -n 2: {blockers(parallel) - blockers(serial)}"
    )
    assert parallel.verdict["counts"] == serial.verdict["counts"], what
    assert parallel.returncode == serial.returncode, what


_MACHINE_NETNS = os.open("/proc/self/ns/net", os.O_RDONLY)


@pytest.fixture(autouse=True)
def _back_in_the_machines_namespace() -> Iterator[None]:
    """A test that enters the sandbox's namespace in-process leaves it when it ends: the next
    test (pip, a wheel install) runs where it started, never inside a namespace by accident."""
    yield
    import ctypes

    from golive.probe import netns

    if ctypes.CDLL(None, use_errno=True).setns(_MACHINE_NETNS, netns.CLONE_NEWNET) != 0:
        raise OSError(ctypes.get_errno(), "setns back to the machine's namespace failed")
