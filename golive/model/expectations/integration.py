"""Expectation sections of the integration suite."""

from __future__ import annotations

from typing import ClassVar

from pydantic import Field

from golive.model.config import Count, Seconds, Strict
from golive.model.expectations.section import Section


class Drill(Strict):
    """The destructive drill: which app host to stop, through which host vars' commands,
    how many requests the load balancer must still serve meanwhile, and how long the node
    may take to be healthy and back in the load balancer's rotation afterwards. Before it
    stops anything, every app node must be healthy and in that rotation within
    ``steady_timeout_s`` (the steady state the drill disturbs; past the balancer's own time
    for taking a failed node back, nginx's ``fail_timeout``)."""

    node: str
    stop_var: str
    start_var: str
    requests: Count
    restore_timeout_s: Seconds = 60.0
    steady_timeout_s: Seconds = 10.0


class Integration(Section):
    """Integration checks: the node metric counting the probe requests (its name and a label
    selector, on each node's own metrics path), how many to send, and the drill."""

    key: ClassVar[str] = "integration"

    metrics_path: str
    spread_metric: str
    spread_selector: str
    spread_requests: Count
    order_tries: int = Field(
        4,
        gt=0,
        le=1000,
        description="synthetic orders per app node placed through the load balancer at "
        "most, until every healthy node has accepted one",
    )
    drill: Drill
