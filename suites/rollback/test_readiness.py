"""Rollback Plan › Rollback Steps: everything a rollback needs is in place before the go-live.

Non-destructive and safe on production: it reads files, checksums and permissions, and runs
nothing but the deploy user's permission query. The rehearsal (test_rehearsal.py) runs the
runbook for real where the environment allows drills.
"""

from __future__ import annotations

import contextlib
import dataclasses
import shlex
from typing import Any

import pytest

from golive.judge import rollback as judge_rollback
from golive.model.environment import Environment
from golive.model.errors import CheckFailed
from golive.model.expectations.backup import Backup
from golive.model.expectations.predeploy import DatabasePrep, Deployment
from golive.model.expectations.rollback import Rollback
from golive.probe import registry
from golive.probe.hosts import HostPool, Target
from pytest_golive.fixtures.findings import judge
from pytest_golive.fixtures.rollback import (
    kept_config_path,
    matching,
    read_config,
    run_down_migrations,
)
from pytest_golive.plugins.safety import TERMINATION

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

    Does not cover: whether that artifact starts (the rehearsal, where drills are allowed).
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
    """Claim: every app node keeps the previous release's configuration beside it, complete
    (every key the running configuration has, except those the release notes declare new:
    ``rollback.config.added_keys``), and differing from the running one only in the keys the
    release notes declare changed or removed (``rollback.config.declared_keys``) or new.

    Covers: the kept configuration missing, unreadable, or not a properties file Java loads
    (read with golive.model.properties, as the application reads it); a key the running
    configuration requires missing from the kept one (also one declared changed, not new:
    the previous release would start without it); a key added, removed or changed in either
    file that the release notes do not declare (a setting changed by hand during the deploy,
    which a rollback would silently undo or keep). Values are never shown.

    Does not cover: whether the previous release accepts its values (only running it shows:
    the rehearsal); configuration outside this file (environment, JVM options).
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
            target.name,
            kept_path,
            kept,
            current,
            rollback_spec.config.declared_keys,
            rollback_spec.config.added_keys,
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

    Does not cover: whether the down-migrations or the restore point's schema run cleanly
    (test_database_rollback_runs_on_a_scratch_copy).
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


@pytest.mark.plan("rollback.steps.database")
def test_database_rollback_runs_on_a_scratch_copy(
    environment: Environment,
    rollback_spec: Rollback,
    host_pool: HostPool,
    evidence,
    request: pytest.FixtureRequest,
) -> None:
    """Claim: the runbook's database step would succeed today: every down-migration of the
    release, run in the runbook's order (newest first) against a scratch copy of the live
    schema, runs without a single error and takes the recorded schema version below its own;
    where the runbook restores the pre-deploy restore point instead, that dump's schema
    restores without an error. Nothing of the live database changes.

    Covers: a down-migration that errors (a missing column or table, a syntax error, a
    dependency it does not drop), that hangs past ``scratch_timeout_s``, or that leaves the
    schema version record in place (the runbook stops there); the order (a down-migration
    that only works after a later one's); a restore point that is not a readable archive or
    whose schema does not restore. The scratch database (a name no concurrent run shares) is
    dropped also on failure or interruption; a failure to make, load or drop it is a finding.
    A SIGKILL leaves it and its dumps: before making its own, the check removes golive's
    scratch copies older than a run keeps one (their name says when they were made; a
    younger one may be a concurrent run's and is only named), saying which in the evidence.

    Does not cover: what the down-migrations do to rows (the copy is schema-only: the
    rehearsal's ``rollback.data`` check covers kept rows); the restore point's data (the
    backup suite's restore checks cover dumps' data); a missing or duplicated down-migration
    (test_database_can_be_taken_back).
    """
    spec = rollback_spec.database
    backup = environment.expectation(Backup)
    prep = environment.expectation(DatabasePrep).migrations
    target = host_pool.get(spec.host)
    termination = request.config.stash.get(TERMINATION, None)
    shield = termination.shielded if termination is not None else contextlib.nullcontext
    if spec.method == "down_migrations":
        down = spec.down_migrations
        if down is None:
            raise CheckFailed("rollback.database.down_migrations is not declared")
        migrations = judge_rollback.release_migrations(
            prep.by_release, _previous(environment), environment.inventory.release.version
        )
        directory = target.var(down.dir_var)
        downs = []
        for n in reversed(migrations):
            found = matching(target, directory, down.down, n)
            if len(found) != 1:
                raise CheckFailed(
                    f"{target.name}: migration V{n} has {len(found)} down-migrations in "
                    f"{directory}: the runbook stops there"
                )
            downs.append((n, found[0]))
        run = run_down_migrations(
            target, backup, prep, downs, spec.scratch_timeout_s, shield=shield,
            left=judge_rollback.down_migration_left,
        )  # fmt: skip
    else:
        point = spec.restore_point
        if point is None:
            raise CheckFailed("rollback.database.restore_point is not declared")
        path = point.path.format(version=environment.inventory.release.version)
        run = run_down_migrations(
            target, backup, prep, [], spec.scratch_timeout_s, path, shield=shield,
            left=judge_rollback.down_migration_left,
        )  # fmt: skip
    evidence.text(f"{target.name} down-migrations on a scratch copy", run.log())
    judge(run.findings)


@pytest.mark.plan("rollback.steps.previous", "rollback.steps.database", "rollback.steps.config")
def test_runbook_is_executable_by_deploy_user(
    runbook_host: Target, rollback_spec: Rollback, environment: Environment
) -> None:
    """Claim: the rollback runbook exists on its host and the deploy user may run it.

    Covers: the runbook missing or not a file; not executable by the deploy user (its mode);
    where the runbook runs with privileges, the permission query (``sudo -n -l PATH``) not
    granting it to the deploy user.

    Does not cover: whether it would execute (test_runbook_would_execute_for_deploy_user) and
    what it does (the rehearsal).
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


@pytest.mark.plan("rollback.steps.previous", "rollback.steps.database", "rollback.steps.config")
def test_runbook_would_execute_for_deploy_user(
    runbook_host: Target, rollback_spec: Rollback, environment: Environment, evidence
) -> None:
    """Claim: the runbook would really execute when the deploy user runs it, without running
    it: its ``#!`` interpreter is a full path that exists and is executable for the deploy
    user (for ``#!/usr/bin/env NAME``: NAME resolves on ``runbook.search_path``), its syntax
    passes the interpreter's own check (``sh -n``, ``bash -n``, ``perl -c``, Python's
    compile, or ``runbook.syntax_check``), and every command it calls
    (``runbook.requires``) resolves with ``command -v`` on the PATH it runs with.

    Covers: a runbook the deploy user cannot read; no ``#!`` line, a relative or missing
    interpreter (a renamed shell, a Python not installed on this host); a syntax error
    anywhere in the file (also in branches a rehearsal never takes); a required command
    missing on the host; a check that hangs (bounded by ``runbook.timeout_s``).

    Does not cover: commands it calls that ``runbook.requires`` does not list, and errors
    only running reveals (the rehearsal, where drills are allowed); whether the deploy user
    may run it (test_runbook_is_executable_by_deploy_user).
    """
    spec = rollback_spec.runbook
    user = environment.inventory.ssh.user or "the deploy user"
    log = []

    def run(command: str) -> Any:
        out = runbook_host.run(f"timeout -k 5 {spec.timeout_s:g} {command}")
        log.append(f"$ {command}\n[exit {out.rc}]\n{out.stdout}{out.stderr}")
        return out

    path = shlex.quote(spec.path)
    head = run(f"head -n 1 -- {path}")
    facts = judge_rollback.RunbookFacts(
        read_error=(head.stderr.strip() or f"exit {head.rc}") if head.rc != 0 else None,
        first_line=head.stdout.rstrip("\n"),
    )
    argv = judge_rollback.shebang(facts.first_line)
    search = f"env PATH={shlex.quote(spec.search_path)}"
    if facts.read_error is None and argv and argv[0].startswith("/"):
        interpreter = argv[0]
        if interpreter.rsplit("/", 1)[-1] == "env" and len(argv) > 1:
            found = run(f"{search} sh -c 'test -x \"$1\" && command -v \"$2\"' sh "
                        f"{shlex.quote(argv[0])} {shlex.quote(argv[-1])}")  # fmt: skip
            interpreter = found.stdout.strip() if found.rc == 0 else ""
        else:
            exists = run(f"test -f {shlex.quote(interpreter)} -a -x {shlex.quote(interpreter)}")
            interpreter = interpreter if exists.rc == 0 else ""
        syntax = None
        command = judge_rollback.syntax_command([interpreter or argv[0]], spec.syntax_check)
        if interpreter and command is not None:
            checked = run(command.replace("{path}", path))
            syntax = (command.replace("{path}", spec.path), checked.rc, checked.stderr)
        facts = dataclasses.replace(facts, interpreter=interpreter or None, syntax=syntax)
    names = " ".join(shlex.quote(c) for c in spec.requires)
    resolved = run(f"{search} sh -c 'for c; do command -v \"$c\" || :; done' sh {names}")
    found_names = {line.strip() for line in resolved.stdout.splitlines()}
    missing = tuple(
        c for c in spec.requires if c not in found_names and not _resolves(c, found_names)
    )
    facts = dataclasses.replace(facts, missing=missing)
    evidence.text(f"{runbook_host.name} rollback runbook", "\n".join(log))
    judge(
        judge_rollback.runbook_runs(
            runbook_host.name, spec.path, user, facts, spec.search_path, spec.timeout_s
        )
    )


def _resolves(command: str, found: set[str]) -> bool:
    """``command -v NAME`` printed a path ending in ``/NAME`` (an absolute one prints itself)."""
    return any(path.rsplit("/", 1)[-1] == command for path in found if path.startswith("/"))


@pytest.mark.plan("rollback.steps.validation")
def test_rollback_slo_is_declared(rollback_spec: Rollback, environment: Environment) -> None:
    """Claim: the rollback SLO (how long a rollback may take) is declared, so a rehearsal can
    be judged against it.

    Covers: ``rollback.slo_s`` absent (its range is validated with the environment).

    Does not cover: whether a rollback fits it (the rehearsal times one).
    """
    judge(
        judge_rollback.slo_declared(rollback_spec.slo_s, str(environment.path / "expectations.yml"))
    )
