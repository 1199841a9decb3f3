"""The comparable snapshot of an environment (docs/architecture.md#layers): a snapshot is
``{"env", "declared", "roles"}``, the environment's declared release and expectations,
flattened, and per role the facts of its hosts (sets of values, so host names and counts may
differ between environments). Built from the facts :mod:`golive.probe.facts` reads (or
loaded from a file it saved); :mod:`golive.judge.parity` weighs two of them."""

from __future__ import annotations

from typing import Any

from golive.model.environment import Environment
from golive.model.expectations.predeploy import Parity
from golive.model.facts import HostFacts

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
