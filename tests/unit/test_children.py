"""golive.probe.children: a child (and what it starts) dies with golive, even on SIGKILL.

A stand-in for golive (a Python process) starts plain ``sleep`` children through the helper
and prints their pids; the test kills the stand-in and looks for them."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

from golive.probe import children

REPO = Path(__file__).resolve().parents[2]


def alive(pid: int) -> bool:
    """The process exists and is no zombie."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def gone(pids: list[int], within: float = 5.0) -> list[int]:
    """The pids still alive after ``within`` seconds."""
    deadline = time.monotonic() + within
    while any(alive(p) for p in pids) and time.monotonic() < deadline:
        time.sleep(0.05)
    return [p for p in pids if alive(p)]


STANDIN = """
import json, subprocess, sys, time
from golive.probe import children
own = children.start(["sh", "-c", "sleep 600 & echo $!; wait"], stdout=subprocess.PIPE, text=True)
grandchild = int(own.stdout.readline())
shared = children.start(["sleep", "600"], own_group=False, die_with={die_with})
print(json.dumps({{"child": own.pid, "grandchild": grandchild, "shared": shared.pid,
                  "watchdog": children.watchdog().pid}}), flush=True)
time.sleep(600)
"""


def standin(die_with: int = signal.SIGKILL) -> tuple[subprocess.Popen[str], dict[str, int]]:
    proc = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(STANDIN.format(die_with=int(die_with)))],
        cwd=REPO,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    pids: dict[str, int] = json.loads(proc.stdout.readline())
    return proc, pids


def test_sigkill_of_golive_kills_children_and_grandchildren() -> None:
    proc, pids = standin()
    try:
        assert all(alive(p) for p in pids.values()), pids
        assert os.getpgid(pids["child"]) == pids["child"], "not in a process group of its own"
        assert os.getpgid(pids["grandchild"]) == pids["child"]
        assert os.getpgid(pids["shared"]) == os.getpgid(proc.pid)
        proc.kill()
        proc.wait(timeout=10)
        assert gone(list(pids.values())) == [], pids
    finally:
        for pid in pids.values():
            if alive(pid):
                os.kill(pid, signal.SIGKILL)


def test_the_parent_death_signal_is_the_one_asked_for() -> None:
    """``die_with=SIGTERM`` (a pytest run under the CLI: it then ends as interrupted)."""
    proc, pids = standin(signal.SIGTERM)
    try:
        status = Path(f"/proc/{pids['shared']}/status").read_text()
        assert alive(pids["shared"]) and "sleep" in status
        proc.kill()
        proc.wait(timeout=10)
        assert gone([pids["shared"]]) == []
    finally:
        for pid in pids.values():
            if alive(pid):
                os.kill(pid, signal.SIGKILL)


def test_stop_ends_the_whole_group_and_unregisters_it() -> None:
    child = children.start(
        ["sh", "-c", "sleep 600 & echo $!; wait"], stdout=subprocess.PIPE, text=True
    )
    assert child.stdout is not None
    grandchild = int(child.stdout.readline())
    child.stdout.close()
    children.stop(child, grace=2)
    assert child.returncode is not None
    assert gone([grandchild]) == []
    children.stop(child)  # a second stop of a reaped child is harmless


def test_a_child_that_ignores_sigterm_is_killed() -> None:
    child = children.start(["sh", "-c", "trap '' TERM; sleep 600"])
    time.sleep(0.2)
    started = time.monotonic()
    children.stop(child, grace=0.5)
    assert child.returncode == -signal.SIGKILL
    assert time.monotonic() - started < 5


def test_the_watchdog_is_one_per_process_and_outlives_nothing() -> None:
    first = children.watchdog()
    assert children.watchdog() is first
    assert os.getpgid(first.pid) == first.pid  # a terminal's Ctrl-C is not for it


def test_start_refuses_to_be_told_how_to_detach() -> None:
    try:
        children.start(["true"], start_new_session=False)
    except ValueError as exc:
        assert "session" in str(exc)
    else:
        raise AssertionError("start accepted start_new_session")
