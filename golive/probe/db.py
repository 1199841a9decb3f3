"""golive's own connection to the environment's database, as its QA role, with deadlines.

Every connection has a connect timeout (``database.connect_timeout``), and every query two
deadlines:

- the server's ``statement_timeout`` (``database.statement_timeout``): a slow query ends
  with PostgreSQL's own error;
- golive's, a little later (the connect timeout more): a server that stopped answering
  (a stopped or hung postmaster or backend never sends that error) is cut off by shutting
  the connection's socket, and the query fails with ``TimeoutError`` naming the database
  host and the query.

So no SQL golive runs can hang a run, and a database that does not answer is named as such
(``db1: PostgreSQL at ... did not answer ...``), not only through what the application on
other hosts makes of it.
"""

from __future__ import annotations

import contextlib
import math
import os
import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import psycopg
import psycopg.errors

from golive.judge.hardening import PgSettings
from golive.model.environment import Environment
from golive.probe import failures, observe


def conninfo(env: Environment) -> dict[str, str | int]:
    """libpq parameters of the QA connection (secrets resolved), with its timeouts."""
    db = env.inventory.database
    params: dict[str, str | int] = {
        "host": str(env.inventory.hosts[db.host].address),
        "port": db.port,
        "dbname": db.dbname,
        "user": db.user,
        "password": env.secret(db.password),
        "sslmode": db.sslmode,
        "connect_timeout": connect_seconds(env),
        "options": f"-c statement_timeout={round(db.statement_timeout * 1000)}",
        "application_name": "golive",
    }
    if db.ca_bundle:
        params["sslrootcert"] = str(db.ca_bundle)
    return params


def connect_seconds(env: Environment) -> int:
    """The connect timeout as libpq takes it: whole seconds, at least 2."""
    return max(2, math.ceil(env.inventory.database.connect_timeout))


def where(env: Environment) -> str:
    """The database as findings name it: ``db1: PostgreSQL at 127.10.0.21:5432/trading``."""
    db = env.inventory.database
    address = env.inventory.hosts[db.host].address
    return f"{db.host}: PostgreSQL at {address}:{db.port}/{db.dbname}"


def _text(query: Any, conn: psycopg.Connection[Any], limit: int = 80) -> str:
    """The query as one short line, for a finding."""
    as_string = getattr(query, "as_string", None)
    try:
        text = as_string(conn) if as_string is not None else str(query)
    except Exception:  # a composed query that cannot render without its connection
        text = str(query)
    line = " ".join(str(text).split())
    return line if len(line) <= limit else line[: limit - 3] + "..."


class Connection(psycopg.Connection[tuple[Any, ...]]):
    """A psycopg connection whose every ``execute`` has golive's deadline."""

    host: str = ""
    label: str = ""
    statement_timeout: float = 30.0
    limit: float = 30.0
    lost: str | None = None

    @contextlib.contextmanager
    def _deadline(self, query: Any) -> Iterator[None]:
        if self.lost is not None:
            raise ConnectionError(f"{self.host}: the database connection was lost: {self.lost}")
        fired = threading.Event()

        def cut() -> None:
            fired.set()
            with contextlib.suppress(OSError):
                dup = os.dup(self.pgconn.socket)
                with socket.socket(fileno=dup) as sock:
                    sock.shutdown(socket.SHUT_RDWR)  # wakes the waiting query with an EOF

        timer = threading.Timer(self.limit, cut)
        timer.daemon = True
        timer.start()
        try:
            yield
        except psycopg.errors.QueryCanceled:
            raise TimeoutError(
                f"{self.host}: `{_text(query, self)}` timed out after "
                f"{self.statement_timeout:g} s (the server's statement_timeout)"
            ) from None
        except psycopg.OperationalError as exc:
            if fired.is_set():
                self.lost = f"`{_text(query, self)}` timed out after {self.limit:g} s"
                raise TimeoutError(f"{self.host}: {self.lost} (no answer)") from None
            raise ConnectionError(f"{self.label}: {_first_line(exc)}") from None
        finally:
            timer.cancel()

    def execute(self, query: Any, params: Any = None, **kwargs: Any) -> Any:
        started = time.monotonic()
        try:
            with self._deadline(query):
                cursor = super().execute(query, params, **kwargs)
        except BaseException as exc:
            observe.sql_failed(
                self.label, _text(query, self, 2000), exc, time.monotonic() - started
            )
            raise
        # the query and its first rows are the check's evidence
        observe.sql(
            self.label, _text(query, self, 2000), params, cursor, time.monotonic() - started
        )
        return cursor


def _first_line(exc: BaseException) -> str:
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    return lines[0] if lines else type(exc).__name__


def connect(env: Environment, *, read_only: bool = True) -> Connection:
    """Autocommit session on the environment's database as its QA role (read-only unless
    asked). A database that does not answer raises ``ConnectionError`` naming its host."""
    db = env.inventory.database
    endpoint = f"{env.inventory.hosts[db.host].address}:{db.port}/{db.dbname}"
    if (hung := failures.hung(db.host, endpoint)) is not None:  # waited for once per run
        raise ConnectionError(f"{where(env)} did not answer {failures.again(hung).detail}")
    try:
        conn = Connection.connect(**conninfo(env), autocommit=True)  # type: ignore[arg-type]
    except psycopg.OperationalError as exc:
        reason = _first_line(exc)
        if "timeout" in reason:
            within = f"within {connect_seconds(env)} s"
            failures.note(failures.Cause(db.host, endpoint, "timeout", within))
            raise ConnectionError(
                f"{where(env)} did not answer {within} (connecting as {db.user}: {reason})"
            ) from None
        raise ConnectionError(f"{where(env)}: no connection as {db.user}: {reason}") from None
    conn.host, conn.label = db.host, where(env)
    conn.statement_timeout = db.statement_timeout
    conn.limit = db.statement_timeout + connect_seconds(env)
    if read_only:
        conn.execute("SET default_transaction_read_only = on")
    return conn


def answers(env: Environment) -> str | None:
    """None when a new connection to the database is accepted and answers ``SELECT 1``
    within the timeouts; else why not, naming the database host."""
    try:
        with connect(env) as conn:
            conn.execute("SELECT 1").fetchone()
    except (ConnectionError, TimeoutError) as exc:
        return str(exc)
    except psycopg.Error as exc:
        return f"{where(env)}: {_first_line(exc)}"
    return None


def _setconfig(entries: list[str] | None) -> dict[str, str]:
    """``pg_db_role_setting.setconfig`` ("name=value" entries) as a mapping."""
    pairs = (e.partition("=") for e in entries or [])
    return {name.strip().lower(): value for name, _, value in pairs}


def settings_for_app(conn: Connection, names: list[str], role: str, database: str) -> PgSettings:
    """The settings ``names`` as they decide the application's sessions: the server's value
    (pg_settings in golive's session, with its source) and what ``ALTER ROLE`` / ``ALTER
    DATABASE ... SET`` store for ``role`` and ``database`` (pg_db_role_setting)."""
    server = {
        name: (setting, source)
        for name, setting, source in conn.execute(
            "SELECT name, current_setting(name), source FROM pg_settings WHERE name = ANY(%s)",
            (names,),
        ).fetchall()
    }
    scoped: dict[tuple[bool, bool], dict[str, str]] = {}
    rows = conn.execute(
        "SELECT s.setrole <> 0, s.setdatabase <> 0, s.setconfig FROM pg_db_role_setting s "
        "LEFT JOIN pg_roles r ON r.oid = s.setrole "
        "LEFT JOIN pg_database d ON d.oid = s.setdatabase "
        "WHERE (s.setrole = 0 OR r.rolname = %s) AND (s.setdatabase = 0 OR d.datname = %s)",
        (role, database),
    ).fetchall()
    for by_role, by_database, entries in rows:
        scoped[(by_role, by_database)] = _setconfig(entries)
    return PgSettings(
        role=role,
        database=database,
        server=server,
        role_in_database=scoped.get((True, True), {}),
        role_only=scoped.get((True, False), {}),
        database_only=scoped.get((False, True), {}),
    )
