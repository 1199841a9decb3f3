"""The monitoring judge: Prometheus's answers, promtool's output and rule tests, alert
delivery, logs and process documents, as facts in and findings out (no network)."""

from __future__ import annotations

from golive.judge import monitoring as m
from golive.model.expectations.monitoring import Job
from golive.model.facts import monitoring as mf


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


def test_each_route_delivered_through_its_receiver_in_time() -> None:
    crit = {"severity": "critical"}
    assert m.route_delivered("mon1", "p", crit, "pager", 1.2, "pager", 11) == []
    assert m.route_delivered("mon1", "p", crit, "pager", None, None, 11) == [
        "mon1: synthetic alert p (severity=critical) for receiver pager did not reach the "
        "receiver within 11 s (group_wait + margin)"
    ]
    wrong = m.route_delivered("mon1", "p", crit, "pager", 2.0, "webhook", 11)
    assert wrong == [
        "mon1: synthetic alert p (severity=critical) arrived through receiver webhook, not "
        "pager: the route for severity=critical is not the plan's"
    ]
    assert (
        "after 12.5 s, more than 11 s"
        in m.route_delivered("mon1", "p", crit, "pager", 12.5, "pager", 11)[0]
    )


def test_receiver_named_by_the_notification() -> None:
    got = [
        {"notification": {"receiver": "webhook", "alerts": [{"labels": {"golive_probe": "a"}}]}},
        {"notification": {"receiver": "pager", "alerts": [{"labels": {"golive_probe": "b"}}]}},
    ]
    assert m.receiver_of(got, "golive_probe", "b") == "pager"
    assert m.receiver_of(got, "golive_probe", "c") is None


def test_failed_notifications_grow_or_unknown() -> None:
    assert m.notifications_failed("mon1", 0, 0) == []
    assert m.notifications_failed("mon1", 0, 1) == [
        "mon1: alertmanager_notifications_failed_total grew from 0 to 1 during the check"
    ]
    assert "exports no" in m.notifications_failed("mon1", None, 1)[0]
    metrics = (
        'alertmanager_notifications_failed_total{integration="webhook"} 2\n'
        'alertmanager_notifications_failed_total{integration="email"} 1\n'
    )
    assert m.failed_notifications(metrics) == 3
    assert m.failed_notifications("other 1\n") is None


def test_prometheus_durations() -> None:
    assert mf.prometheus_duration("5s") == 5
    assert mf.prometheus_duration("1m30s") == 90
    assert mf.prometheus_duration("10m") == 600
    assert mf.prometheus_duration("250ms") == 0.25
    assert mf.prometheus_duration("") is None
    assert mf.prometheus_duration("5 s") is None
    assert mf.prometheus_duration("5x") is None


LOADED = "2026-12-06T17:00:00.123456789Z"


def test_unsettled_until_every_target_scraped_and_rule_evaluated_since_the_load() -> None:
    runtime = {"lastConfigTime": LOADED}
    after, before = "2026-12-06T17:00:05.5Z", "2026-12-06T16:59:58Z"
    t_ok = {**target("node", "a:9100"), "lastScrape": after}
    t_old = {**target("node", "b:9100"), "lastScrape": before}
    t_new = {**target("node", "c:9100", health="unknown"), "lastScrape": "0001-01-01T00:00:00Z"}
    r_ok = {"name": "InstanceDown", "health": "ok", "lastEvaluation": after}
    r_new = {"name": "BackupTooOld", "health": "unknown", "lastEvaluation": "0001-01-01T00:00:00Z"}
    assert mf.unsettled(runtime, [t_ok], [r_ok]) == []
    assert mf.unsettled(runtime, [t_ok, t_old, t_new], [r_ok, r_new]) == [
        "a scrape of b:9100",
        "a scrape of c:9100",
        "an evaluation of rule BackupTooOld",
    ]
    assert mf.unsettled({"lastConfigTime": "garbage"}, [], []) == [
        "a configuration load time ('garbage')"
    ]
    # a time in another zone is compared as the same instant
    assert mf.unsettled(runtime, [{**t_ok, "lastScrape": "2026-12-06T18:00:01+01:00"}], []) == []


def _rule(
    name: str, hold: float, severity: str = "critical", interval: float = 5
) -> dict[str, object]:
    return {"type": "alerting", "name": name, "duration": hold, "interval": interval,
            "labels": {"severity": severity}}  # fmt: skip


def _scraped(job: str, every: str) -> dict[str, object]:
    return {**target(job, f"{job}:1"), "scrapeInterval": every}


def test_time_to_fire_within_the_budget() -> None:
    from golive.model.expectations.monitoring import Detection

    detection = Detection.model_validate(
        {"budget_s": {"critical": 300}, "alerts": {"Slow": {"budget_s": 900, "jobs": ["node"]},
                                                   "Err": {"jobs": ["trading"]}}}
    )  # fmt: skip
    targets = [_scraped("trading", "5s"), _scraped("node", "15s")]
    rules = [_rule("Err", 60), _rule("Slow", 600), _rule("Down", 30)]
    assert m.time_to_fire("mon1", ["Err", "Slow", "Down"], rules, targets, detection) == []
    slow = [_scraped("trading", "10m"), _scraped("node", "15s")]
    assert m.time_to_fire("mon1", ["Err", "Slow"], rules, slow, detection) == [
        "mon1: alert Err (critical) fires at the latest 665 s after its condition starts "
        "(for 60 s + scrape interval 600 s of job trading + evaluation interval 5 s); the "
        "detection budget is 300 s"
    ]
    # no jobs declared: the slowest job counts
    assert (
        "scrape interval 600 s of job trading"
        in m.time_to_fire("mon1", ["Down"], rules, slow, detection)[0]
    )
    warn = [_rule("Warn", 60, "warning")]
    assert m.time_to_fire("mon1", ["Warn"], warn, targets, detection) == [
        "mon1: alert Warn has severity warning, for which the environment declares no "
        "detection budget"
    ]
    assert m.time_to_fire("mon1", ["Gone"], rules, targets, detection) == [
        "mon1: alert Gone is not loaded: its time to fire is unknown"
    ]
    assert m.time_to_fire("mon1", ["Err"], rules, [_scraped("node", "5s")], detection) == [
        "mon1: alert Err: the scrape interval of job trading is unknown (no target, or not a "
        "duration)"
    ]
    assert m.time_to_fire("mon1", ["Down"], rules, [], detection) == [
        "mon1: alert Down: Prometheus scrapes no job it could read"
    ]
    assert (
        "does not give its for"
        in m.time_to_fire(
            "mon1", ["Err"], [{**_rule("Err", 60), "interval": None}], targets, detection
        )[0]
    )


ROTATE = """rotating pattern: /l/access.log /l/audit.log  after 1 days (14 rotations)
empty log files are rotated, old logs are removed
considering log /l/access.log
rotating pattern: /l/w.log  weekly (2 rotations)
rotating pattern: /l/m.log  monthly (no old logs will be kept)
rotating pattern: /l/s.log  10485760 bytes (5 rotations)
rotating pattern: /l/h*.log  hourly (48 rotations)
"""


def test_logrotate_keeps_the_retention() -> None:
    assert m.logrotate_keeps("app1", "/r", ROTATE, {"/l/access.log": 14, "/l/hx.log": 2}) == []
    assert m.logrotate_keeps("app1", "/r", ROTATE, {"/l/audit.log": 90}) == [
        "app1: /r keeps 14 rotation(s) of /l/audit.log at 1 day(s) each, 14 days; the plan "
        "requires 90"
    ]
    assert (
        "14 days; the plan requires 15"
        in m.logrotate_keeps("app1", "/r", ROTATE, {"/l/w.log": 15})[0]
    )
    assert "0 rotation(s)" in m.logrotate_keeps("app1", "/r", ROTATE, {"/l/m.log": 1})[0]
    assert m.logrotate_keeps("app1", "/r", ROTATE, {"/l/s.log": 1}) == [
        "app1: /r rotates /l/s.log by size only: how many days it keeps is not bounded (the "
        "plan requires 1)"
    ]
    assert m.logrotate_keeps("app1", "/r", ROTATE, {"/l/other.log": 1}) == []


def test_private_log_mode_owner_directory() -> None:
    ok = [m.FileMode("/l/audit.log", 0o100640, "trading"),
          m.FileMode("/l/audit.log.1.gz", 0o100600, "trading"),
          m.FileMode("/l", 0o40755, "trading", directory=True)]  # fmt: skip
    assert m.private_log("app1", "audit", ok, "trading") == []
    bad = [m.FileMode("/l/audit.log.1", 0o100644, "root"),
           m.FileMode("/l", 0o40777, "root", directory=True),
           m.FileMode("/t", 0o41777, "root", directory=True)]  # fmt: skip
    assert m.private_log("app1", "audit", bad, "trading") == [
        "app1: /l/audit.log.1 (audit log, personal data) is readable by others (mode 0644)",
        "app1: /l/audit.log.1 (audit log, personal data) is owned by root, not trading",
        "app1: the directory /l of the audit log (personal data) is writable by others (mode 0777)",
    ]
    assert m.private_log("app1", "audit", bad[:1], None) == [
        "app1: /l/audit.log.1 (audit log, personal data) is readable by others (mode 0644)"
    ]


def test_notified_matches_the_unique_label() -> None:
    got = [{"notification": {"alerts": [{"labels": {"golive_probe": "abc"}}]}}]
    assert m.notified(got, "golive_probe", "abc")
    assert not m.notified(got, "golive_probe", "abd")


def test_logs_moved_or_stale() -> None:
    before = mf.LogState("/l/audit.log", 10, 100.0)
    assert m.log_moved("app1", "audit", before, mf.LogState("/l/audit.log", 20, 101.0)) == []
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
    assert m.juli_rotates("app1", "l.p", props, "/t/logs/catalina.*.log", 90) == []
    assert m.juli_rotates("app1", "l.p", props, "/t/logs/catalina.*.log", 365) == [
        "app1: l.p: 1catalina.x keeps /t/logs/catalina.*.log 90 days (maxDays); the plan "
        "requires 365"
    ]


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


def test_detection_names_only_known_alerts_and_jobs() -> None:
    import pytest
    from pydantic import ValidationError

    from golive.model.expectations.monitoring import Monitoring

    base = {
        "host": "mon1", "prometheus_url": "http://p", "jobs": {"trading": {}},
        "alert_rules": ["Down"],
        "alertmanager": {"url": "http://a", "receiver_url": "http://r", "group_wait_s": 1,
                         "routes": [{"receiver": "pager", "labels": {"severity": "critical"}}]},
        "rule_tests": {"files": ["t.yml"]},
        "detection": {"budget_s": {"critical": 300}, "alerts": {"Down": {"jobs": ["trading"]}}},
    }  # fmt: skip
    Monitoring.model_validate(base)
    typo = {**base, "detection": {"budget_s": {"critical": 300}, "alerts": {"Dwn": {}}}}
    with pytest.raises(ValidationError, match=r"detection\.alerts\.Dwn: not an alert"):
        Monitoring.model_validate(typo)
    job = {**base, "detection": {"budget_s": {"critical": 1}, "alerts": {"Down": {"jobs": ["x"]}}}}
    with pytest.raises(ValidationError, match="x is not a job of jobs"):
        Monitoring.model_validate(job)
    no_route = {**base, "alertmanager": {**base["alertmanager"], "routes": []}}  # type: ignore[dict-item]
    with pytest.raises(ValidationError, match="routes"):
        Monitoring.model_validate(no_route)
