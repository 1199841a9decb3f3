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
    """Claim: after go-live the release keeps to the metric's threshold (the rollback
    plan's trigger it is) on every host the metric covers, for the whole watch, and a breach
    during the watch is seen (Argo-Rollouts analysis, holes closed): no more failed
    measurements than its failure_limit, errors in a row than its consecutive_error_limit,
    inconclusive ones (no data, NaN, an error, a host unseen) than its inconclusive_limit, at
    least one successful measurement, and nothing between two measurements left unmeasured.

    Covers: the metric breaching its threshold (an error burst, a latency rise, a throughput
    drop, a critical alert firing, the smoke order failing); Prometheus not answering or the
    query returning no data or NaN (inconclusive, then NO-GO past the limit); the watch
    ending before anything was measured successfully (INCONCLUSIVE, never GO); one host of
    the metric's role whose series Prometheus does not hold (its target no longer scraped,
    or the series dropped or no longer exported while the target is up: fault
    watch_node_series_dropped), so that the number is the other hosts' alone: NO-GO at the
    first poll naming the host, inconclusive if it happens later; an alerts metric no loaded
    rule can ever fire (no alerting rule of its severity, e.g. the rules file no longer
    loaded: fault watch_alert_rules_unloaded): NO-GO at the first poll naming Prometheus's
    host. Refused before the watch polls (exit 4, the file and key named): a query whose
    range window is shorter than the watch's interval (``--every 60`` with
    ``rate(...[20s])``: a burst between measurements is never seen).

    Does not cover: a critical alert that fires and resolves between two measurements (the
    alerts metric asks for the firing alerts at each measurement; Alertmanager's routes,
    test_alert_delivered_end_to_end, are what reaches a person then); a host the metric
    declares no ``hosts:`` for (the environment's data; the sandbox's request metrics
    declare the app role); a host whose series are present but frozen (an exporter that
    answers an unchanging counter: the rates then read zero errors, and the smoke order's
    own requests, smoke_samples, are what sees that node's failures); a threshold looser
    than the performance SLO (the environment's data)."""
    metric = watch_run.metrics[watched]
    plot = watch_run.plots.get(watched)
    if plot is not None:
        evidence.file(plot, f"{watched} over the watch.png")
    evidence.json(f"{watched} measurements", watch_run.as_dict()["metrics"][watched])
    source = monitoring.prometheus_url if metric.spec.kind != "smoke" else "the public endpoint"
    early = (
        f" (the watch stopped early: {watch_run.stopped_early})"
        if metric.verdict == "INCONCLUSIVE" and watch_run.stopped_early
        else ""
    )
    assert metric.verdict == "GO", (
        f"{watched} ({source}): {metric.verdict}: {metric.reason()}{early}; rollback trigger: "
        f"{TRIGGERS[metric.spec.trigger]}"
    )
