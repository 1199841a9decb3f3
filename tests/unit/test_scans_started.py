"""Scans started with the session (fixtures/security.py ``Started``): they run beside the
checks, and the first check that reads one gets its answer or its exception, its evidence and
its connection failures, as if it had scanned itself; nothing goes to the check running
meanwhile. Fakes stand for the scans: plain functions that wait, record, note or raise."""

from __future__ import annotations

import threading
import time

import pytest

from golive.model.cause import Cause
from golive.probe import failures, observe
from pytest_golive.fixtures.security import Started


@pytest.fixture(autouse=True)
def _clean() -> None:
    failures.forget()


def test_the_scan_runs_beside_and_its_answer_is_read_once_done() -> None:
    go = threading.Event()

    def scan() -> int:
        go.wait(5)
        return 42

    begun = time.monotonic()
    started = Started("the scan", scan)
    assert time.monotonic() - begun < 0.5, "starting waited for the scan"
    go.set()
    assert started.result() == 42
    assert started.result() == 42


def test_evidence_and_causes_are_the_first_readers_not_the_check_running_meanwhile() -> None:
    cause = Cause("lb1", "10.0.0.1:443", "timeout", "within 1 s")
    recorded = threading.Event()

    def scan() -> str:
        observe.record("command", "lb1: nmap ...")
        failures.note(cause)
        recorded.set()
        return "done"

    with observe.watching() as meanwhile, failures.noting([]) as met_meanwhile:
        started = Started("the scan", scan)
        assert recorded.wait(5)
        time.sleep(0.05)
    assert not meanwhile, "the scan's evidence went to the check running meanwhile"
    assert met_meanwhile == []
    with observe.watching() as reader, failures.noting([]) as met:
        assert started.result() == "done"
    assert "nmap" in reader.text()
    assert met == [cause]
    with observe.watching() as later, failures.noting([]) as met_later:
        started.result()
    assert not later and met_later == [], "told twice"


def test_an_exception_is_raised_in_the_check_that_reads_it() -> None:
    def scan() -> None:
        raise TimeoutError("the port scan timed out after 60 s")

    started = Started("the scan", scan)
    with pytest.raises(TimeoutError, match="timed out after 60 s"):
        started.result()


def test_a_scan_held_for_the_sessions_start_begins_when_it_is_let_go_or_asked_for() -> None:
    began = threading.Event()

    def scan() -> str:
        began.set()
        return "scanned"

    go = threading.Event()
    held = Started("the scan", scan, go)
    assert not began.wait(0.2), "began before the session's start was over"
    go.set()
    assert began.wait(5)
    assert held.result() == "scanned"
    asked = Started("the scan", lambda: "asked", threading.Event())
    assert asked.result() == "asked", "a check asking first waits for no one"


class _Item:
    def __init__(self, *markers: str) -> None:
        self.markers = markers

    def get_closest_marker(self, name: str) -> object | None:
        return object() if name in self.markers else None


class _Session:
    def __init__(self, *items: _Item) -> None:
        self.items = list(items)


def test_a_run_with_a_drill_gathers_nothing_in_the_background() -> None:
    """scans_started and the xdist workers' probes asked ahead start nothing in a run with
    a drill (plugins/safety.py ``drills_selected``): the restore drill runs early, beside
    the checks it cannot disturb, and a scan started apart from its checks could see its
    host mid-drill."""
    from pytest_golive.plugins.safety import drills_selected

    assert drills_selected(_Session(_Item("security"), _Item("backup", "drill")))  # type: ignore[arg-type]
    assert not drills_selected(_Session(_Item("security"), _Item("smoke")))  # type: ignore[arg-type]
    assert not drills_selected(_Session())  # type: ignore[arg-type]


class _Check:
    def __init__(self, name: str, fixturenames: tuple[str, ...], drill: bool = False) -> None:
        self.name = name
        self.fixturenames = fixturenames
        self._drill = drill

    def get_closest_marker(self, name: str) -> object | None:
        return object() if name == "drill" and self._drill else None


class _Config:
    pass


def _order(items: list[_Check], config: object | None = None) -> list[str]:
    from pytest_golive.fixtures.security import pytest_collection_modifyitems

    pytest_collection_modifyitems(config or _Config(), items)  # type: ignore[arg-type]
    return [item.name for item in items]


def test_the_checks_that_read_a_background_scan_run_after_the_others_in_their_order() -> None:
    items = [
        _Check("exposure[lb1]", ("exposure_scan",)),
        _Check("listening[lb1]", ("target",)),
        _Check("exposure[app1]", ("exposure_scan", "target")),
        _Check("reachability", ("reach_states",)),
        _Check("smoke", ("probed",)),
        _Check("tls", ("tls_scans",)),
    ]
    assert _order(items) == [
        "listening[lb1]",
        "smoke",
        "exposure[lb1]",
        "exposure[app1]",
        "reachability",
        "tls",
    ]


def test_a_run_with_a_drill_or_an_xdist_worker_keeps_its_order() -> None:
    def items() -> list[_Check]:
        return [
            _Check("exposure[lb1]", ("exposure_scan",)),
            _Check("listening[lb1]", ("target",)),
            _Check("restore", ("target",), drill=True),
        ]

    assert _order(items()) == ["exposure[lb1]", "listening[lb1]", "restore"]
    worker = _Config()
    worker.workerinput = {}  # type: ignore[attr-defined]
    assert _order(items()[:2], worker) == ["exposure[lb1]", "listening[lb1]"]
