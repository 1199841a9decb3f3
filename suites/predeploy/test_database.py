"""Pre-deployment › Database Preparation: server version, schema, migrations, least
privilege of the application role, backup schedule."""

from __future__ import annotations

import pytest

from golive.judge.predeploy import ROLE_ATTRIBUTES, app_role_findings
from golive.model.environment import Environment
from golive.model.expectations.predeploy import DatabasePrep
from golive.model.versions import satisfies
from golive.probe.appconfig import read_text
from golive.probe.db import composed
from golive.probe.hosts import Target
from pytest_golive.fixtures.findings import judge

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
    """Claim: the database server runs a PostgreSQL version within the declared constraint.

    Covers: the version the server itself reports (``SHOW server_version``) over golive's own
    connection to the environment's database, not the client's or a package's version.

    Does not cover: other servers of a cluster (replicas); extensions' versions.
    """
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
    """Claim: the database holds every declared table with its columns, constraints and indexes.

    Covers: every table of ``database_prep.tables`` in the public schema, read from the catalog
    (information_schema columns, pg_constraint, pg_indexes): a missing or renamed table, a
    missing column, constraint or index fails, each named with its table.

    Does not cover: column types and constraint definitions (names only); objects outside the
    public schema; extra objects.
    """
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
    """Claim: the schema is at the migration the release under certification requires.

    Covers: the highest migration recorded in the migrations table
    (``database_prep.migrations``) against the one declared for the release: behind (a migration
    not run) or ahead (a later release's migration) fails; a release with no declared migration
    is a configuration finding.

    Does not cover: whether each recorded migration really ran in full (the schema check judges
    the result).
    """
    spec = environment.expectation(DatabasePrep).migrations
    release = environment.inventory.release.version
    assert release in spec.by_release, (
        f"expectations.yml database_prep.migrations.by_release has no entry for release {release}"
    )
    query = composed("SELECT max({}) FROM {}", spec.column, spec.table)
    applied = db.execute(query).fetchone()[0]
    assert applied == spec.by_release[release], (
        f"{_where(environment)}: schema at migration {applied}, "
        f"release {release} requires {spec.by_release[release]}"
    )


ROLES = (
    "SELECT g.rolname, g.rolsuper, g.rolcreaterole, g.rolcreatedb, g.rolreplication,"
    " g.rolbypassrls FROM pg_roles g WHERE pg_has_role(%(role)s, g.oid, 'MEMBER')"
)
CREATE_IN = (
    "SELECT 'database' WHERE has_database_privilege(%(role)s, current_database(), 'CREATE')"
    " UNION ALL SELECT n.nspname FROM pg_namespace n"
    " WHERE has_schema_privilege(%(role)s, n.oid, 'CREATE')"
    " AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_%%'"
)
RELATIONS = (
    "SELECT format('%%I.%%I', n.nspname, c.relname), pg_get_userbyid(c.relowner) = %(role)s,"
    " ARRAY(SELECT p FROM unnest(ARRAY['SELECT', 'INSERT', 'UPDATE', 'DELETE', 'TRUNCATE',"
    " 'REFERENCES', 'TRIGGER']) p WHERE has_table_privilege(%(role)s, c.oid, p))"
    " FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
    " WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f')"
    " AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_%%'"
)


@pytest.mark.plan("pre.security.access")
def test_app_role_has_least_privilege(db, environment: Environment, evidence) -> None:
    """Claim: the application's database role holds no more than the application needs.

    Covers: the role (``database.app_role``) and every role it is a member of, directly or
    through others: superuser, CREATEROLE, CREATEDB, REPLICATION, BYPASSRLS; membership in a
    predefined role reaching the server's files or all data
    (``database_prep.app_role.forbidden_memberships``); CREATE on the database or on any
    schema (not only public); ownership of any relation (an owner may alter, drop and grant
    it whatever is granted); effective privileges on every relation of the database (also
    through PUBLIC and memberships) beyond ``database_prep.app_role.table_privileges``.

    Does not cover: other databases of the cluster; function and sequence privileges;
    column-level grants.
    """
    role = environment.inventory.database.app_role
    policy = environment.expectation(DatabasePrep).app_role
    args = {"role": role}
    exists = db.execute("SELECT 1 FROM pg_roles WHERE rolname = %(role)s", args).fetchone()
    assert exists is not None, f"{_where(environment)}: application role {role} does not exist"
    attributes = {
        str(r[0]): dict(zip(ROLE_ATTRIBUTES, r[1:], strict=True))
        for r in db.execute(ROLES, args).fetchall()
    }
    create_in = [str(r[0]) for r in db.execute(CREATE_IN, args).fetchall()]
    relations = db.execute(RELATIONS, args).fetchall()
    owned = [str(r[0]) for r in relations if r[1]]
    privileges = {str(r[0]): set(r[2]) for r in relations if r[2]}
    evidence.json(
        f"privileges of {role}",
        {
            "roles": attributes,
            "create_in": create_in,
            "owns": owned,
            "privileges": {k: sorted(v) for k, v in privileges.items()},
        },
    )
    judge(
        app_role_findings(
            _where(environment),
            role,
            attributes,
            create_in,
            owned,
            privileges,
            set(policy.table_privileges),
            set(policy.forbidden_memberships),
        )
    )


@pytest.mark.plan("pre.db.backup")
@pytest.mark.roles("db")
def test_backup_is_scheduled(target: Target, environment: Environment) -> None:
    """Claim: every database host has an active schedule entry running the backup.

    Covers: each host of the db role, its schedule file (``database_prep.backup_schedule.file_var``,
    read on the host): an entry running the backup command must be there and not commented out;
    a missing or unreadable file fails.

    Does not cover: whether the scheduler runs the file or the backup succeeds (the backup
    suite's freshness and verification checks).
    """
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
