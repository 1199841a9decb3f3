"""The base of every top-level section of ``expectations.yml``: a model declaring its own key.

A section is a :class:`Section` (a mapping of named keys) or a :class:`ByRole` (a mapping of
role name to a model). Each declares ``key``, its YAML key, and whether it is ``required`` for
the environment to load at all. Every other section is optional: a check that needs an absent
one fails, naming the file and the section (``Environment.expectation``).
"""

from __future__ import annotations

from typing import ClassVar, Generic, TypeVar

from pydantic import ConfigDict, RootModel

from golive.model.config import Strict


class Keyed:
    """What every section declares about itself."""

    key: ClassVar[str]
    required: ClassVar[bool] = False

    def roles_named(self) -> set[str]:
        """The host roles this section refers to (each must be declared in ``roles:``)."""
        return set()


class Section(Strict, Keyed):
    """A section of named keys; inside it every key without a default is required, so a
    half-written section is a configuration error rather than a silently weaker check."""


V = TypeVar("V")


class ByRole(RootModel[dict[str, V]], Keyed, Generic[V]):
    """A section mapping role names to what hosts of that role must satisfy."""

    model_config = ConfigDict(frozen=True, allow_inf_nan=False, defer_build=True)

    def get(self, role: str) -> V | None:
        return self.root.get(role)

    def roles_named(self) -> set[str]:
        return set(self.root)

    def __contains__(self, role: object) -> bool:
        return role in self.root

    def __getitem__(self, role: str) -> V:
        return self.root[role]
