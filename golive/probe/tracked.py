"""Remote commands an interrupted golive can find again on their host.

A signal (SIGINT, SIGTERM) ends golive's side of a command's SSH session, not the command:
on the host it goes on (a runbook switching nodes, a copy into a directory the cleanup is
removing) after the cleanup has looked. A command run through :class:`Tracked` records, on
its host, the pid and start time of the process it becomes (a pid file, removed once golive
has its result); the cleanup then calls :meth:`Tracked.settle`, which waits until that
process is gone, or ends it first (SIGTERM; SIGKILL after ``grace`` s): a command under
coreutils ``timeout`` or ``sudo`` passes the signal on to what it runs. The start time makes
sure a reused pid is never taken for the command.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from golive.probe.hosts import Target

PIDFILE_DIR = "/tmp"
START_S = 2.0
"""How long :meth:`Tracked.settle` gives an interrupted command to record itself on its host
(golive was interrupted while its session was being opened) before it takes it for never
started."""


class Tracked:
    """Commands on ``target``, each recorded on the host while it runs."""

    def __init__(self, target: Target) -> None:
        self.target = target
        self.pidfile: str | None = None
        """The pid file of the command in flight (None: none is, or its result came back)."""

    def run(self, command: str, *args: str) -> Any:
        """``target.run(command, *args)`` (Testinfra's quoting of ``args``), recorded on the
        host until it ends. The command line is a shell's: it is ``exec``-ed as it is."""
        pidfile = f"{PIDFILE_DIR}/golive-{uuid.uuid4().hex}.pid"
        self.pidfile = pidfile
        record = f"set -C; echo $$ $(cut -d' ' -f22 /proc/$$/stat) >{pidfile} && exec "
        out = self.target.run(record + command, *args)
        self.pidfile = None  # it ended; an interruption (an exception) leaves it set
        self.target.run("rm -f -- %s", pidfile)
        return out

    def settle(self, wait_s: float, *, end: bool = False, grace: float = 5.0) -> str | None:
        """After an interruption: wait at most ``wait_s`` seconds (``end``: first SIGTERM, and
        SIGKILL after ``grace`` s) until the command in flight is gone from its host. None
        when it is (or none was in flight), else why not, naming the host."""
        pidfile, self.pidfile = self.pidfile, None
        if pidfile is None:
            return None
        alive = '[ "$(cut -d\' \' -f22 /proc/$pid/stat 2>/dev/null)" = "$start" ]'
        script = (  # a command whose session was just being opened may record itself late
            f"i=0; while [ ! -s {pidfile} ] && [ $i -lt {int(START_S * 5)} ]; do "
            "sleep 0.2; i=$((i + 1)); done; "
            f"read -r pid start <{pidfile} 2>/dev/null || exit 0; "
            + (f"{alive} && kill -TERM $pid 2>/dev/null; " if end else "")
            + f"t=0; while {alive}; do "
            + (f"[ $t -eq {int(grace * 5)} ] && kill -KILL $pid 2>/dev/null; " if end else "")
            + f'[ $t -lt {int(wait_s * 5)} ] || {{ echo "pid $pid"; exit 3; }}; '
            "t=$((t + 1)); sleep 0.2; done; "
            f"rm -f -- {pidfile}"
        )
        with command_timeout(self.target, wait_s + 2 * grace + 10):
            out = self.target.run(script)
        if out.rc == 0:
            return None
        said = out.stdout.strip() or out.stderr.strip() or f"exit {out.rc}"
        return (
            f"{self.target.name}: a command golive started ({said}) still runs after {wait_s:g} s"
        )


@contextmanager
def command_timeout(target: Target, seconds: float) -> Iterator[None]:
    """Give the host's remote commands at least ``seconds`` to finish (a runbook run, a wait
    for one, is longer than a check's command); the inventory's timeout is back afterwards."""
    backend: Any = target.remote.backend
    before = getattr(backend, "command_timeout", None)
    if before is None:
        yield
        return
    backend.command_timeout = max(before, seconds)
    try:
        yield
    finally:
        backend.command_timeout = before
