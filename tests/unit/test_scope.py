"""A run with ``-m`` collects only the suites whose checks can match (plugins/scope.py, issue
24), and that is sound: every check of golive's suites is collected once with the markers it
carries, each suite's folder carries no suite marker the registry does not give it
(``Registry.folder_markers``), and for a set of expressions (negations, sub-suites, properties,
keyword arguments) no check an expression selects lives in a folder it leaves out. A check of
one suite marked with another's marker needs ``carries:`` in gate/suites.yml."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from _pytest.mark import MarkMatcher
from _pytest.mark.expression import Expression
from _pytest.mark.structures import Mark

from conftest import EXPECTATIONS, INVENTORY, REPO, SECRET, TOTP_SEED, Golive
from golive.model.errors import ConfigError
from golive.model.registry import REGISTRY_FILE, Registry, load_registry
from pytest_golive.plugins.scope import may_select

REGISTRY = load_registry()
SUITES = frozenset(REGISTRY.suites)
EXPRESSIONS = [
    "smoke",
    "not smoke",
    "smoke or security",
    "tls",
    "tls and not security",
    "security and not (tls or auth)",
    "drill",
    "not drill",
    "smoke and not drill",
    "(predeploy or smoke or integration or security) and not drill",
    "plan",
    "drill(beside=1)",
    "not watch and not performance",
]

# a plugin of the inner run: each check collected (before any deselection), its markers
DUMP = """
import json, os

def pytest_itemcollected(item):
    with open(os.environ["GOLIVE_TEST_CHECKS"], "a") as f:
        f.write(json.dumps([str(item.path), item.nodeid.rsplit("::", 1)[-1],
                            [[m.name, m.kwargs] for m in item.iter_markers()]]) + "\\n")
"""


def undeclared(checks: list[tuple[str, set[str]]], registry: Registry) -> list[str]:
    """The checks (folder, markers) carrying a suite marker their folder is not given."""
    suites = set(registry.suites)
    return [
        f"suites/{folder}: {sorted(markers & suites - registry.folder_markers(folder))}"
        for folder, markers in checks
        if markers & suites - registry.folder_markers(folder)
    ]


@pytest.fixture(scope="module")
def every_check(tmp_path_factory: pytest.TempPathFactory) -> list[tuple[str, list[Mark]]]:
    """Every check of golive's suites (watch's too) with its markers, collected once against
    a fake environment (with every role the suites name)."""
    where = tmp_path_factory.mktemp("scope")
    env = where / "envs" / "fake"
    env.mkdir(parents=True)
    secrets = where / "secrets.yml"
    secrets.write_text(yaml.safe_dump({"db_password": SECRET, "trader_totp": TOTP_SEED}))
    inventory = {**INVENTORY, "secrets_file": str(secrets)}
    (env / "inventory.yml").write_text(yaml.safe_dump(inventory, sort_keys=False))
    roles = {"app": {}, "db": {}, "lb": {"optional": True}}
    (env / "expectations.yml").write_text(yaml.safe_dump({**EXPECTATIONS, "roles": roles}))
    (where / "dump_checks.py").write_text(DUMP)
    ini = (REPO / "pytest.ini").read_text().replace("testpaths = suites\n", "")
    (where / "pytest.ini").write_text(ini)
    dump = where / "checks.jsonl"
    run_env = {
        **os.environ,
        "GOLIVE_TEST_CHECKS": str(dump),
        "GOLIVE_ENVDIR": str(env.parent),
        "PYTHONPATH": os.pathsep.join([str(where), str(REPO)]),
    }
    out = subprocess.run(
        [sys.executable, "-m", "pytest", str(REPO / "suites"), "--collect-only", "-q",
         "-p", "dump_checks", "--env", "fake", f"--golive-reports={where / 'reports'}"],
        cwd=where, env=run_env, capture_output=True, text=True, timeout=180,
    )  # fmt: skip
    assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-3000:]
    checks = []
    for line in dump.read_text().splitlines():
        path, _, marks = json.loads(line)
        folder = Path(path).relative_to(REPO / "suites").parts[0]
        checks.append((folder, [Mark(name, (), kwargs, _ispytest=True) for name, kwargs in marks]))
    return checks


def test_every_check_carries_only_the_suite_markers_its_folder_is_given(
    every_check: list[tuple[str, list[Mark]]],
) -> None:
    assert {folder for folder, _ in every_check} == set(REGISTRY.top())
    checks = [(folder, {m.name for m in marks}) for folder, marks in every_check]
    assert undeclared(checks, REGISTRY) == [], "give the folder `carries:` in gate/suites.yml"


@pytest.mark.parametrize("text", EXPRESSIONS)
def test_no_check_an_expression_selects_is_in_a_folder_it_leaves_out(
    every_check: list[tuple[str, list[Mark]]], text: str
) -> None:
    expression = Expression.compile(text)
    left_out = {
        name
        for name in REGISTRY.top()
        if not may_select(expression, REGISTRY.folder_markers(name), SUITES)
    }
    selected = [
        folder for folder, marks in every_check
        if expression.evaluate(MarkMatcher.from_markers(marks))
    ]  # fmt: skip
    assert sorted(set(selected) & left_out) == []


def test_smoke_leaves_out_every_other_suite() -> None:
    expression = Expression.compile("smoke")
    kept = [n for n in REGISTRY.top() if may_select(expression, REGISTRY.folder_markers(n), SUITES)]
    assert kept == ["smoke"]


@pytest.mark.parametrize(
    ("text", "carried", "expected"),
    [
        ("smoke", {"security", "tls"}, False),
        ("not smoke", {"security", "tls"}, True),
        ("smoke or tls", {"security", "tls"}, True),
        ("smoke and security", {"security", "tls"}, False),
        ("security and not security", {"security"}, False),
        ("tls and not security", {"security", "tls"}, True),  # a check may carry either
        ("drill", {"backup"}, True),  # a property: any check may carry it
        ("plan and not plan", {"backup"}, False),
        ("smoke(beside=1)", {"security"}, False),
        ("smoke(beside=1)", {"smoke"}, True),
        ("(smoke or backup) and not drill", {"security", "tls"}, False),
        ("not smoke and not security", {"security"}, True),
    ],
)
def test_may_select_weighs_every_combination(text: str, carried: set[str], expected: bool) -> None:
    assert may_select(Expression.compile(text), frozenset(carried), SUITES) is expected


def test_a_check_marked_with_another_suite_s_marker_needs_carries(tmp_path: Path) -> None:
    """A smoke check in security's folder: undeclared, the completeness test names it; with
    ``carries: [smoke]``, ``-m smoke`` collects security's folder."""
    check = [("security", {"security", "smoke"})]
    assert undeclared(check, REGISTRY) == ["suites/security: ['smoke']"]
    text = REGISTRY_FILE.read_text()
    entry = "  security:\n"
    assert entry in text
    declared = tmp_path / "suites.yml"
    declared.write_text(text.replace(entry, entry + "    carries: [smoke]\n", 1))
    registry = load_registry(declared)
    assert undeclared(check, registry) == []
    assert may_select(Expression.compile("smoke"), registry.folder_markers("security"), SUITES)
    typo = tmp_path / "typo.yml"  # (the registry is loaded once per file)
    typo.write_text(text.replace(entry, entry + "    carries: [smoek]\n", 1))
    with pytest.raises(ConfigError, match=r"carries: 'smoek' is not a suite"):
        load_registry(typo)


def test_a_smoke_run_collects_exactly_the_smoke_checks(golive: Golive) -> None:
    """End to end: ``-m smoke`` over golive's suites lists the checks it did before (13 in
    the fake environment, every one of suites/smoke), and nothing is deselected."""
    result = golive.pytester.runpytest_subprocess(
        str(REPO / "suites"), "--collect-only", "-q", "-m", "smoke", "--env", "fake",
        f"--golive-reports={golive.reports}",
    )  # fmt: skip
    ids = [line for line in result.stdout.lines if "::" in line]
    assert ids and all("suites/smoke/" in i for i in ids), result.stdout.str()[-3000:]
    assert "deselected" not in result.stdout.str()
