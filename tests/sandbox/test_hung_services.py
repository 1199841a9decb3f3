"""`golive sandbox up` and `status` go by whether each service answers, not by its pid: a
zombie, a stopped process and a process that accepts connections but never answers are
each found, reported DOWN by `status`, and replaced by `up` (issue 9: zombies counted as
running). Real processes, on app2's node exporter (quick to restart)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator

import pytest

from conftest import golive
from golive.sandbox import lifecycle
from golive.sandbox.context import Sandbox
from golive.sandbox.process import _start_time, read_pid

HOST, NAME = "app2", "node-exporter"

# Listens on the service's port and never answers: the kernel still accepts connections.
MUTE = """
import socket, sys, time
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((sys.argv[1], int(sys.argv[2])))
s.listen(16)
print("listening", flush=True)
time.sleep(600)
"""


@pytest.fixture
def exporter(sandbox: None) -> Iterator[tuple[Sandbox, lifecycle.Service]]:
    sbx = Sandbox.load()
    lifecycle.enter(sbx)
    svc = lifecycle.service(sbx, HOST, NAME)
    try:
        yield sbx, svc
    finally:
        if (pid := read_pid(svc.pidfile(sbx))) is not None:
            os.kill(pid, signal.SIGCONT)
        if not row(sbx).up:
            golive("sandbox", "up")


def row(sbx: Sandbox) -> lifecycle.ServiceStatus:
    return next(r for r in lifecycle.status(sbx) if r.label == f"{HOST}/{NAME}")


def record(svc: lifecycle.Service, sbx: Sandbox, pid: int, started: str | None) -> None:
    svc.pidfile(sbx).write_text(f"{pid} {started}\n")


def up_replaces_it(sbx: Sandbox, svc: lifecycle.Service, old: int) -> None:
    status = golive("sandbox", "status", check=False)
    assert status.returncode == 1 and f"{HOST}/{NAME}" in status.stdout
    assert any(
        line.startswith(f"{HOST}/{NAME}") and line.endswith("DOWN")
        for line in status.stdout.splitlines()
    ), status.stdout
    golive("sandbox", "up")
    new = read_pid(svc.pidfile(sbx))
    assert new is not None and new != old
    assert row(sbx).up, row(sbx)
    assert "DOWN" not in golive("sandbox", "status").stdout


def test_a_zombie_is_not_running(exporter: tuple[Sandbox, lifecycle.Service]) -> None:
    sbx, svc = exporter
    lifecycle.stop(svc.pidfile(sbx))
    child = subprocess.Popen(["sleep", "60"])
    started = _start_time(child.pid)
    child.kill()
    os.waitid(os.P_PID, child.pid, os.WEXITED | os.WNOWAIT)  # dead, and left unreaped
    try:
        record(svc, sbx, child.pid, started)
        assert row(sbx).silent == "not running"
        up_replaces_it(sbx, svc, child.pid)
    finally:
        child.wait()


def test_a_stopped_process_is_restarted(exporter: tuple[Sandbox, lifecycle.Service]) -> None:
    sbx, svc = exporter
    pid = read_pid(svc.pidfile(sbx))
    assert pid is not None
    os.kill(pid, signal.SIGSTOP)
    assert row(sbx).silent == f"process {pid} is stopped"
    up_replaces_it(sbx, svc, pid)
    assert _start_time(pid) is None  # the stopped one ended (gone, or awaiting its reaper)


def test_a_listener_that_never_answers_is_replaced(
    exporter: tuple[Sandbox, lifecycle.Service],
) -> None:
    sbx, svc = exporter
    lifecycle.stop(svc.pidfile(sbx))
    address = sbx.address(HOST)
    mute = subprocess.Popen(
        [sys.executable, "-c", MUTE, address, str(svc.port)],
        stdout=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        assert mute.stdout is not None and mute.stdout.readline() == "listening\n"
        record(svc, sbx, mute.pid, _start_time(mute.pid))
        assert row(sbx).silent == f"{address}:{svc.port} accepts connections but does not answer"
        up_replaces_it(sbx, svc, mute.pid)
        assert mute.wait(timeout=10) is not None  # `up` stopped it by its pid
    finally:
        if mute.poll() is None:
            mute.kill()
            mute.wait()
