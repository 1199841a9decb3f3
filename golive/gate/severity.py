"""Severity levels and the per-suite defaults of severity and plan item: the registry of
suites, ``suites.yml`` (:mod:`golive.model.registry`, which loads it)."""

from __future__ import annotations

from pathlib import Path

from golive.model.registry import (
    LEVELS,
    REGISTRY_FILE,
    Registry,
    Severity,
    Suite,
    load_registry,
)

__all__ = [
    "BLOCKING",
    "LEVELS",
    "SUITES_FILE",
    "Severity",
    "SuiteDefault",
    "SuiteDefaults",
    "load_suite_defaults",
]

BLOCKING: frozenset[str] = frozenset({"blocker", "critical"})
SUITES_FILE = REGISTRY_FILE
SuiteDefault = Suite
SuiteDefaults = Registry


def load_suite_defaults(path: Path = SUITES_FILE) -> Registry:
    """The per-suite defaults: the registry (cached: package data)."""
    return load_registry(path)
