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


# a pytest run under `golive certify`: it counts the signals it gets and takes a while to end
RUN = """
import pathlib, signal, sys, time
out = pathlib.Path(sys.argv[1])
def got(signum, frame):
    with out.open("a") as f:
        f.write(signal.Signals(signum).name + "\\n")
signal.signal(signal.SIGINT, got)
signal.signal(signal.SIGTERM, got)
out.write_text("")
deadline = time.monotonic() + 60
while not out.read_text() and time.monotonic() < deadline:
    time.sleep(0.05)
time.sleep(0.5)  # its drills restore, its verdict is written
sys.exit(2)
"""

FOREGROUND = """
import sys
from golive.probe import children
sys.exit(children.foreground([sys.executable, "-c", {run!r}, {out!r}]))
"""


def certify(out: Path) -> subprocess.Popen[bytes]:
    """A stand-in for ``golive certify`` in a session of its own, as a terminal starts it."""
    proc = subprocess.Popen(
        [sys.executable, "-c", FOREGROUND.format(run=RUN, out=str(out))],
        cwd=REPO,
        start_new_session=True,
    )
    deadline = time.monotonic() + 10
    while not out.exists():
        assert time.monotonic() < deadline and proc.poll() is None, "the run never started"
        time.sleep(0.02)
    return proc


def test_ctrl_c_reaches_the_run_once_and_golive_waits_for_it(tmp_path: Path) -> None:
    """A terminal's Ctrl-C (SIGINT to golive's process group): the run gets exactly one
    SIGINT, ends as it does when interrupted, and golive exits with its status."""
    out = tmp_path / "signals"
    proc = certify(out)
    os.killpg(proc.pid, signal.SIGINT)
    assert proc.wait(timeout=20) == 2
    assert out.read_text() == "SIGINT\n"


def test_sigterm_of_golive_is_passed_on_and_waited_for(tmp_path: Path) -> None:
    out = tmp_path / "signals"
    proc = certify(out)
    proc.terminate()
    assert proc.wait(timeout=20) == 2
    assert out.read_text() == "SIGTERM\n"


def test_sigkill_of_golive_ends_the_run_as_interrupted(tmp_path: Path) -> None:
    """golive killed: the run gets SIGTERM (it then ends as interrupted, its verdict written)."""
    out = tmp_path / "signals"
    proc = certify(out)
    proc.kill()
    proc.wait(timeout=10)
    deadline = time.monotonic() + 10
    while not out.read_text():
        assert time.monotonic() < deadline, "the run never heard of golive's end"
        time.sleep(0.05)
    assert out.read_text() == "SIGTERM\n"
