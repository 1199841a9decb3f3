"""golive runs as real processes (signals, locks, mounts), against the unit tests' fake
environment (tests/unit/conftest.py)."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from conftest import Golive

# Checks that pass, then one that says it started and waits for a file named "release" (at
# most a minute: a test that forgets to release it does not hang).
WAITING = """
import pathlib, time, pytest

HERE = pathlib.Path(__file__).parent

@pytest.mark.smoke
@pytest.mark.parametrize("host", ["app1", "app2"])
def test_health(host):
    pass

@pytest.mark.smoke
def test_waits():
    (HERE / "started").write_text("")
    deadline = time.monotonic() + 60
    while not (HERE / "release").exists() and time.monotonic() < deadline:
        time.sleep(0.05)
"""


def argv(golive: Golive, checks: Path, *args: str, reports: Path | None = None) -> list[str]:
    """A golive run of ``checks`` (pytest, golive's plugin, the fake environment)."""
    return [
        sys.executable, "-m", "pytest", str(checks), "-q", "-p", "no:randomly",
        "--env", "fake", f"--golive-reports={reports or golive.reports}", *args,
    ]  # fmt: skip


def start(
    golive: Golive,
    source: str,
    *args: str,
    reports: Path | None = None,
    wrap: Sequence[str] = (),
    name: str = "test_checks",
) -> subprocess.Popen[str]:
    """Start a run of ``source`` (as file ``name``) in the background (``wrap``: a command it
    runs under)."""
    checks = golive.pytester.makepyfile(**{name: source})
    return subprocess.Popen(
        [*wrap, *argv(golive, checks, *args, reports=reports)],
        cwd=golive.pytester.path,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def wait_for(what: Callable[[], bool], proc: subprocess.Popen[str], timeout: float = 60) -> None:
    """Wait until ``what()`` holds while ``proc`` runs; fail with its output otherwise."""
    deadline = time.monotonic() + timeout
    while not what():
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            out, _ = proc.communicate()
            raise AssertionError(f"the run never got there (exit {proc.returncode}):\n{out}")
        time.sleep(0.05)


def finish(proc: subprocess.Popen[str], timeout: float = 60) -> str:
    """The run's output, once it ended."""
    out, _ = proc.communicate(timeout=timeout)
    return out
