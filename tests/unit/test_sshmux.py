"""The control-master client against a fake master on a Unix socket: a master that goes away
before it confirms the session is no master (the caller starts ssh, which says why), and a
control socket that breaks under an open session ends it without an exit status; neither
surfaces as a raw BrokenPipeError or ConnectionResetError."""

from __future__ import annotations

import os
import socket
import struct
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from golive.probe import sshmux

Master = Callable[[socket.socket], None]


def _packet(*words: int) -> bytes:
    body = b"".join(struct.pack(">I", w) for w in words)
    return struct.pack(">I", len(body)) + body


def _serve(path: Path, master: Master) -> threading.Thread:
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(str(path))
    server.listen(1)

    def accept() -> None:
        conn, _ = server.accept()
        try:
            conn.sendall(_packet(sshmux.HELLO, sshmux.VERSION))
            conn.recv(12)  # the client's hello
            master(conn)
        finally:
            conn.close()
            server.close()

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    return thread


@pytest.fixture
def control(tmp_path: Path) -> Iterator[Path]:
    yield tmp_path / "master.sock"


def _leaves_at_once(conn: socket.socket) -> None:
    """A master exiting (its ControlPersist over, its host lost) right after the hello."""
    conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))


def _opens_then_resets(conn: socket.socket) -> None:
    """A master that confirms the session, then dies (its connection to the host lost)."""
    received: list[int] = []
    conn.settimeout(5)
    size = struct.unpack(">I", conn.recv(4, socket.MSG_WAITALL))[0]
    conn.recv(size, socket.MSG_WAITALL)  # the new-session request, up to the descriptors
    while len(received) < 3:
        _, fds, _, _ = socket.recv_fds(conn, 1, 1)
        received += fds
    conn.sendall(_packet(sshmux.SESSION_OPENED, 1, 7))
    for fd in received:  # the command's pipes close with the session
        os.close(fd)
    conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))


def test_a_master_gone_before_the_session_opened_is_no_master(control: Path) -> None:
    thread = _serve(control, _leaves_at_once)
    with pytest.raises(sshmux.NoMaster, match=str(control)):
        sshmux.run(str(control), b"uname -a", timeout=5)
    thread.join(5)


def test_a_reset_under_an_open_session_ends_it_without_an_exit_status(control: Path) -> None:
    thread = _serve(control, _opens_then_resets)
    done = sshmux.run(str(control), b"uname -a", timeout=5)
    assert done == sshmux.Outcome(None, b"", b"")
    thread.join(5)


def test_no_socket_is_no_master(control: Path) -> None:
    with pytest.raises(sshmux.NoMaster):
        sshmux.run(str(control), b"true", timeout=1)
