"""Run commands and supervise daemons by pid file (never by process name)."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import ssl
import struct
import subprocess
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

from golive.model.errors import SandboxError
from golive.probe.wait import WaitTimeout, wait_until

PYTHON = "/usr/bin/python3"  # the system's, for the namespace launcher (no venv, no site)

# ctypes access to the namespace system calls (Python 3.11 has no os.setns/os.unshare)
LIBC = """
import ctypes, os, sys
libc = ctypes.CDLL(None, use_errno=True)
def check(result, what):
    if result != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"{what}: {os.strerror(err)}")
"""

# Start a daemon inside a sandbox host's namespaces (golive/sandbox/hostns.py) and report its
# pid as the controller sees it; argv: status fd, holder pid, user ("" for root), cwd, command...
_LAUNCHER = (
    LIBC
    + """
import pwd
fd, holder, user, cwd, cmd = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5:]
names = ("net", "uts", "ipc", "pid", "mnt")
fds = [os.open(f"/proc/{holder}/ns/{ns}", os.O_RDONLY) for ns in names]
for one in fds:
    check(libc.setns(one, 0), f"setns {one}")
uid = pwd.getpwnam(user).pw_uid if user else None
child = os.fork()
if child == 0:
    os.close(fd)
    for one in fds:
        os.close(one)
    os.setsid()
    os.chdir(cwd)
    if uid is not None:
        os.setreuid(uid, uid)
    try:
        os.execvp(cmd[0], cmd)
    except OSError as exc:
        print(f"{cmd[0]}: {exc}", file=sys.stderr)
        os._exit(127)
os.write(fd, f"{child}\\n".encode())
os._exit(0)
"""
)


def run(
    cmd: Sequence[str],
    *,
    user: str | None = None,
    input: str | None = None,
    env: Mapping[str, str] | None = None,
    check: bool = True,
    cwd: Path | None = None,
) -> subprocess.CompletedProcess[str]:
    """Run a command to completion, capturing its output; failures raise SandboxError."""
    proc = subprocess.run(
        list(cmd),
        input=input,
        capture_output=True,
        text=True,
        user=user,
        env={**os.environ, **env} if env else None,
        cwd=cwd,
        check=False,
    )
    if check and proc.returncode != 0:
        detail = (proc.stderr or proc.stdout).strip().splitlines()[-3:]
        raise SandboxError(f"{' '.join(cmd[:3])}… exited {proc.returncode}: {' | '.join(detail)}")
    return proc


def _start_time(pid: int) -> str | None:
    """The process's start time, None when it is gone or a zombie (dead, not yet reaped).

    A process is dead once every thread has ended. Its first thread can show ``Z`` before
    the others: a Go daemon ending on SIGTERM ends all its threads at once, in any order,
    and a thread that is still ending can still hold the process's sockets. Such a process
    is still running (its port is not yet free)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = stat.rsplit(")", 1)[1].split()
    if fields[0] == "Z" and not _other_threads(pid):
        return None
    return fields[19]


def _other_threads(pid: int) -> bool:
    """True while a thread other than the first of process ``pid`` has not ended."""
    try:
        return any(task != str(pid) for task in os.listdir(f"/proc/{pid}/task"))
    except OSError:
        return False


def read_pid(pidfile: Path) -> int | None:
    """The pid recorded in ``pidfile`` if that very process is still alive."""
    try:
        pid_text, started = pidfile.read_text().split()
        pid = int(pid_text)
    except (OSError, ValueError):
        return None
    return pid if _start_time(pid) == started else None


def spawn(
    cmd: Sequence[str],
    pidfile: Path,
    log: Path,
    *,
    user: str | None = None,
    env: Mapping[str, str] | None = None,
    cwd: Path | None = None,
    within: int | None = None,
) -> int:
    """Start a foreground-mode daemon detached from us and record its pid and start time.

    ``within``: the pid of a sandbox host's namespace holder (golive/sandbox/hostns.py); the
    daemon then runs in that host's namespaces, and its pid file still holds the pid the
    controller sees (not the one the host sees), so it is stopped and signalled as any."""
    if (pid := read_pid(pidfile)) is not None:
        return pid
    log.parent.mkdir(parents=True, exist_ok=True)
    pidfile.parent.mkdir(parents=True, exist_ok=True)
    if within is not None:
        pid = _launch(cmd, log, within, user=user, env=env, cwd=cwd)
    else:
        with log.open("ab") as out:
            pid = subprocess.Popen(
                list(cmd),
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                user=user,
                env={**os.environ, **env} if env else None,
                cwd=cwd,
                start_new_session=True,
            ).pid
    pidfile.write_text(f"{pid} {_start_time(pid)}\n")
    return pid


def _launch(
    cmd: Sequence[str],
    log: Path,
    holder: int,
    *,
    user: str | None,
    env: Mapping[str, str] | None,
    cwd: Path | None,
) -> int:
    """Fork ``cmd`` inside the namespaces of ``holder`` (a session leader, as ``user``, in
    ``cwd`` or else ``/``, as systemd starts a daemon: the caller's directory may not exist
    in the host's mount namespace) and return its pid as this process sees it."""
    args = [str(holder), user or "", str(cwd or "/"), *cmd]
    pid = reported_pid(_LAUNCHER, args, log, env=env)
    if pid is None:
        raise SandboxError(f"{cmd[0]} could not start in host namespaces {holder} (see {log})")
    return pid


def reported_pid(
    script: str, args: Sequence[str], log: Path, *, env: Mapping[str, str] | None = None
) -> int | None:
    """Run the system Python's ``script`` with a pipe's write end as its first argument and
    ``args`` after it (its output to ``log``); the pid it writes there, None if it wrote
    none or failed. A launcher that forks a daemon and exits reports the daemon this way."""
    read, send = os.pipe()
    try:
        with log.open("ab") as out:
            proc = subprocess.Popen(
                [PYTHON, "-I", "-S", "-c", script, str(send), *args],
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                env={**os.environ, **env} if env else None,
                pass_fds=(send,),
                start_new_session=True,
                cwd="/",
            )
        os.close(send)
        send = -1
        with os.fdopen(read, "rb") as answer:
            read = -1
            text = answer.read().decode().strip()
        proc.wait()
    finally:
        for fd in (read, send):
            if fd >= 0:
                os.close(fd)
    return int(text) if proc.returncode == 0 and text.isdigit() else None


def stop(pidfile: Path, timeout: float = 15.0) -> bool:
    """Stop the process recorded in ``pidfile`` and its process group (TERM, then KILL).

    Daemons are spawned as session leaders, so the group holds their workers and, for
    sshd, the sessions it forked. True if the process was running.
    """
    pid = read_pid(pidfile)
    if pid is None:
        pidfile.unlink(missing_ok=True)
        return False
    os.killpg(pid, signal.SIGTERM)
    os.killpg(pid, signal.SIGCONT)  # a stopped process acts on its SIGTERM only once continued

    def gone() -> bool:
        _reap(pid)
        return read_pid(pidfile) is None

    with contextlib.suppress(WaitTimeout):  # then it is killed
        wait_until(gone, timeout, 0.1, what=f"pid {pid} ended")
    if read_pid(pidfile) is not None:
        os.killpg(pid, signal.SIGKILL)
        time.sleep(0.2)
        _reap(pid)
    pidfile.unlink(missing_ok=True)
    return True


def _reap(pid: int) -> None:
    with contextlib.suppress(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)


def port_open(address: str, port: int, timeout: float = 0.5) -> bool:
    """True if a TCP connection to address:port succeeds (the kernel accepts it for a process
    that is stopped, or too busy to ever answer, too: see :func:`answers`)."""
    try:
        with socket.create_connection((address, port), timeout=timeout):
            return True
    except OSError:
        return False


def descendants(pid: int) -> list[int]:
    """``pid`` and every process descended from it (sshd's sessions are sessions of their
    own, outside its process group), read from /proc."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            parent = int(stat.read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue
        children.setdefault(parent, []).append(int(stat.parent.name))
    out, todo = [], [pid]
    while todo:
        one = todo.pop()
        out.append(one)
        todo += children.get(one, [])
    return out


def stopped(pid: int) -> bool:
    """True if the process is stopped (SIGSTOP, a debugger): alive, answering nothing."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] in ("T", "t")


# How a service shows it answers, beyond accepting a TCP connection: called with its address,
# port and a timeout, True when it answered in its own protocol.
Answers = Callable[[str, int, float], bool]


def _exchange(address: str, port: int, timeout: float, send: bytes, size: int) -> bytes:
    """Send ``send`` and read up to ``size`` bytes of the reply (b"" when none came)."""
    try:
        with socket.create_connection((address, port), timeout=timeout) as sock:
            if send:
                sock.sendall(send)
            return sock.recv(size)
    except OSError:
        return b""


def http_answers(path: str) -> Answers:
    """The service answers an HTTP request for ``path`` (any status: a 503 is an answer)."""

    def answers(address: str, port: int, timeout: float) -> bool:
        request = f"GET {path} HTTP/1.0\r\nHost: {address}\r\n\r\n".encode()
        return _exchange(address, port, timeout, request, 5).startswith(b"HTTP/")

    return answers


def tls_answers(address: str, port: int, timeout: float) -> bool:
    """The service completes a TLS handshake (its certificate is not judged here)."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    try:
        with (
            socket.create_connection((address, port), timeout=timeout) as sock,
            context.wrap_socket(sock),
        ):
            return True
    except OSError:
        return False


def postgres_answers(address: str, port: int, timeout: float) -> bool:
    """The postmaster answers an SSLRequest (one byte, S or N): it accepts connections."""
    request = struct.pack(">II", 8, 80877103)
    return _exchange(address, port, timeout, request, 1) in (b"S", b"N")


def wait_port(
    address: str, port: int, timeout: float, what: str, pidfile: Path | None = None
) -> None:
    """Wait until address:port accepts connections, or fail naming the service."""

    def listening() -> bool:
        if port_open(address, port):
            return True
        if pidfile is not None and read_pid(pidfile) is None:
            raise SandboxError(f"{what} exited during start-up (see its log)")
        return False

    try:
        wait_until(listening, timeout, 0.2, what=f"{what} listening on {address}:{port}")
    except WaitTimeout:
        raise SandboxError(
            f"{what} did not listen on {address}:{port} within {timeout:.0f} s"
        ) from None
