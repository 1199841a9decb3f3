"""Monitoring tools and alerting: Prometheus scrapes what it must, evaluates the named alert
rules, is connected to Alertmanager, and an alert reaches the receiver end to end.

Plan: Deployment Process › Monitoring and Logging Setup (Monitoring Tools; Alerts and
Notifications). Prometheus is asked through its HTTP API from the QA vantage point;
Alertmanager, the receiver and promtool from the monitoring host (they are not exposed).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import TypeVar

import pytest
import yaml

from golive.judge import monitoring as judge_monitoring
from golive.model.expectations.monitoring import Monitoring
from golive.probe.appconfig import read_text
from golive.probe.hosts import Target
from golive.probe.nodes import fetch
from golive.probe.prometheus import Prometheus, PrometheusError
from golive.report.evidence import Evidence
from pytest_golive.fixtures.findings import judge
from pytest_golive.fixtures.monitoring import await_notification

pytestmark = pytest.mark.monitoring
T = TypeVar("T")


def _ask(where: str, call: Callable[[], T], evidence: Evidence | None = None, name: str = "") -> T:
    """Prometheus's answer (recorded as evidence under ``name``), or the check fails naming
    the host and why the API did not answer."""
    try:
        answer = call()
    except PrometheusError as exc:
        pytest.fail(f"{where}: {exc}", pytrace=False)
    if evidence is not None:
        evidence.json(name, answer)
    return answer


def test_every_job_has_targets_all_up(
    prometheus: Prometheus, monitoring: Monitoring, evidence: Evidence
) -> None:
    """Prometheus scrapes every job the expectations name, each with at least its number of
    targets, and every target is up.

    False when: a job is missing or has no targets (zero targets is never "all up"); a job has
    fewer targets than expected (a host dropped from the scrape config); a target is down (an
    exporter or the app stopped, a firewall in the way), named with its scrape error; the API
    does not answer."""
    targets = _ask(monitoring.host, prometheus.targets, evidence, "prometheus active targets")
    judge(judge_monitoring.scrape_targets(monitoring.host, monitoring.jobs, targets))


@pytest.mark.plan("deploy.monitoring.alerts")
def test_alert_rules_loaded_and_healthy(
    prometheus: Prometheus, monitoring: Monitoring, evidence: Evidence
) -> None:
    """Every alert rule the expectations name is loaded by Prometheus, by name, and its last
    evaluation was healthy.

    False when: a rule is absent (its file missing: Prometheus only warns; removed from the
    file; renamed); a rule's evaluation fails (health err, with Prometheus's error); the API
    does not answer."""
    rules = _ask(monitoring.host, prometheus.rules, evidence, "prometheus rules")
    judge(judge_monitoring.alert_rules(monitoring.host, monitoring.alert_rules, rules))


@pytest.mark.plan("deploy.monitoring.alerts")
def test_prometheus_sends_to_alertmanager(
    prometheus: Prometheus, monitoring: Monitoring, evidence: Evidence
) -> None:
    """Prometheus sends its alerts to the environment's Alertmanager.

    False when: no Alertmanager is configured, it is another one, or Prometheus dropped it;
    the API does not answer."""
    data = _ask(monitoring.host, prometheus.alertmanagers, evidence, "prometheus alertmanagers")
    judge(
        judge_monitoring.alertmanager_connected(monitoring.host, data, monitoring.alertmanager.url)
    )


def test_prometheus_config_reload_succeeded(
    prometheus: Prometheus, monitoring: Monitoring, evidence: Evidence
) -> None:
    """Prometheus runs the configuration on disk: its last configuration reload succeeded.

    False when: a reload failed (a broken prometheus.yml or rule file: Prometheus keeps
    running the previous one, so everything else looks fine); the API does not answer."""
    runtime = _ask(monitoring.host, prometheus.runtime, evidence, "prometheus runtime info")
    judge(judge_monitoring.config_reloaded(monitoring.host, runtime))


@pytest.mark.plan("post.monitoring.continuous", "rollback.triggers.critical")
def test_no_critical_alert_firing(
    prometheus: Prometheus, monitoring: Monitoring, evidence: Evidence
) -> None:
    """Monitoring watches the release continuously and no critical alert fires: the rollback
    plan's Critical Failures trigger is not active at certification.

    False when: a critical alert fires (a node down, the order error rate above its rule's
    threshold, a backup too old), named with its labels; the API does not answer. A pending
    alert (its ``for`` not yet elapsed) is not firing. ``golive watch`` keeps asking after
    go-live."""
    alerts = _ask(monitoring.host, prometheus.alerts, evidence, "prometheus alerts")
    judge(judge_monitoring.firing(monitoring.host, alerts, ["critical"]))


def _rule_names(prometheus: Prometheus, where: str) -> set[str]:
    rules = _ask(where, prometheus.rules)
    return {str(r.get("name")) for r in rules if r.get("type") == "alerting"}


@pytest.mark.plan("deploy.monitoring.alerts")
def test_alert_rule_unit_tests_pass(
    monitoring_host: Target, monitoring: Monitoring, evidence: Evidence
) -> None:
    """The environment's promtool rule unit tests pass against the rules on the monitoring
    host, judged from promtool's output (SUCCESS, no FAILED), not its exit status alone.

    False when: a test fails (a rule changed its expression, labels or annotations, or was
    removed); a test file is missing or unreadable; promtool is missing or errs."""
    spec = monitoring.rule_tests
    findings = []
    for file in spec.files:
        out = monitoring_host.run(f"{spec.promtool} test rules %s", file)
        text = f"{out.stdout}\n{out.stderr}"
        evidence.text(f"promtool test rules {file}", text)
        findings += judge_monitoring.promtool_result(monitoring_host.name, file, out.rc, text)
    judge(findings)


@pytest.mark.plan("deploy.monitoring.alerts")
def test_alert_rule_unit_tests_cover_named_alerts(
    monitoring_host: Target, monitoring: Monitoring, prometheus: Prometheus
) -> None:
    """Each alert the expectations name for testing has a rule unit test expecting it to
    fire, and every alert the tests name is one Prometheus has loaded.

    False when: an alert has no test, or only tests with ``exp_alerts: []`` (promtool passes
    those even for a misspelt alert name); a test names an alert no loaded rule defines."""
    defined = _rule_names(prometheus, monitoring.host)
    findings = []
    for file in monitoring.rule_tests.files:
        doc = yaml.safe_load(read_text(monitoring_host, file))
        findings += judge_monitoring.rule_tests_cover(
            monitoring_host.name, file, doc, monitoring.rule_tests.alerts, defined
        )
    judge(findings)


def _failed_total(target: Target, url: str, timeout: float) -> float | None:
    answer = fetch(target, f"{url.rstrip('/')}/metrics", timeout=timeout)
    if answer.status != 200 or not isinstance(answer.body, str):
        pytest.fail(f"{target.name}: Alertmanager {answer.describe()}", pytrace=False)
    return judge_monitoring.failed_notifications(answer.body)


@pytest.mark.plan("deploy.monitoring.alerts")
def test_alert_delivered_end_to_end(
    monitoring_host: Target, monitoring: Monitoring, evidence: Evidence
) -> None:
    """An alert reaches the receiver: a synthetic alert with a unique label (the Watchdog
    pattern) sent to Alertmanager arrives within the route's group_wait plus a margin, and
    ``alertmanager_notifications_failed_total`` does not grow meanwhile.

    False when: Alertmanager is down or refuses the alert; its route sends to a receiver that
    drops it or to a wrong URL (nothing arrives, or notifications fail); delivery is slower
    than group_wait + margin; the receiver is down."""
    am = monitoring.alertmanager
    timeout = monitoring.timeout_s
    host = monitoring_host
    before = _failed_total(host, am.url, timeout)
    probe = f"golive-{uuid.uuid4().hex[:12]}"
    now = datetime.now(UTC)
    alert = {
        "labels": {"alertname": "GoliveDeliveryProbe", "golive_probe": probe, "severity": "none"},
        "annotations": {"summary": "golive end-to-end delivery check; no action needed"},
        "startsAt": now.isoformat(),
        "endsAt": (now + timedelta(minutes=5)).isoformat(),
    }
    posted = fetch(
        host, f"{am.url.rstrip('/')}/api/v2/alerts", method="POST", json_body=[alert],
        timeout=timeout,
    )  # fmt: skip
    if posted.status != 200:
        pytest.fail(f"{host.name}: sending an alert to Alertmanager: {posted.describe()}")
    allowed = am.group_wait_s + am.margin_s
    arrived, received = await_notification(
        host, am.receiver_url, "golive_probe", probe, allowed, timeout
    )
    after = _failed_total(host, am.url, timeout)
    mine = [e for e in received if judge_monitoring.notified([e], "golive_probe", probe)]
    evidence.json("receiver notification", mine)
    evidence.text(
        "delivery", json.dumps({"probe": probe, "arrived_after_s": arrived, "allowed_s": allowed,
                                "failed_before": before, "failed_after": after}),
    )  # fmt: skip
    judge(judge_monitoring.delivery(host.name, probe, arrived, allowed, before, after))
