"""Waivers (``waivers.yml``): accepted failures with a justification, an approver and an expiry.

Every entry is validated before the first check runs: a malformed entry (a missing key, a bad
date, a wrong type) is a configuration error naming the file and the key, never silently
dropped. An expired, well-formed waiver is never applied, and the verdict lists it. Patterns
are node ids in which only ``*`` (any text) and ``?`` (one character) are wildcards, so
``[app2]`` in a parametrized id matches literally.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from pydantic import Field

from golive.model.config import Expiring, first, problems, read_yaml
from golive.model.errors import ConfigError


class Waiver(Expiring):
    check: str = Field(min_length=1)
    justification: str = Field(min_length=1)
    approver: str = Field(min_length=1)
    ticket: str = Field(min_length=1)

    def matches(self, check_id: str) -> bool:
        """Whether this waiver's pattern matches the node id ``check_id``."""
        return _compile(self.check).fullmatch(check_id) is not None


@dataclass(frozen=True)
class WaiverFile:
    """The entries of one waivers file, each with its index in the file."""

    valid: tuple[tuple[int, Waiver], ...] = ()


def _compile(pattern: str) -> re.Pattern[str]:
    parts = (".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.compile("".join(parts), re.DOTALL)


def read_waivers(path: Path) -> tuple[WaiverFile, list[ConfigError]]:
    """The valid entries of ``path`` (a missing file means no waivers) and every problem."""
    if not path.is_file():
        return WaiverFile(), []
    data = read_yaml(path)
    if data is None:
        return WaiverFile(), []
    if not isinstance(data, list):
        what = "a list of waivers (check, justification, approver, ticket, expires)"
        return WaiverFile(), [ConfigError(path, "(root)", what)]
    valid: list[tuple[int, Waiver]] = []
    found: list[ConfigError] = []
    for index, entry in enumerate(data):
        if not isinstance(entry, dict):
            found.append(ConfigError(path, f"[{index}]", "a mapping (check, ..., expires)"))
            continue
        waiver, errors = problems(entry, Waiver, path, f"[{index}]")
        found += errors
        if waiver is not None:
            valid.append((index, waiver))
    return WaiverFile(tuple(valid)), found


def load_waivers(path: Path) -> WaiverFile:
    """Load ``path``; a malformed entry is a ConfigError (the first, saying how many more)."""
    waivers, found = read_waivers(path)
    if found:
        raise first(found)
    return waivers
