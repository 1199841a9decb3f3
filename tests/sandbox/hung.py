"""Helpers of the hang tests: stop a sandbox process and what it forked, run a scope that
stops one mid-run, an environment copy with other timeouts."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from conftest import REPO
from golive.sandbox.process import descendants

BIN = Path(sys.executable).parent


def tree(pid: int) -> list[int]:
    """``pid`` and every process descended from it."""
    return descendants(pid)


def pid_of(pidfile: Path) -> int:
    return int(pidfile.read_text().split()[0])


def signal_all(pids: list[int], sig: signal.Signals) -> None:
    for pid in pids:
        with suppress(ProcessLookupError):
            os.kill(pid, sig)


@contextmanager
def stopped(pids: list[int]) -> Iterator[None]:
    """SIGSTOP ``pids`` for the block; SIGCONT them whatever happens."""
    try:
        signal_all(pids, signal.SIGSTOP)
        yield
    finally:
        signal_all(pids, signal.SIGCONT)


@dataclass
class TimedRun:
    returncode: int
    output: str
    verdict: dict[str, Any]
    seconds: float


def certify_timed(
    markers: str,
    reports: Path,
    *,
    env: dict[str, str] | None = None,
    stop_after: str | None = None,
    victims: Callable[[], list[int]] | None = None,
) -> TimedRun:
    """``pytest -m MARKERS`` as QA runs it, timed; with ``stop_after``, the processes
    ``victims`` names are SIGSTOPped once that check has reported (and continued at the end)."""
    started = time.monotonic()
    proc = subprocess.Popen(
        [str(BIN / "pytest"), "-m", markers, "-v", "-p", "no:randomly",
         f"--golive-reports={reports}"],
        cwd=REPO,
        env={**os.environ, **(env or {}), "PYTHONUNBUFFERED": "1"},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )  # fmt: skip
    assert proc.stdout is not None
    lines: list[str] = []
    frozen: list[int] = []
    try:
        for line in proc.stdout:
            lines.append(line)
            done = any(w in line for w in ("PASSED", "FAILED", "ERROR"))
            if stop_after and victims and not frozen and stop_after in line and done:
                frozen = victims()
                signal_all(frozen, signal.SIGSTOP)
        proc.wait(timeout=600)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        signal_all(frozen, signal.SIGCONT)
    seconds = time.monotonic() - started
    output = "".join(lines)
    if stop_after:
        assert frozen, f"the run never reported {stop_after}:\n{output}"
    verdict_file = reports / "verdict.json"
    verdict = json.loads(verdict_file.read_text()) if verdict_file.exists() else {}
    return TimedRun(proc.returncode, output, verdict, seconds)


def environment_copy(root: Path, **changes: dict[str, Any]) -> dict[str, str]:
    """A copy of the sandbox environment under ``root`` with inventory sections changed
    (``ssh={"command_timeout": 3}``); the variables that make a run use it."""
    env = root / "sandbox"
    env.mkdir(parents=True)
    source = REPO / "environments" / "sandbox"
    for name in ("expectations.yml", "signoffs.yml", "waivers.yml"):
        if (source / name).exists():
            (env / name).write_bytes((source / name).read_bytes())
    inventory = yaml.safe_load((source / "inventory.yml").read_text())
    for section, values in changes.items():
        inventory[section].update(values)
    (env / "inventory.yml").write_text(yaml.safe_dump(inventory, sort_keys=False))
    return {"GOLIVE_ENVDIR": str(root)}


def blocker_lines(run: TimedRun) -> list[str]:
    return [f"{b['host']}: {b['check']}: {b['message']}" for b in run.verdict.get("blockers", [])]
