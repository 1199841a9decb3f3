"""What every fault action is, and the helpers actions share.

An action is a model of the catalog (its ``kind`` names it in faults.yml) with one method,
``apply(sbx, host, inject)``: inject the defect on the fault's host, or (``inject=False``)
undo it exactly. Registering an action is adding its class to ``faults.Action``.
"""

from __future__ import annotations

import contextlib
import os
import signal
import time
from collections.abc import Callable
from pathlib import Path

from golive.model.config import Strict
from golive.model.errors import SandboxError
from golive.sandbox import lifecycle
from golive.sandbox.context import Sandbox
from golive.sandbox.process import read_pid


class FaultAction(Strict):
    """One kind of defect the catalog can inject (subclasses narrow ``kind`` to a literal)."""

    kind: str

    def apply(self, sbx: Sandbox, host: str, inject: bool) -> None:
        """Inject the defect on ``host`` (``inject``), or heal it."""
        raise NotImplementedError(f"fault action {self.kind} has no apply()")


def edit_in_place(path: Path, edit: Callable[[str], str]) -> bool:
    """Rewrite ``path`` through ``edit`` in place: the same inode, owner and mode, so a file
    only its owner may read stays so, and a service re-reading it finds it. True if changed."""
    text = path.read_text()
    new = edit(text)
    if new == text:
        return False
    with path.open("r+") as f:
        f.write(new)
        f.truncate()
    return True


APP_CONFIG = "app_config"
"""The host variable naming an app host's application.properties."""

APP_RELOAD_S = 1.2
"""The stack's application re-reads its configuration file at a request, at most once a second
(``Config.get``, environments/sandbox/stack/app): a request more than a second after the edit
reads it. The rest is room for a read that was under way as the file changed."""


def app_config_edited() -> None:
    """Return once every request the application answers reads the edit just made to its
    configuration file: an action that edits it is injected, or healed, only then. (Before,
    a run started right after a heal could log in within the second and get the fault's
    7-day session: the clean-clone CI of 6f588fa, ``properties_escaped_key``.)"""
    time.sleep(APP_RELOAD_S)


def replace_in_place(path: Path, old: str, new: str) -> None:
    """Replace ``old`` with ``new`` in ``path`` (in place, see :func:`edit_in_place`).

    Idempotent: if only ``new`` is there, the edit is already made. If neither is, the file is
    not what the fault expects, and injecting or healing it would silently do nothing: an error.
    """
    if not edit_in_place(path, lambda text: text.replace(old, new)) and new not in path.read_text():
        raise SandboxError(f"{path}: {old!r} not found; the fault cannot be applied")


def signal_service(sbx: Sandbox, host: str, service: str, sig: int = signal.SIGHUP) -> bool:
    """Send ``sig`` to a sandbox service's main process (by its pid file, never by name).
    True if it was running; a stopped service reads its configuration when it starts."""
    pid = read_pid(lifecycle.service(sbx, host, service).pidfile(sbx))
    if pid is None:
        return False
    with contextlib.suppress(ProcessLookupError):  # it ended between the read and the kill
        os.kill(pid, sig)
        return True
    return False
