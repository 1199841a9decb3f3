"""Logging: each node of the logging roles writes its access, application and audit logs,
they are rotated and kept as long as the plan requires, logs holding personal data are kept
from others, and no secret value is in them.

Plan: Deployment Process › Monitoring and Logging Setup › Logging Configuration. That the
log directories are not writable by others is the hardening check's claim
(suites/security/test_hardening.py, test_log_directories_not_writable_by_others), not
repeated here.
"""

from __future__ import annotations

import time

import pytest

from golive.judge import monitoring as judge_monitoring
from golive.judge.monitoring import FileMode
from golive.model.environment import Environment
from golive.model.expectations.monitoring import LogFile, Logging
from golive.model.expectations.smoke import App
from golive.model.facts.monitoring import LogState
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
    """Claim: every log the plan needs is being written on every node: the moving ones
    (access, audit) grow after golive's own request to the node, the others were written
    within their idle limit.

    Covers: a log missing (logging misconfigured, written elsewhere); the app no longer
    writing it (audit disabled or pointed at a path it cannot write, a log valve removed); a
    log not written for longer than allowed; the node not answering.

    Does not cover: what each line holds (a log that grows with empty lines passes)."""
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

    def moved(after: dict[str, LogState | None]) -> bool:
        return not any(
            judge_monitoring.log_moved(target.name, name, before[path], after[path])
            for name, path in moving.items()
        )

    after = logs_after(target, present, moved, list(moving), spec.timeout_s) if present else {}
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
    """Claim: every log is rotated and kept as long as the plan requires
    (``retention_days``): the node's logrotate rules cover each ``logrotate`` log as
    ``logrotate -d`` reads them (its output judged: it exits 0 for rules naming none of the
    logs) and keep rotations x period >= the retention; Tomcat's juli handler rotates each
    ``tomcat`` log and keeps maxDays >= the retention.

    Covers: the logrotate rules missing, unreadable or broken (an ``error:`` line), or naming
    another file; too few rotations or too short a period (``rotate 3`` of a daily log that
    must be kept 14 days); a rule rotating by size only (no time kept is guaranteed); a juli
    handler not rotatable, keeping its files forever or fewer days than required, or no
    handler writing the log.

    Does not cover: whether logrotate actually runs (its timer or cron job), and rotations by
    ``maxsize`` more often than the period when logrotate runs more often than daily."""
    target, spec = log_target, logging_spec
    findings: list[str] = []
    rotated = [_path(log.path, target) for log in spec.logs if log.rotation == "logrotate"]
    if rotated:
        config = _path(spec.logrotate_config, target)
        out = target.run(f"{spec.logrotate_command} %s 2>&1", config)
        evidence.text(f"{target.name} logrotate -d {config}", str(out.stdout))
        findings += judge_monitoring.logrotate_covers(target.name, config, str(out.stdout), rotated)
        kept = {
            _path(log.path, target): log.retention_days
            for log in spec.logs
            if log.rotation == "logrotate"
        }
        findings += judge_monitoring.logrotate_keeps(target.name, config, str(out.stdout), kept)
    tomcat = [log for log in spec.logs if log.rotation == "tomcat"]
    if tomcat:
        props_file = _path(spec.tomcat_logging, target)
        props = read_properties(target, props_file)
        for log in tomcat:
            findings += judge_monitoring.juli_rotates(
                target.name, props_file, props, _path(log.path, target), log.retention_days
            )
    judge(findings)


def _modes(target: Target, paths: list[str]) -> list[FileMode]:
    """Mode, owner and kind of each existing path, one remote command."""
    out = target.run(
        "stat -c '%%f|%%U|%%F|%%n' --" + " %s" * len(paths) + " 2>/dev/null; true", *paths
    )
    seen = []
    for line in str(out.stdout).splitlines():
        raw, owner, kind, path = line.split("|", 3)
        seen.append(FileMode(path, int(raw, 16), owner, kind == "directory"))
    return seen


def test_personal_data_logs_private(
    log_target: Target, logging_spec: Logging, evidence: Evidence
) -> None:
    """Claim: a log the plan says holds personal data (``personal_data: true``) is readable
    only by its owner and group, now and after rotation.

    Covers: the log readable by others (mode), owned by another user than declared
    (``owner``); a rotated file (``<log>.*``, compressed or not) readable by others or owned
    by another user; the log's directory writable by others (a rotated file could be swapped
    for a link); the log missing (a finding of test_logs_written_during_run) is skipped here.

    Does not cover: who is in the group (group read is the operators'); copies shipped
    elsewhere (a log collector's own storage)."""
    target, spec = log_target, logging_spec
    findings: list[str] = []
    private = [log for log in spec.logs if log.personal_data]
    for log in private:
        current = _resolve(target, log)
        if current is None:
            continue  # a missing log is the first check's finding
        directory = current.rsplit("/", 1)[0] or "/"
        rotated = files.expand(target, f"{current}.*")
        seen = _modes(target, [current, *rotated, directory])
        evidence.text(
            f"{target.name} {log.name} log modes",
            "\n".join(f"{f.mode & 0o7777:04o} {f.owner} {f.path}" for f in seen),
        )
        if not any(f.path == current for f in seen):
            findings.append(f"{target.name}: cannot read the mode of {current}")
        findings += judge_monitoring.private_log(target.name, log.name, seen, log.owner)
    judge(findings)


def test_no_secrets_in_logs(
    log_target: Target, logging_spec: Logging, environment: Environment
) -> None:
    """Claim: no secret of the environment (passwords, TOTP seeds, keys) is in the node's
    logs: no value appears in the last ``secret_scan_bytes`` of any of them. The text is
    searched here and never recorded; a finding names the secret, not its value.

    Covers: the app logging a password, a session secret or a database credential (a debug
    line, a request body, a connection URL); a log that cannot be read.

    Does not cover: older text than the scanned tail and rotated files; a secret encoded
    (base64, URL-encoded) rather than as it is."""
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
