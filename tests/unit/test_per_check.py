"""What a check's probes meet is the check's own, held per check (no process-wide list drained
by the gate): the connection failures noted while it runs, by any of its threads but one
asking ahead for another check, and the hosts its own thread reaches through a pool."""

from __future__ import annotations

import threading

import pytest

from golive.model.cause import Cause
from golive.model.errors import HostUnreachable
from golive.probe import failures
from golive.probe.hosts import HostPool, reaching

CAUSE = Cause("app1", "app1:8080", "refused")


def in_thread(run: object) -> None:
    thread = threading.Thread(target=run)  # type: ignore[arg-type]
    thread.start()
    thread.join(5)


def test_a_failure_noted_while_a_check_runs_is_its_own_from_any_of_its_threads() -> None:
    with failures.noting([]) as mine:
        failures.note(CAUSE)
        in_thread(lambda: failures.note(CAUSE))
    assert mine == [CAUSE, CAUSE]
    failures.note(CAUSE)  # between checks: no check's
    with failures.noting([]) as next_one:
        pass
    assert next_one == [] and mine == [CAUSE, CAUSE]


def test_a_failure_noted_apart_is_not_the_running_checks() -> None:
    def ahead() -> None:
        with failures.apart() as kept:
            failures.note(CAUSE)
        assert kept == [CAUSE]

    with failures.noting([]) as mine:
        in_thread(ahead)
    assert mine == []


def test_the_hosts_a_check_reaches_are_those_its_own_thread_asks_for() -> None:
    pool = HostPool.__new__(HostPool)  # no environment: every host is known unreachable
    pool._lock = threading.Lock()
    pool._targets = {n: HostUnreachable(n, "ssh: refused") for n in ("db1", "app2")}
    pool._opening = {}

    def other() -> None:
        with pytest.raises(HostUnreachable):
            pool.get("app2")

    with reaching(set()) as touched:
        with pytest.raises(HostUnreachable):  # reached, even though it did not answer
            pool.get("db1")
        in_thread(other)  # another thread (a probe asked ahead): not this check's
    assert touched == {"db1"}
    with pytest.raises(HostUnreachable):
        pool.get("db1")  # outside a check: recorded nowhere
    assert touched == {"db1"}
