"""Rollback Plan › Rollback Steps: everything a rollback needs is in place before the go-live.

Non-destructive and safe on production: it reads files, checksums and permissions, and runs
nothing but the deploy user's permission query. The rehearsal (test_rehearsal.py) runs the
runbook for real where the environment allows drills.
"""

from __future__ import annotations

import pytest

from golive.judge import rollback as judge_rollback
from golive.model.environment import Environment
from golive.model.expectations.predeploy import DatabasePrep, Deployment
from golive.model.expectations.rollback import Rollback
from golive.probe import registry
from golive.probe.hosts import HostPool, Target
from pytest_golive.fixtures.findings import judge
from pytest_golive.fixtures.rollback import kept_config_path, matching, read_config

pytestmark = pytest.mark.rollback


def _previous(environment: Environment) -> str:
    previous = environment.inventory.release.previous
    assert previous, (
        f"{environment.path / 'inventory.yml'}: release.previous (the release a rollback "
        "returns to) is not declared"
    )
    return previous


@pytest.mark.plan("rollback.steps.previous")
@pytest.mark.roles("app")
def test_previous_release_artifact_matches_registry(
    target: Target, environment: Environment, evidence
) -> None:
    """Claim: every app node holds the previous release's artifact, byte for byte the one the
    release registry lists.

    Covers: the inventory naming no previous release; the artifact missing on a node (deleted,
    never deployed, a dangling link); an artifact whose sha256 differs from the registry's
    SHA256SUMS entry (a rebuilt or patched file with the same version); a registry that does
    not list the previous release, or cannot be read.
    """
    previous = _previous(environment)
    spec = environment.expectation(Deployment)
    entry = spec.registry_entry.format(version=previous)
    expected = registry.checksum(environment, previous)
    path = f"{target.var(spec.releases_var).rstrip('/')}/{spec.artifact.format(version=previous)}"
    file = target.remote.file(path)
    actual = file.sha256sum if file.is_file else None
    evidence.json(
        f"previous release artifact {target.name}",
        {"artifact": path, "node": actual, "registry": {entry: expected}},
    )
    judge(judge_rollback.previous_artifact(target.name, previous, path, actual, expected, entry))


@pytest.mark.plan("rollback.steps.config")
@pytest.mark.roles("app")
def test_previous_config_kept_and_differs_only_in_declared_keys(
    target: Target, environment: Environment, rollback_spec: Rollback
) -> None:
    """Claim: every app node keeps the previous release's configuration beside it, and it
    differs from the configuration the node runs with only in the keys the release notes
    declare (``rollback.config.declared_keys``).

    Covers: the kept configuration missing or unreadable; a key added, removed or changed in
    either file that the release notes do not declare (a setting changed by hand during the
    deploy, which a rollback would silently undo or keep). Values are never shown.
    """
    previous = _previous(environment)
    deployment = environment.expectation(Deployment)
    kept_path = kept_config_path(target, rollback_spec, deployment, previous)
    current_path = target.var(deployment.config_var)
    current = read_config(target, current_path, deployment.config_reader)
    assert current is not None, (
        f"{target.name}: the running configuration {current_path} is missing"
    )
    kept = read_config(target, kept_path, deployment.config_reader)
    judge(
        judge_rollback.kept_config(
            target.name, kept_path, kept, current, rollback_spec.config.declared_keys
        )
    )


@pytest.mark.plan("rollback.steps.database")
def test_database_can_be_taken_back(
    environment: Environment, rollback_spec: Rollback, host_pool: HostPool, db
) -> None:
    """Claim: the database can be taken back to the previous release's state by the method the
    runbook uses: every migration the release brings has its down-migration, or a restore
    point taken just before the deploy's first migration exists.

    Covers (down-migrations): each migration above the previous release's schema version up to
    the candidate's (``database_prep.migrations.by_release``) present on the database host with
    exactly one down-migration; a release table that does not name both releases. Covers
    (restore point): the dump missing, taken after the migration (not the state before the
    deploy), or taken longer than ``max_age_h`` before it; a migration not recorded as applied.
    """
    spec = rollback_spec.database
    release = environment.inventory.release
    by_release = environment.expectation(DatabasePrep).migrations.by_release
    migrations = judge_rollback.release_migrations(
        by_release, _previous(environment), release.version
    )
    target = host_pool.get(spec.host)
    if spec.method == "down_migrations":
        down = spec.down_migrations
        assert down is not None, "rollback.database.down_migrations is not declared"
        directory = target.var(down.dir_var)
        ups = {n: matching(target, directory, down.up, n) for n in migrations}
        downs = {n: matching(target, directory, down.down, n) for n in migrations}
        judge(judge_rollback.down_migrations(target.name, directory, migrations, ups, downs))
        return
    point = spec.restore_point
    assert point is not None, "rollback.database.restore_point is not declared"
    path = point.path.format(version=release.version)
    file = target.remote.file(path)
    taken_at = file.mtime.astimezone() if file.is_file else None
    table = environment.expectation(DatabasePrep).migrations
    row = db.execute(
        f"SELECT min({point.applied_at_column}) FROM {table.table} WHERE {table.column} = ANY(%s)",
        (migrations,),
    ).fetchone()
    migrated_at = row[0] if row else None
    judge(judge_rollback.restore_point(target.name, path, taken_at, migrated_at, point.max_age_h))


@pytest.mark.plan("rollback.steps.previous", "rollback.steps.database", "rollback.steps.config")
def test_runbook_is_executable_by_deploy_user(
    runbook_host: Target, rollback_spec: Rollback, environment: Environment
) -> None:
    """Claim: the rollback runbook exists on its host and the deploy user may run it.

    Covers: the runbook missing or not a file; not executable by the deploy user (its mode);
    where the runbook runs with privileges, the permission query (``sudo -n -l PATH``) not
    granting it to the deploy user. Does not cover what the runbook does (the rehearsal).
    """
    spec = rollback_spec.runbook
    path = spec.path
    file = runbook_host.remote.file(path)
    is_file = bool(file.is_file)
    executable = is_file and runbook_host.run("test -x %s", path).rc == 0
    output = ""
    if spec.permission is not None and executable:
        answer = runbook_host.run(spec.permission.replace("{path}", "%s"), path)
        output = f"{answer.stdout}\n{answer.stderr}"
    judge(
        judge_rollback.runbook(
            runbook_host.name,
            path,
            environment.inventory.ssh.user or "the deploy user",
            is_file,
            executable,
            spec.permission,
            output,
        )
    )


@pytest.mark.plan("rollback.steps.validation")
def test_rollback_slo_is_declared(rollback_spec: Rollback, environment: Environment) -> None:
    """Claim: the rollback SLO (how long a rollback may take) is declared, so a rehearsal can
    be judged against it.

    Covers: ``rollback.slo_s`` absent.
    """
    judge(
        judge_rollback.slo_declared(rollback_spec.slo_s, str(environment.path / "expectations.yml"))
    )
