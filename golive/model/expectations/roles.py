"""The roles an environment knows (``roles:`` in expectations.yml).

Every role a host of the inventory declares must be one of these, every role a section of the
expectations names must be one of these, and every role here must have a host unless it is
declared ``optional``: a typo in a role (``roles: [ap]``) is a configuration error, never a
host that silently drops out of every check.
"""

from __future__ import annotations

from typing import ClassVar

from golive.model.config import Strict
from golive.model.expectations.section import ByRole


class Role(Strict):
    """One role: what it is, and whether an environment may have no host of it."""

    description: str | None = None
    optional: bool = False


class Roles(ByRole[Role]):
    """The roles of the environment's hosts."""

    key: ClassVar[str] = "roles"
    required: ClassVar[bool] = True

    def roles_named(self) -> set[str]:
        return set()  # this section declares roles; it does not refer to them
