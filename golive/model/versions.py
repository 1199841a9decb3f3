"""Version constraints like ``>=17.0.13,<18`` or ``==17.*``, compared as dpkg compares versions.

A constraint is one or more clauses joined by commas; a version meets it when it meets every
clause. Each clause is an operator and a version:

- ``>=V``, ``<=V``, ``>V``, ``<V``, ``==V``, ``!=V`` compare the whole version with dpkg's
  ordering (python-debian's ``Version``, the algorithm of ``dpkg --compare-versions``): epoch,
  upstream version and Debian revision all count, and ``~`` sorts before anything, so
  ``1.0~rc1 < 1.0``, ``17.5 > 17``, ``17.9 > 17`` and ``3.0.11-1~deb12u2 < 3.0.11-1``;
  ``==17`` means exactly 17 (``17.0.13`` is not ``17``).
- ``==P.*`` and ``!=P.*`` are the explicit "any P.x" form: ``==17.*`` is ``>=17,<18~`` (17
  and every 17.x, with or without a Debian revision; neither a 17 pre-release such as
  ``17~rc1`` nor an 18 pre-release), ``==10.1.*`` is ``>=10.1,<10.2~``.

The version found on a host is its first word (PostgreSQL's ``server_version`` reads
``15.10 (Debian 15.10-0+deb12u1)``); a version that is empty or not a version string meets
no constraint.
"""

from __future__ import annotations

import re
from typing import Annotated

from debian.debian_support import Version
from pydantic import AfterValidator

_OPS = ("<=", ">=", "==", "!=", "<", ">")
_DIGIT_FIRST = re.compile(r"^(?:[0-9]+:)?[0-9]")  # dpkg: an upstream version starts with a digit
_WILDCARD = re.compile(r"^(?:(?P<epoch>[0-9]+):)?(?P<prefix>[0-9]+(?:\.[0-9]+)*)\.\*$")


def _version(text: str) -> Version | None:
    """``text`` as a Debian version; None unless dpkg would take it (its upstream version
    starts with a digit)."""
    if not _DIGIT_FIRST.match(text):
        return None
    try:
        return Version(text)
    except ValueError:
        return None


def _clause(text: str, constraint: str) -> tuple[str, Version, Version | None]:
    """One clause as (operator, version, upper bound of a ``P.*`` form or None)."""
    part = text.strip()
    op = next((o for o in _OPS if part.startswith(o)), None)
    if op is None:
        raise ValueError(
            f"a version constraint like '>=17.0.13,<18' or '==17.*' (got {constraint!r}: "
            f"{part!r} has no operator of {', '.join(_OPS)})"
        )
    value = part[len(op) :].strip()
    wildcard = _WILDCARD.match(value)
    if wildcard is not None:
        if op not in ("==", "!="):
            raise ValueError(f"'{value}' takes == or != only (got {constraint!r})")
        epoch = f"{wildcard['epoch']}:" if wildcard["epoch"] else ""
        parts = wildcard["prefix"].split(".")
        upper = ".".join([*parts[:-1], str(int(parts[-1]) + 1)])
        return op, Version(epoch + wildcard["prefix"]), Version(f"{epoch}{upper}~")
    version = _version(value)
    if version is None:
        raise ValueError(
            f"a version constraint like '>=17.0.13,<18' or '==17.*' (got {constraint!r}: "
            f"{value!r} is not a Debian version)"
        )
    return op, version, None


def _clauses(constraint: str) -> list[tuple[str, Version, Version | None]]:
    return [_clause(part, constraint) for part in constraint.split(",")]


def _meets(have: Version, op: str, want: Version, upper: Version | None) -> bool:
    if upper is not None:  # the P.* form
        inside = want <= have < upper
        return inside if op == "==" else not inside
    return {
        ">=": have >= want,
        "<=": have <= want,
        ">": have > want,
        "<": have < want,
        "==": have == want,
        "!=": have != want,
    }[op]


def satisfies(version: str, constraint: str) -> bool:
    """True if ``version`` meets every clause of ``constraint`` (dpkg's ordering)."""
    words = version.split()
    have = _version(words[0]) if words else None
    if have is None:
        return False
    return all(_meets(have, *clause) for clause in _clauses(constraint))


def _valid(constraint: str) -> str:
    _clauses(constraint)
    return constraint


Constraint = Annotated[str, AfterValidator(_valid)]
