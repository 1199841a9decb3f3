"""Logging: each node of the logging roles writes its access, application and audit logs,
they are rotated, and no secret value is in them.

Plan: Deployment Process › Monitoring and Logging Setup › Logging Configuration. That the
log directories are not writable by others is the hardening check's claim
(suites/security/test_hardening.py, test_log_directories_not_writable_by_others), not
repeated here.
"""

from __future__ import annotations

import time

import pytest

from golive.judge import monitoring as judge_monitoring
from golive.model.environment import Environment
from golive.model.expectations.monitoring import LogFile, Logging
from golive.model.expectations.smoke import App
from golive.probe import files, observe
from golive.probe.appconfig import read_properties
from golive.probe.hosts import Target
from golive.probe.nodes import fetch
from golive.report.evidence import Evidence
from pytest_golive.fixtures.findings import judge
from pytest_golive.fixtures.monitoring import log_states, logs_after

pytestmark = [pytest.mark.monitoring, pytest.mark.plan("deploy.monitoring.logging")]


def _path(template: str, target: Target) -> str:
    try:
        return template.format(host=target.name, **target.spec.vars)
    except KeyError as exc:
        pytest.fail(
            f"{target.name}: {template} names host var {exc}, which the inventory lacks",
            pytrace=False,
        )


def _resolve(target: Target, log: LogFile) -> str | None:
    """The log's file on the host: the path, or the newest match of its pattern."""
    path = _path(log.path, target)
    if not any(c in path for c in "*?["):
        return path
    found = files.expand(target, path)
    if not found:
        return None
    out = target.run("ls -1t --" + " %s" * len(found), *found)
    return str(out.stdout).splitlines()[0] if out.rc == 0 and out.stdout.strip() else None


def test_logs_written_during_run(
    log_target: Target, logging_spec: Logging, environment: Environment, evidence: Evidence
) -> None:
    """Each log the expectations name exists on the node and is being written: the moving
    ones (access, audit) grow after golive's own request to the node, the others were
    written within their idle limit.

    False when: a log is missing (logging misconfigured, written elsewhere); the app stopped
    writing it (audit disabled or pointed at a path it cannot write, a log valve removed);
    a log has not been written for longer than allowed; the node does not answer."""
    target, spec = log_target, logging_spec
    paths = {log.name: _resolve(target, log) for log in spec.logs}
    present = [p for p in paths.values() if p]
    before = log_states(target, present) if present else {}
    app = environment.expectation(App)
    url = f"http://{target.address}:{app.port}{spec.activity.path}"
    answer = fetch(
        target, url, method=spec.activity.method, json_body=spec.activity.body,
        timeout=spec.timeout_s,
    )  # fmt: skip
    if answer.status == 0:
        pytest.fail(f"{target.name}: {answer.describe()}", pytrace=False)
    moving = {log.name: path for log in spec.logs if log.moves and (path := paths[log.name])}
    after = logs_after(target, present, before, moving, spec.timeout_s) if present else {}
    evidence.text(
        f"{target.name} logs",
        "\n".join(f"{n}: {p} before={before.get(p or '')} after={after.get(p or '')}"
                  for n, p in paths.items()),
    )  # fmt: skip
    findings: list[str] = []
    now = time.time()
    for log in spec.logs:
        path = paths[log.name]
        if path is None:
            findings.append(
                f"{target.name}: the {log.name} log ({_path(log.path, target)}) does not exist"
            )
        elif log.moves:
            findings += judge_monitoring.log_moved(target.name, log.name, before[path], after[path])
        else:
            findings += judge_monitoring.log_recent(
                target.name, log.name, after[path], now, log.max_idle_h
            )
    judge(findings)


def test_logs_rotated(log_target: Target, logging_spec: Logging, evidence: Evidence) -> None:
    """Every log is rotated: the node's logrotate rules cover each ``logrotate`` log, as
    ``logrotate -d`` reads them (its output judged: it exits 0 for rules naming none of the
    logs), and Tomcat's juli handler rotates each ``tomcat`` log and bounds its age.

    False when: the logrotate rules are missing, unreadable or broken (an ``error:`` line),
    or name another file; a juli handler is not rotatable or keeps its files forever, or no
    handler writes the log."""
    target, spec = log_target, logging_spec
    findings: list[str] = []
    rotated = [_path(log.path, target) for log in spec.logs if log.rotation == "logrotate"]
    if rotated:
        config = _path(spec.logrotate_config, target)
        out = target.run(f"{spec.logrotate_command} %s 2>&1", config)
        evidence.text(f"{target.name} logrotate -d {config}", str(out.stdout))
        findings += judge_monitoring.logrotate_covers(target.name, config, str(out.stdout), rotated)
    tomcat = [_path(log.path, target) for log in spec.logs if log.rotation == "tomcat"]
    if tomcat:
        props_file = _path(spec.tomcat_logging, target)
        props = read_properties(target, props_file)
        for path in tomcat:
            findings += judge_monitoring.juli_rotates(target.name, props_file, props, path)
    judge(findings)


def test_no_secrets_in_logs(
    log_target: Target, logging_spec: Logging, environment: Environment
) -> None:
    """No value of the environment's secrets (passwords, TOTP seeds, keys) appears in the
    last ``secret_scan_bytes`` of any of the node's logs. The text is searched here and
    never recorded; a finding names the secret, not its value.

    False when: the app logs a password, a session secret or a database credential (a debug
    line, a request body, a connection URL)."""
    target, spec = log_target, logging_spec
    secrets = dict(environment.secrets)
    if not secrets:
        pytest.fail(f"{target.name}: the environment names no secrets to look for", pytrace=False)
    findings: list[str] = []
    for log in spec.logs:
        path = _resolve(target, log)
        if path is None:
            continue  # a missing log is the first check's finding
        with observe.quiet():  # the log's text is searched here, never recorded as evidence
            out = target.run("tail -c %s -- %s", str(spec.secret_scan_bytes), path)
        if out.rc != 0:
            findings.append(f"{target.name}: cannot read {path} to search it for secrets")
            continue
        findings += judge_monitoring.secrets_in(target.name, path, str(out.stdout), secrets)
    judge(findings)
