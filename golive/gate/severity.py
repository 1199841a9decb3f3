"""Severity levels and the per-suite defaults of severity and plan item (``suites.yml``)."""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache
from pathlib import Path
from typing import Literal, get_args

from golive.model.config import Strict, load_model

Severity = Literal["blocker", "critical", "normal", "minor"]
LEVELS: tuple[Severity, ...] = get_args(Severity)
BLOCKING: frozenset[str] = frozenset({"blocker", "critical"})
SUITES_FILE = Path(__file__).with_name("suites.yml")


class SuiteDefault(Strict):
    severity: Severity
    plan: str | None = None


class SuiteDefaults(Strict):
    default_severity: Severity = "critical"
    suites: dict[str, SuiteDefault]

    def severity_for(self, markers: Iterable[str]) -> Severity:
        """The most severe default among ``markers``; ``default_severity`` if none is a suite."""
        found = [self.suites[m].severity for m in markers if m in self.suites]
        return min(found, key=LEVELS.index) if found else self.default_severity

    def plan_for(self, markers: Iterable[str]) -> str | None:
        """The plan item of the first suite (in file order) among ``markers``."""
        present = set(markers)
        for name, suite in self.suites.items():
            if name in present and suite.plan:
                return suite.plan
        return None


@cache
def load_suite_defaults(path: Path = SUITES_FILE) -> SuiteDefaults:
    """Load the per-suite defaults (cached: package data)."""
    return load_model(path, SuiteDefaults)
