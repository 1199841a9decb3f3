"""Judges of host facts shared by the pre-deployment and smoke suites: pure, facts in,
finding lines out (empty when the host complies)."""

from __future__ import annotations

from collections.abc import Iterable


def missing_listeners(
    host: str, address: str, listening: set[int], required: Iterable[int]
) -> list[str]:
    """One line per required TCP port nothing listens on (on the host's address or on all)."""
    return [
        f"{host}: nothing listens on {address}:{port}" for port in sorted(set(required) - listening)
    ]
