"""One run at a time per reports directory.

A run holds an exclusive ``flock`` on ``<reports>/.golive.lock`` from its first moment to its
last; a second run on the same directory stops at once, naming the first one's pid, before it
has touched anything there. The kernel drops the lock when the process ends, however it ends
(SIGKILL included), so a lock is never left stale.
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path

from golive.model.errors import UsageError
from golive.report.files import WriteError, shown

LOCK = ".golive.lock"


class ReportsBusy(UsageError):
    """Another run is using the reports directory."""


class RunLock:
    """The reports directory's lock, held by this process from :meth:`acquire` to
    :meth:`release` (or its end)."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.path = root / LOCK
        self._fd: int | None = None

    @property
    def held(self) -> bool:
        return self._fd is not None

    def acquire(self) -> None:
        """Take the lock without waiting: ReportsBusy if another run holds it, WriteError if
        the directory or its lock file cannot be made."""
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
        except OSError as exc:
            raise WriteError.of(self.path, exc) from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.read(fd, 32).decode(errors="replace").strip() or "unknown"
            os.close(fd)
            raise ReportsBusy(
                f"another golive run is using {shown(self.root)}/ (pid {holder}): wait for it "
                "to end, or give this run its own directory (--golive-reports DIR)"
            ) from None
        self._fd = fd
        try:
            os.ftruncate(fd, 0)
            os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        except OSError:
            pass  # the pid is for the message only; a full disk is found by what follows

    def release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)  # closing the descriptor releases the lock
            self._fd = None
