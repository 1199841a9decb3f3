"""Prometheus on mon1 and a node exporter on every app host."""

from __future__ import annotations

import shutil

from golive.sandbox.context import Sandbox
from golive.sandbox.process import http_answers
from golive.sandbox.render import chown_tree, render
from golive.sandbox.services import Service

PROMETHEUS_PORT = 9090
EXPORTER_PORT = 9100
USER = "prometheus"


def nothing(sbx: Sandbox, host: str) -> None:
    """The node exporter needs no preparation."""


def prepare_prometheus(sbx: Sandbox, host: str) -> None:
    config = sbx.var(host, "prometheus_config")
    rules = config.with_name("rules.yml")
    (config.parent / "data").mkdir(parents=True, exist_ok=True)
    render(sbx.stack / "prometheus" / "prometheus.yml", config, rules=rules)
    shutil.copyfile(sbx.stack / "prometheus" / "rules.yml", rules)
    chown_tree(config.parent / "data", USER)


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
            nothing,
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
    return out
