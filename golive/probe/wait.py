"""The one way golive waits for something: :func:`wait_until` observes, then sleeps ``interval``,
until the observation satisfies the condition or ``timeout`` has passed, always bounded.

Every poll of golive and its suites goes through it (a process gone, a port answering, an
alert delivered, a log line written, a node back in rotation), so that none can wait forever
and every one that gives up says what it waited for and for how long.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from typing import Generic, TypeVar

from golive.model.errors import CheckFailed

T = TypeVar("T")


class WaitTimeout(CheckFailed, Generic[T]):
    """The condition did not hold within the timeout. ``last`` is the last observation (what
    the caller judges or shows when it gives up); the message reads "<what> did not happen
    within <timeout> s"."""

    def __init__(self, what: str, timeout: float, last: T) -> None:
        self.what, self.timeout, self.last = what, timeout, last
        super().__init__(f"{what} did not happen within {timeout:g} s")


def wait_until(
    observe: Callable[[], T],
    timeout: float,
    interval: float,
    *,
    until: Callable[[T], object] = bool,
    what: str = "the awaited condition",
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> T:
    """The first observation ``observe()`` makes that satisfies ``until`` (by default: is
    truthy), observing at once and then every ``interval`` seconds for at most ``timeout``
    seconds (the last observation is made at the deadline, never after it). WaitTimeout,
    holding the last observation, when none does; ValueError for a timeout or interval that
    is not a finite positive number (a poll is never unbounded). An exception of ``observe``
    ends the wait and reaches the caller."""
    if not (math.isfinite(timeout) and timeout >= 0):
        raise ValueError(f"wait_until: timeout must be finite and >= 0, not {timeout!r}")
    if not (math.isfinite(interval) and interval > 0):
        raise ValueError(f"wait_until: interval must be finite and > 0, not {interval!r}")
    deadline = clock() + timeout
    while True:
        seen = observe()
        if until(seen):
            return seen
        left = deadline - clock()
        if left <= 0:
            raise WaitTimeout(what, timeout, seen)
        sleep(min(interval, left))
