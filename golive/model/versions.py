"""Version constraints like ``>=17,<18`` over Debian and upstream version strings."""

from __future__ import annotations

import operator
import re
from collections.abc import Callable
from typing import Annotated

from pydantic import AfterValidator

_OPS: dict[str, Callable[[tuple[int, ...], tuple[int, ...]], bool]] = {
    ">=": operator.ge,
    "<=": operator.le,
    "==": operator.eq,
    "!=": operator.ne,
    ">": operator.gt,
    "<": operator.lt,
}
_CLAUSE = re.compile(r"^\s*(>=|<=|==|!=|>|<)\s*([0-9][0-9.]*)\s*$")


def numeric(version: str) -> tuple[int, ...]:
    """The leading numeric components of a version: ``1:10.1.34-0+deb12u1`` -> (10, 1, 34)."""
    upstream = version.split(":", 1)[-1]
    found = re.match(r"[0-9]+(?:\.[0-9]+)*", upstream)
    return tuple(int(p) for p in found.group(0).split(".")) if found else ()


def _clauses(constraint: str) -> list[tuple[str, tuple[int, ...]]]:
    out = []
    for part in constraint.split(","):
        match = _CLAUSE.match(part)
        if not match:
            raise ValueError(f"a version constraint like '>=17,<18' (got {constraint!r})")
        out.append((match.group(1), numeric(match.group(2))))
    return out


def _pad(a: tuple[int, ...], b: tuple[int, ...]) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """Compare only as many components as the constraint names: 17.0.13 == 17."""
    return a[: len(b)] + (0,) * (len(b) - len(a)), b


def satisfies(version: str, constraint: str) -> bool:
    """True if ``version`` meets every clause of ``constraint``."""
    have = numeric(version)
    if not have:
        return False
    return all(_OPS[op](*_pad(have, want)) for op, want in _clauses(constraint))


def _valid(constraint: str) -> str:
    _clauses(constraint)
    return constraint


Constraint = Annotated[str, AfterValidator(_valid)]
