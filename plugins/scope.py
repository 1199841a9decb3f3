"""Collect only the suites a ``-m`` expression can select (issue 24).

``pytest -m smoke`` used to import every suite's checks, their conftests and what they import
(judges, facts, probes) and then deselect all but smoke's: a third of what a smoke run paid
before its first check. A suite's folder (``suites/X/``) is now left uncollected when no check
in it can match the expression: its checks carry suite markers only among those the registry
gives the folder (``Registry.folder_markers``: its own, its sub-suites', what it ``carries``;
tests/unit/test_scope.py collects every check to prove that complete), and any other marker
(the properties ``drill``, ``plan``..., pytest's own) may or may not be there. The expression is
evaluated over every such combination (negation included): a folder is skipped only if it is
false for all. Sound, not exact: pytest still selects the checks of the folders kept.

Nothing else changes: a path or node id given on the command line is collected whatever the
expression (pytest never asks this hook about it), a run without ``-m`` collects everything,
``-k`` selects within what ``-m`` keeps, and under xdist every worker skips the same folders.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pytest
from _pytest.mark.expression import Expression

from golive.model.registry import load_registry
from golive.model.resources import resource

SKIPPED = pytest.StashKey[frozenset[str]]()
"""The suites' folders this run does not collect (computed once, at the first question)."""


def may_select(expression: Expression, carried: frozenset[str], suites: frozenset[str]) -> bool:
    """Whether a check carrying suite markers among ``carried`` (none of the other
    ``suites``) and any other markers can match ``expression``: every answer the expression
    can ask for is tried (a depth-first walk over its questions, each new one answered False,
    then True), so a negation (``not drill``) is weighed like any other term."""
    answers: list[bool] = []  # the answers to the free questions, in the order asked
    while True:
        if expression.evaluate(_Combination(answers, carried, suites)):
            return True
        while answers and answers[-1]:  # the next combination: the last False becomes True
            answers.pop()
        if not answers:
            return False
        answers[-1] = True


class _Combination:
    """A matcher answering the expression's questions from ``answers`` (one more, False,
    appended when it asks a new one); a suite marker the folder does not carry is False."""

    def __init__(self, answers: list[bool], carried: frozenset[str], suites: frozenset[str]):
        self.answers, self.carried, self.suites = answers, carried, suites
        self.asked: dict[tuple[str, tuple[tuple[str, object], ...]], bool] = {}

    def __call__(self, name: str, /, **kwargs: str | int | bool | None) -> bool:
        if name in self.suites and name not in self.carried:
            return False
        key = (name, tuple(sorted(kwargs.items())))  # `drill(beside=...)` is a term too
        if key not in self.asked:
            if len(self.asked) == len(self.answers):
                self.answers.append(False)
            self.asked[key] = self.answers[len(self.asked)]
        return self.asked[key]


def skipped(config: pytest.Config) -> frozenset[str]:
    """The suites' folders no check of which can match the run's ``-m`` expression."""
    text = config.option.markexpr
    if not text:
        return frozenset()
    try:
        expression = Expression.compile(text)
    except SyntaxError:
        return frozenset()  # pytest says what is wrong with it, once collection is done
    registry = load_registry()
    suites = frozenset(registry.suites)
    return frozenset(
        name
        for name in registry.top()
        if not may_select(expression, registry.folder_markers(name), suites)
    )


def pytest_ignore_collect(collection_path: Path, config: pytest.Config) -> bool | None:
    if SKIPPED not in config.stash:
        config.stash[SKIPPED] = skipped(config)
    folders = config.stash[SKIPPED]
    if collection_path.name in folders and collection_path.parent.resolve() == _suites():
        return True
    return None


@cache
def _suites() -> Path:
    return resource("pytest_golive.suites").resolve()
