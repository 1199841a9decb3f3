"""The roles an environment knows (``roles:`` in expectations.yml).

Every role a host of the inventory declares must be one of these, every role a section of the
expectations names must be one of these, and every role here must have a host unless it is
declared ``optional``: a typo in a role (``roles: [ap]``) is a configuration error, never a
host that silently drops out of every check.

A role also names the host vars its hosts must set (``vars``: the paths and commands the
checks of its hosts read, e.g. ``deployment.config_var``): a host without one is a
configuration error naming the host and the variable, before any check runs, never a check
that fails with ``KeyError``.
"""

from __future__ import annotations

from typing import ClassVar

from pydantic import Field

from golive.model.config import Strict
from golive.model.expectations.section import ByRole


class Role(Strict):
    """One role: what it is, and whether an environment may have no host of it."""

    description: str | None = None
    optional: bool = False
    vars: list[str] = Field(
        [], description="host vars every host of the role sets in inventory.yml (checks read them)"
    )


class Roles(ByRole[Role]):
    """The roles of the environment's hosts."""

    key: ClassVar[str] = "roles"
    required: ClassVar[bool] = True

    def roles_named(self) -> set[str]:
        return set()  # this section declares roles; it does not refer to them
