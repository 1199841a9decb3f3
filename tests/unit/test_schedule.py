"""golive's xdist scheduler (plugins/schedule.py): the checks that share a suite's facts are
one unit (one worker gathers them), drills stay units of their own in their places."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pytest_golive.plugins.schedule import _Ranked, order, units


@dataclass
class _Def:
    scope: str
    module: str

    @property
    def func(self) -> Any:
        def fixture() -> None:
            pass

        fixture.__module__ = self.module
        return fixture


@dataclass
class _Info:
    name2fixturedefs: dict[str, list[_Def]]


@dataclass
class _Item:
    nodeid: str
    fixtures: dict[str, _Def] = field(default_factory=dict)
    drill: bool = False

    @property
    def fixturenames(self) -> list[str]:
        return list(self.fixtures)

    @property
    def _fixtureinfo(self) -> _Info:
        return _Info({n: [d] for n, d in self.fixtures.items()})

    def get_closest_marker(self, name: str) -> object | None:
        return object() if name == "drill" and self.drill else None


SCAN = _Def("session", "pytest_golive.fixtures.security")
OTHER_SCAN = _Def("session", "pytest_golive.fixtures.security")
POOL = _Def("session", "pytest_golive.fixtures.hosts")
FACTS = _Def("session", "suites.predeploy.conftest")
PER_CHECK = _Def("function", "pytest_golive.fixtures.security")


def test_checks_sharing_a_suite_fact_are_one_unit_others_their_own() -> None:
    items = [
        _Item("a", {"host_pool": POOL}),
        _Item("b", {"reach_states": SCAN, "host_pool": POOL}),
        _Item("c", {"reach_states": SCAN, "evidence": PER_CHECK}),
        _Item("d", {"host_pool": POOL, "evidence": PER_CHECK}),
        _Item("e", {"facts": FACTS}),
        _Item("f", {"facts": FACTS, "scans_started": OTHER_SCAN}),
    ]
    got = units(items, autouse=frozenset({"scans_started"}))  # type: ignore[arg-type]
    assert got["a"] == "a" and got["d"] == "d"  # connections are every suite's: no unit
    assert got["b"] == got["c"] != "b"
    assert got["e"] == got["f"] not in (got["b"], "e")  # an autouse fixture links nothing


def test_shared_facts_link_through_a_check_and_a_drill_stays_alone() -> None:
    items = [
        _Item("a", {"tls_scans": SCAN}),
        _Item("b", {"tls_scans": SCAN, "facts": FACTS}),
        _Item("c", {"facts": FACTS}),
        _Item("drill", {"facts": FACTS}, drill=True),
    ]
    got = units(items)  # type: ignore[arg-type]
    assert got["a"] == got["b"] == got["c"]
    assert got["drill"] == "drill"


def test_larger_units_first_but_never_past_a_drill() -> None:
    collection = ["s1", "g1", "g2", "s2", "d1", "s3", "h1", "h2", "h3", "d2"]
    unit = {"g1": "G", "g2": "G", "h1": "H", "h2": "H", "h3": "H"}
    assert order(collection, unit, {"d1", "d2"}) == ["G", "s1", "s2", "d1", "H", "s3", "d2"]


def test_queue_hands_out_best_ranked_unit_then_unranked_in_order() -> None:
    queue = _Ranked({"G": 0, "s1": 1})
    for name in ("s1", "late", "G", "later"):
        queue[name] = {name: False}
    assert [queue.popitem(last=False)[0] for _ in range(4)] == ["G", "s1", "late", "later"]


def test_a_modules_checks_asked_ahead_are_one_unit() -> None:
    probed = _Def("function", "pytest_golive.fixtures.hosts")
    items = [
        _Item("suites/a.py::one", {"probed": probed}),
        _Item("suites/a.py::two", {"probed": probed, "host_pool": POOL}),
        _Item("suites/a.py::three", {"host_pool": POOL}),
        _Item("suites/b.py::one", {"probed": probed}),
    ]
    got = units(items)  # type: ignore[arg-type]
    assert got["suites/a.py::one"] == got["suites/a.py::two"] != got["suites/b.py::one"]
    assert got["suites/a.py::three"] == "suites/a.py::three"
