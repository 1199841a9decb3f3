"""The sandbox counts a process as ended only once all of its threads have (CI of a5f4d31:
`sandbox up` stopped app2's node exporter, and the port it freed was still in use: the
exporter's first thread showed ``Z`` while another thread still held its socket)."""

from __future__ import annotations

import platform
import socket
import subprocess
import sys
import time
from collections.abc import Iterator

import pytest

from golive.sandbox.process import _start_time

SYS_EXIT = {"x86_64": 60, "aarch64": 93}.get(platform.machine())

# The first thread ends alone (the exit system call, not exit_group); a second thread holds
# a listening socket until it reads a line.
FIRST_ENDS_FIRST = f"""
import ctypes, socket, sys, threading
def hold():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    s.listen(1)
    print(s.getsockname()[1], flush=True)
    sys.stdin.readline()
threading.Thread(target=hold).start()
threading.Event().wait(0.2)
ctypes.CDLL(None).syscall({SYS_EXIT}, 0)
"""


@pytest.fixture
def first_thread_ended() -> Iterator[tuple[subprocess.Popen[str], int]]:
    if SYS_EXIT is None:
        pytest.skip(f"no exit system call number for {platform.machine()}")
    proc = subprocess.Popen(
        [sys.executable, "-c", FIRST_ENDS_FIRST],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        port = int(proc.stdout.readline())
        deadline = time.monotonic() + 10
        while _state(proc.pid) != "Z":
            assert time.monotonic() < deadline, "the first thread never ended"
            time.sleep(0.01)
        yield proc, port
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait(timeout=10)


def _state(pid: int) -> str:
    with open(f"/proc/{pid}/stat") as stat:
        return stat.read().rsplit(")", 1)[1].split()[0]


def _port_free(port: int) -> bool:
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def test_a_process_whose_first_thread_ended_is_running_while_another_holds_its_port(
    first_thread_ended: tuple[subprocess.Popen[str], int],
) -> None:
    proc, port = first_thread_ended
    assert not _port_free(port)  # the state the sandbox met: Z, and the port still taken
    assert _start_time(proc.pid) is not None
    assert proc.stdin is not None
    proc.stdin.write("end\n")
    proc.stdin.flush()
    proc.wait(timeout=10)
    assert _start_time(proc.pid) is None


def test_a_zombie_is_not_running() -> None:
    child = subprocess.Popen(["sleep", "60"])
    try:
        child.kill()
        deadline = time.monotonic() + 10
        while _state(child.pid) != "Z":
            assert time.monotonic() < deadline
            time.sleep(0.01)
        assert _start_time(child.pid) is None
    finally:
        child.wait()
