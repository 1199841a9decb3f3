"""A watch metric's PromQL read before the watch polls (docs/architecture.md#layers): a range
window shorter than the watch's interval cannot see what happens between two measurements,
so such a metric is bad input (one line, exit 4, naming file and key), refused by
``golive watch`` and by the watch's pytest options alike."""

from __future__ import annotations

import re
from pathlib import Path

from golive.model.errors import ConfigError
from golive.model.expectations.monitoring import Watch, WatchMetric
from golive.model.facts.monitoring import prometheus_duration

_WINDOW = re.compile(r"\[\s*([0-9a-z]+)\s*(?::[^\]]*)?\]")


def blind_spot(spec: WatchMetric, every_s: float) -> str | None:
    """Why a PromQL metric cannot see what happens between two measurements, or None: a
    range window (``rate(x[20s])``) shorter than the watch's interval leaves the rest of each
    interval unmeasured (an error burst there is never seen). A query without a range window
    is not judged here; an unreadable window is a blind spot (fail closed)."""
    if spec.kind != "promql" or not spec.query:
        return None
    windows = _WINDOW.findall(spec.query)
    if not windows:
        return None
    seconds = [prometheus_duration(w) for w in windows]
    if any(s is None for s in seconds):
        return f"its query's range window {windows} is not a duration golive can read"
    shortest = min(s for s in seconds if s is not None)
    if shortest < every_s:
        return (
            f"its query's shortest range window ({shortest:g} s) is shorter than the watch's "
            f"interval ({every_s:g} s): what happens between two measurements is never seen"
        )
    return None


def interval_blind_spots(spec: Watch, every_s: float, file: Path) -> list[ConfigError]:
    """The metrics whose range window cannot see a whole interval of ``--every`` (known from
    the configuration and the command line alone: refused before the watch polls)."""
    found = []
    for name, metric in spec.metrics.items():
        why = blind_spot(metric, every_s)
        if why is not None:
            found.append(
                ConfigError(
                    file,
                    f"watch.metrics.{name}.query",
                    f"{why} (--every {every_s:g} s); use a shorter --every or a longer window",
                )
            )
    return found
