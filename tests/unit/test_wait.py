"""wait_until (golive.probe.wait), the one bounded poll: returns the first observation that
satisfies the condition, or raises WaitTimeout naming what was awaited and for how long and
holding the last observation; never unbounded. Time is a fake clock: nothing sleeps."""

from __future__ import annotations

import math

import pytest

from golive.model.errors import CheckFailed
from golive.probe.wait import WaitTimeout, wait_until


class Clock:
    def __init__(self) -> None:
        self.now = 100.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def test_returns_the_first_observation_that_satisfies_the_condition() -> None:
    clock, seen = Clock(), iter([0, 0, 3, 4])
    got = wait_until(lambda: next(seen), 10, 0.5, clock=clock, sleep=clock.sleep)
    assert got == 3
    assert clock.slept == [0.5, 0.5]


def test_an_observation_already_true_waits_for_nothing() -> None:
    clock = Clock()
    assert wait_until(lambda: "ready", 0, 1, clock=clock, sleep=clock.sleep) == "ready"
    assert clock.slept == []


def test_until_judges_the_observation() -> None:
    clock, seen = Clock(), iter([{"status": 502}, {"status": 200}])
    got = wait_until(
        lambda: next(seen), 5, 1, until=lambda a: a["status"] == 200, clock=clock,
        sleep=clock.sleep,
    )  # fmt: skip
    assert got == {"status": 200}


def test_timeout_names_what_and_how_long_and_keeps_the_last_observation() -> None:
    clock, count = Clock(), iter(range(100))
    with pytest.raises(WaitTimeout) as caught:
        wait_until(
            lambda: next(count), 2, 0.75, until=lambda n: n > 50, what="app1 healthy",
            clock=clock, sleep=clock.sleep,
        )  # fmt: skip
    assert str(caught.value) == "app1 healthy did not happen within 2 s"
    assert caught.value.what == "app1 healthy" and caught.value.timeout == 2
    # observed at 0, 0.75, 1.5 and at the deadline (2.0), never after it
    assert caught.value.last == 3
    assert clock.slept == [0.75, 0.75, 0.5]
    assert clock.now == 102.0
    assert isinstance(caught.value, CheckFailed)  # shown by the gate as a sentence


def test_an_exception_of_the_observation_reaches_the_caller() -> None:
    clock = Clock()

    def observe() -> int:
        raise ConnectionError("refused")

    with pytest.raises(ConnectionError):
        wait_until(observe, 5, 1, clock=clock, sleep=clock.sleep)


@pytest.mark.parametrize(
    ("timeout", "interval"),
    [(math.inf, 1), (math.nan, 1), (-1, 1), (1, 0), (1, -0.1), (1, math.inf), (1, math.nan)],
)
def test_never_unbounded(timeout: float, interval: float) -> None:
    with pytest.raises(ValueError, match="wait_until"):
        wait_until(lambda: False, timeout, interval)


def test_real_time_is_bounded() -> None:
    with pytest.raises(WaitTimeout):
        wait_until(lambda: False, 0.05, 0.01)
