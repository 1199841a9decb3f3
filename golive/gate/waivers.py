"""Waivers (``waivers.yml``): accepted failures with a justification, an approver and an expiry.

Each entry is validated on its own: a malformed entry is reported and never applied, and it
does not discard the others. Patterns are node ids in which only ``*`` (any text) and ``?``
(one character) are wildcards, so ``[app2]`` in a parametrized id matches literally.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from pydantic import Field

from golive.model.config import Strict, read_yaml, validate
from golive.model.errors import ConfigError


class Waiver(Strict):
    check: str = Field(min_length=1)
    justification: str = Field(min_length=1)
    approver: str = Field(min_length=1)
    ticket: str = Field(min_length=1)
    expires: date

    def matches(self, check_id: str) -> bool:
        """Whether this waiver's pattern matches the node id ``check_id``."""
        return _compile(self.check).fullmatch(check_id) is not None

    def expired(self, today: date) -> bool:
        """A waiver is valid through its expiry date."""
        return today > self.expires


@dataclass(frozen=True)
class MalformedWaiver:
    """A waiver entry that failed validation: where, and what was expected."""

    file: str
    index: int
    key: str
    expected: str

    def __str__(self) -> str:
        return f"{self.file}: [{self.index}].{self.key}: {self.expected}"


@dataclass(frozen=True)
class WaiverFile:
    """The valid and the malformed entries of one waivers file."""

    valid: tuple[tuple[int, Waiver], ...] = ()
    malformed: tuple[MalformedWaiver, ...] = ()


def _compile(pattern: str) -> re.Pattern[str]:
    parts = (".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.compile("".join(parts), re.DOTALL)


def load_waivers(path: Path) -> WaiverFile:
    """Load ``path`` (a missing file means no waivers); a non-list document is a ConfigError."""
    if not path.is_file():
        return WaiverFile()
    data = read_yaml(path)
    if data is None:
        return WaiverFile()
    if not isinstance(data, list):
        raise ConfigError(
            path, "(root)", "a list of waivers (check, justification, approver, ticket, expires)"
        )
    valid: list[tuple[int, Waiver]] = []
    malformed: list[MalformedWaiver] = []
    for index, entry in enumerate(data):
        if not isinstance(entry, dict):
            malformed.append(MalformedWaiver(str(path), index, "(entry)", "a mapping"))
            continue
        try:
            valid.append((index, validate(entry, Waiver, path)))
        except ConfigError as exc:
            malformed.append(MalformedWaiver(str(path), index, exc.key, exc.expected))
    return WaiverFile(tuple(valid), tuple(malformed))
