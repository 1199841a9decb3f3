"""Fault actions of host identity (issue 19): two inventory names that reach one machine.

The inventory cannot show it (``golive validate`` refuses duplicate addresses): the alias is
in the network. See :mod:`.base` for the contract.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from golive.sandbox import lifecycle
from golive.sandbox.context import Sandbox
from golive.sandbox.faults.actions import _close_ssh_master
from golive.sandbox.faults.base import FaultAction, edit_in_place
from golive.sandbox.faults.tlsfw import _RELAY
from golive.sandbox.process import spawn, stop, wait_port
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
