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

from golive.model.environment import Environment
from golive.model.expectations.predeploy import Parity
from golive.model.facts import HostFacts

MISSING = "(absent)"
_NOT_DECLARED = {Parity.key}  # which baseline to compare with is not itself drift


def flatten(value: Any, prefix: str = "") -> dict[str, Any]:
    """Nested mappings to dotted keys; lists and scalars are leaves."""
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        for key, sub in value.items():
            out.update(flatten(sub, f"{prefix}.{key}" if prefix else str(key)))
        return out
    return {prefix: value}


def declared(env: Environment) -> dict[str, Any]:
    """What the environment declares: its release and expectations, flattened."""
    exp = env.expectations.model_dump(mode="json", exclude=_NOT_DECLARED, exclude_none=True)
    return flatten({"release": env.inventory.release.model_dump(mode="json"), **exp})


def by_role(facts: dict[str, HostFacts]) -> dict[str, Any]:
    """Per role, every fact as the sorted set of values its hosts report."""
    merged: dict[str, set[str]] = {}
    for host in facts.values():
        flat = flatten(
            {
                "package": host.packages,
                "runtime": host.runtimes,
                "config": host.config_sha256,
                "listening": {str(p): "yes" for p in host.listening},
            }
        )
        for role in host.roles:
            for key, value in flat.items():
                merged.setdefault(f"{role}.{key}", set()).add(str(value))
    return {key: sorted(values) for key, values in sorted(merged.items())}


def snapshot(env: Environment, facts: dict[str, HostFacts]) -> dict[str, Any]:
    """The comparable snapshot of an environment."""
    return {"env": env.name, "declared": declared(env), "roles": by_role(facts)}


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
