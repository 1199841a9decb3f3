"""dnsmasq on ns1: authoritative answers for *.sandbox.test, nothing forwarded."""

from __future__ import annotations

from pathlib import Path

from golive.sandbox.context import Sandbox
from golive.sandbox.render import copy
from golive.sandbox.services import Service

PORT = 53


def hosts_file(sbx: Sandbox, host: str) -> str:
    return str(sbx.path(host, "hosts"))


def prepare(sbx: Sandbox, host: str) -> None:
    sbx.path(host).mkdir(parents=True, exist_ok=True)
    copy(sbx.stack / "dns" / "hosts", Path(hosts_file(sbx, host)))


def command(sbx: Sandbox, host: str) -> list[str]:
    return [
        "dnsmasq",
        "--keep-in-foreground",
        "--conf-file=/dev/null",
        "--no-resolv",
        "--no-hosts",
        "--bind-interfaces",
        f"--listen-address={sbx.address(host)}",
        "--except-interface=none",
        f"--addn-hosts={hosts_file(sbx, host)}",
        "--local=/sandbox.test/",
        "--domain-needed",
        "--bogus-priv",
        "--user=nobody",
        "--pid-file=",
        "--log-facility=-",
    ]


def services(sbx: Sandbox) -> list[Service]:
    return [
        Service(host, "dnsmasq", PORT, prepare, command) for host in sbx.env.hosts_with_role("dns")
    ]
