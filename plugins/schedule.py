"""Which worker runs which checks under pytest-xdist (``-n N``, its default ``--dist load``).

A session fixture is set up once per process: under xdist's own load scheduling, which hands
out checks in consecutive chunks, the checks that read one scan (the firewall's reachability
round, the TLS scans) land on both workers, and each worker ran the scan again (issue 24: the
union's `-n 2` paid the reachability round twice, 4 to 7 s each, and was slower than serial).

golive's scheduler hands out **units** instead of single checks: the checks that share a
suite's facts gathered once (a fixture of wider than function scope from a suite's fixture
module of the registry, ``fixtures:`` in gate/suites.yml, or a suite's conftest; not an
autouse one) are one unit, run on one worker, so those facts are gathered once per run; every
other check is a unit of its own, handed out as xdist's load scheduling does (a worker asks for
more when two or fewer of its checks are left). A destructive drill is always a unit of its
own and nothing is moved past one: the drills' places (last, or just before the checks they
may run beside, plugins/safety.py) stay the schedule's. Between two drills the larger units
go first (the longest work starts early, the single checks fill in beside it).

The checks of one module whose network probe is asked ahead (they read ``probed``,
fixtures/hosts.py) are one unit too: they reach a worker together, and the worker asks their
probes at once, as a serial run does (:func:`queued`: the checks sent to a worker and not yet
run), instead of each check asking its own in turn.

Only the workers collect: each writes its units beside the shared directory safety.py gives
it (``units-<worker>.json``) before it tells the controller its collection, and the
controller's scheduler reads them. Without them (a remote worker, a file it cannot read) every
check is a unit of its own: xdist's load scheduling, slower, never wrong. ``--dist`` other
than ``load`` is xdist's own.
"""

from __future__ import annotations

import json
import os
from collections import OrderedDict
from pathlib import Path
from typing import Any

import pytest

from pytest_golive.plugins.safety import SHARED_DIR, WORKER_PHASE, is_drill

UNITS = "units-{worker}.json"
"""In the shared directory: one worker's {"units": {check: unit}, "drills": [check, ...]}."""
SHARED_MODULES = ("pytest_golive.fixtures.hosts", "pytest_golive.fixtures.http",
                  "pytest_golive.fixtures.db")  # fmt: skip
"""Fixture modules every suite shares (connections, not a suite's facts)."""
SUITE_MODULES = ("pytest_golive.fixtures.", "pytest_golive.suites.", "suites.")
PROBED = "probed"
"""The fixture a check reads its probe asked ahead with (fixtures/hosts.py)."""


def _facts_of(item: pytest.Item, autouse: frozenset[str]) -> list[str]:
    """The suite facts ``item`` reads: fixtures wider than a function, from a suite's fixture
    module or conftest, not autouse (an autouse fixture is every check's, no shared fact)."""
    info = getattr(item, "_fixtureinfo", None)
    if info is None:
        return []
    found = []
    for name in getattr(item, "fixturenames", ()):
        defs = info.name2fixturedefs.get(name)
        if not defs or name in autouse:
            continue
        fixture = defs[-1]
        module = str(getattr(fixture.func, "__module__", ""))
        if fixture.scope == "function" or module in SHARED_MODULES:
            continue
        if module.startswith(SUITE_MODULES):
            found.append(f"{module}.{name}")
    return found


def units(items: list[pytest.Item], autouse: frozenset[str] = frozenset()) -> dict[str, str]:
    """Each check's unit: the checks linked by a shared suite fact (directly or through
    another check) share one, named after the first fact; any other check is its own. A
    drill is always its own."""
    parent: dict[str, str] = {}

    def root(key: str) -> str:
        while parent[key] != key:
            parent[key] = parent[parent[key]]
            key = parent[key]
        return key

    facts: dict[str, list[str]] = {}
    for item in items:
        if is_drill(item):
            continue
        found = facts[item.nodeid] = _facts_of(item, autouse)
        if PROBED in getattr(item, "fixturenames", ()):
            # a check whose probe is asked ahead: its module's such checks reach one worker
            # together, which asks their probes at once (:func:`queued`)
            found.append(f"probes asked ahead: {item.nodeid.split('::', 1)[0]}")
        for fact in found:
            parent.setdefault(fact, fact)
        for fact in found[1:]:
            parent[root(fact)] = root(found[0])
    out = {}
    for item in items:
        read = facts.get(item.nodeid)
        out[item.nodeid] = f"golive facts: {root(read[0])}" if read else item.nodeid
    return out


def _autouse(session: pytest.Session) -> frozenset[str]:
    manager: Any = session._fixturemanager
    names = getattr(manager, "_getautousenames", None)
    return frozenset(names(session) if names is not None else ())


def queued(session: pytest.Session) -> list[pytest.Item] | None:
    """On a pytest-xdist worker, the checks the controller has sent it that have not ended:
    the one running, the next, then those waiting in its queue (xdist's ``WorkerInteractor``),
    in order; a unit's checks arrive together. None anywhere else, or where xdist's worker is
    not the one this reads (the caller then asks nothing ahead)."""
    if not hasattr(session.config, "workerinput"):
        return None
    worker = next(
        (p for p in session.config.pluginmanager.get_plugins()
         if type(p).__name__ == "WorkerInteractor"),
        None,
    )  # fmt: skip
    torun = getattr(worker, "torun", None)
    lock = getattr(torun, "lock", None)
    if worker is None or lock is None:
        return None
    try:
        with lock() as waiting:
            indices = [getattr(worker, "item_index", None),
                       getattr(worker, "nextitem_index", None), *waiting]  # fmt: skip
    except Exception:  # another xdist than the one this reads: ask nothing ahead
        return None
    items = session.items
    picked = [i for i in indices if isinstance(i, int) and not isinstance(i, bool)]
    return [items[i] for i in dict.fromkeys(picked) if 0 <= i < len(items)]


@pytest.hookimpl(tryfirst=True)
def pytest_collection_finish(session: pytest.Session) -> None:
    """An xdist worker: its units, written before xdist tells the controller the collection."""
    worker = getattr(session.config, "workerinput", None)
    if worker is None or WORKER_PHASE not in worker or session.config.option.collectonly:
        return
    path = Path(worker[WORKER_PHASE]) / UNITS.format(worker=worker.get("workerid", "gw"))
    record = {
        "units": units(session.items, _autouse(session)),
        "drills": [i.nodeid for i in session.items if is_drill(i)],
    }
    try:
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_text(json.dumps(record))
        tmp.replace(path)
    except OSError:
        pass  # the controller then schedules check by check (xdist's load scheduling)


def order(collection: list[str], unit_of: dict[str, str], drills: set[str]) -> list[str]:
    """The units in the order they are handed out: between two drills (each a unit of its own,
    in its place) the larger units first, otherwise in the order of their first check."""
    first: dict[str, int] = {}
    size: dict[str, int] = {}
    segment: dict[str, int] = {}
    at = 0
    for n, nodeid in enumerate(collection):
        unit = unit_of.get(nodeid, nodeid)
        if nodeid in drills:
            at += 1
        first.setdefault(unit, n)
        segment.setdefault(unit, at)
        size[unit] = size.get(unit, 0) + 1
        if nodeid in drills:
            at += 1
    return sorted(first, key=lambda u: (segment[u], -size[u], first[u]))


class _Ranked(OrderedDict[str, Any]):
    """xdist's work queue of units, handing out the best ranked unit first (a unit it does not
    rank, after the others, in the order it came)."""

    def __init__(self, rank: dict[str, int]) -> None:
        super().__init__()
        self.rank = rank

    def popitem(self, last: bool = True) -> tuple[str, Any]:
        if last or not self:
            return super().popitem(last)
        unit = min(self, key=lambda u: self.rank.get(u, len(self.rank)))
        return unit, self.pop(unit)


def _scheduler(config: pytest.Config, log: Any) -> Any:
    from xdist.scheduler.loadscope import LoadScopeScheduling  # type: ignore[import-untyped]

    class GoliveScheduling(LoadScopeScheduling):  # type: ignore[misc]
        """xdist's scope scheduling, golive's units as its scopes (see the module)."""

        def __init__(self, config: pytest.Config, log: Any = None) -> None:
            super().__init__(config, log)
            self._units: dict[str, str] | None = None
            self._drills: set[str] = set()

        def _read(self) -> None:
            self._units = {}
            shared = self.config.stash.get(SHARED_DIR, None)
            for path in sorted(shared.glob(UNITS.format(worker="*"))) if shared else []:
                try:
                    record = json.loads(path.read_text())
                    self._units = {str(k): str(v) for k, v in record["units"].items()}
                    self._drills = {str(d) for d in record["drills"]}
                    return
                except (OSError, ValueError, KeyError, AttributeError, TypeError):
                    continue

        def _split_scope(self, nodeid: str) -> str:
            if self._units is None:
                self._read()
            assert self._units is not None
            return self._units.get(nodeid, nodeid)

        def schedule(self) -> None:
            if self.collection is None and self.collection_is_completed:
                collection = list(next(iter(self.registered_collections.values()), []))
                if self._units is None:
                    self._read()
                assert self._units is not None
                # xdist's scope scheduling hands out its units in the order of their first
                # check: golive's order instead (drills in place, larger units first between)
                ranked = order(collection, self._units, self._drills)
                self.workqueue = _Ranked({u: n for n, u in enumerate(ranked)})
            super().schedule()

    return GoliveScheduling(config, log)


@pytest.hookimpl(tryfirst=True, optionalhook=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    """xdist's controller: golive's units for ``--dist load`` (the default of ``-n``)."""
    if config.getvalue("dist") != "load":
        return None
    config.option.loadscopereorder = False  # the order is golive's (drills in place)
    return _scheduler(config, log)
