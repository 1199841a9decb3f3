"""Fault actions of host identity: two inventory names that reach one machine (issue 19), a
host whose name is not its own, a host whose service port another process took (issue 25:
each sandbox host has its own hostname and process table, golive/sandbox/hostns.py).

The inventory cannot show an alias (``golive validate`` refuses duplicate addresses): it is
in the network. See :mod:`.base` for the contract.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from golive.model.errors import SandboxError
from golive.sandbox import hostns, lifecycle
from golive.sandbox.context import Sandbox
from golive.sandbox.faults.actions import _close_ssh_master
from golive.sandbox.faults.base import FaultAction, edit_in_place
from golive.sandbox.faults.tlsfw import _RELAY
from golive.sandbox.process import run, spawn, stop, wait_port
from golive.sandbox.services import ssh


class SshAlias(FaultAction):
    """The host's SSH address leads to host ``to``'s sshd: its own sshd is stopped and a
    relay on its address's port 22 forwards to ``to``'s (a leftover port forward or NAT rule),
    and its known_hosts entry holds ``to``'s host key (someone re-accepted the "changed" key).
    Every check of the host then runs on ``to``. Healing stops the relay, writes known_hosts
    as the sandbox does and starts the host's sshd; both close the host's shared connection,
    which would otherwise keep reaching the machine it reached before."""

    kind: Literal["ssh_alias"]
    to: str

    def apply(self, sbx: Sandbox, host: str, inject: bool) -> None:
        sshd = lifecycle.service(sbx, host, "sshd")
        relay = sbx.pidfile(host, "ssh-alias")
        known = sbx.env.inventory.ssh.known_hosts or sbx.path("ssh", "known_hosts")
        address = sbx.address(host)
        if not inject:
            stop(relay)
            _close_ssh_master(sbx, host)
            ssh.ensure_keys(sbx)
            lifecycle.start(sbx, [sshd])
            return
        stop(sshd.pidfile(sbx))
        _close_ssh_master(sbx, host)
        cmd = ["python3", "-c", _RELAY, address, str(ssh.PORT), sbx.address(self.to), str(ssh.PORT)]
        spawn(cmd, relay, sbx.log(host, "ssh-alias"), cwd=Path("/tmp"))
        wait_port(address, ssh.PORT, 10, f"{host} ssh relay", relay)
        theirs = sbx.path("ssh", "hostkeys", f"{self.to}.pub").read_text().split()
        line = f"{address} {theirs[0]} {theirs[1]}\n"
        edit_in_place(
            known,
            lambda text: "".join(
                line if entry.split(" ", 1)[0] == address else entry
                for entry in text.splitlines(keepends=True)
            ),
        )


class Hostname(FaultAction):
    """The host calls itself ``name``: its kernel's hostname (in its UTS namespace) and its
    /etc/hostname (a machine rebuilt from another's image, or renamed by hand). Healing gives
    it its inventory name back, as the sandbox does."""

    kind: Literal["hostname"]
    name: str

    def apply(self, sbx: Sandbox, host: str, inject: bool) -> None:
        holder = hostns.holder(sbx, host)
        if holder is None:
            raise SandboxError(f"{host} holds no namespaces of its own: `golive sandbox up`")
        name = self.name if inject else host
        run(["nsenter", f"--target={holder}", "--uts", "hostname", name])
        edit_in_place(hostns.folder(sbx, host) / "hostname", lambda _: f"{name}\n")


class PortTaken(FaultAction):
    """The host's ``service`` is gone and another process answers on its port: the service is
    stopped and Python's http.server (as nobody) listens on its address and port, inside the
    host. Whatever only asks whether the port answers is satisfied. Healing stops the listener
    and starts the service."""

    kind: Literal["port_taken"]
    service: str

    def apply(self, sbx: Sandbox, host: str, inject: bool) -> None:
        svc = lifecycle.service(sbx, host, self.service)
        pidfile = sbx.pidfile(host, f"taken-{svc.port}")
        if not inject:
            stop(pidfile)
            lifecycle.start(sbx, [svc])
            return
        stop(svc.pidfile(sbx))
        address = sbx.address(host)
        cmd = ["python3", "-m", "http.server", "--bind", address, str(svc.port)]
        log = sbx.log(host, f"taken-{svc.port}")
        within = hostns.ensure(sbx, host)
        spawn(cmd, pidfile, log, user="nobody", cwd=Path("/tmp"), within=within)
        wait_port(address, svc.port, 10, f"{host} listener on {svc.label}'s port", pidfile)
