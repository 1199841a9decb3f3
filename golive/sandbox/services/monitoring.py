"""Prometheus, Alertmanager and the alert receiver on mon1; a node exporter and the logrotate
rules of the app's logs on every app host."""

from __future__ import annotations

import shutil
from pathlib import Path

from golive.sandbox.context import Sandbox
from golive.sandbox.process import http_answers
from golive.sandbox.render import chown_tree, copy, render
from golive.sandbox.services import Service

PROMETHEUS_PORT = 9090
ALERTMANAGER_PORT = 9093
RECEIVER_PORT = 9095
EXPORTER_PORT = 9100
USER = "prometheus"
PYTHON = "/usr/bin/python3"  # the system's: the receiver runs as USER, outside golive's venv


def prepare_node(sbx: Sandbox, host: str) -> None:
    """The app host's logrotate rules for the app's own logs (the exporter needs nothing)."""
    render(
        sbx.stack / "logrotate" / "trading.conf",
        sbx.var(host, "logrotate_conf"),
        host=host,
        # logrotate runs on the host: the logs as the host sees them
        access_log=sbx.host_var(host, "catalina_base") / "logs" / "access.log",
        audit_log=sbx.host_var(host, "audit_log"),
    )


def prepare_prometheus(sbx: Sandbox, host: str) -> None:
    config = sbx.var(host, "prometheus_config")
    rules = config.with_name("rules.yml")
    (config.parent / "data").mkdir(parents=True, exist_ok=True)
    render(
        sbx.stack / "prometheus" / "prometheus.yml",
        config,
        rules=rules,
        alertmanager=f"{sbx.address(host)}:{ALERTMANAGER_PORT}",
    )
    for name in ("rules.yml", "rules_test.yml"):
        copy(sbx.stack / "prometheus" / name, config.with_name(name))
    chown_tree(config.parent / "data", USER)


def prepare_alertmanager(sbx: Sandbox, host: str) -> None:
    config = sbx.var(host, "alertmanager_config")
    (config.parent / "alertmanager").mkdir(parents=True, exist_ok=True)
    render(
        sbx.stack / "prometheus" / "alertmanager.yml",
        config,
        address=sbx.address(host),
        receiver_port=RECEIVER_PORT,
    )
    chown_tree(config.parent / "alertmanager", USER)


def alertmanager(sbx: Sandbox, host: str) -> list[str]:
    config = sbx.var(host, "alertmanager_config")
    return [
        "prometheus-alertmanager",
        f"--config.file={config}",
        f"--storage.path={config.parent / 'alertmanager'}",
        f"--web.listen-address={sbx.address(host)}:{ALERTMANAGER_PORT}",
        "--cluster.listen-address=",  # one instance: no gossip port
    ]


def prepare_receiver(sbx: Sandbox, host: str) -> None:
    script = receiver_script(sbx, host)
    script.parent.mkdir(parents=True, exist_ok=True)
    copy(sbx.stack / "prometheus" / "webhook_receiver.py", script)
    script.chmod(0o644)
    log = script.with_name("received.jsonl")
    log.touch()
    shutil.chown(log, USER, USER)


def receiver_script(sbx: Sandbox, host: str) -> Path:
    return sbx.var(host, "alertmanager_config").parent / "receiver" / "webhook_receiver.py"


def receiver(sbx: Sandbox, host: str) -> list[str]:
    script = receiver_script(sbx, host)
    log = script.with_name("received.jsonl")
    return [PYTHON, "-I", str(script), sbx.address(host), str(RECEIVER_PORT), str(log)]


def prometheus(sbx: Sandbox, host: str) -> list[str]:
    config = sbx.var(host, "prometheus_config")
    return [
        "prometheus",
        f"--config.file={config}",
        f"--storage.tsdb.path={config.parent / 'data'}",
        f"--web.listen-address={sbx.address(host)}:{PROMETHEUS_PORT}",
        "--storage.tsdb.retention.time=2d",
        "--web.enable-lifecycle",
    ]


def exporter(sbx: Sandbox, host: str) -> list[str]:
    return [
        "prometheus-node-exporter",
        f"--web.listen-address={sbx.address(host)}:{EXPORTER_PORT}",
        "--collector.disable-defaults",
        "--collector.cpu",
        "--collector.meminfo",
        "--collector.filesystem",
        "--collector.loadavg",
        "--collector.time",
        "--collector.uname",
    ]


def services(sbx: Sandbox) -> list[Service]:
    out = [
        Service(
            host,
            "node-exporter",
            EXPORTER_PORT,
            prepare_node,
            exporter,
            user=USER,
            answers=http_answers("/metrics"),
        )
        for host in sbx.env.hosts_with_role("app")
    ]
    out += [
        Service(
            host,
            "prometheus",
            PROMETHEUS_PORT,
            prepare_prometheus,
            prometheus,
            user=USER,
            answers=http_answers("/-/healthy"),
        )
        for host in sbx.env.hosts_with_role("monitoring")
    ]
    for host in sbx.env.hosts_with_role("monitoring"):
        out += [
            Service(
                host,
                "alert-receiver",
                RECEIVER_PORT,
                prepare_receiver,
                receiver,
                user=USER,
                answers=http_answers("/-/healthy"),
            ),
            Service(
                host,
                "alertmanager",
                ALERTMANAGER_PORT,
                prepare_alertmanager,
                alertmanager,
                user=USER,
                answers=http_answers("/-/healthy"),
            ),
        ]
    return out
