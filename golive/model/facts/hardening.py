"""Facts of configuration hardening (docs/architecture.md#layers): a file's mode and owner,
what decides a PostgreSQL setting, what PostgreSQL's catalog says. Filled by the probes
(:mod:`golive.probe.files`, :mod:`golive.probe.db`), judged by :mod:`golive.judge.hardening`."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field


@dataclass(frozen=True)
class FileFacts:
    """A file's mode (with the setuid/setgid/sticky bits), owner, group and kind."""

    path: str
    mode: int
    user: str
    group: str
    is_dir: bool


# Where a session's value of a setting can come from that applies to golive's own session only
# (its role, a client option, a SET): golive's value is then not the server's.
SESSION_SOURCES = frozenset({"user", "database user", "client", "session", "interactive"})


@dataclass(frozen=True)
class PgSettings:
    """What decides a PostgreSQL setting for the application's sessions: the server's value
    (as golive's session reads it, with pg_settings' source) and the values ``ALTER ROLE`` /
    ``ALTER DATABASE ... SET`` store for the application's role and database
    (``pg_db_role_setting``), by scope."""

    role: str
    database: str
    server: Mapping[str, tuple[str, str]]  # name -> (value, source) in golive's session
    role_in_database: Mapping[str, str] = field(default_factory=dict)
    role_only: Mapping[str, str] = field(default_factory=dict)
    database_only: Mapping[str, str] = field(default_factory=dict)

    def effective(self, name: str) -> tuple[str, str] | None:
        """The value the application's sessions start with and what set it (PostgreSQL's
        precedence: role in database > role > database > server); None: golive's own session
        has a value of its own (its role's), so the server's is not known."""
        scopes = (
            (self.role_in_database, f"ALTER ROLE {self.role} IN DATABASE {self.database} SET"),
            (self.role_only, f"ALTER ROLE {self.role} SET"),
            (self.database_only, f"ALTER DATABASE {self.database} SET"),
        )
        for values, origin in scopes:
            if name in values:
                return values[name], origin
        if name not in self.server:
            return None
        value, source = self.server[name]
        return None if source in SESSION_SOURCES else (value, "the server's setting")


@dataclass(frozen=True)
class PgCatalog:
    """What PostgreSQL's catalog says, read by golive's QA role."""

    languages: Mapping[str, bool]  # name -> trusted
    admin_roles: Mapping[str, str]  # role -> its administrative attributes ("SUPERUSER ...")
    definer_functions: Sequence[str]  # schema.name(args) the application's role may execute
    authid_readers: Sequence[str]  # roles that may read pg_authid
    public_grants: Sequence[str]  # "SELECT on schema.table"
    grant_options: Sequence[str]  # "role: SELECT on schema.table"
    version: str = ""  # server_version, as the server reports it ("15.10 (Debian ...)")
