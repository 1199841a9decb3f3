"""golive watch: after go-live, every watched metric holds for the whole watch.

Plan: Post-Deployment Activities › Post-Deployment Monitoring › Continuous Monitoring, and
the rollback plan's trigger each metric is (Critical Failures, Performance Issues). These
checks run only through ``golive watch`` (``--golive-watch-for``); the watch itself is the
``watch_run`` fixture: it measures every metric each interval and prints one line each.
"""

from __future__ import annotations

import pytest

from golive.judge.watch import TRIGGERS, WatchResult, blind_spot
from golive.model.expectations.monitoring import Monitoring
from golive.report.evidence import Evidence

pytestmark = pytest.mark.watch


def test_watched_metric_holds(
    watched: str, watch_run: WatchResult, monitoring: Monitoring, evidence: Evidence
) -> None:
    """Claim: after go-live the release keeps to the metric's threshold (the rollback
    plan's trigger it is) for the whole watch, and a breach during the watch is seen
    (Argo-Rollouts analysis, holes closed): no more failed measurements than its
    failure_limit, errors in a row than its consecutive_error_limit, inconclusive ones (no
    data, NaN, an error) than its inconclusive_limit, at least one successful measurement,
    and nothing between two measurements left unmeasured.

    Covers: the metric breaching its threshold (an error burst, a latency rise, a throughput
    drop, a critical alert firing, the smoke order failing); Prometheus not answering or the
    query returning no data or NaN (inconclusive, then NO-GO past the limit); the watch
    ending before anything was measured successfully (INCONCLUSIVE, never GO); a query whose
    range window is shorter than the watch's interval (``--every 60`` with ``rate(...[20s])``:
    a burst between measurements is never seen).

    Does not cover: a critical alert that fires and resolves between two measurements (the
    alerts metric asks for the firing alerts at each measurement; Alertmanager's routes,
    test_alert_delivered_end_to_end, are what reaches a person then); a threshold looser than
    the performance SLO (the environment's data)."""
    metric = watch_run.metrics[watched]
    plot = watch_run.plots.get(watched)
    if plot is not None:
        evidence.file(plot, f"{watched} over the watch.png")
    evidence.json(f"{watched} measurements", watch_run.as_dict()["metrics"][watched])
    source = monitoring.prometheus_url if metric.spec.kind != "smoke" else "the public endpoint"
    blind = blind_spot(metric.spec, watch_run.every_s)
    if blind is not None:
        pytest.fail(f"{watched} ({source}): {blind}", pytrace=False)
    assert metric.verdict == "GO", (
        f"{watched} ({source}): {metric.verdict}: {metric.reason()}; rollback trigger: "
        f"{TRIGGERS[metric.spec.trigger]}"
    )
