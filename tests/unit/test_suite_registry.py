"""A suite is registered in every place docs/architecture.md#registering-a-suite lists, and
nothing is registered for a suite that is not there (issue 20: "Nothing checks they agree";
miss certify's ORDER and `golive certify` silently skips the suite, miss suites.yml and its
checks silently become "critical" with no plan item).

The suites are the folders of pytest_golive/suites/; the sub-suites (``within`` in suites.yml)
are markers of a suite's checks. Exceptions are named here with their reason, not inferred."""

from __future__ import annotations

import inspect
import re
from pathlib import Path

import pytest

from golive.cli import certify, watch
from golive.gate import rollback
from golive.gate.plan import load_plan
from golive.gate.severity import load_suite_defaults
from golive.model import expectations
from golive.sandbox import faults
from pytest_golive import plugin

REPO = Path(__file__).resolve().parents[2]
FOLDERS = {p.name for p in plugin.SUITES.iterdir() if p.is_dir() and (p / "__init__.py").is_file()}
DEFAULTS = load_suite_defaults().suites
SUB_SUITES = {name for name, s in DEFAULTS.items() if s.within is not None}
TOP_SUITES = set(DEFAULTS) - SUB_SUITES
LEAVES = set(DEFAULTS) - {s.within for s in DEFAULTS.values() if s.within is not None}
PROPERTIES = {"drill", "severity", "plan", "roles"}
"""Markers that are properties of a check, not suites (golive/gate/metadata.py)."""
OWN_COMMAND = {"watch": watch.WATCH_SUITE}
"""Suites certify does not run: they run after go-live, through their own command."""
SHARED_EXPECTATIONS = {"roles"}
"""Expectations modules every suite reads (the roles of the inventory), no suite's own."""
NO_JUDGE = {"smoke": "its checks use golive/judge/predeploy.py's findings"}


def marker_names() -> set[str]:
    return {re.sub(r"\(.*\)$", "", name) for name in plugin.MARKERS}


def test_every_suite_folder_is_a_suite_of_suites_yml_and_back() -> None:
    assert FOLDERS, f"no suite folder under {plugin.SUITES}"
    assert sorted(FOLDERS - TOP_SUITES) == [], "folders without an entry in gate/suites.yml"
    assert sorted(TOP_SUITES - FOLDERS) == [], "gate/suites.yml suites without a folder"


def test_every_suite_and_sub_suite_has_its_marker_and_back() -> None:
    markers = marker_names()
    assert markers >= PROPERTIES, "the property markers are registered"
    assert sorted(set(DEFAULTS) - markers) == [], "suites without a marker in plugin.MARKERS"
    assert sorted(markers - PROPERTIES - set(DEFAULTS)) == [], (
        "plugin.MARKERS registers a marker that is neither a suite of gate/suites.yml nor a "
        "property of a check"
    )


def test_certify_runs_every_suite_but_those_with_their_own_command() -> None:
    assert len(certify.ORDER) == len(set(certify.ORDER)), f"a suite twice in {certify.ORDER}"
    assert sorted(TOP_SUITES - OWN_COMMAND.keys() - set(certify.ORDER)) == [], (
        "suites golive certify would skip: add them to golive/cli/certify.py ORDER"
    )
    assert sorted(set(certify.ORDER) - FOLDERS) == [], "ORDER names a suite with no folder"
    for name, folder in OWN_COMMAND.items():
        assert name not in certify.ORDER and folder.resolve() == (plugin.SUITES / name).resolve()


def test_every_plan_item_a_suite_names_is_in_the_plan() -> None:
    plan = load_plan()
    unknown = {name: s.plan for name, s in DEFAULTS.items() if s.plan and s.plan not in plan}
    assert unknown == {}, "gate/suites.yml names plan items gate/plan.yml does not have"


def test_every_suite_has_its_expectations_and_every_expectations_module_a_suite() -> None:
    modules = {m.__name__.rsplit(".", 1)[-1]: m for m in expectations.SUITES}
    sections = set(expectations.SECTIONS)
    # a suite's expectations are its module (smoke.py), or a section of its parent's (tls in
    # security.py) or of a related suite's module (watch in monitoring.py)
    assert sorted(set(DEFAULTS) - modules.keys() - sections) == [], (
        "suites without an expectations module or section (golive/model/expectations/)"
    )
    assert sorted(modules.keys() - SHARED_EXPECTATIONS - TOP_SUITES) == [], (
        "expectations modules of no suite"
    )
    on_disk = {
        p.stem
        for p in Path(expectations.__file__).parent.glob("*.py")
        if p.stem not in {"__init__", "section"}
    }
    assert sorted(on_disk - modules.keys()) == [], (
        "golive/model/expectations/ modules missing from the SUITES tuple of its __init__.py"
    )


def test_every_suite_has_its_judge() -> None:
    judges = {p.stem for p in (REPO / "golive" / "judge").glob("*.py")}
    assert sorted(LEAVES - judges - NO_JUDGE.keys()) == [], "suites without golive/judge/X.py"
    assert sorted(NO_JUDGE.keys() - LEAVES) == [], "NO_JUDGE names no suite"


def _defines_fixtures_or_hooks(module: str) -> bool:
    source = (REPO / (module.replace(".", "/") + ".py")).read_text()
    return "@pytest.fixture" in source or re.search(r"^def pytest_", source, re.M) is not None


def test_every_fixtures_and_plugins_module_is_loaded_and_back() -> None:
    modules = {
        f"pytest_golive.{p.parent.name}.{p.stem}"
        for folder in ("fixtures", "plugins")
        for p in (REPO / "pytest_golive" / folder).glob("*.py")
        if p.stem != "__init__"
    }
    loadable = {m for m in modules if _defines_fixtures_or_hooks(m)}
    listed = set(plugin.pytest_plugins)
    assert len(listed) == len(plugin.pytest_plugins), "a module twice in pytest_plugins"
    assert sorted(loadable - listed) == [], "fixture/plugin modules missing from pytest_plugins"
    assert sorted(listed - modules) == [], "pytest_plugins names a module that is not there"


def test_every_suite_brings_a_fault_and_the_catalog_names_only_suites() -> None:
    caught: set[str] = set()
    for fault in faults.catalog().values():
        caught.update(fault.caught_by)
        for also in fault.also:
            caught.update(also.caught_by)
    assert sorted(LEAVES - caught) == [], "suites no catalog fault proves (faults.yml)"
    assert sorted(caught - set(DEFAULTS)) == [], "the catalog names suites that are not there"


@pytest.mark.parametrize(
    "name", ["BEFORE_DEPLOY", "NOT_EVIDENCE", "FUNCTIONAL", "PERFORMANCE_SUITES"]
)
def test_rollback_suite_sets_name_suites(name: str) -> None:
    members = getattr(rollback, name)
    assert members, f"gate/rollback.py {name} is empty"
    assert sorted(set(members) - set(DEFAULTS)) == [], f"gate/rollback.py {name}: no such suite"


def test_the_rollback_sets_are_all_checked() -> None:
    sets = [n for n, v in inspect.getmembers(rollback) if isinstance(v, frozenset)]
    assert sorted(sets) == ["BEFORE_DEPLOY", "FUNCTIONAL", "NOT_EVIDENCE", "PERFORMANCE_SUITES"]
