"""sshd on every sandbox host: key authentication for the dedicated check user."""

from __future__ import annotations

from pathlib import Path

from golive.sandbox import clock
from golive.sandbox.context import Sandbox
from golive.sandbox.process import run
from golive.sandbox.render import render, write
from golive.sandbox.services import Service

PORT = 22
HOST_CONFIG = Path(
    "/etc/ssh/sshd_config"
)  # where each host sees its own (golive/sandbox/hostns.py)


def user(sbx: Sandbox) -> str:
    return sbx.env.inventory.ssh.user or "golive"


def client_key(sbx: Sandbox) -> Path:
    return sbx.env.inventory.ssh.identity_file or sbx.path("ssh", "id_ed25519")


def ensure_keys(sbx: Sandbox) -> None:
    """The check user's client key, every host's host key, authorized_keys and known_hosts."""
    ssh = sbx.path("ssh")
    (ssh / "hostkeys").mkdir(parents=True, exist_ok=True)
    (ssh / "cm").mkdir(mode=0o700, exist_ok=True)
    key = client_key(sbx)
    if not key.exists():
        run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "golive-sandbox", "-f", str(key)])
    known = []
    for host in sbx.env.inventory.hosts:
        hostkey = ssh / "hostkeys" / host
        if not hostkey.exists():
            run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", host, "-f", str(hostkey)])
        pub = hostkey.with_suffix(".pub").read_text().split()
        known.append(f"{sbx.address(host)} {pub[0]} {pub[1]}\n")
    write(sbx.env.inventory.ssh.known_hosts or ssh / "known_hosts", "".join(known))
    write(ssh / "authorized_keys" / user(sbx), key.with_suffix(".pub").read_text())


def prepare(sbx: Sandbox, host: str) -> None:
    Path("/run/sshd").mkdir(mode=0o755, exist_ok=True)
    render(
        sbx.stack / "sshd_config",
        config(sbx, host),
        mode=0o644,  # as /etc/ssh/sshd_config: anyone may read it (the hardening suite does)
        host=host,
        address=sbx.address(host),
        hostkey=sbx.path("ssh", "hostkeys", host),
        authorized_keys=sbx.path("ssh", "authorized_keys"),
        user=user(sbx),
        clock=clock.sshd_setenv(sbx, host),
    )


def command(sbx: Sandbox, host: str) -> list[str]:
    return ["/usr/sbin/sshd", "-D", "-e", "-f", str(config(sbx, host))]


def config(sbx: Sandbox, host: str) -> Path:
    """The host's sshd_config as the controller finds it (the host sees it at HOST_CONFIG)."""
    return sbx.local(host, HOST_CONFIG)


def services(sbx: Sandbox) -> list[Service]:
    return [Service(host, "sshd", PORT, prepare, command) for host in sbx.env.inventory.hosts]
