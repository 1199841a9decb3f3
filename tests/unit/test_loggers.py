"""Loggers made by a background thread while the main thread walks them (golive/probe/
loggers.py): pytest's log capture walks every logger at each phase of each check, without
logging's lock, while golive's probes import libraries (and make their loggers) beside it.
Unguarded, the walk raised ``RuntimeError: dictionary changed size during iteration`` in about
one smoke run in a hundred to four hundred, failing a healthy check."""

from __future__ import annotations

import logging
from collections.abc import Callable

import pytest
from _pytest.logging import LogCaptureHandler, catching_logs

from conftest import Golive, errors_beside
from golive.probe import loggers

MADE = 3000
"""Loggers a background thread makes while the main thread walks them."""


def walks_beside(make: Callable[[str], object], walk: Callable[[], object]) -> list[str]:
    """``walk()`` again and again while a thread makes :data:`MADE` loggers with ``make``;
    the errors the walks raised."""
    return errors_beside(lambda: [make(f"golive.test.loggers.{n}") for n in range(MADE)], walk)


@pytest.mark.usefixtures("switching")
def test_an_unguarded_walk_fails_beside_a_thread_making_loggers() -> None:
    """The race itself, on a manager of this test's own: logging's own dictionary fails."""
    manager = logging.Manager(logging.RootLogger(logging.WARNING))

    def walk() -> None:  # a Python loop, as pytest's (list() of a view walks it at once)
        for _ in manager.loggerDict.values():
            pass

    errors = walks_beside(manager.getLogger, walk)
    assert "dictionary changed size during iteration" in errors


@pytest.mark.usefixtures("switching")
def test_a_guarded_walk_sees_a_stable_copy() -> None:
    manager = logging.Manager(logging.RootLogger(logging.WARNING))
    manager.loggerDict = loggers.Loggers(manager.loggerDict)

    def walk() -> None:
        for _ in manager.loggerDict.values():
            pass
        for _ in manager.loggerDict.items():
            pass
        for _ in manager.loggerDict:
            pass

    assert walks_beside(manager.getLogger, walk) == []
    names = [n for n in manager.loggerDict if n.startswith("golive.test.loggers.")]
    assert len(names) == MADE


@pytest.mark.usefixtures("switching")
def test_pytest_log_capture_beside_a_thread_making_loggers() -> None:
    """pytest's own log capture (what each phase of each check enters), on the process's
    logging, guarded as golive's plugin guards it."""
    loggers.guard()
    handler = LogCaptureHandler()

    def capture() -> None:
        with catching_logs(handler, level=logging.INFO):
            pass

    assert walks_beside(logging.getLogger, capture) == []


def test_guard_keeps_every_logger_and_is_idempotent() -> None:
    before = logging.getLogger("golive.test.loggers.kept")
    loggers.guard()
    loggers.guard()
    manager = logging.Logger.manager
    assert isinstance(manager.loggerDict, loggers.Loggers)
    assert logging.getLogger("golive.test.loggers.kept") is before
    assert manager.loggerDict["golive.test.loggers.kept"] is before
    after = logging.getLogger("golive.test.loggers.new")
    assert manager.loggerDict["golive.test.loggers.new"] is after


CHECK = """
import logging

from golive.probe.loggers import Loggers

def test_the_process_logging_is_guarded_during_the_checks():
    assert isinstance(logging.Logger.manager.loggerDict, Loggers)
"""


def test_golive_plugin_guards_the_process_logging(
    golive: Golive, monkeypatch: pytest.MonkeyPatch
) -> None:
    manager = logging.Logger.manager
    monkeypatch.setattr(manager, "loggerDict", dict(manager.loggerDict))  # as Python makes it
    golive.run(CHECK).assert_outcomes(passed=1)
