"""The sandbox's layout on disk, derived from its inventory."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from golive.model.environment import Environment, Host, load_environment
from golive.model.errors import SandboxError
from golive.model.resources import resource

STACK = resource("golive.sandbox.stack")
"""The files that stand the sandbox up (the repository's ``environments/sandbox/stack/``,
shipped as package data)."""


@dataclass(frozen=True)
class Sandbox:
    """A sandbox environment and where its parts live."""

    env: Environment

    @classmethod
    def load(cls, name: str = "sandbox") -> Sandbox:
        env = load_environment(name, secrets=False)
        if env.inventory.sandbox is None:
            raise SandboxError(f"environment {name} is not a sandbox (no `sandbox:` key)")
        if not env.inventory.probe.netns:
            raise SandboxError(f"sandbox {name} names no network namespace (`probe.netns`)")
        return cls(env)

    @property
    def dir(self) -> Path:
        sandbox = self.env.inventory.sandbox
        if sandbox is None:  # checked at load
            raise SandboxError(f"environment {self.env.name} is not a sandbox (no `sandbox:` key)")
        return sandbox.dir

    @property
    def netns(self) -> str:
        netns = self.env.inventory.probe.netns
        if not netns:  # checked at load
            raise SandboxError(
                f"sandbox {self.env.name} names no network namespace (`probe.netns`)"
            )
        return netns

    @property
    def stack(self) -> Path:
        return STACK

    def host(self, name: str) -> Host:
        return self.env.inventory.hosts[name]

    def address(self, name: str) -> str:
        return str(self.host(name).address)

    def var(self, host: str, key: str) -> Path:
        return Path(self.host(host).vars[key])

    def path(self, *parts: str) -> Path:
        return self.dir.joinpath(*parts)

    def pidfile(self, host: str, service: str) -> Path:
        return self.path("run", f"{host}-{service}.pid")

    def log(self, host: str, service: str) -> Path:
        return self.path("logs", f"{host}-{service}.log")
