"""The DevSec baseline decisions (issue 26): every control id of the pinned profiles has one
decision, a checked control names a check that exists, and docs/baselines/coverage.md is
the table the decisions give."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
SPEC = importlib.util.spec_from_file_location("baselines", ROOT / "scripts" / "baselines.py")
assert SPEC and SPEC.loader
baselines = importlib.util.module_from_spec(SPEC)
SPEC.loader.exec_module(baselines)
PINNED = yaml.safe_load(baselines.CONTROLS.read_text())
CHECKS = {
    m
    for path in (ROOT / "suites").rglob("test_*.py")
    for m in re.findall(r"^def (test_\w+)\(", path.read_text(), re.M)
}


@pytest.mark.parametrize("name", list(baselines.PROFILES))
def test_every_pinned_control_has_one_decision(name: str) -> None:
    decided = baselines.load(name)
    assert decided["commit"] == PINNED[name]["commit"]
    assert decided["version"] == PINNED[name]["version"]
    assert list(decided["controls"]) == PINNED[name]["controls"]
    for cid, c in decided["controls"].items():
        assert c["decision"] in baselines.DECISIONS, cid
        if c["decision"] == "checked":
            assert c["check"] in CHECKS, f"{cid}: no check {c['check']}"
            assert c["how"], cid
        else:
            assert c["why"], cid


def test_coverage_table_is_current() -> None:
    assert baselines.TABLE.read_text() == baselines.table(), (
        "docs/baselines/coverage.md is stale: run python scripts/baselines.py table"
    )


def test_the_readme_points_at_the_table() -> None:
    assert "docs/baselines/coverage.md" in (ROOT / "README.md").read_text()
