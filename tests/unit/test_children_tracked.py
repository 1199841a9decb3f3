"""golive.probe.tracked: a remote command golive was interrupted in is found again on its host
and waited for or ended; a reused pid is never taken for it. The host here is this machine
(Testinfra's local backend), the command a plain ``sleep``."""

from __future__ import annotations

import threading
import time
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
import testinfra

from golive.probe import tracked as tracked_module
from golive.probe.tracked import Tracked


@pytest.fixture
def local(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.setattr(tracked_module, "PIDFILE_DIR", str(tmp_path))
    host = testinfra.get_host("local://")
    return SimpleNamespace(name="drill1", remote=host, run=host.run)


def in_flight(tracked: Tracked, command: str) -> tuple[threading.Thread, dict[str, Any]]:
    """``tracked.run(command)`` in a thread (the run golive was interrupted in), once the
    command has recorded itself on the host."""
    done: dict[str, Any] = {}
    thread = threading.Thread(target=lambda: done.update(out=tracked.run(command)))
    thread.start()
    deadline = time.monotonic() + 10
    while not (tracked.pidfile and Path(tracked.pidfile).exists()):
        assert time.monotonic() < deadline, "the command never recorded itself"
        time.sleep(0.01)
    return thread, done


def test_a_finished_command_leaves_nothing_to_settle(local: Any, tmp_path: Path) -> None:
    tracked = Tracked(local)
    out = tracked.run("echo %s", "it ran")
    assert (out.rc, out.stdout) == (0, "it ran\n")
    assert tracked.pidfile is None and list(tmp_path.iterdir()) == []
    assert tracked.settle(1) is None


def test_settle_ends_the_command_in_flight(local: Any, tmp_path: Path) -> None:
    tracked = Tracked(local)
    thread, done = in_flight(tracked, "sleep 60")
    started = time.monotonic()
    assert tracked.settle(10, end=True) is None
    assert time.monotonic() - started < 5
    thread.join(5)
    assert done["out"].rc != 0  # ended by its signal
    assert list(tmp_path.iterdir()) == []


def test_settle_waits_for_the_command_in_flight(local: Any) -> None:
    tracked = Tracked(local)
    thread, done = in_flight(tracked, "sleep 1")
    assert tracked.settle(10) is None
    assert not thread.is_alive() or done == {}  # it ended on its own: the wait saw it end
    thread.join(5)
    assert done["out"].rc == 0


def test_a_command_that_outlives_the_wait_is_named(local: Any) -> None:
    tracked = Tracked(local)
    thread, _ = in_flight(tracked, "sleep 60")
    pidfile = tracked.pidfile
    problem = tracked.settle(0.5)
    assert problem is not None and problem.startswith("drill1: a command golive started (pid ")
    assert problem.endswith("still runs after 0.5 s")
    tracked.pidfile = pidfile
    assert tracked.settle(5, end=True) is None
    thread.join(5)


def test_a_reused_pid_is_not_the_command(local: Any, tmp_path: Path) -> None:
    """The recorded process is gone and its pid belongs to another one now (here: the test's
    own process, with another start time): nothing is waited for or signalled."""
    import os

    pidfile = tmp_path / "golive-reused.pid"
    pidfile.write_text(f"{os.getpid()} 1\n")
    tracked = Tracked(local)
    tracked.pidfile = str(pidfile)
    assert tracked.settle(5, end=True) is None  # and this process is still here
    assert not pidfile.exists()


def test_a_command_that_never_recorded_itself_is_not_waited_for_long(
    local: Any, tmp_path: Path
) -> None:
    """golive was interrupted before the command's session opened: after ``START_S`` the
    command is taken for never started."""
    tracked = Tracked(local)
    tracked.pidfile = str(tmp_path / "golive-never.pid")
    started = time.monotonic()
    assert tracked.settle(30, end=True) is None
    assert tracked_module.START_S <= time.monotonic() - started < 10
