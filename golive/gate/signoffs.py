"""Sign-offs (``signoffs.yml``): the human approvals the plan requires, and their validity.

A malformed entry is a configuration error (validated before the first check); a well-formed
one that is expired, future-dated or for another release is not valid, and a required one in
that state makes the run NO-GO."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Literal

from pydantic import Field

from golive.model.config import Expiring, first, problems, read_yaml
from golive.model.errors import ConfigError

State = Literal["valid", "missing", "expired", "not yet valid", "other release"]


class Signoff(Expiring):
    who: str = Field(min_length=1)
    when: date
    scope: str = Field(min_length=1)
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


def read_signoffs(path: Path) -> tuple[dict[str, Signoff], list[ConfigError]]:
    """The valid sign-offs of ``path`` by name (a missing file means none), and every problem
    of the others."""
    data = read_yaml(path) if path.is_file() else None
    if data is None:
        return {}, []
    if not isinstance(data, dict):
        what = "a mapping of sign-off name to {who, when, scope, expires}"
        return {}, [ConfigError(path, "(root)", what)]
    valid: dict[str, Signoff] = {}
    found: list[ConfigError] = []
    for name, entry in data.items():
        signoff, errors = problems(entry, Signoff, path, str(name))
        found += errors
        if signoff is not None:
            valid[str(name)] = signoff
    return valid, found


def load_signoffs(path: Path) -> dict[str, Signoff]:
    """The sign-offs of ``path`` by name; a malformed entry is a ConfigError."""
    valid, found = read_signoffs(path)
    if found:
        raise first(found)
    return valid


def check_signoffs(
    valid: dict[str, Signoff], required: list[str], today: date, release: str
) -> list[SignoffStatus]:
    """Status of every required and every recorded sign-off, required ones first."""
    out: list[SignoffStatus] = []
    for name in [*required, *(n for n in valid if n not in required)]:
        req = name in required
        s = valid.get(name)
        if s is None:
            out.append(SignoffStatus(name, req, "missing", "no entry in signoffs.yml"))
        elif s.expired(today):
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
