"""Read an app host's ``application.properties`` and take its JDBC URL apart."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from golive.probe.hosts import Target


def parse_properties(text: str) -> dict[str, str]:
    """``key=value`` lines of a Java properties file (comments and blanks skipped)."""
    props = {}
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line[0] in "#!":
            continue
        key, sep, value = line.partition("=")
        if sep:
            props[key.strip()] = value.strip()
    return props


def read_properties(target: Target, path: str, reader: str) -> dict[str, str]:
    """The host's properties file, read with ``reader`` (e.g. ``sudo -n -u trading cat``)."""
    out = target.run(reader + " %s", path)
    if out.rc != 0:
        raise AssertionError(
            f"{target.name}: cannot read {path} with `{reader}`: {out.stderr.strip()[:200]}"
        )
    return parse_properties(out.stdout)


@dataclass(frozen=True)
class JdbcTarget:
    """Where a ``jdbc:postgresql://host:port/db`` URL points."""

    host: str
    port: int
    dbname: str

    def __str__(self) -> str:
        return f"{self.host}:{self.port}/{self.dbname}"


def jdbc_target(url: str) -> JdbcTarget:
    parts = urlsplit(url.removeprefix("jdbc:"))
    return JdbcTarget(parts.hostname or "", parts.port or 5432, parts.path.lstrip("/"))
