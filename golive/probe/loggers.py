"""Loggers made beside a walk over them.

golive's probes run in background threads while the checks run (probes asked ahead,
golive/probe/ahead.py; the host pool's connections; the identities). A library such a thread
imports for the first time makes its loggers then (``logging.getLogger(__name__)``: psycopg,
in the database probe of smoke's first check), and ``logging.getLogger`` adds each one to the
logging manager's dictionary of every logger, under logging's own lock.

Meanwhile the main thread may be walking that dictionary without the lock: pytest's log capture
does, at each phase of each check (``_pytest.logging.catching_logs.__enter__`` attaches its
handler to every logger that does not propagate). A logger added during that walk raised
``RuntimeError: dictionary changed size during iteration`` in the check, which failed: a
NO-GO on a healthy sandbox in about one smoke run in a hundred to four hundred (2026-12-07).

:func:`guard` makes that dictionary one whose walks (``keys``, ``values``, ``items``, a plain
``for``) go over a copy taken under logging's lock, the lock ``getLogger`` holds while it adds
a logger: a walk then sees every logger made before it, and none changes it under its feet.
Looking a logger up, adding and removing one are the dictionary's own, unchanged.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from _collections_abc import dict_items, dict_keys, dict_values

_LOCK: threading.RLock = logging._lock  # type: ignore[attr-defined]
"""logging's module lock: ``Manager.getLogger`` holds it while it adds a logger (and the
placeholders above it)."""


class Loggers(dict[str, Any]):
    """The logging manager's ``loggerDict``, walked over a copy taken under logging's lock."""

    def _copy(self) -> dict[str, Any]:
        with _LOCK:  # dict's own view (dict.copy would call the keys() below)
            return dict(dict.items(self))

    def __iter__(self) -> Iterator[str]:
        return iter(self._copy())

    def keys(self) -> dict_keys[str, Any]:
        return self._copy().keys()

    def values(self) -> dict_values[str, Any]:
        return self._copy().values()

    def items(self) -> dict_items[str, Any]:
        return self._copy().items()


def guard() -> None:
    """Make the logging manager's dictionary of loggers a :class:`Loggers` (once; every logger
    and placeholder it holds is kept)."""
    manager = logging.Logger.manager
    with _LOCK:
        if not isinstance(manager.loggerDict, Loggers):
            manager.loggerDict = Loggers(manager.loggerDict)
