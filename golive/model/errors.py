"""Errors that golive reports to the user as one clear line, never a traceback."""

from __future__ import annotations

from pathlib import Path


class GoliveError(Exception):
    """Base class for errors shown to the user without a traceback."""

    exit_code = 4


class ConfigError(GoliveError):
    """A configuration file is missing, malformed or does not match its schema."""

    def __init__(self, file: Path | str, key: str, expected: str) -> None:
        self.file = str(file)
        self.key = key
        self.expected = expected
        super().__init__(f"{self.file}: {key}: {expected}")


class UsageError(GoliveError):
    """The command line asked for something that cannot be done."""


class SandboxError(GoliveError):
    """The sandbox could not be brought to the requested state."""

    exit_code = 3


class CheckFailed(AssertionError):
    """A check's finding, raised from library code: one sentence naming the host and the cause
    ("app1: cannot read /etc/app.properties: ..."). The gate shows its message as it is,
    without the exception's type name, so a blocker never reads "AssertionError: ..."."""


class HostUnreachable(GoliveError):
    """A host of the environment could not be reached; its checks have no evidence."""

    def __init__(self, host: str, reason: str) -> None:
        self.host = host
        self.reason = reason
        super().__init__(f"host {host} unreachable: {reason}")
