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

import math
from typing import TYPE_CHECKING

from golive.model.cause import Cause
from golive.model.environment import Environment
from golive.model.facts.hardening import PgCatalog, PgSettings
from golive.probe import failures

if TYPE_CHECKING:  # psycopg is imported when a connection opens (golive.probe.pgconn)
    from psycopg import sql

    from golive.probe.pgconn import Connection


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


def connect(env: Environment, *, read_only: bool = True) -> Connection:
    """Autocommit session on the environment's database as its QA role (read-only unless
    asked). A database that does not answer raises ``ConnectionError`` naming its host."""
    db = env.inventory.database
    endpoint = f"{env.inventory.hosts[db.host].address}:{db.port}/{db.dbname}"
    if (hung := failures.hung(db.host, endpoint)) is not None:  # waited for once per run
        raise ConnectionError(f"{where(env)} did not answer {failures.again(hung).detail}")
    import psycopg

    from golive.probe.pgconn import Connection, first_line

    try:
        conn = Connection.connect(**conninfo(env), autocommit=True)  # type: ignore[arg-type]
    except psycopg.OperationalError as exc:
        reason = first_line(exc)
        if "timeout" in reason:
            within = f"within {connect_seconds(env)} s"
            failures.note(Cause(db.host, endpoint, "timeout", within))
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
    import psycopg

    from golive.probe.pgconn import first_line

    try:
        with connect(env) as conn:
            conn.execute("SELECT 1").fetchone()
    except (ConnectionError, TimeoutError) as exc:
        return str(exc)
    except psycopg.Error as exc:
        return f"{where(env)}: {first_line(exc)}"
    return None


def composed(template: str, *names: str) -> sql.Composed:
    """``template`` (SQL with ``{}`` placeholders) with ``names`` quoted as identifiers, e.g.
    ``composed("SELECT max({}) FROM {}", column, table)``: table and column names come from
    the environment's files, so they are never pasted into SQL as text."""
    from psycopg import sql

    return sql.SQL(template).format(*(sql.Identifier(name) for name in names))


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


def _column(conn: Connection, query: str, params: tuple[str, ...]) -> list[str]:
    """The first column of a query's rows, as text."""
    return [str(row[0]) for row in conn.execute(query, params).fetchall()]


def catalog(conn: Connection, app_role: str) -> PgCatalog:
    """What the catalog holds that a hardening baseline asks about, readable by any role:
    the server's version, languages, roles with administrative attributes, SECURITY DEFINER
    functions ``app_role`` may execute, roles that may read pg_authid, and table privileges
    granted to PUBLIC or WITH GRANT OPTION to anyone but the table's owner (outside the
    system schemas)."""
    languages = dict(conn.execute("SELECT lanname, lanpltrusted FROM pg_language").fetchall())
    admins = {
        str(role): " and ".join(
            word for word, on in (("SUPERUSER", s), ("CREATEROLE", r), ("CREATEDB", d)) if on
        )
        for role, s, r, d in conn.execute(
            "SELECT rolname, rolsuper, rolcreaterole, rolcreatedb FROM pg_roles "
            "WHERE rolsuper OR rolcreaterole OR rolcreatedb"
        ).fetchall()
    }
    definers = _column(
        conn,
        "SELECT n.nspname || '.' || p.proname || '(' "
        "|| pg_get_function_identity_arguments(p.oid) || ')' "
        "FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace "
        "WHERE p.prosecdef AND has_function_privilege(%s, p.oid, 'EXECUTE') ORDER BY 1",
        (app_role,),
    )
    readers = _column(
        conn,
        "SELECT rolname FROM pg_roles WHERE rolname NOT LIKE 'pg\\_%%' "
        "AND has_table_privilege(oid, 'pg_catalog.pg_authid', 'SELECT') ORDER BY 1",
        (),
    )
    grants = conn.execute(
        "SELECT a.grantee, coalesce(r.rolname, 'PUBLIC'), a.privilege_type, a.is_grantable, "
        "c.oid::regclass::text FROM pg_class c "
        "JOIN pg_namespace n ON n.oid = c.relnamespace "
        "CROSS JOIN LATERAL aclexplode(c.relacl) a "
        "LEFT JOIN pg_roles r ON r.oid = a.grantee "
        "WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') "
        "AND n.nspname NOT LIKE 'pg\\_%' AND a.grantee <> c.relowner ORDER BY 5, 2, 3"
    ).fetchall()
    row = conn.execute("SELECT current_setting('server_version')").fetchone()
    return PgCatalog(
        version=str(row[0]) if row else "",
        languages={str(k): bool(v) for k, v in languages.items()},
        admin_roles=admins,
        definer_functions=definers,
        authid_readers=readers,
        public_grants=[f"{p} on {t}" for g, _, p, _, t in grants if g == 0],
        grant_options=[f"{r}: {p} on {t}" for g, r, p, opt, t in grants if opt and g != 0],
    )
