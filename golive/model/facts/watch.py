"""What one watched metric can see now, as Prometheus says it (docs/architecture.md#layers):
read each interval by :mod:`golive.probe.watch`, judged by :func:`golive.judge.watch.unseen`."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

# One measurement as the probe took it: the value (None: none), and what went wrong or was
# seen ("error: ...", "firing: ...", the smoke order's failure), "" when nothing.
Reading = tuple["float | None", str]


@dataclass(frozen=True)
class Sight:
    """The alerting rules Prometheus has loaded (an alerts metric), or the values of the host
    label of a metric's series with the hosts of its role (name -> address) (a metric that
    declares ``hosts:``); ``error``: Prometheus did not answer. Nothing set: the metric
    declares nothing to see."""

    rules: list[dict[str, Any]] | None = None
    values: list[str] | None = None
    hosts: dict[str, str] = field(default_factory=dict)
    error: str | None = None
