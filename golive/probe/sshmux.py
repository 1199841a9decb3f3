"""Run one command through an OpenSSH ControlMaster, without starting an ssh client.

A command over an existing master costs little on the wire; most of what ``ssh host cmd``
costs locally is starting the ssh client itself (loading it and its crypto libraries) only
to hand the command to the master. This module speaks the master's own control protocol
instead (OpenSSH's PROTOCOL.mux: a hello, a new-session request, the three stdio
descriptors passed over the Unix socket, then the exit message), so the command runs in a
session of the very connection ``ssh`` set up, with its options, keys and keep-alives.

Only the session is opened here; connecting, authenticating and host-key checking stay
with ``ssh`` (which starts the master). When no master listens, or the master goes away
before it confirms the session (a broken pipe or a reset on its socket: it was exiting, its
ControlPersist over, or its connection to the host lost), :class:`NoMaster` is raised and the
caller starts ``ssh`` as usual, which then says why the host cannot be reached. A control
socket that breaks once the session is open ends the session without an exit status.

A command that is slow to answer may be slow, or its host may have stopped answering (the
master then waits on a connection nothing reads). :func:`run` calls the caller's ``watch``
every ``interval`` seconds while it waits, so the caller can ask whether the host still
answers, and abandon the session by raising, long before the command's own deadline.
"""

from __future__ import annotations

import os
import select
import socket
import struct
import time
from collections.abc import Callable
from dataclasses import dataclass

HELLO = 0x00000001
NEW_SESSION = 0x10000002
PERMISSION_DENIED = 0x80000002
FAILURE = 0x80000003
EXIT_MESSAGE = 0x80000004
SESSION_OPENED = 0x80000006
TTY_ALLOC_FAIL = 0x80000008
VERSION = 4
NO_ESCAPE_CHAR = 0xFFFFFFFF


class NoMaster(Exception):
    """No master answers at the control path; nothing was sent to the host."""


class MuxError(RuntimeError):
    """The master refused or broke off the session."""


@dataclass(frozen=True)
class Outcome:
    """What the session gave: ``exit_status`` is None when it ended without one (the
    connection to the host was lost)."""

    exit_status: int | None
    stdout: bytes
    stderr: bytes


class _Watch:
    """Call ``watch`` every ``interval`` seconds of waiting; the deadline of the whole command."""

    def __init__(
        self, timeout: float, watch: Callable[[], None] | None, interval: float | None
    ) -> None:
        now = time.monotonic()
        self.deadline = now + timeout
        self.timeout = timeout
        self.watch = watch
        self.interval = interval if watch is not None and interval else None
        self.due = now + self.interval if self.interval else self.deadline

    def left(self) -> float:
        """Seconds to wait before the next look: the deadline or the next watch, if sooner."""
        now = time.monotonic()
        if now >= self.deadline:
            raise TimeoutError(f"the command did not finish within {self.timeout:g} s")
        if self.watch is not None and self.interval and now >= self.due:
            self.watch()  # raises to abandon the session
            now = time.monotonic()
            self.due = now + self.interval
        return max(0.0, min(self.deadline, self.due) - now)


def _u32(value: int) -> bytes:
    return struct.pack(">I", value)


def _string(value: bytes) -> bytes:
    return _u32(len(value)) + value


def _packet(*fields: bytes) -> bytes:
    body = b"".join(fields)
    return _u32(len(body)) + body


class _Reader:
    """Length-prefixed packets from the control socket."""

    def __init__(self, sock: socket.socket, clock: _Watch) -> None:
        self.sock, self.clock, self.buffer = sock, clock, b""

    def feed(self) -> bool:
        """Read what is available; False at end of stream."""
        chunk = self.sock.recv(65536)
        self.buffer += chunk
        return bool(chunk)

    def take(self) -> bytes | None:
        """The next whole packet, if one has arrived."""
        if len(self.buffer) < 4:
            return None
        size = struct.unpack(">I", self.buffer[:4])[0]
        if len(self.buffer) < 4 + size:
            return None
        packet, self.buffer = self.buffer[4 : 4 + size], self.buffer[4 + size :]
        return packet

    def next(self) -> bytes:
        """Block (until the deadline, watching) for the next packet."""
        while (packet := self.take()) is None:
            self.sock.settimeout(self.clock.left())
            try:
                more = self.feed()
            except TimeoutError:
                continue  # the clock decides: watch again, or the deadline has passed
            if not more:
                raise EOFError("the master closed the control connection")
        return packet


def _message(packet: bytes) -> tuple[int, bytes]:
    return struct.unpack(">I", packet[:4])[0], packet[4:]


def _reason(body: bytes, skip: int) -> str:
    size = struct.unpack(">I", body[skip : skip + 4])[0]
    return body[skip + 4 : skip + 4 + size].decode(errors="replace")


def run(
    control_path: str,
    command: bytes,
    timeout: float,
    watch: Callable[[], None] | None = None,
    interval: float | None = None,
) -> Outcome:
    """Run ``command`` in a new session of the master at ``control_path``.

    Raises NoMaster when no master answers or it goes away before it confirms the session,
    TimeoutError when the command
    does not finish within ``timeout`` seconds (the session is abandoned: the master
    closes it), MuxError when the master refuses the session. While it waits, ``watch`` is
    called every ``interval`` seconds; what it raises abandons the session and propagates.
    """
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    fds: list[int] = []
    try:
        # the master is a local process: it greets at once, or it is not there
        reader = _Reader(sock, _Watch(min(timeout, interval or timeout), None, None))
        sock.settimeout(reader.clock.left())
        try:
            sock.connect(control_path)
            kind, _ = _message(reader.next())
            if kind != HELLO:
                raise NoMaster(f"{control_path}: not a control master")
            sock.sendall(_packet(_u32(HELLO), _u32(VERSION)))
        except (OSError, EOFError) as exc:  # absent, stale, or a master on its way out
            raise NoMaster(f"{control_path}: {exc}") from None
        clock = reader.clock = _Watch(timeout, watch, interval)
        request = _packet(
            _u32(NEW_SESSION),
            _u32(1),  # request id
            _string(b""),  # reserved
            _u32(0),  # no tty
            _u32(0),  # no X11 forwarding
            _u32(0),  # no agent forwarding
            _u32(0),  # a command, not a subsystem
            _u32(NO_ESCAPE_CHAR),
            _string(b""),  # terminal type
            _string(command),
        )
        stdin = os.open(os.devnull, os.O_RDONLY)
        out_r, out_w = os.pipe()
        err_r, err_w = os.pipe()
        fds += [stdin, out_r, out_w, err_r, err_w]
        try:
            sock.sendall(request)
            for fd in (stdin, out_w, err_w):
                socket.send_fds(sock, [b"\0"], [fd])
            for fd in (stdin, out_w, err_w):  # the master holds them now
                os.close(fd)
                fds.remove(fd)
            kind, body = _message(reader.next())
        except (ConnectionError, EOFError) as exc:  # the master went away: no session
            raise NoMaster(f"{control_path}: {exc}") from None
        if kind in (PERMISSION_DENIED, FAILURE):
            raise MuxError(f"the master refused the session: {_reason(body, 4)}")
        if kind != SESSION_OPENED:
            raise MuxError(f"unexpected answer 0x{kind:08x} from the master")
        return _collect(sock, reader, out_r, err_r, clock)
    finally:
        sock.close()
        for fd in fds:
            os.close(fd)


def _collect(
    sock: socket.socket, reader: _Reader, out_r: int, err_r: int, clock: _Watch
) -> Outcome:
    """Read the command's output until the master closes both pipes and the control socket
    (it sends the exit status first)."""
    sock.setblocking(False)
    output: dict[int, list[bytes]] = {out_r: [], err_r: []}
    open_fds = {out_r, err_r, sock.fileno()}
    status: int | None = None
    poller = select.poll()
    for fd in open_fds:
        poller.register(fd, select.POLLIN)
    while open_fds:
        for fd, _ in poller.poll(clock.left() * 1000):
            if fd == sock.fileno():
                try:
                    alive = reader.feed()
                except BlockingIOError:
                    continue
                except ConnectionError:  # the master is gone: no exit status will come
                    alive = False
                while (packet := reader.take()) is not None:
                    kind, body = _message(packet)
                    if kind == EXIT_MESSAGE:
                        status = struct.unpack(">I", body[4:8])[0]
                    elif kind != TTY_ALLOC_FAIL:
                        raise MuxError(f"the master broke off the session (0x{kind:08x})")
            else:
                chunk = os.read(fd, 65536)
                output[fd].append(chunk)
                alive = bool(chunk)
            if not alive:
                poller.unregister(fd)
                open_fds.discard(fd)
    return Outcome(status, b"".join(output[out_r]), b"".join(output[err_r]))
