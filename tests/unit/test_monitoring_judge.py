"""The monitoring judge: Prometheus's answers, promtool's output and rule tests, alert
delivery, logs and process documents, as facts in and findings out (no network)."""

from __future__ import annotations

from golive.judge import monitoring as m
from golive.model.expectations.monitoring import Job


def target(
    job: str, instance: str, health: str = "up", name: str | None = None
) -> dict[str, object]:
    labels = {"job": job, "instance": instance, **({"instance_name": name} if name else {})}
    return {
        "labels": labels,
        "health": health,
        "lastError": "connection refused" if health != "up" else "",
    }


def test_zero_targets_is_never_all_up() -> None:
    findings = m.scrape_targets("mon1", {"node": Job(min_targets=1)}, [])
    assert findings == ["mon1: Prometheus scrapes no target of job node (expected at least 1)"]


def test_fewer_targets_and_a_down_one_are_named() -> None:
    targets = [target("trading", "127.10.0.11:8080", "down", "app1")]
    findings = m.scrape_targets("mon1", {"trading": Job(min_targets=2)}, targets)
    assert findings[0].startswith("mon1: job trading has 1 target(s), expected at least 2")
    assert findings[1] == (
        "mon1: job trading target app1 (127.10.0.11:8080) is down: connection refused"
    )


def test_all_up_passes() -> None:
    targets = [target("node", "a:9100"), target("node", "b:9100")]
    assert m.scrape_targets("mon1", {"node": Job(min_targets=2)}, targets) == []


def test_alert_rules_by_name_and_health() -> None:
    rules = [
        {"type": "alerting", "name": "InstanceDown", "health": "ok"},
        {
            "type": "alerting",
            "name": "DiskSpaceLow",
            "health": "err",
            "lastError": "bad",
            "file": "r.yml",
        },
        {"type": "recording", "name": "HighOrderErrorRate", "health": "ok"},
    ]
    findings = m.alert_rules("mon1", ["InstanceDown", "DiskSpaceLow", "HighOrderErrorRate"], rules)
    assert findings == [
        "mon1: alert rule DiskSpaceLow (r.yml) has health err: bad",
        "mon1: alert rule HighOrderErrorRate is not loaded by Prometheus",
    ]


def test_alertmanager_must_be_active() -> None:
    url = "http://127.10.0.31:9093"
    ok = {"activeAlertmanagers": [{"url": f"{url}/api/v2/alerts"}]}
    assert m.alertmanager_connected("mon1", ok, url) == []
    dropped = {"activeAlertmanagers": [], "droppedAlertmanagers": [{"url": f"{url}/api/v2/alerts"}]}
    assert "active: none; dropped:" in m.alertmanager_connected("mon1", dropped, url)[0]


def test_failed_reload_is_a_finding() -> None:
    assert m.config_reloaded("mon1", {"reloadConfigSuccess": True}) == []
    assert m.config_reloaded("mon1", {"reloadConfigSuccess": False, "lastConfigTime": "t"}) == [
        "mon1: Prometheus's last configuration reload failed (last good load t)"
    ]


def test_promtool_judged_by_output_not_exit_status() -> None:
    assert m.promtool_result("mon1", "t.yml", 0, "Unit Testing:  t.yml\n  SUCCESS\n") == []
    failed = "  FAILED:\n    name: disk,\n    alertname: DiskSpaceLow, time: 6m,\n"
    assert (
        "failed: FAILED:; name: disk,; alertname: DiskSpaceLow"
        in m.promtool_result("mon1", "t.yml", 1, failed)[0]
    )
    # exit 0 without SUCCESS (a wrapper that swallowed the status) is not a pass
    assert m.promtool_result("mon1", "t.yml", 0, "") != []


def test_rule_tests_must_expect_each_alert_to_fire() -> None:
    doc = {
        "tests": [
            {"alert_rule_test": [{"alertname": "DiskSpaceLw", "exp_alerts": []}]},
            {
                "alert_rule_test": [
                    {"alertname": "InstanceDown", "exp_alerts": [{"exp_labels": {}}]}
                ]
            },
        ]
    }
    findings = m.rule_tests_cover(
        "mon1", "t.yml", doc, ["InstanceDown", "DiskSpaceLow"], {"InstanceDown", "DiskSpaceLow"}
    )
    assert findings == [
        "mon1: t.yml has no test expecting alert DiskSpaceLow to fire (a test with "
        "exp_alerts: [] passes even for a misspelt alert name)",
        "mon1: t.yml tests alert DiskSpaceLw, which no loaded rule defines (misspelt?)",
    ]


def test_delivery_in_time_and_no_failed_notifications() -> None:
    assert m.delivery("mon1", "p", 1.2, 11, 0, 0) == []
    late = m.delivery("mon1", "p", None, 11, 0, 1)
    assert (
        late[0]
        == "mon1: synthetic alert p did not reach the receiver within 11 s (group_wait + margin)"
    )
    assert (
        late[1] == "mon1: alertmanager_notifications_failed_total grew from 0 to 1 during the check"
    )
    metrics = (
        'alertmanager_notifications_failed_total{integration="webhook"} 2\n'
        'alertmanager_notifications_failed_total{integration="email"} 1\n'
    )
    assert m.failed_notifications(metrics) == 3
    assert m.failed_notifications("other 1\n") is None


def test_notified_matches_the_unique_label() -> None:
    got = [{"notification": {"alerts": [{"labels": {"golive_probe": "abc"}}]}}]
    assert m.notified(got, "golive_probe", "abc")
    assert not m.notified(got, "golive_probe", "abd")


def test_logs_moved_or_stale() -> None:
    before = m.LogState("/l/audit.log", 10, 100.0)
    assert m.log_moved("app1", "audit", before, m.LogState("/l/audit.log", 20, 101.0)) == []
    assert "did not move" in m.log_moved("app1", "audit", before, before)[0]
    assert m.log_moved("app1", "audit", None, None) == ["app1: the audit log does not exist"]
    assert "at most 24 h" in m.log_recent("app1", "app", before, 100.0 + 25 * 3600, 24)[0]


def test_logrotate_output_judged() -> None:
    out = (
        "reading config file /r.conf\nrotating pattern: /l/access.log /l/audit.log  after 1 days\n"
        "considering log /l/access.log\nconsidering log /l/audit.log\n"
    )
    assert m.logrotate_covers("app1", "/r.conf", out, ["/l/access.log", "/l/audit.log"]) == []
    missing = "error: cannot stat /r.conf: No such file or directory\n"
    findings = m.logrotate_covers("app1", "/r.conf", missing, ["/l/access.log"])
    assert findings == [
        "app1: logrotate /r.conf: error: cannot stat /r.conf: No such file or directory",
        "app1: no logrotate rule of /r.conf rotates /l/access.log",
    ]


def test_juli_rotation() -> None:
    props = {"1catalina.x.prefix": "catalina.", "1catalina.x.maxDays": "90"}
    assert m.juli_rotates("app1", "l.p", props, "/t/logs/catalina.*.log") == []
    forever = {**props, "1catalina.x.maxDays": "-1"}
    assert (
        "keeps /t/logs/catalina.*.log forever"
        in m.juli_rotates("app1", "l.p", forever, "/t/logs/catalina.*.log")[0]
    )
    assert "no juli handler" in m.juli_rotates("app1", "l.p", {}, "/t/logs/catalina.*.log")[0]


def test_secrets_named_never_shown() -> None:
    findings = m.secrets_in(
        "app1", "/l/a.log", "user=x pw=Sup3rSecret!", {"db_password": "Sup3rSecret!"}
    )
    assert findings == ["app1: /l/a.log contains the value of secret db_password"]
    assert "Sup3rSecret" not in findings[0]


def test_document_names_release_fresh_and_present() -> None:
    ok = m.document("docs.deployment.notes", "/d/rn.md", "Release 1.5.0", "", 1, 180, "1.5.0")
    assert ok == []
    other = m.document(
        "docs.deployment.notes", "/d/rn.md", "Release 1.5.01 and 11.5.0", "", 1, 180, "1.5.0"
    )
    assert other == [
        "docs.deployment.notes: evidence document /d/rn.md does not name release 1.5.0"
    ]
    stale = m.document("x", "/d", "1.5.0", "", 200, 180, "1.5.0")
    assert stale == ["x: evidence document /d is 200 days old; at most 180 allowed"]
    assert m.document("x", "/d", None, "does not exist", None, 180, None) == [
        "x: evidence document /d does not exist"
    ]


def test_firing_critical_alerts_are_named() -> None:
    alerts = [
        {
            "state": "firing",
            "activeAt": "t",
            "labels": {
                "alertname": "InstanceDown",
                "severity": "critical",
                "instance_name": "app2",
            },
        },
        {"state": "pending", "labels": {"alertname": "HighOrderErrorRate", "severity": "critical"}},
        {"state": "firing", "labels": {"alertname": "DiskSpaceLow", "severity": "warning"}},
    ]
    assert m.firing("mon1", alerts, ["critical"]) == [
        "mon1: alert InstanceDown is firing since t (instance_name=app2, severity=critical)"
    ]


def test_certify_plan_proof_required_and_open() -> None:
    from golive.gate.coverage import unproven
    from golive.gate.plan import load_plan

    plan = load_plan()
    passed = [
        {"outcome": "passed", "severity": "critical", "plan": [pid]}
        for pid, item in plan.items.items()
        if not item.signoff
    ]
    signoffs = [{"name": "change_board", "state": "valid", "required": True}]
    required, opened = unproven(plan, passed, signoffs)
    assert required == []
    assert opened == ["plan item post.uat.execution (UAT Execution): sign-off uat is not recorded"]
    some = [
        {"outcome": "failed", "severity": "critical", "plan": ["deploy.monitoring.tools"]},
        {"outcome": "failed", "severity": "minor", "plan": ["post.monitoring.feedback"]},
    ]
    required, opened = unproven(plan, some, [])
    assert (
        "plan item deploy.monitoring.tools (Monitoring Tools): no check naming it passed"
        in required
    )
    assert (
        "plan item deploy.validation.smoke (Smoke Testing): no check of this run names it"
        in required
    )
    assert any(line.startswith("plan item post.monitoring.feedback") for line in opened)


def test_watch_durations() -> None:
    import pytest

    from golive.cli.watch import seconds
    from golive.model.errors import UsageError

    assert [seconds(t) for t in ("90", "20s", "30m", "1h")] == [90, 20, 1800, 3600]
    with pytest.raises(UsageError):
        seconds("30 minutes")
