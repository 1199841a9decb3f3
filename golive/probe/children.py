"""Child processes that die with golive, however golive ends (also SIGKILL).

Every long-lived process golive starts (Locust and its workers, an ssh client of its own, the
pytest run under ``golive certify`` and ``golive watch``: :func:`foreground`) is started with
:func:`start`, which gives it two guards:

- **the kernel's parent-death signal** (``prctl(PR_SET_PDEATHSIG)``, set in the child
  between fork and exec): when golive's process ends, by any means, the kernel sends the
  child ``die_with`` (SIGKILL by default). Where golive ended before the child set it, the
  child sends it to itself at once;
- **its own process group** (a new session) and **a watchdog**: the parent-death signal
  reaches only the direct child, never what that child starts itself. Each golive process
  has one watchdog (a small process of its own, :func:`_watch`) reading the process groups
  golive started on a pipe only golive holds; when golive ends, the pipe closes and the
  watchdog kills every group still registered, grandchildren with it.

:func:`stop` ends a child's group (SIGTERM, then SIGKILL) and unregisters it. Processes
meant to outlive golive (the sandbox's services) are not started here.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import subprocess
import sys
import threading
from typing import IO, Any

PR_SET_PDEATHSIG = 1


class _ParentDeath:
    """The child's side, run between fork and exec (``preexec_fn``): nothing here allocates
    or takes a lock another thread could hold at the fork."""

    def __init__(self, sig: int) -> None:
        self.sig = sig
        self.parent = os.getpid()
        self.prctl = ctypes.CDLL(None, use_errno=True).prctl

    def __call__(self) -> None:
        if self.prctl(PR_SET_PDEATHSIG, self.sig, 0, 0, 0) != 0:
            os._exit(126)  # never run a child golive cannot take down with it
        if os.getppid() != self.parent:  # golive ended before the guard was set
            os.kill(os.getpid(), self.sig)


class Watchdog:
    """Kills every process group registered with it once golive's process ends."""

    def __init__(self) -> None:
        read, self._write = os.pipe()  # both ends non-inheritable: only golive holds the write end
        try:
            self.proc = subprocess.Popen(
                [sys.executable, "-I", "-S", __file__],
                stdin=read,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                start_new_session=True,  # a terminal's Ctrl-C reaches golive, not its watchdog
            )
        finally:
            os.close(read)
        self.pid = self.proc.pid
        self.owner = os.getpid()
        self._lock = threading.Lock()

    def _say(self, line: str) -> None:
        with self._lock:
            os.write(self._write, f"{line}\n".encode())

    def add(self, pgid: int) -> None:
        self._say(f"+{pgid}")

    def discard(self, pgid: int) -> None:
        self._say(f"-{pgid}")


_WATCHDOG: Watchdog | None = None
_WATCHDOG_LOCK = threading.Lock()


def watchdog() -> Watchdog:
    """This process's watchdog, started on first use (again in a forked child)."""
    global _WATCHDOG
    with _WATCHDOG_LOCK:
        guard = _WATCHDOG
        if guard is None or guard.owner != os.getpid() or guard.proc.poll() is not None:
            guard = _WATCHDOG = Watchdog()
        return guard


def start(
    cmd: list[str],
    *,
    die_with: int = signal.SIGKILL,
    own_group: bool = True,
    watched: bool = True,
    **popen: Any,
) -> subprocess.Popen[Any]:
    """``subprocess.Popen(cmd, **popen)``, the child guarded as the module says: it receives
    ``die_with`` when golive's process ends, and with ``own_group`` (and ``watched``) its
    whole process group (its own children) is killed then too."""
    if "preexec_fn" in popen or "start_new_session" in popen or "process_group" in popen:
        raise ValueError("children.start sets the child's session and preexec_fn itself")
    guard = watchdog() if own_group and watched else None
    proc = subprocess.Popen(
        cmd, preexec_fn=_ParentDeath(int(die_with)), start_new_session=own_group, **popen
    )
    if guard is not None:
        guard.add(proc.pid)  # a session leader: its pid is its group's id
    return proc


def stop(proc: subprocess.Popen[Any], grace: float = 5.0) -> None:
    """End the child and its process group (SIGTERM, then SIGKILL after ``grace`` s), reap
    it, and unregister its group from the watchdog."""
    try:
        for sig in (signal.SIGTERM, signal.SIGKILL):
            try:
                os.killpg(proc.pid, sig)
            except ProcessLookupError:
                break
            except PermissionError:  # not our group (never started here): the child alone
                proc.send_signal(sig)
            try:
                proc.wait(timeout=grace)
                break
            except subprocess.TimeoutExpired:
                continue
        else:
            proc.wait(timeout=grace)
    finally:
        ended(proc)


def ended(proc: subprocess.Popen[Any]) -> None:
    """The child was reaped: its group id may be reused, so the watchdog forgets it."""
    guard = _WATCHDOG
    if guard is not None and guard.owner == os.getpid():
        with contextlib.suppress(OSError):
            guard.discard(proc.pid)


def foreground(cmd: list[str], **popen: Any) -> int:
    """Run ``cmd`` (a pytest run under ``golive certify`` or ``golive watch``) to its end and
    return its exit status. Each SIGINT or SIGTERM golive receives meanwhile is passed on to
    it once (in a session of its own, a terminal's Ctrl-C reaches golive alone, never both),
    and golive waits while it ends as interrupted: its drills restore what they disrupted and
    its verdict is written. Where golive itself is killed, it receives SIGTERM (its own
    children die with it in turn)."""
    proc = start(cmd, die_with=signal.SIGTERM, watched=False, **popen)
    previous: dict[signal.Signals, Any] = {}
    if threading.current_thread() is threading.main_thread():
        for forwarded in (signal.SIGINT, signal.SIGTERM):
            previous[forwarded] = signal.signal(
                forwarded, lambda signum, _: proc.send_signal(signum)
            )
    try:
        return proc.wait()
    finally:
        for forwarded, handler in previous.items():
            signal.signal(forwarded, handler)


def _watch(lines: IO[bytes]) -> None:
    """The watchdog's loop: ``+PGID``/``-PGID`` lines until end of file (golive ended),
    then SIGKILL to every group still registered."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    groups: set[int] = set()
    for raw in lines:
        line = raw.strip()
        try:
            pgid = int(line[1:])
        except ValueError:
            continue
        if line.startswith(b"+") and pgid > 1:
            groups.add(pgid)
        elif line.startswith(b"-"):
            groups.discard(pgid)
    for pgid in groups:
        with contextlib.suppress(OSError):
            os.killpg(pgid, signal.SIGKILL)


if __name__ == "__main__":  # the watchdog process (run by path: no package import)
    _watch(sys.stdin.buffer)
