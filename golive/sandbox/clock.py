"""A clock per sandbox host (issue 25): libfaketime preloaded into its sshd's sessions and its
services, reading the host's own control file, so a fault moves one host's clock at run time.

Every service of a host starts under :func:`command` (``LD_PRELOAD`` of Debian's libfaketime,
``FAKETIME_TIMESTAMP_FILE`` naming the host's control file: :func:`environment`), and its sshd
sets the same in every session it opens (``SetEnv`` in its configuration: sshd builds a
session's environment afresh, it does not pass its own on). The control file holds an offset
(``+0``: the machine's clock; ``+90``: 90 s ahead); a program re-reads it at most every
:data:`CACHE_S` seconds, so a change reaches running services without a restart.

What it does not fake (docs/architecture.md#sandbox): Java programs (Tomcat, ``java
-version``), left on the machine's clock on purpose (:data:`SKIP`: preloaded, the JVM used
7x the CPU); static binaries and programs that read the time without libc (Go's: Prometheus,
node_exporter, Alertmanager); setuid programs (``sudo``) and whatever ``sudo`` starts (it
drops ``LD_PRELOAD``); the kernel's own timestamps (file times, /proc, packets'), and so file
times as programs read them (``NO_FAKE_STAT``); CLOCK_MONOTONIC (a JVM hangs on a faked one).
"""

from __future__ import annotations

import contextlib
import glob
import os
import time
from pathlib import Path

from golive.model.errors import SandboxError
from golive.sandbox import hostns
from golive.sandbox.context import Sandbox

# the build for programs that run threads (Python's, Go's)
LIBRARY_GLOB = "/usr/lib/*/faketime/libfaketimeMT.so.1"
CACHE_S = 1  # seconds a program keeps the offset it read before reading the file again
HEALTHY = "+0"
SKIP = "java,javac,jcmd,jstack,keytool"  # programs libfaketime leaves on the machine's clock


def library() -> str:
    """Debian's libfaketime (package faketime, scripts/apt-packages.txt), or a SandboxError."""
    found = sorted(glob.glob(LIBRARY_GLOB))
    if not found:
        raise SandboxError(
            f"libfaketime is not installed (no {LIBRARY_GLOB}): apt-get install faketime"
        )
    return found[0]


def control(sbx: Sandbox, host: str) -> Path:
    """The host's clock control file: one line, libfaketime's offset (``+0``, ``+90``)."""
    return sbx.path(host, "clock")


def ensure(sbx: Sandbox, host: str) -> None:
    """Create the host's control file at the machine's time unless it exists (a skew a fault
    set survives ``sandbox up``, as any injected change does)."""
    if not control(sbx, host).exists():
        set_offset(sbx, host, 0)


def set_offset(sbx: Sandbox, host: str, seconds: int) -> None:
    """Move the host's clock ``seconds`` ahead of the machine's (negative: behind; 0: back).
    The file is replaced whole (never seen half-written); every user of the host reads it."""
    path = control(sbx, host)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(f"{seconds:+d}\n" if seconds else f"{HEALTHY}\n")
    tmp.chmod(0o644)
    os.replace(tmp, path)


def offset(sbx: Sandbox, host: str) -> str:
    """The host's offset as its control file says (``+0`` when it has none)."""
    path = control(sbx, host)
    return path.read_text().strip() if path.exists() else HEALTHY


def environment(sbx: Sandbox, host: str) -> dict[str, str]:
    """The variables that give a process the host's clock (its control file made if need be)."""
    ensure(sbx, host)
    return {
        "LD_PRELOAD": library(),
        "FAKETIME_TIMESTAMP_FILE": str(control(sbx, host)),
        "FAKETIME_CACHE_DURATION": str(CACHE_S),
        "FAKETIME_DONT_FAKE_MONOTONIC": "1",
        # no "monotonic fix" (libfaketime turns it on for this glibc): with it, a wait on a
        # CLOCK_MONOTONIC condition variable (Python's GIL hand-over; threads waiting on socket
        # timeouts) returns at once and is retried, so threads spin: four threads sharing the
        # GIL took 1.7 s instead of 0.22 s, seven reachability scripts at once 2.6-3.1 s and up
        # to 0.8 s of CPU each instead of 1.05 s and 0.02 s. Without it the waits keep their
        # length, also on a host 90 s ahead (tests/sandbox/test_host_namespaces.py)
        "FAKETIME_FORCE_MONOTONIC_FIX": "0",
        # file times as the kernel set them: faking them would shift every file's mtime,
        # others' too, and lock a semaphore on every stat() (Tomcat's start took 5x longer)
        "NO_FAKE_STAT": "1",
        # a JVM keeps the machine's clock: libfaketime takes a lock and masks signals on each
        # of its very many clock reads (javac: 1.4 s of CPU alone, 10.5 s preloaded)
        "FAKETIME_SKIP_CMDS": SKIP,
    }


def command(sbx: Sandbox, host: str, cmd: list[str]) -> list[str]:
    """``cmd`` on the host's clock: ``env`` sets the variables for the program alone, so the
    service's program, as its own user, is the first process libfaketime starts in: it makes
    its shared-memory pair itself. (A pair a launcher running as root made is one a service
    that runs as another user cannot open, and libfaketime then ends the service: exit 1.)"""
    return ["/usr/bin/env", *(f"{k}={v}" for k, v in environment(sbx, host).items()), *cmd]


def sshd_setenv(sbx: Sandbox, host: str) -> str:
    """sshd_config's ``SetEnv`` value: the host's clock in every session."""
    return " ".join(f"{k}={v}" for k, v in environment(sbx, host).items())


# libfaketime's shared memory and semaphore, one pair per process tree, named by the pid of
# the tree's first process: it removes them when it exits, but not when it execs another
# program (a login shell running a command) or is killed, so pairs are left behind
LEFTOVERS = ("faketime_shm_*", "sem.faketime_sem_*")
LEFTOVER_AGE_S = 60.0  # a pair younger than this may be one a process is setting up


def _mapped(dev: int) -> set[int]:
    """The inodes, on device ``dev``, of libfaketime's files any process maps."""
    inodes = set()
    for maps in Path("/proc").glob("[0-9]*/maps"):
        try:
            text = maps.read_text()
        except OSError:
            continue  # it ended
        for line in text.splitlines():
            if "faketime_" not in line:
                continue
            fields = line.split(maxsplit=5)
            major, minor = (int(x, 16) for x in fields[3].split(":"))
            if os.makedev(major, minor) == dev:
                inodes.add(int(fields[4]))
    return inodes


def sweep_dir(shm: Path, now: float | None = None) -> int:
    """Remove libfaketime's pairs left in ``shm`` (a /dev/shm) that no process maps and that
    are older than :data:`LEFTOVER_AGE_S`; the number removed."""
    now = time.time() if now is None else now
    try:
        dev = shm.stat().st_dev
        old = {
            st.st_ino: path
            for pattern in LEFTOVERS
            for path in shm.glob(pattern)
            if now - (st := path.stat()).st_mtime > LEFTOVER_AGE_S
        }
    except OSError:
        return 0  # the host's namespaces ended meanwhile
    if not old:
        return 0
    removed = 0
    for inode in old.keys() - _mapped(dev):
        with contextlib.suppress(FileNotFoundError):
            old[inode].unlink()
            removed += 1
    return removed


SWEEP_EVERY_S = 600.0  # reading every process's maps takes ~0.8 s on a loaded machine


def sweep(sbx: Sandbox, force: bool = True) -> int:
    """:func:`sweep_dir` of the machine's /dev/shm and of each running host's own; unless
    ``force``, only if the last sweep is :data:`SWEEP_EVERY_S` old (an idempotent ``up``)."""
    stamp = sbx.path("run", "clock-sweep")
    if not force and stamp.exists() and time.time() - stamp.stat().st_mtime < SWEEP_EVERY_S:
        return 0
    stamp.parent.mkdir(parents=True, exist_ok=True)
    stamp.touch()
    dirs = [Path("/dev/shm")]
    for host in sbx.env.inventory.hosts:
        if (holder := hostns.holder(sbx, host)) is not None:
            dirs.append(Path(f"/proc/{holder}/root/dev/shm"))
    return sum(sweep_dir(d) for d in dict.fromkeys(dirs))
