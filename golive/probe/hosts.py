"""Reach the environment's hosts through Testinfra, probing each host once per run."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

import testinfra

from golive.model.environment import Environment, Host
from golive.model.errors import HostUnreachable


@dataclass(frozen=True)
class Target:
    """One host of the environment and its Testinfra handle."""

    name: str
    spec: Host
    remote: Any  # testinfra.host.Host

    @property
    def address(self) -> str:
        return str(self.spec.address)

    def var(self, key: str) -> str:
        """A host variable from the inventory (paths that differ per host)."""
        return self.spec.vars[key]

    def run(self, command: str, *args: str) -> Any:
        return self.remote.run(command, *args)


def _ssh_options(env: Environment) -> dict[str, Any]:
    ssh = env.inventory.ssh
    extra = [
        "-o BatchMode=yes",
        "-o ServerAliveInterval=5",
        "-o ServerAliveCountMax=2",
        f"-o ConnectTimeout={max(1, round(ssh.connect_timeout))}",
    ]
    if ssh.known_hosts:
        extra += [f"-o UserKnownHostsFile={ssh.known_hosts}", "-o StrictHostKeyChecking=yes"]
    options: dict[str, Any] = {
        "ssh_extra_args": " ".join(extra),
        "controlpersist": ssh.control_persist,
    }
    if ssh.identity_file:
        options["ssh_identity_file"] = str(ssh.identity_file)
    if env.inventory.sandbox is not None:
        options["controlpath"] = str(
            env.inventory.sandbox.dir / "ssh" / "cm" / "%%C"
        )  # testinfra %-formats the command
    return options


class HostPool:
    """Testinfra handles for the environment's hosts; one reachability probe per host."""

    def __init__(self, env: Environment) -> None:
        self.env = env
        self._options = _ssh_options(env)
        self._targets: dict[str, Target | HostUnreachable] = {}
        self._lock = threading.Lock()

    def _connect(self, name: str) -> Target | HostUnreachable:
        spec = self.env.inventory.hosts[name]
        options = self._options if spec.connection.startswith(("ssh", "paramiko")) else {}
        remote = testinfra.get_host(spec.connection, **options)
        try:
            probe = remote.run("true")
        except RuntimeError as exc:
            out = getattr(exc.args[0], "stderr", "") if exc.args else ""
            reason = (
                (out or str(exc)).strip().splitlines()[-1]
                if (out or str(exc)).strip()
                else "ssh failed"
            )
            return HostUnreachable(name, f"{spec.connection}: {reason}")
        if probe.rc != 0:
            return HostUnreachable(name, f"{spec.connection}: probe command exited {probe.rc}")
        return Target(name, spec, remote)

    def get(self, name: str) -> Target:
        """The host's Target, or HostUnreachable raised with the cached reason."""
        with self._lock:
            if name not in self._targets:
                self._targets[name] = self._connect(name)
            found = self._targets[name]
        if isinstance(found, HostUnreachable):
            raise found
        return found

    def unreachable(self) -> dict[str, str]:
        """Hosts found unreachable so far, with the reason."""
        return {n: t.reason for n, t in self._targets.items() if isinstance(t, HostUnreachable)}
