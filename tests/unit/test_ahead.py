"""Probes asked ahead (golive/probe/ahead.py): started together, each check reads its own
answer, exception, evidence and causes; bounded waits; a probe not yet started is asked by its
check itself. Fakes stand for the network: plain functions that sleep, return or raise."""

from __future__ import annotations

import functools
import threading
import time
from types import SimpleNamespace
from typing import Any

import pytest

from golive.model.cause import Cause
from golive.model.errors import ConfigError
from golive.probe import ahead as ahead_module
from golive.probe import failures, observe
from golive.probe.ahead import Ahead
from golive.probe.hosts import HostPool, Target, reaching
from pytest_golive.fixtures.hosts import asked_ahead, start_ahead


@pytest.fixture(autouse=True)
def _clean() -> None:
    failures.forget()


def started(probes: Ahead, *keys: str) -> None:
    """Wait until a thread has taken up each probe (a check that asks earlier asks itself)."""
    deadline = time.monotonic() + 5
    while any(probes._jobs[k].state == "queued" for k in keys):
        assert time.monotonic() < deadline, "no thread took the probes up"
        time.sleep(0.005)


def occupied() -> tuple[Ahead, threading.Event]:
    """A pool of one thread, busy until the event is set: a probe started next stays queued."""
    probes = Ahead(1)
    release = threading.Event()
    probes.start("busy", release.wait, what="slow", host=None, within=10)
    started(probes, "busy")
    return probes, release


def test_probes_run_side_by_side_not_one_after_another() -> None:
    probes = Ahead(4)

    def slow(n: int) -> int:
        time.sleep(0.3)
        return n

    for n in range(4):
        probes.start(f"c{n}", functools.partial(slow, n), what="p", host=None, within=5)
    started(probes, "c0", "c1", "c2", "c3")
    begun = time.monotonic()
    answers = [probes.take(f"c{n}", lambda: pytest.fail("asked again")) for n in range(4)]
    took = time.monotonic() - begun
    assert answers == [0, 1, 2, 3]
    assert took < 1.0, f"four 0.3 s probes took {took:.2f} s: not side by side"
    probes.close()


def test_an_exception_is_the_checks_raised_again() -> None:
    probes = Ahead(2)
    cause = Cause("app2", "10.0.0.2:8080", "timeout", "within 2 s")

    def hung() -> None:
        failures.note(cause)
        raise failures.ConnectionFailure(cause, "GET /health")

    with failures.noting([]) as met:
        probes.start("c", hung, what="health", host="app2", within=5)
        started(probes, "c")
        time.sleep(0.1)
        assert met == []  # not noted for whatever check runs meanwhile
        with pytest.raises(failures.ConnectionFailure, match=r"app2: 10\.0\.0\.2:8080 did not"):
            probes.take("c", lambda: None)
        assert met == [cause]  # noted for the check that read it
    probes.close()


def test_evidence_goes_to_the_check_that_reads_it_not_the_one_running_meanwhile() -> None:
    probes = Ahead(1)
    asked = threading.Event()

    def probe() -> str:
        observe.record("command", "[app1] $ curl http://app1/health")
        asked.set()
        return "UP"

    with observe.watching() as other:
        probes.start("c", probe, what="health", host="app1", within=5)
        assert asked.wait(5)
        time.sleep(0.05)
    assert not other, "a probe asked ahead recorded into another check's evidence"
    with observe.watching() as mine:
        assert probes.take("c", lambda: "asked again") == "UP"
    assert "curl http://app1/health" in mine.text()
    assert "asked ahead" in mine.text()
    probes.close()


def test_a_probe_past_its_bound_fails_naming_the_host(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ahead_module, "GRACE", 0.0)
    probes = Ahead(1)
    release = threading.Event()
    probes.start("c", release.wait, what="app2's health", host="app2", within=0.2)
    started(probes, "c")
    begun = time.monotonic()
    with pytest.raises(TimeoutError, match=r"^app2: app2's health gave no answer within 0.2 s"):
        probes.take("c", lambda: None)
    assert time.monotonic() - begun < 2
    release.set()
    probes.close()


def test_a_probe_whose_host_was_found_hung_meanwhile_is_not_waited_for() -> None:
    probes = Ahead(1)
    release = threading.Event()
    probes.start("version", release.wait, what="app2's version", host="app2", within=60)
    started(probes, "version")
    # app2's health check failed on a timeout: its Tomcat is hung for the rest of the run
    failures.found_hung(Cause("app2", "10.0.0.2:8080", "timeout", "within 2 s"))
    begun = time.monotonic()
    assert probes.take("version", lambda: "asked now: not asked again") == (
        "asked now: not asked again"
    )
    assert time.monotonic() - begun < 2
    release.set()
    probes.close()


def test_a_probe_no_thread_took_up_yet_is_asked_by_its_check_at_once() -> None:
    probes, release = occupied()
    ran: list[str] = []

    def queued() -> str:
        ran.append("thread")
        return "thread"

    probes.start("queued", queued, what="q", host=None, within=10)
    assert probes.take("queued", lambda: "check") == "check"
    release.set()
    assert probes.take("busy", lambda: None) is True
    time.sleep(0.1)
    assert ran == [], "the check asked itself: the thread must not ask again"
    probes.close()


def test_a_check_with_no_probe_started_asks_itself() -> None:
    probes = Ahead(1)
    assert probes.take("never", lambda: 42) == 42
    probes.start("once", lambda: 1, what="p", host=None, within=5)
    started(probes, "once")
    assert probes.take("once", lambda: 2) == 1
    assert probes.take("once", lambda: 2) == 2  # an answer is read once
    probes.close()


def test_checks_sharing_a_probe_read_one_asking_each_with_its_evidence_and_causes() -> None:
    probes = Ahead(2)
    asked: list[str] = []
    cause = Cause("app1", "10.0.0.1:8080", "timeout", "within 2 s")

    def health() -> str:
        asked.append("health")
        observe.record("command", "[app1] $ curl http://app1/health")
        failures.note(cause)
        return "UP"

    for key in ("healthy", "db_seen_by_app"):
        probes.start(key, health, what="health", host="app1", within=5, share=("health", "app1"))
    probes.start("other", health, what="health", host="app2", within=5, share=("health", "app2"))
    started(probes, "healthy", "db_seen_by_app", "other")
    for key in ("healthy", "db_seen_by_app"):
        with observe.watching() as seen, failures.noting([]) as met:
            assert probes.take(key, lambda: pytest.fail("asked again")) == "UP"
        assert "curl http://app1/health" in seen.text(), key
        assert met == [cause], key
    assert probes.take("other", lambda: pytest.fail("asked again")) == "UP"
    assert asked == ["health", "health"]  # app1 once for both checks, app2 once
    probes.close()


def test_a_shared_probes_exception_is_raised_in_each_check_from_the_probe() -> None:
    probes = Ahead(1)

    def refused() -> None:
        raise ConnectionRefusedError("app1: 10.0.0.1:8080 refused the connection")

    for key in ("a", "b"):
        probes.start(key, refused, what="health", host="app1", within=5, share="health")
    started(probes, "a")
    for key in ("a", "b"):
        with pytest.raises(ConnectionRefusedError, match="refused") as raised:
            probes.take(key, lambda: None)
        frames = [entry.name for entry in raised.traceback]
        assert "refused" in frames, frames  # where the probe raised it
        assert frames.count("take") == 1, frames  # not the other check's reading again
    probes.close()


def test_a_shared_probe_not_yet_started_is_asked_by_each_check_itself() -> None:
    probes, release = occupied()
    probes.start("a", lambda: "thread", what="q", host="app1", within=10, share="q")
    probes.start("b", lambda: "thread", what="q", host="app1", within=10, share="q")
    assert probes.take("a", lambda: "a itself") == "a itself"
    assert probes.take("b", lambda: "b itself") == "b itself"
    release.set()
    probes.close()


def test_an_unread_hung_probe_never_holds_the_process() -> None:
    probes = Ahead(1)
    never = threading.Event()
    probes.start("c", never.wait, what="p", host=None, within=60)
    time.sleep(0.05)
    probes.close()
    assert all(t.daemon for t in probes._threads)


# -- which probes a run starts (fixtures/hosts.py) -----------------------------


def _node_probe(target: Target, environment: Any) -> str:
    return f"{target.name} asked"


def _db_probe(environment: Any) -> str:
    return "db asked"


def _missing(environment: Any) -> float:
    raise ConfigError("expectations.yml", "app", "a section (missing)")


def _item(nodeid: str, check: Any, **params: str) -> Any:
    return SimpleNamespace(nodeid=nodeid, function=check, callspec=SimpleNamespace(params=params))


def test_a_run_starts_the_declared_probes_of_its_selected_checks_only() -> None:
    @asked_ahead(_node_probe, lambda env: 5.0, "the node's health answer")
    def health() -> None: ...

    @asked_ahead(_db_probe, lambda env: 5.0, "the database's answer")
    def database() -> None: ...

    @asked_ahead(_db_probe, _missing, "a probe with no bound")
    def unbound() -> None: ...

    def plain() -> None: ...

    env = SimpleNamespace(inventory=SimpleNamespace(hosts={"app1": None, "db1": None}))
    pool = HostPool(env)  # type: ignore[arg-type]
    remote = SimpleNamespace(backend=SimpleNamespace(lost=None))
    pool._targets["app1"] = Target("app1", None, remote)  # type: ignore[arg-type]
    items = [
        _item("s.py::test_health[app1]", health, target="app1"),
        _item("s.py::test_db[db1:5432]", database, database_endpoint="db1:5432"),
        _item("s.py::test_plain[app1]", plain, target="app1"),
        _item("s.py::test_unbound", unbound),
    ]
    asked: list[str] = []

    def fixture(name: str) -> Any:
        asked.append(name)
        return pool

    probes = Ahead(2)
    # while a check runs, the hosts its own thread reaches are its; a probe asked ahead's not
    with reaching(set()) as touched:
        started_ids = start_ahead(probes, items, env, fixture)  # type: ignore[arg-type]
        started(probes, *started_ids)
    assert touched == set(), "a probe asked ahead counted as the running check's"
    # the probe that reaches no host first: it need not wait for a connection
    assert started_ids == ["s.py::test_db[db1:5432]", "s.py::test_health[app1]"]
    # the pool first (its hosts' connections are the longest wait), then each probe's
    # fixtures; no `api`: no probe names it
    assert asked == ["host_pool", "host_pool"]
    assert "s.py::test_unbound" not in probes  # its check asks itself, and meets the error
    assert probes.take("s.py::test_health[app1]", lambda: "again") == "app1 asked"
    assert probes.take("s.py::test_db[db1:5432]", lambda: "again") == "db asked"
    assert probes._jobs == {}
    probes.close()


def test_checks_declaring_the_same_probe_of_one_host_share_one_asking() -> None:
    asked: list[str] = []

    def node_health(target: Target, environment: Any) -> str:
        asked.append(target.name)
        return f"{target.name} UP"

    def within(env: Any) -> float:
        return 5.0

    @asked_ahead(node_health, within, "the node's health answer")
    def healthy() -> None: ...

    @asked_ahead(node_health, within, "the node's health answer")
    def db_seen_by_app() -> None: ...

    env = SimpleNamespace(inventory=SimpleNamespace(hosts={"app1": None, "app2": None}))
    pool = HostPool(env)  # type: ignore[arg-type]
    for name in ("app1", "app2"):
        remote = SimpleNamespace(backend=SimpleNamespace(lost=None))
        pool._targets[name] = Target(name, None, remote)  # type: ignore[arg-type]
    items = [
        _item(f"s.py::test_{check.__name__}[{host}]", check, target=host)
        for check in (healthy, db_seen_by_app)
        for host in ("app1", "app2")
    ]
    probes = Ahead(2)
    ids = start_ahead(probes, items, env, lambda name: pool)  # type: ignore[arg-type]
    assert len(ids) == 4
    started(probes, *ids)
    for item in items:
        host = item.callspec.params["target"]
        assert probes.take(item.nodeid, lambda: "asked again") == f"{host} UP"
    assert sorted(asked) == ["app1", "app2"]  # one asking per node, read by both checks
    probes.close()


def test_a_probe_may_name_only_the_fixtures_a_run_can_give_it() -> None:
    def wants(target: Any, evidence: Any) -> None: ...

    with pytest.raises(TypeError, match="names \\['evidence'\\]"):
        asked_ahead(wants, lambda env: 1.0, "a probe")
