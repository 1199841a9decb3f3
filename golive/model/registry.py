"""The one registry of suites, ``golive/gate/suites.yml``
(docs/architecture.md#registering-a-suite).

Each suite names its marker text, default severity and plan item, its place in
``golive certify``, the module of ``golive/model/expectations/`` holding its sections, its judge
(``golive/judge/``), its fixtures (``fixtures/``) and, for the rollback
recommendation, what kind of suite it is. Everything else that lists suites is derived from it:
the markers pytest registers, certify's ``ORDER``, the expectations sections, the fixture
plugins and rollback's suite sets. Loaded once, validated; a typo is a ``ConfigError``."""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache
from pathlib import Path
from typing import Annotated, Literal, get_args

from pydantic import Field, StringConstraints, model_validator

from golive.model.config import Strict, load_model
from golive.model.resources import resource

Severity = Literal["blocker", "critical", "normal", "minor"]
LEVELS: tuple[Severity, ...] = get_args(Severity)
Kind = Literal["before-deploy", "not-evidence", "functional", "performance"]
"""What a suite is to the rollback recommendation (golive/gate/rollback.py)."""
Module = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]*$")]
"""A module's name in its package (``tls``)."""


class Suite(Strict):
    """One suite (or sub-suite, ``within`` another) of the registry."""

    marker: str = Field(min_length=1)
    """The marker's text (``pytest --markers``)."""
    severity: Severity
    plan: str | None = None
    within: str | None = None
    certify: int | None = Field(default=None, ge=1)
    """Its place in ``golive certify``'s run; none: certify does not run it (a sub-suite runs
    with its suite; watch runs through ``golive watch``)."""
    expectations: Module | None = None
    """The module of ``golive/model/expectations/`` holding its sections."""
    judge: Module | None = None
    """Its judge, a module of ``golive/judge/``."""
    fixtures: Module | None = None
    """Its fixtures, a module of ``fixtures/`` (loaded as a pytest plugin)."""
    rollback: Kind | None = None
    carries: tuple[str, ...] = ()
    """Other suites' markers a check of its folder may carry (a check of ``security`` also
    marked ``smoke``, say); its own marker and its sub-suites' need no entry. A run with ``-m``
    collects a suite's folder only if a check carrying these could match the expression
    (pytest_golive/plugins/scope.py): a marker missing here would keep a check out of the runs
    that select it by that marker (tests/unit/test_scope.py collects every check to prove the
    entries complete)."""


class Registry(Strict):
    """``suites.yml``: the suites in file order, and the severity of a check with none."""

    default_severity: Severity = "critical"
    shared_expectations: tuple[str, ...] = ()
    """Expectations modules every suite reads (the inventory's roles), no suite's own."""
    suites: dict[str, Suite]

    @model_validator(mode="after")
    def _consistent(self) -> Registry:
        places: dict[int, str] = {}
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
            if suite.certify is not None:
                if suite.within is not None:
                    raise ValueError(
                        f"suites.{name}.certify: a sub-suite runs with {suite.within!r}, "
                        "it has no place of its own"
                    )
                if suite.certify in places:
                    raise ValueError(
                        f"suites.{name}.certify: a place of its own "
                        f"({suite.certify} is the place of {places[suite.certify]!r})"
                    )
                places[suite.certify] = name
            for other in suite.carries:
                if other not in self.suites:
                    raise ValueError(f"suites.{name}.carries: {other!r} is not a suite")
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

    def top(self) -> list[str]:
        """The suites (each a folder of ``suites/``), not the sub-suites."""
        return [name for name, s in self.suites.items() if s.within is None]

    def folder_markers(self, name: str) -> frozenset[str]:
        """The suite markers the checks of suite ``name``'s folder may carry: its own, its
        sub-suites' and those it ``carries``."""
        subs = {other for other in self.suites if name in self.ancestors(other)}
        return frozenset({name, *subs, *self.suites[name].carries})

    def certify_order(self) -> tuple[str, ...]:
        """The suites ``golive certify`` runs, in its order."""
        placed = [(s.certify, name) for name, s in self.suites.items() if s.certify is not None]
        return tuple(name for _, name in sorted(placed))

    def expectations_modules(self) -> tuple[str, ...]:
        """The modules of ``golive/model/expectations/``: shared first, then the suites'."""
        named = [s.expectations for s in self.suites.values() if s.expectations]
        return tuple(dict.fromkeys([*self.shared_expectations, *named]))

    def fixtures_modules(self) -> tuple[str, ...]:
        """The suites' fixture modules, in file order, each once."""
        return tuple(dict.fromkeys(s.fixtures for s in self.suites.values() if s.fixtures))

    def of_kind(self, kind: Kind) -> frozenset[str]:
        """The suites the rollback recommendation treats as ``kind``."""
        return frozenset(name for name, s in self.suites.items() if s.rollback == kind)


REGISTRY_FILE: Path = resource("golive", "gate", "suites.yml")


@cache
def load_registry(path: Path = REGISTRY_FILE) -> Registry:
    """The registry (loaded once per file: package data)."""
    return load_model(path, Registry)
