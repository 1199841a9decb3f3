"""Enter a named network namespace (``ip netns``) from the running process."""

from __future__ import annotations

import ctypes
import os
from pathlib import Path

from golive.model.errors import SandboxError

CLONE_NEWNET = 0x40000000
NETNS_RUN = Path("/run/netns")


def current_is(name: str) -> bool:
    """True if this process already lives in the namespace ``name``."""
    try:
        return os.stat(NETNS_RUN / name).st_ino == os.stat("/proc/self/ns/net").st_ino
    except FileNotFoundError:
        return False


def enter(name: str) -> None:
    """Move this process (and the children it starts later) into namespace ``name``."""
    if current_is(name):
        return
    path = NETNS_RUN / name
    try:
        fd = os.open(path, os.O_RDONLY)
    except FileNotFoundError:
        raise SandboxError(
            f"network namespace {name} does not exist: run `golive sandbox up` first"
        ) from None
    except PermissionError:
        raise SandboxError(f"cannot open {path}: run as root") from None
    try:
        enter_fd(fd, name)
    finally:
        os.close(fd)


def enter_fd(fd: int, name: str) -> None:
    """Move this process into the network namespace open at ``fd`` (``name`` says which, in
    an error): one the process came from (``/proc/self/ns/net``, opened before it left)."""
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.setns(fd, CLONE_NEWNET) != 0:
        err = ctypes.get_errno()
        raise SandboxError(f"setns({name}) failed: {os.strerror(err)}; run as root")
