"""golive/gate/suites.yml is the one registry of suites (docs/architecture.md#registering-a-suite):
what it names exists, what lists suites is derived from it, and nothing is a suite without an
entry there (issue 20: "Nothing checks they agree"; a suite certify silently skipped, or whose
checks silently became "critical" with no plan item).

The suites are the folders of suites/; the sub-suites (``within``) are markers of
a suite's checks. Exceptions are named here with their reason, not inferred. The last test adds
a toy suite through the registry alone (its folder, judge, expectations model, fixtures and one
entry) in a temporary copy of the packages, and sees it collected, registered, ordered by
certify and mapped to its plan item."""

from __future__ import annotations

import importlib
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from conftest import Golive
from golive.cli import certify, watch
from golive.gate import rollback
from golive.gate.plan import load_plan
from golive.model import expectations
from golive.model.errors import ConfigError
from golive.model.registry import REGISTRY_FILE, load_registry
from golive.model.resources import resource
from golive.sandbox import faults
from pytest_golive import plugin

REPO = Path(__file__).resolve().parents[2]
REGISTRY = load_registry()
FOLDERS = {p.name for p in plugin.SUITES.iterdir() if p.is_dir() and (p / "__init__.py").is_file()}
SUITES = REGISTRY.suites
SUB_SUITES = {name for name, s in SUITES.items() if s.within is not None}
TOP_SUITES = set(SUITES) - SUB_SUITES
LEAVES = set(SUITES) - {s.within for s in SUITES.values() if s.within is not None}
PROPERTIES = {"drill", "severity", "plan", "roles"}
"""Markers that are properties of a check, not suites (golive/gate/metadata.py)."""
OWN_COMMAND = {"watch": watch.WATCH_SUITE}
"""Suites certify does not run: they run after go-live, through their own command."""
NO_JUDGE = {
    "smoke": "its checks use golive/judge/predeploy.py's findings",
    "security": "each of its sub-suites has its judge",
}
OTHER_JUDGES = {"identity": "who golive is on a host (any suite)", "parity": "golive parity"}
"""Judges of golive/judge/ that are no suite's."""


def marker_names() -> set[str]:
    return {re.sub(r"\(.*\)$", "", name) for name in plugin.MARKERS}


def modules(folder: Path) -> set[str]:
    return {p.stem for p in folder.glob("*.py") if p.stem != "__init__"}


def test_every_suite_folder_is_a_suite_of_the_registry_and_back() -> None:
    assert FOLDERS, f"no suite folder under {plugin.SUITES}"
    assert sorted(FOLDERS - TOP_SUITES) == [], "folders without an entry in gate/suites.yml"
    assert sorted(TOP_SUITES - FOLDERS) == [], "gate/suites.yml suites without a folder"


def test_the_markers_are_the_registry_s_suites_and_the_properties() -> None:
    assert marker_names() == set(SUITES) | PROPERTIES
    assert all(plugin.MARKERS[name] == s.marker for name, s in SUITES.items())


def test_certify_runs_every_suite_but_those_with_their_own_command() -> None:
    assert REGISTRY.certify_order() == certify.ORDER
    assert sorted(TOP_SUITES - OWN_COMMAND.keys() - set(certify.ORDER)) == [], (
        "suites golive certify would skip: give them a `certify:` place in gate/suites.yml"
    )
    for name, folder in OWN_COMMAND.items():
        assert name not in certify.ORDER and folder.resolve() == (plugin.SUITES / name).resolve()


def test_every_plan_item_a_suite_names_is_in_the_plan() -> None:
    plan = load_plan()
    unknown = {name: s.plan for name, s in SUITES.items() if s.plan and s.plan not in plan}
    assert unknown == {}, "gate/suites.yml names plan items gate/plan.yml does not have"


def test_every_suite_has_its_expectations_and_every_expectations_module_a_suite() -> None:
    assert sorted(name for name, s in SUITES.items() if s.expectations is None) == []
    loaded = [m.__name__.rsplit(".", 1)[-1] for m in expectations.SUITES]
    assert loaded == list(REGISTRY.expectations_modules())
    on_disk = modules(Path(expectations.__file__).parent) - {"section"}
    assert sorted(on_disk - set(loaded)) == [], (
        "golive/model/expectations/ modules no suite of gate/suites.yml names"
    )
    assert all(expectations.sections_of(m) for m in expectations.SUITES), "a module, no section"


def test_every_judge_the_registry_names_is_there_and_every_judge_a_suite_s() -> None:
    judges = modules(REPO / "golive" / "judge")
    named = {s.judge for s in SUITES.values() if s.judge}
    assert sorted(named - judges) == [], "gate/suites.yml names judges golive/judge/ lacks"
    assert sorted(n for n in LEAVES - NO_JUDGE.keys() if SUITES[n].judge is None) == []
    assert sorted(judges - named - OTHER_JUDGES.keys()) == [], "judges of no suite"
    assert sorted(NO_JUDGE.keys() - set(SUITES)) == [], "NO_JUDGE names no suite"


def _defines_fixtures_or_hooks(module: str) -> bool:
    package, name = module.rsplit(".", 1)
    source = resource(package, f"{name}.py").read_text()
    return "@pytest.fixture" in source or re.search(r"^def pytest_", source, re.M) is not None


def _nested_plugins(module: str) -> list[str]:
    return list(getattr(importlib.import_module(module), "pytest_plugins", []))


def test_every_fixtures_and_plugins_module_is_loaded_and_back() -> None:
    present = {
        f"pytest_golive.{folder}.{name}"
        for folder in ("fixtures", "plugins")
        for name in modules(REPO / folder)
    }
    loadable = {m for m in present if _defines_fixtures_or_hooks(m)}
    # with the modules a listed one lists in turn (plugins/gate.py: one module per concern)
    nested = [n for m in plugin.pytest_plugins for n in _nested_plugins(m)]
    listed = {*plugin.pytest_plugins, *nested}
    assert len(listed) == len(plugin.pytest_plugins) + len(nested), "a module listed twice"
    assert sorted(loadable - listed) == [], "fixture/plugin modules missing from pytest_plugins"
    assert sorted(listed - present) == [], "pytest_plugins names a module that is not there"
    named = {f"pytest_golive.fixtures.{s.fixtures}" for s in SUITES.values() if s.fixtures}
    assert sorted(named - present) == [], "gate/suites.yml names fixtures that are not there"
    shared = {m for m in plugin.PLUGINS if ".fixtures." in m}
    assert sorted(loadable - named - shared - set(plugin.PLUGINS) - set(nested)) == []


def test_every_suite_brings_a_fault_and_the_catalog_names_only_suites() -> None:
    caught: set[str] = set()
    for fault in faults.catalog().values():
        caught.update(fault.caught_by)
        for also in fault.also:
            caught.update(also.caught_by)
    assert sorted(LEAVES - caught) == [], "suites no catalog fault proves (faults.yml)"
    assert sorted(caught - set(SUITES)) == [], "the catalog names suites that are not there"


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("BEFORE_DEPLOY", "before-deploy"),
        ("NOT_EVIDENCE", "not-evidence"),
        ("FUNCTIONAL", "functional"),
        ("PERFORMANCE_SUITES", "performance"),
    ],
)
def test_rollback_suite_sets_are_the_registry_s(name: str, kind: str) -> None:
    members = getattr(rollback, name)
    assert members, f"gate/rollback.py {name} is empty"
    assert members == REGISTRY.of_kind(kind)  # type: ignore[arg-type]


def test_a_typo_in_the_registry_is_a_config_error(tmp_path: Path) -> None:
    text = REGISTRY_FILE.read_text().replace("    certify: 3\n", "    certfy: 3\n", 1)
    bad = tmp_path / "suites.yml"
    bad.write_text(text)
    with pytest.raises(ConfigError, match=r"suites\.integration\.certfy"):
        load_registry(bad)
    bad.write_text(REGISTRY_FILE.read_text().replace("    certify: 3\n", "    certify: 2\n", 1))
    with pytest.raises(ConfigError, match="2 is the place of 'smoke'"):
        load_registry(bad)


# -- a toy suite, added through the registry alone ----------------------------------------------

TOY_ENTRY = """\
  toy:
    marker: a toy suite added through the registry
    severity: normal
    plan: post.monitoring.tuning
    certify: 9
    expectations: toy
    judge: toy
    fixtures: toy
"""
TOY_FILES = {
    "golive/model/expectations/toy.py": """
from typing import ClassVar

from golive.model.expectations.section import Section


class Toy(Section):
    key: ClassVar[str] = "toy"
    answer: int
""",
    "golive/judge/toy.py": """
def findings(answer: int, expected: int) -> list[str]:
    return [] if answer == expected else [f"the answer is {answer}, not {expected}"]
""",
    "pytest_golive/fixtures/toy.py": """
import pytest

from golive.model.environment import Environment
from golive.model.expectations.toy import Toy


@pytest.fixture
def toy_expected(environment: Environment) -> int:
    return environment.expectation(Toy).answer
""",
    "pytest_golive/suites/toy/__init__.py": "",
    "pytest_golive/suites/toy/test_toy.py": """
import pytest

from golive.judge import toy

pytestmark = pytest.mark.toy


def test_the_answer(toy_expected):
    assert toy.findings(42, toy_expected) == []
""",
}


def test_a_toy_suite_added_through_the_registry_is_collected_registered_ordered_and_planned(
    golive: Golive, monkeypatch: pytest.MonkeyPatch
) -> None:
    tree = golive.pytester.path / "tree"
    # laid out as an installed wheel is: suites/, fixtures/ and plugins/ inside pytest_golive
    for package, into in (("golive", "golive"), ("pytest_golive", "pytest_golive"),
                          *((f, f"pytest_golive/{f}") for f in ("suites", "fixtures", "plugins"))):
        shutil.copytree(REPO / package, tree / into, ignore=shutil.ignore_patterns("__pycache__"))
    for path, text in TOY_FILES.items():
        (tree / path).parent.mkdir(exist_ok=True)
        (tree / path).write_text(text.lstrip())
    registry = tree / "golive" / "gate" / "suites.yml"
    registry.write_text(registry.read_text() + TOY_ENTRY)
    golive.write("expectations.yml", {**golive.read("expectations.yml"), "toy": {"answer": 42}})
    # the copy is imported before the checkout's golive (the editable install's finder is last)
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([str(tree), os.environ.get("PYTHONPATH", "")]))

    markers = golive.pytester.runpytest_subprocess("--markers", "--env", "fake")
    markers.stdout.fnmatch_lines(["@pytest.mark.toy: a toy suite added through the registry"])

    suite = tree / "pytest_golive" / "suites" / "toy"
    run = golive.pytester.runpytest_subprocess(
        str(suite), "--env", "fake", f"--golive-reports={golive.reports}", "-m", "toy"
    )
    assert run.ret == 0, run.stdout.str()[-3000:]
    (check,) = golive.verdict()["checks"]
    assert check["outcome"] == "passed" and check["id"].endswith("test_toy.py::test_the_answer")
    assert (check["severity"], check["plan"]) == ("normal", ["post.monitoring.tuning"])

    order = subprocess.run(
        [sys.executable, "-c",
         "from golive.cli import certify; print(certify.ORDER[-1], certify.suite_paths()[-1])"],
        capture_output=True, text=True, timeout=120, check=True,
    )  # fmt: skip
    assert order.stdout.split() == ["toy", str(suite)]
    assert yaml.safe_load(registry.read_text())["suites"]["toy"]["certify"] == 9
    assert json.loads((golive.reports / "verdict.json").read_text())["verdict"] == "GO"

    # a typo in the registry: one line naming file and key, exit 4, from pytest and the CLI
    registry.write_text(registry.read_text().replace("    certify: 9\n", "    certfy: 9\n"))
    typo = golive.pytester.runpytest_subprocess("--markers", "--env", "fake")
    assert typo.ret == 4
    (line,) = [x for x in typo.stderr.lines if x.strip()]
    assert "suites.yml" in line and "suites.toy.certfy" in line, line
    cli = subprocess.run(
        [sys.executable, "-c", "import sys, golive.cli; sys.exit(golive.cli.main(['certify']))"],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert cli.returncode == 4 and cli.stderr.count("\n") == 1, cli.stderr
    assert "suites.toy.certfy" in cli.stderr
