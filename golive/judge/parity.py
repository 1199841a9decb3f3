"""Parity: the drift between two environments (or an environment and a saved snapshot).

A snapshot is ``{"env", "declared", "roles"}``: the environment's declared release and
expectations, flattened, and per role the facts of its hosts (sets of values, so host names
and counts may differ between environments). Drift is every key whose value differs, minus
the allow-list (glob patterns over keys).
"""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass
from typing import Any

MISSING = "(absent)"
@dataclass(frozen=True)
class Drift:
    """One difference: the key and each side's value."""

    key: str
    a: Any
    b: Any

    def line(self, a_name: str, b_name: str) -> str:
        return f"{self.key}: {a_name}={self.a} {b_name}={self.b}"


def diff(a: dict[str, Any], b: dict[str, Any], allow: list[str]) -> list[Drift]:
    """The drift between two snapshots, minus keys matching an allow-list pattern."""
    out = []
    for part in ("declared", "roles"):
        left, right = a.get(part, {}), b.get(part, {})
        for key in sorted(set(left) | set(right)):
            full = f"{part}.{key}"
            va, vb = left.get(key, MISSING), right.get(key, MISSING)
            if va != vb and not any(fnmatch.fnmatchcase(full, p) for p in allow):
                out.append(Drift(full, va, vb))
    return out
