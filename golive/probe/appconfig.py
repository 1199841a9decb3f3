"""Read configuration files off a host; take ``application.properties`` (as Java's
``Properties.load`` reads it, :mod:`golive.model.properties`) and its JDBC URL apart."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import parse_qsl, urlsplit

from golive.model.errors import CheckFailed
from golive.model.properties import PropertiesError, loads
from golive.probe.hosts import Target


def read_text(target: Target, path: str, reader: str | None = None) -> str:
    """A text file of the host: through Testinfra's ``file`` module, or, where the environment
    names a ``reader``, with that command.

    The reader exists for files only another user may read (``sudo -n -u tomcat cat``):
    Testinfra's ``sudo`` wraps the command in ``sudo -u USER /bin/sh -c ...``, which a sudoers
    rule granting only ``cat FILE`` refuses, and it never passes ``-n``, so it would wait for
    a password instead of failing.
    """
    if reader is None:
        file = target.remote.file(path)
        if not file.is_file:
            raise CheckFailed(f"{target.name}: {path} does not exist (or is not visible)")
        try:
            text: str = file.content_string
        except (RuntimeError, AssertionError) as exc:  # Testinfra: cat failed
            raise CheckFailed(f"{target.name}: cannot read {path} ({exc})"[:300]) from None
        return text
    out = target.run(reader + " %s", path)
    if out.rc != 0:
        raise CheckFailed(
            f"{target.name}: cannot read {path} with `{reader}`: {out.stderr.strip()[:200]}"
        )
    return str(out.stdout)


def read_properties(target: Target, path: str, reader: str | None = None) -> dict[str, str]:
    """The host's properties file (see :func:`read_text`), as keys and values, exactly as the
    application's Java reads it; a file Java would refuse is a finding naming host and file."""
    try:
        return loads(read_text(target, path, reader))
    except PropertiesError as exc:
        raise CheckFailed(f"{target.name}: {path} is not a valid properties file: {exc}") from None


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


def jdbc_params(url: str) -> dict[str, str]:
    """The connection parameters of a JDBC URL's query (the last one of a name wins)."""
    return dict(parse_qsl(urlsplit(url.removeprefix("jdbc:")).query, keep_blank_values=True))
