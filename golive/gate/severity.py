"""Severity levels and the per-suite defaults of severity and plan item (``suites.yml``)."""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache
from pathlib import Path
from typing import Literal, get_args

from pydantic import model_validator

from golive.model.config import Strict, load_model

Severity = Literal["blocker", "critical", "normal", "minor"]
LEVELS: tuple[Severity, ...] = get_args(Severity)
BLOCKING: frozenset[str] = frozenset({"blocker", "critical"})
SUITES_FILE = Path(__file__).with_name("suites.yml")


class SuiteDefault(Strict):
    severity: Severity
    plan: str | None = None
    within: str | None = None


class SuiteDefaults(Strict):
    default_severity: Severity = "critical"
    suites: dict[str, SuiteDefault]

    @model_validator(mode="after")
    def _within_names_a_suite(self) -> SuiteDefaults:
        for name, suite in self.suites.items():
            seen = {name}
            parent = suite.within
            while parent is not None:
                if parent not in self.suites:
                    raise ValueError(f"suites.{name}.within: {parent!r} is not a suite")
                if parent in seen:
                    raise ValueError(f"suites.{name}.within: a cycle through {parent!r}")
                seen.add(parent)
                parent = self.suites[parent].within
        return self

    def ancestors(self, name: str) -> set[str]:
        """The suites ``name`` is (transitively) within."""
        out: set[str] = set()
        parent = self.suites[name].within
        while parent is not None:
            out.add(parent)
            parent = self.suites[parent].within
        return out

    def candidates(self, markers: Iterable[str]) -> list[str]:
        """The most specific suites among ``markers``, in file order: every suite marker that
        no other of them is within. One is the check's suite; none means it has no suite."""
        present = {m for m in markers if m in self.suites}
        general = {a for m in present for a in self.ancestors(m)}
        return [name for name in self.suites if name in present - general]


@cache
def load_suite_defaults(path: Path = SUITES_FILE) -> SuiteDefaults:
    """Load the per-suite defaults (cached: package data)."""
    return load_model(path, SuiteDefaults)
