"""A Prometheus reload just before the monitoring checks is not a finding (issue 22): after a
reload that changes a job's scrape configuration its targets are "unknown" with "no scrape
yet", and rules wait for their next evaluation; a transient state the checks wait out
(bounded by monitoring.settle_timeout_s) instead of judging it."""

from __future__ import annotations

from collections.abc import Callable

from conftest import Run
from golive.sandbox import lifecycle
from golive.sandbox.context import Sandbox
from golive.sandbox.faults.monitoring import ReloadEdit

# a harmless change to the app's job (a scrape timeout within its interval): Prometheus
# replaces the job's scrape pool, so both app targets start again from "no scrape yet"
RELOAD = ReloadEdit(
    kind="reload_edit",
    service="prometheus",
    file="prometheus.yml",
    old="  - job_name: trading\n    metrics_path: /metrics\n",
    new="  - job_name: trading\n    scrape_timeout: 4s\n    metrics_path: /metrics\n",
    marker='"scrapeTimeout": "4s"',
    appears=True,
)


def test_prometheus_reloaded_just_before_the_monitoring_checks_is_go(
    certify: Callable[..., Run],
) -> None:
    sbx = Sandbox.load()
    lifecycle.enter(sbx)
    mon = sbx.env.hosts_with_role("monitoring")[0]
    RELOAD.apply(sbx, mon, True)  # returns as soon as Prometheus runs the new configuration
    try:
        run = certify("monitoring", "-k", "test_prometheus")
    finally:
        RELOAD.apply(sbx, mon, False)
    assert run.verdict.get("verdict") == "GO", run.output
