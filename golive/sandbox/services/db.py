"""PostgreSQL 15 on db1: TLS, scram-sha-256, host-based access from the app hosts only."""

from __future__ import annotations

import shutil
from pathlib import Path

from golive.sandbox import credentials, pgbackrest, pki, restore_points
from golive.sandbox.context import Sandbox
from golive.sandbox.process import postgres_answers, run
from golive.sandbox.render import chown_tree, copy, render
from golive.sandbox.services import Service

PG_BIN = Path("/usr/lib/postgresql/15/bin")
PORT = 5432
USER = "postgres"


def socket_dir(sbx: Sandbox, host: str) -> Path:
    return sbx.path(host, "run")


def prepare(sbx: Sandbox, host: str) -> None:
    pgdata = sbx.var(host, "pgdata")
    stack = sbx.stack / "db"
    if not (pgdata / "PG_VERSION").exists():
        pgdata.mkdir(parents=True, exist_ok=True)
        shutil.chown(pgdata, USER, USER)
        pgdata.chmod(0o700)
        run(
            [
                str(PG_BIN / "initdb"),
                "-D",
                str(pgdata),
                "-U",
                USER,
                "--auth-local=peer",
                "--auth-host=scram-sha-256",
                "--encoding=UTF8",
                "--locale=C.UTF-8",
            ],
            user=USER,
        )
        with (pgdata / "postgresql.conf").open("a") as conf:
            conf.write("include = 'golive.conf'\n")
        # initdb's own pg_hba.conf is not a configuration anyone chose: the sandbox's is
        # written in its place (up keeps an existing file it has no record of writing)
        (pgdata / "pg_hba.conf").unlink()
    tls = sbx.path(host, "tls")
    tls.mkdir(parents=True, exist_ok=True)
    cert, key = sbx.path("pki", f"{host}.crt"), sbx.path("pki", f"{host}.key")
    if not cert.exists():
        pki.issue(sbx.path("pki"), host, [f"{host}.sandbox.test", sbx.address(host)])
    copy(cert, tls / "server.crt")
    copy(key, tls / "server.key", mode=0o600)
    (tls / "server.key").chmod(0o600)
    chown_tree(tls, USER)
    sock = socket_dir(sbx, host)
    sock.mkdir(parents=True, exist_ok=True)
    shutil.chown(sock, USER, USER)
    render(
        stack / "golive.conf",
        pgdata / "golive.conf",
        owner=USER,
        address=sbx.address(host),
        port=PORT,
        socket_dir=sock,
        cert=tls / "server.crt",
        key=tls / "server.key",
        archive_command=pgbackrest.archive_command(sbx, host),
    )
    pgbackrest.write_config(sbx, host, pgdata, sock, PORT)
    copy(stack / "pg_hba.conf", pgdata / "pg_hba.conf", mode=0o600)
    shutil.chown(pgdata / "pg_hba.conf", USER, USER)


def psql(sbx: Sandbox, host: str, sql: str, db: str = "postgres") -> str:
    """Run SQL on the host's cluster as the postgres superuser over the local socket."""
    proc = run(
        [
            str(PG_BIN / "psql"),
            "-h",
            str(socket_dir(sbx, host)),
            "-p",
            str(PORT),
            "-d",
            db,
            "-X",
            "-q",
            "-A",
            "-t",
            "-v",
            "ON_ERROR_STOP=1",
        ],
        user=USER,
        input=sql,
    )
    return proc.stdout.strip()


def migrations(sbx: Sandbox) -> list[tuple[int, Path]]:
    """The schema migrations of the stack, in order: (number, file)."""
    found = [
        (int(p.name[1:].split("__")[0]), p)
        for p in (sbx.stack / "db" / "migrations").glob("V*__*.sql")
    ]
    return sorted(found)


# the highest migration applied to the trading database (0 before the first), in the session
# that ran roles.sql (psql's \gset and \if: no second psql for a table that may not exist)
SCHEMA_VERSION = """
\\c trading
SELECT to_regclass('schema_migrations') IS NOT NULL AS migrated \\gset
\\if :migrated
SELECT coalesce(max(version), 0) FROM schema_migrations;
\\else
SELECT 0;
\\endif
"""


def provision(sbx: Sandbox, host: str) -> None:
    """Roles, database, migrations, grants and the application's test accounts.

    Every `sandbox up` runs it (idempotent), also when all runs already: two psql sessions
    besides the migrations due (one psql costs 20-40 ms on a loaded machine; the warm `up`
    has 2 s, issue 25)."""
    stack = sbx.stack / "db"
    secrets = credentials.ensure(
        sbx.env.inventory.secrets_file or sbx.path("secrets", "credentials.yml")
    )
    applied = int(
        psql(
            sbx,
            host,
            f"\\set app_password '{secrets['db_app_password']}'\n"
            f"\\set qa_password '{secrets['db_qa_password']}'\n"
            + (stack / "roles.sql").read_text()
            + SCHEMA_VERSION,
        )
    )
    for number, migration in migrations(sbx):
        if number > applied:
            dump = restore_points.restore_point_due(sbx, host, number)
            if dump is not None:  # the deploy's restore point, just before its migration
                run([str(PG_BIN / "pg_dump"), "-h", str(socket_dir(sbx, host)), "-p", str(PORT),
                     "-Fc", "-f", str(dump), "trading"], user=USER)  # fmt: skip
            psql(sbx, host, migration.read_text(), "trading")
    accounts = []
    for account in sbx.env.inventory.accounts.values():
        pw_hash = credentials.password_hash(secrets[account.password])
        seed = secrets[account.totp] if account.totp else ""
        accounts.append(
            "INSERT INTO users (username, password_hash, totp_secret, role) "
            f"VALUES ('{account.username}', '{pw_hash}', '{seed}', '{account.role}') "
            "ON CONFLICT (username) DO UPDATE SET password_hash = EXCLUDED.password_hash, "
            "totp_secret = EXCLUDED.totp_secret, role = EXCLUDED.role, locked_until = NULL;\n"
        )
    psql(sbx, host, (stack / "grants.sql").read_text() + "\n" + "".join(accounts), "trading")


def command(sbx: Sandbox, host: str) -> list[str]:
    return [str(PG_BIN / "postgres"), "-D", str(sbx.var(host, "pgdata"))]


def services(sbx: Sandbox) -> list[Service]:
    return [
        Service(
            host,
            "postgres",
            PORT,
            prepare,
            command,
            user=USER,
            after_start=provision,
            answers=postgres_answers,
        )
        for host in sbx.env.hosts_with_role("db")
    ]
