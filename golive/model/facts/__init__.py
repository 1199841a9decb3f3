"""Facts read off a host: what it runs, as data shared by probes and judges."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass
class HostFacts:
    """What one host runs, as read from the host itself."""

    roles: list[str]
    packages: dict[str, str] = field(default_factory=dict)
    runtimes: dict[str, str] = field(default_factory=dict)
    config_sha256: dict[str, str] = field(default_factory=dict)
    listening: list[int] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)
