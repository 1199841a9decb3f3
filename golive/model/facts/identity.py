"""One host's identity as read from it (docs/architecture.md#layers): filled by
:mod:`golive.probe.identity`, judged by :mod:`golive.judge.identity`."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class IdentityFacts:
    """What the judge reads of one host's identity (golive/probe/identity.py fills it)."""

    host: str
    keys: Sequence[str] = ()
    machine_id: str | None = None
    error: str | None = None
    ssh: bool = True
