"""Sign-offs (``signoffs.yml``): the human approvals the plan requires, and their validity."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Literal

from pydantic import Field

from golive.model.config import Strict, read_yaml, validate
from golive.model.errors import ConfigError

State = Literal["valid", "missing", "expired", "malformed", "not yet valid", "other release"]


class Signoff(Strict):
    who: str = Field(min_length=1)
    when: date
    scope: str = Field(min_length=1)
    expires: date
    release: str | None = Field(None, description="when given, the release it approves")


@dataclass(frozen=True)
class SignoffStatus:
    """The state of one sign-off, required or merely recorded."""

    name: str
    required: bool
    state: State
    detail: str = ""
    signoff: Signoff | None = None

    @property
    def ok(self) -> bool:
        return self.state == "valid"

    def line(self) -> str:
        """One line for the terminal, the certificate and the blockers list."""
        if self.signoff is not None and self.ok:
            s = self.signoff
            return f"sign-off {self.name}: {s.who} on {s.when}, expires {s.expires} ({s.scope})"
        return f"sign-off {self.name}: {self.state}" + (f": {self.detail}" if self.detail else "")


def load_signoffs(path: Path) -> tuple[dict[str, Signoff], dict[str, str]]:
    """Valid sign-offs by name, and malformed ones by name with what was expected."""
    data = read_yaml(path) if path.is_file() else None
    if data is None:
        return {}, {}
    if not isinstance(data, dict):
        raise ConfigError(
            path, "(root)", "a mapping of sign-off name to {who, when, scope, expires}"
        )
    valid: dict[str, Signoff] = {}
    malformed: dict[str, str] = {}
    for name, entry in data.items():
        try:
            valid[str(name)] = validate(entry, Signoff, path)
        except ConfigError as exc:
            malformed[str(name)] = f"{path}: {name}.{exc.key}: {exc.expected}"
    return valid, malformed


def check_signoffs(
    valid: dict[str, Signoff],
    malformed: dict[str, str],
    required: list[str],
    today: date,
    release: str,
) -> list[SignoffStatus]:
    """Status of every required and every recorded sign-off, required ones first."""
    out: list[SignoffStatus] = []
    for name in [*required, *(n for n in [*valid, *malformed] if n not in required)]:
        req = name in required
        s = valid.get(name)
        if name in malformed:
            out.append(SignoffStatus(name, req, "malformed", malformed[name]))
        elif s is None:
            out.append(SignoffStatus(name, req, "missing", "no entry in signoffs.yml"))
        elif today > s.expires:
            out.append(SignoffStatus(name, req, "expired", f"{s.who}, expired {s.expires}", s))
        elif s.when > today:
            out.append(SignoffStatus(name, req, "not yet valid", f"dated {s.when}", s))
        elif s.release is not None and s.release != release:
            out.append(
                SignoffStatus(name, req, "other release", f"approves {s.release}, not {release}", s)
            )
        else:
            out.append(SignoffStatus(name, req, "valid", "", s))
    return out
