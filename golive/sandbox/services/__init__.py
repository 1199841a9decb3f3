"""Sandbox services. Each module exposes ``SERVICES``: the services it runs, per host."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from golive.sandbox.context import Sandbox
from golive.sandbox.process import Answers


@dataclass(frozen=True)
class Service:
    """One daemon of one sandbox host, supervised by pid file.

    ``prepare``, ``command`` and ``after_start`` are called with the sandbox and the host name;
    ``answers`` with its address, port and a timeout.
    """

    host: str
    name: str
    port: int
    prepare: Callable[[Sandbox, str], None]
    command: Callable[[Sandbox, str], list[str]]
    user: str | None = None
    env: dict[str, str] = field(default_factory=dict)
    start_timeout: float = 30.0
    after_start: Callable[[Sandbox, str], None] | None = None
    # how it shows it answers in its own protocol (None: accepting a TCP connection while its
    # process is not stopped is all it can show)
    answers: Answers | None = None

    def pidfile(self, sbx: Sandbox) -> Path:
        return sbx.pidfile(self.host, self.name)

    def log(self, sbx: Sandbox) -> Path:
        return sbx.log(self.host, self.name)

    @property
    def label(self) -> str:
        return f"{self.host}/{self.name}"
