"""Monitoring tools and alerting. The suite's claim: a production incident reaches a person
within the detection budget. So Prometheus scrapes what it must, evaluates the named alert
rules (each tested by promtool to fire, each firing within the budget), is connected to
Alertmanager, and an alert of every route the plan names reaches its receiver end to end.

Checks that judge Prometheus's state (targets, rule health, alerts) ask it once it has
settled after its last configuration (re)load (fixture ``settled_prometheus``): just after a
reload "unknown" and "no scrape yet" are transient, not findings; a wait longer than
``monitoring.settle_timeout_s`` is an error (inconclusive).

Plan: Deployment Process › Monitoring and Logging Setup (Monitoring Tools; Alerts and
Notifications). Prometheus is asked through its HTTP API from the QA vantage point;
Alertmanager, the receiver and promtool from the monitoring host (they are not exposed).
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from functools import partial
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
    settled_prometheus: Prometheus, monitoring: Monitoring, evidence: Evidence
) -> None:
    """Claim: Prometheus collects every metric an alert needs: every job the expectations
    name is scraped, with at least its number of targets, and every target is up.

    Covers: a job missing or with no targets (zero targets is never "all up"); fewer targets
    than expected (a host dropped from the scrape config); a target down (an exporter or the
    app stopped, a firewall in the way), named with its scrape error; the API not answering.
    Judged once Prometheus has settled after a reload (not its transient "no scrape yet").

    Does not cover: how often each job is scraped (test_alert_time_to_fire_within_budget);
    a metric missing from a target that is up (the promtool tests use the series the rules
    read, test_alert_rule_unit_tests_pass)."""
    prometheus = settled_prometheus
    targets = _ask(monitoring.host, prometheus.targets, evidence, "prometheus active targets")
    judge(judge_monitoring.scrape_targets(monitoring.host, monitoring.jobs, targets))


@pytest.mark.plan("deploy.monitoring.alerts")
def test_alert_rules_loaded_and_healthy(
    settled_prometheus: Prometheus, monitoring: Monitoring, evidence: Evidence
) -> None:
    """Claim: every alert the plan names is evaluated by the running Prometheus: loaded, by
    name, and its last evaluation healthy.

    Covers: a rule absent (its file missing: Prometheus only warns; removed from the file;
    renamed); a rule's evaluation failing (health err, with Prometheus's error); the API not
    answering. Judged once every rule was evaluated since the last reload (a reloaded rule is
    "unknown" until then, not a finding).

    Does not cover: whether the expression fires on its condition
    (test_alert_rule_unit_tests_pass) or in time (test_alert_time_to_fire_within_budget)."""
    prometheus = settled_prometheus
    rules = _ask(monitoring.host, prometheus.rules, evidence, "prometheus rules")
    judge(judge_monitoring.alert_rules(monitoring.host, monitoring.alert_rules, rules))


@pytest.mark.plan("deploy.monitoring.alerts")
def test_prometheus_sends_to_alertmanager(
    settled_prometheus: Prometheus, monitoring: Monitoring, evidence: Evidence
) -> None:
    """Claim: a firing alert leaves Prometheus for the environment's Alertmanager.

    Covers: no Alertmanager configured, another one, or one Prometheus dropped; the API not
    answering.

    Does not cover: what Alertmanager does with it (test_alert_delivered_end_to_end)."""
    prometheus = settled_prometheus
    data = _ask(monitoring.host, prometheus.alertmanagers, evidence, "prometheus alertmanagers")
    judge(
        judge_monitoring.alertmanager_connected(monitoring.host, data, monitoring.alertmanager.url)
    )


def test_prometheus_config_reload_succeeded(
    prometheus: Prometheus, monitoring: Monitoring, evidence: Evidence
) -> None:
    """Claim: Prometheus runs the configuration on disk: its last configuration reload
    succeeded.

    Covers: a failed reload (a broken prometheus.yml or rule file: Prometheus keeps running
    the previous one, so everything else looks fine); the API not answering.

    Does not cover: a change on disk not yet reloaded (nothing in the API tells; the other
    checks judge what runs, which is what alerts)."""
    runtime = _ask(monitoring.host, prometheus.runtime, evidence, "prometheus runtime info")
    judge(judge_monitoring.config_reloaded(monitoring.host, runtime))


@pytest.mark.plan("post.monitoring.continuous", "rollback.triggers.critical")
def test_no_critical_alert_firing(
    settled_prometheus: Prometheus, monitoring: Monitoring, evidence: Evidence
) -> None:
    """Claim: the rollback plan's Critical Failures trigger is not active at certification:
    no critical alert fires.

    Covers: a critical alert firing (a node down, the order error rate above its rule's
    threshold, a backup too old), named with its labels; the API not answering.

    Does not cover: a pending alert (its ``for`` not yet elapsed: not firing yet), and what
    happens after certification (``golive watch`` keeps asking after go-live)."""
    prometheus = settled_prometheus
    alerts = _ask(monitoring.host, prometheus.alerts, evidence, "prometheus alerts")
    judge(judge_monitoring.firing(monitoring.host, alerts, ["critical"]))


@pytest.mark.plan("deploy.monitoring.alerts")
def test_alert_time_to_fire_within_budget(
    prometheus: Prometheus, monitoring: Monitoring, evidence: Evidence
) -> None:
    """Claim: each alert the plan names fires within the environment's detection budget
    (``monitoring.detection``: per severity, or per alert) after its condition starts.

    Covers: the latest time to fire as the running Prometheus has it: the rule's ``for`` +
    the longest scrape interval of the jobs the alert reads (``detection.alerts.<name>.jobs``,
    default every job) + its group's evaluation interval. A long ``for``, a slow scrape
    interval (a 10-minute app job) or evaluation interval beyond the budget; an alert whose
    severity has no budget, whose jobs have no target, or which is not loaded. Read from
    the configuration Prometheus runs (/api/v1/rules, /api/v1/targets), so it needs no
    settling.

    Does not cover: the window of a rate() in the expression (a 1h window reacts slower:
    the promtool tests' eval_time shows it); how long Alertmanager then takes
    (test_alert_delivered_end_to_end: group_wait + margin)."""
    rules = _ask(monitoring.host, prometheus.rules, evidence, "prometheus rules")
    targets = _ask(monitoring.host, prometheus.targets, evidence, "prometheus active targets")
    judge(
        judge_monitoring.time_to_fire(
            monitoring.host, monitoring.alert_rules, rules, targets, monitoring.detection
        )
    )


def _rule_names(prometheus: Prometheus, where: str) -> set[str]:
    rules = _ask(where, prometheus.rules)
    return {str(r.get("name")) for r in rules if r.get("type") == "alerting"}


@pytest.mark.plan("deploy.monitoring.alerts")
def test_alert_rule_unit_tests_pass(
    monitoring_host: Target, monitoring: Monitoring, evidence: Evidence
) -> None:
    """Claim: every named alert fires on its condition: the environment's promtool rule unit
    tests pass against the rules on the monitoring host, judged from promtool's output
    (SUCCESS, no FAILED), not its exit status alone.

    Covers: a test failing (a rule changed its expression, threshold, ``for``, labels or
    annotations, or was removed); a test file missing or unreadable; promtool missing or
    erring.

    Does not cover: which alerts have a test expecting them to fire
    (test_alert_rule_unit_tests_cover_named_alerts)."""
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
    """Claim: every alert the plan names (``alert_rules``, and ``rule_tests.alerts``) has a
    promtool test expecting it to fire, and the tests test the alerts Prometheus runs.

    Covers: an alert with no test, or only tests with ``exp_alerts: []`` (promtool passes
    those even for a misspelt alert name); a test naming an alert no loaded rule defines.

    Does not cover: whether the tested rule file is byte for byte the one Prometheus loaded
    (a test naming a renamed alert is caught; an edited threshold in a copy is not)."""
    defined = _rule_names(prometheus, monitoring.host)
    named = list(dict.fromkeys([*monitoring.alert_rules, *monitoring.rule_tests.alerts]))
    findings = []
    for file in monitoring.rule_tests.files:
        doc = yaml.safe_load(read_text(monitoring_host, file))
        findings += judge_monitoring.rule_tests_cover(
            monitoring_host.name, file, doc, named, defined
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
    """Claim: an alert of every route the plan names reaches a person: one synthetic alert
    per route of ``alertmanager.routes`` (its labels: a receiver and severity, e.g. the
    critical route that pages), each with a unique label (the Watchdog pattern), arrives
    through that route's receiver (by its name in the notification) within the route's
    group_wait plus a margin, and ``alertmanager_notifications_failed_total`` does not grow.

    Covers: Alertmanager down or refusing the alert; a route (e.g. severity=critical) sending
    to a receiver that drops it, to another receiver, or to a wrong URL (nothing arrives,
    another receiver's name, or notifications fail); delivery slower than group_wait +
    margin; the receiver down.

    Does not cover: the last hop beyond the recording receiver (a pager's own delivery to a
    phone); inhibition or silences active at the time of a real incident."""
    am = monitoring.alertmanager
    timeout = monitoring.timeout_s
    host = monitoring_host
    before = _failed_total(host, am.url, timeout)
    now = datetime.now(UTC)
    probes = [f"golive-{uuid.uuid4().hex[:12]}" for _ in am.routes]
    alerts = [
        {
            "labels": {**route.labels, "alertname": "GoliveDeliveryProbe", "golive_probe": probe},
            "annotations": {"summary": "golive end-to-end delivery check; no action needed"},
            "startsAt": now.isoformat(),
            "endsAt": (now + timedelta(minutes=5)).isoformat(),
        }
        for route, probe in zip(am.routes, probes, strict=True)
    ]
    posted = fetch(
        host, f"{am.url.rstrip('/')}/api/v2/alerts", method="POST", json_body=alerts,
        timeout=timeout,
    )  # fmt: skip
    if posted.status != 200:
        pytest.fail(f"{host.name}: sending an alert to Alertmanager: {posted.describe()}")
    sent = time.monotonic()
    allowed = am.group_wait_s + am.margin_s
    findings: list[str] = []
    record = []
    for route, probe in zip(am.routes, probes, strict=True):
        left = max(allowed - (time.monotonic() - sent), 0.0)
        got, received = await_notification(
            host, am.receiver_url,
            partial(judge_monitoring.notified, label="golive_probe", value=probe),
            f"golive_probe={probe}", left, timeout,
        )  # fmt: skip
        arrived = None if got is None else time.monotonic() - sent
        receiver = judge_monitoring.receiver_of(received, "golive_probe", probe)
        record.append({"probe": probe, "labels": route.labels, "receiver": receiver,
                       "expected": route.receiver, "arrived_after_s": arrived})  # fmt: skip
        findings += judge_monitoring.route_delivered(
            host.name, probe, route.labels, route.receiver, arrived, receiver, allowed
        )
    after = _failed_total(host, am.url, timeout)
    evidence.text(
        "delivery", json.dumps({"routes": record, "allowed_s": allowed,
                                "failed_before": before, "failed_after": after}),
    )  # fmt: skip
    judge(findings + judge_monitoring.notifications_failed(host.name, before, after))
