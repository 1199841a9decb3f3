"""What a SIGKILL during the rollback readiness check's scratch copy leaves on db1 (its
scratch database and schema dumps: no cleanup runs after a SIGKILL) is removed by the next run
of the check, which says so in its evidence; a younger copy (a concurrent run's, perhaps) and
anything not named as golive's scratch copies are left alone (issue 19). Real databases on
db1's PostgreSQL, real files in its /tmp; one run of the one check."""

from __future__ import annotations

import shutil
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from one_check import run_one

from golive.model.expectations.backup import Backup
from golive.model.facts.scratch import SCRATCH_FILES, scratch_name
from golive.sandbox.context import Sandbox
from golive.sandbox.services import db

SUITE = "suites/rollback/test_readiness.py"
CHECK = f"{SUITE}::test_database_rollback_runs_on_a_scratch_copy"
TMP = Sandbox.load().path("db1", "tmp")  # db1's /tmp: its own (golive/sandbox/hostns.py)


def databases(sbx: Sandbox) -> set[str]:
    return set(db.psql(sbx, "db1", "SELECT datname FROM pg_database").split())


@pytest.fixture
def left(sandbox: None) -> Iterator[dict[str, str]]:
    """An interrupted run's scratch copy (a day old), a young one, and a database and a dump
    that only look like golive's; whatever the run left of them is removed afterwards."""
    sbx = Sandbox.load()
    prefix = sbx.env.expectation(Backup).scratch_database
    names = {
        "stale": scratch_name(prefix, time.time() - 86_400, 4_000_001, "deadbeef"),
        "young": scratch_name(prefix, time.time(), 4_000_002, "deadbeef"),
        "other": f"{prefix}_kept_by_someone",
    }
    paths = [TMP / f"{n}{suffix}" for n in names.values() for suffix in SCRATCH_FILES]
    try:
        for name in names.values():
            db.psql(sbx, "db1", f'CREATE DATABASE "{name}"')
        for path in paths:
            path.write_text("-- a schema dump\n")
            shutil.chown(path, "postgres", "postgres")
        yield names
    finally:
        for name in names.values():
            db.psql(sbx, "db1", f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        for path in paths:
            path.unlink(missing_ok=True)


def test_the_next_run_removes_an_interrupted_runs_scratch_copy_and_nothing_else(
    left: dict[str, str], tmp_path: Path
) -> None:
    run, said = run_one(CHECK, tmp_path)
    sbx = Sandbox.load()
    found = databases(sbx)
    assert left["stale"] not in found, run.stdout
    assert {left["young"], left["other"]} <= found, run.stdout
    for name, gone in ((left["stale"], True), (left["young"], False), (left["other"], False)):
        for suffix in SCRATCH_FILES:
            assert (TMP / f"{name}{suffix}").exists() is not gone, (name, suffix)
    assert f"db1: dropped {left['stale']}, a scratch database left by an interrupted run" in said
    assert f"db1: removed {left['stale']}.schema.sql, a schema dump left" in said
    assert f"db1: left {left['young']} alone: it may be a run still under way" in said
    assert f"dropped {left['other']}" not in said and f"left {left['other']}" not in said
    assert " passed" in run.stdout and "failed" not in run.stdout, run.stdout
