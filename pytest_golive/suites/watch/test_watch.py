"""golive watch: after go-live, every watched metric holds for the whole watch.

Plan: Post-Deployment Activities › Post-Deployment Monitoring › Continuous Monitoring, and
the rollback plan's trigger each metric is (Critical Failures, Performance Issues). These
checks run only through ``golive watch`` (``--golive-watch-for``); the watch itself is the
``watch_run`` fixture: it measures every metric each interval and prints one line each.
"""

from __future__ import annotations

import pytest

from golive.judge.watch import TRIGGERS, WatchResult
from golive.model.expectations.monitoring import Monitoring
from golive.report.evidence import Evidence

pytestmark = pytest.mark.watch


def test_watched_metric_holds(
    watched: str, watch_run: WatchResult, monitoring: Monitoring, evidence: Evidence
) -> None:
    """The metric held through the watch (Argo-Rollouts analysis, holes closed): no more
    failed measurements than its failure_limit, errors in a row than its
    consecutive_error_limit, inconclusive ones (no data, NaN, an error) than its
    inconclusive_limit, and at least one successful measurement.

    False when: the metric breaches its threshold (an error burst, a latency rise, a
    throughput drop, a critical alert firing, the smoke order failing); Prometheus stops
    answering or the query returns no data (inconclusive, then NO-GO past the limit); the
    watch ended before anything was measured successfully (INCONCLUSIVE, never GO)."""
    metric = watch_run.metrics[watched]
    plot = watch_run.plots.get(watched)
    if plot is not None:
        evidence.file(plot, f"{watched} over the watch.png")
    evidence.json(f"{watched} measurements", watch_run.as_dict()["metrics"][watched])
    source = monitoring.prometheus_url if metric.spec.kind != "smoke" else "the public endpoint"
    assert metric.verdict == "GO", (
        f"{watched} ({source}): {metric.verdict}: {metric.reason()}; rollback trigger: "
        f"{TRIGGERS[metric.spec.trigger]}"
    )
