"""``expectations.yml``, assembled from one module per suite.

Each suite's module (``smoke``, ``predeploy``, ...) defines its sections; every section model
declares its own YAML key (:mod:`golive.model.expectations.section`). :data:`SUITES` is derived
from the registry of suites (``golive/gate/suites.yml``: each suite's ``expectations`` module,
after the ``shared_expectations``): a new suite names its module there, and its sections become
keys of the file. Read a section with ``Environment.expectation(TlsPolicy)`` (fails the check
naming the missing section) or ``Expectations.get(TlsPolicy)`` (``None`` when absent).
"""

from __future__ import annotations

from importlib import import_module
from types import ModuleType
from typing import Any, TypeVar

from pydantic import create_model

from golive.model.config import Strict
from golive.model.errors import ConfigError
from golive.model.expectations.section import ByRole, Keyed, Section
from golive.model.registry import REGISTRY_FILE, load_registry

__all__ = ["SCHEMA", "SECTIONS", "SUITES", "ByRole", "Expectations", "K", "Keyed", "Section"]


def _module(name: str) -> ModuleType:
    try:
        return import_module(f"{__name__}.{name}")
    except ModuleNotFoundError as exc:
        if exc.name != f"{__name__}.{name}":
            raise
        raise ConfigError(
            REGISTRY_FILE, "expectations", f"a module of golive/model/expectations, not {name!r}"
        ) from None


SUITES: tuple[ModuleType, ...] = tuple(map(_module, load_registry().expectations_modules()))

K = TypeVar("K", bound=Keyed)


def sections_of(module: ModuleType) -> list[type[Keyed]]:
    """The section models a suite's module defines (those declaring their own ``key``)."""
    return [
        obj
        for obj in vars(module).values()
        if isinstance(obj, type)
        and issubclass(obj, Keyed)
        and obj.__module__ == module.__name__
        and "key" in vars(obj)
    ]


def _registry() -> dict[str, type[Keyed]]:
    found: dict[str, type[Keyed]] = {}
    for module in SUITES:
        for section in sections_of(module):
            if section.key in found:
                other = found[section.key]
                raise TypeError(
                    f"expectations key {section.key!r} is declared by both "
                    f"{other.__module__}.{other.__name__} and "
                    f"{section.__module__}.{section.__name__}"
                )
            found[section.key] = section
    return found


SECTIONS: dict[str, type[Keyed]] = _registry()


class Expectations(Strict):
    """``expectations.yml``: what the environment must satisfy, one field per section of
    :data:`SECTIONS` (the loadable model is :data:`SCHEMA`)."""

    def get(self, section: type[K]) -> K | None:
        """The section, or None when the file does not declare it."""
        value = getattr(self, section.key, None)
        return value if isinstance(value, section) else None


def _field(section: type[Keyed]) -> tuple[Any, Any]:
    return (section, ...) if section.required else (section | None, None)


SCHEMA: type[Expectations] = create_model(  # type: ignore[call-overload]
    "Expectations",
    __base__=Expectations,
    __module__=__name__,
    __doc__=Expectations.__doc__,
    **{key: _field(section) for key, section in SECTIONS.items()},
)
