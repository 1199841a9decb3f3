"""The one reader of ``sha256sum`` output (a registry's ``SHA256SUMS``, a host's answer to
``sha256sum -- FILE...``), as GNU coreutils writes it: ``<64 hex digits> <' ' or '*'><name>``
per line (text or binary mode), a name holding a backslash or a newline escaped (the line
then starts with ``\\``), and the BSD tag form ``SHA256 (<name>) = <digest>`` (``--tag``).
Anything else on a line (an error of sha256sum, a comment) is no entry."""

from __future__ import annotations

import re

_GNU = re.compile(r"(?P<escaped>\\?)(?P<digest>[0-9a-fA-F]{64}) [ *](?P<name>.+)")
_TAG = re.compile(r"(?P<escaped>\\?)SHA256 \((?P<name>.+)\) = (?P<digest>[0-9a-fA-F]{64})")


def _unescape(name: str) -> str:
    """A name as sha256sum escapes it (``\\\\`` and ``\\n``, and ``\\r`` in newer coreutils)."""
    return re.sub(r"\\(.)", lambda m: {"n": "\n", "r": "\r"}.get(m[1], m[1]), name)


def parse_sha256sums(text: str) -> dict[str, str]:
    """File name -> lowercase sha256 of every well-formed line (the last one of a name wins,
    as ``sha256sum --check`` would check each)."""
    found: dict[str, str] = {}
    for line in text.split("\n"):
        line = line.removesuffix("\r")
        match = _GNU.fullmatch(line) or _TAG.fullmatch(line)
        if match is None:
            continue
        name = _unescape(match["name"]) if match["escaped"] else match["name"]
        found[name] = match["digest"].lower()
    return found
