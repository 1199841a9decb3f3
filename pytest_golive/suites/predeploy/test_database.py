"""Pre-deployment › Database Preparation: server version, schema, migrations, least
privilege of the application role, backup schedule."""

from __future__ import annotations

import pytest
from psycopg import sql

from golive.model.environment import Environment
from golive.model.expectations.predeploy import DatabasePrep
from golive.model.versions import satisfies
from golive.probe.appconfig import read_text
from golive.probe.hosts import Target

pytestmark = pytest.mark.predeploy

COLUMNS = (
    "SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = 'public'"
)
CONSTRAINTS = (
    "SELECT cl.relname, co.conname FROM pg_constraint co JOIN pg_class cl ON cl.oid = co.conrelid"
    " JOIN pg_namespace n ON n.oid = cl.relnamespace WHERE n.nspname = 'public'"
)
INDEXES = "SELECT tablename, indexname FROM pg_indexes WHERE schemaname = 'public'"


def _where(environment: Environment) -> str:
    db = environment.inventory.database
    return f"{db.host}/{db.dbname}"


@pytest.mark.plan("pre.env.software")
def test_postgres_server_version(db, environment: Environment) -> None:
    want = environment.expectation(DatabasePrep)
    version = str(db.execute("SHOW server_version").fetchone()[0])
    assert satisfies(version, want.server_version), (
        f"{_where(environment)}: PostgreSQL {version}, expected {want.server_version}"
    )


def _by_table(rows: list[tuple[object, ...]]) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for table, name in rows:
        out.setdefault(str(table), set()).add(str(name))
    return out


@pytest.mark.plan("pre.db.schema")
def test_schema_is_present(db, environment: Environment, evidence) -> None:
    want = environment.expectation(DatabasePrep).tables
    found = {
        kind: _by_table(db.execute(query).fetchall())
        for kind, query in (
            ("columns", COLUMNS),
            ("constraints", CONSTRAINTS),
            ("indexes", INDEXES),
        )
    }
    diff = []
    for table, spec in want.items():
        if table not in found["columns"]:
            diff.append(f"table {table} is missing")
            continue
        for kind in ("columns", "constraints", "indexes"):
            absent = sorted(set(getattr(spec, kind)) - found[kind].get(table, set()))
            if absent:
                diff.append(f"table {table} lacks {kind} {', '.join(absent)}")
    evidence.json(
        "schema diff",
        {
            "missing": diff,
            "found": {k: {t: sorted(v) for t, v in d.items()} for k, d in found.items()},
        },
    )
    assert not diff, f"{_where(environment)}: " + "; ".join(diff)


@pytest.mark.plan("pre.db.migration")
def test_migrations_at_release_version(db, environment: Environment) -> None:
    spec = environment.expectation(DatabasePrep).migrations
    release = environment.inventory.release.version
    assert release in spec.by_release, (
        f"expectations.yml database_prep.migrations.by_release has no entry for release {release}"
    )
    query = sql.SQL("SELECT max({}) FROM {}").format(
        sql.Identifier(spec.column), sql.Identifier(spec.table)
    )
    applied = db.execute(query).fetchone()[0]
    assert applied == spec.by_release[release], (
        f"{_where(environment)}: schema at migration {applied}, "
        f"release {release} requires {spec.by_release[release]}"
    )


@pytest.mark.plan("pre.security.access")
def test_app_role_has_least_privilege(db, environment: Environment) -> None:
    role = environment.inventory.database.app_role
    row = db.execute(
        "SELECT rolsuper, rolcreaterole, rolcreatedb,"
        " has_schema_privilege(rolname, 'public', 'CREATE') FROM pg_roles WHERE rolname = %s",
        (role,),
    ).fetchone()
    assert row is not None, f"{_where(environment)}: application role {role} does not exist"
    labels = ("is a superuser", "may create roles", "may create databases", "has CREATE on public")
    excess = [label for label, granted in zip(labels, row, strict=True) if granted]
    assert not excess, f"{_where(environment)}: {role} " + ", ".join(excess)


@pytest.mark.plan("pre.db.backup")
@pytest.mark.roles("db")
def test_backup_is_scheduled(target: Target, environment: Environment) -> None:
    spec = environment.expectation(DatabasePrep)
    schedule = spec.backup_schedule
    path = target.var(schedule.file_var)
    active = [
        line
        for line in read_text(target, path).splitlines()
        if line.strip() and not line.lstrip().startswith("#") and schedule.command_contains in line
    ]
    assert active, (
        f"{target.name}: no active schedule entry runs {schedule.command_contains} in {path}"
    )
