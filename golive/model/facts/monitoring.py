"""What Prometheus and the logs say, as data (docs/architecture.md#layers): a target's name,
Prometheus's times and durations, what it has not done since its last configuration load (a
fixture waits until nothing is left), a log file as ``stat`` saw it. Read by the monitoring
fixtures and probes; judged by :mod:`golive.judge.monitoring` and :mod:`golive.judge.watch`."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any


def target_name(target: Mapping[str, Any]) -> str:
    labels = target.get("labels") or {}
    instance = labels.get("instance", "?")
    name = labels.get("instance_name")
    return f"{name} ({instance})" if name else str(instance)


_DURATION = re.compile(r"(\d+(?:\.\d+)?)(ms|s|m|h|d|w|y)")
_UNIT_S = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800, "y": 31536000}


def prometheus_duration(text: object) -> float | None:
    """Seconds of a Prometheus duration ("5s", "1m30s", "10m"); None when it is not one."""
    raw = str(text or "").strip()
    parts = _DURATION.findall(raw)
    if not raw or "".join(n + u for n, u in parts) != raw:
        return None
    return sum(float(n) * _UNIT_S[u] for n, u in parts)


def instant(text: object) -> datetime | None:
    """An RFC 3339 time of Prometheus's API (nanoseconds cut to microseconds); None when it
    is not one."""
    m = re.fullmatch(r"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d+))?(Z|[+-]\d\d:\d\d)", str(text))
    if not m:
        return None
    fraction = f".{m.group(2)[:6]}" if m.group(2) else ""
    zone = "+00:00" if m.group(3) == "Z" else m.group(3)
    return datetime.fromisoformat(m.group(1) + fraction + zone)


def unsettled(
    runtime: Mapping[str, Any], targets: list[dict[str, Any]], rules: list[dict[str, Any]]
) -> list[str]:
    """What Prometheus has not done since it last (re)loaded its configuration: a target not
    scraped, a rule not evaluated (until then their state is the reload's, not a finding).
    Empty: settled. A time that cannot be read counts as not done (the wait is bounded)."""
    loaded = instant(runtime.get("lastConfigTime"))
    if loaded is None:
        return [f"a configuration load time ({runtime.get('lastConfigTime')!r})"]
    pending = []
    for t in targets:
        seen = instant(t.get("lastScrape"))
        if t.get("health") == "unknown" or seen is None or seen < loaded:
            pending.append(f"a scrape of {target_name(t)}")
    for r in rules:
        seen = instant(r.get("lastEvaluation"))
        if r.get("health") == "unknown" or seen is None or seen < loaded:
            pending.append(f"an evaluation of rule {r.get('name')}")
    return pending


@dataclass(frozen=True)
class LogState:
    """A log file as ``stat`` saw it (None: absent)."""

    path: str
    size: int
    mtime: float
