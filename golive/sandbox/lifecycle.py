"""Bring the sandbox up, take it down, and report its status."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
from dataclasses import dataclass
from pathlib import Path

from golive.model.errors import SandboxError
from golive.probe import netns
from golive.sandbox import backup, credentials, network, pki, releases, sudo_access
from golive.sandbox.context import Sandbox
from golive.sandbox.process import port_open, read_pid, run, spawn, stop, wait_port
from golive.sandbox.services import Service, app, db, dns, lb, monitoring, ssh

SYSTEM_USERS = {"trading": "/usr/sbin/nologin", "golive": "/bin/sh"}
HOME = "/var/lib/golive/home"


def services(sbx: Sandbox) -> list[Service]:
    """Every sandbox service, in start order."""
    return [
        *dns.services(sbx),
        *db.services(sbx),
        *app.services(sbx),
        *lb.services(sbx),
        *monitoring.services(sbx),
        *ssh.services(sbx),
    ]


def _ensure_users() -> None:
    for name, shell in SYSTEM_USERS.items():
        if run(["id", "-u", name], check=False).returncode != 0:
            run(
                [
                    "useradd",
                    "--system",
                    "--user-group",
                    "--no-create-home",
                    "--home-dir",
                    f"{HOME}/{name}",
                    "--shell",
                    shell,
                    name,
                ]
            )
    home = Path(HOME, "golive")
    home.mkdir(parents=True, exist_ok=True)
    shutil.chown(home, "golive", "golive")
    run(["usermod", "-d", str(home), "-p", "*", "-a", "-G", "trading", "golive"])


def provision(sbx: Sandbox) -> None:
    """Everything that exists before any service starts: users, PKI, secrets, keys, releases."""
    _ensure_users()
    for sub in ("run", "logs", "pki"):
        sbx.path(sub).mkdir(parents=True, exist_ok=True)
    sbx.dir.chmod(0o755)
    sbx.path("pki").chmod(0o755)
    pki.ensure_ca(sbx.path("pki"))
    credentials.ensure(sbx.env.inventory.secrets_file or sbx.path("secrets", "credentials.yml"))
    ssh.ensure_keys(sbx)
    releases.build(sbx)
    sudo_access.install(sbx, ssh.user(sbx))


def up(sbx: Sandbox) -> None:
    """Start whatever is not running; a second call changes nothing."""
    provision(sbx)
    network.create(sbx)
    netns.enter(sbx.netns)
    start(sbx, services(sbx))
    for host in sbx.env.hosts_with_role("db"):
        backup.install(sbx, host)


def start(sbx: Sandbox, wanted: list[Service]) -> None:
    """Start the services among ``wanted`` that are not running, wait until they listen, and
    run every one's (idempotent) post-start step."""
    started = []
    for svc in wanted:
        if read_pid(svc.pidfile(sbx)) is None:
            svc.prepare(sbx, svc.host)
            spawn(
                svc.command(sbx, svc.host),
                svc.pidfile(sbx),
                svc.log(sbx),
                user=svc.user,
                env=svc.env,
            )
            started.append(svc)
    for svc in started:
        wait_port(sbx.address(svc.host), svc.port, svc.start_timeout, svc.label, svc.pidfile(sbx))
    for svc in wanted:
        if svc.after_start:
            svc.after_start(sbx, svc.host)


def service(sbx: Sandbox, host: str, name: str) -> Service:
    """One service by host and name."""
    for svc in services(sbx):
        if (svc.host, svc.name) == (host, name):
            return svc
    raise KeyError(f"{host}/{name}")


def enter(sbx: Sandbox) -> None:
    """Move this process into the sandbox's namespace; the sandbox must be up."""
    if not network.exists(sbx):
        raise SandboxError("the sandbox is down: run `golive sandbox up` first")
    netns.enter(sbx.netns)


def restart(sbx: Sandbox, svc: Service) -> None:
    enter(sbx)
    stop(svc.pidfile(sbx))
    start(sbx, [svc])


def _ancestry() -> set[int]:
    """This process and its ancestors, which may live in the namespace and must survive."""
    pids, pid = set(), os.getpid()
    while pid > 1:
        pids.add(pid)
        stat = Path(f"/proc/{pid}/stat").read_text()
        pid = int(stat.rsplit(")", 1)[1].split()[1])
    return pids


def down(sbx: Sandbox) -> None:
    """Stop every service by pid, end any other process left in the namespace (ssh control
    masters), and delete it."""
    for svc in reversed(services(sbx)):
        stop(svc.pidfile(sbx))
    spare = _ancestry()
    for pid in network.pids(sbx):
        if pid not in spare:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
    network.delete(sbx)
    sudo_access.remove(sbx)


@dataclass(frozen=True)
class ServiceStatus:
    label: str
    endpoint: str
    running: bool
    listening: bool

    @property
    def up(self) -> bool:
        return self.running and self.listening


def status(sbx: Sandbox) -> list[ServiceStatus]:
    """Each service: is its process alive, does its port answer."""
    present = network.exists(sbx)
    if present:
        netns.enter(sbx.netns)
    out = []
    for svc in services(sbx):
        address = sbx.address(svc.host)
        out.append(
            ServiceStatus(
                svc.label,
                f"{address}:{svc.port}",
                read_pid(svc.pidfile(sbx)) is not None,
                present and port_open(address, svc.port),
            )
        )
    return out
