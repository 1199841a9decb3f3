"""What a SIGKILL during the backup suite's scratch restore leaves on db1 (its scratch
database: no cleanup runs after a SIGKILL) is dropped by the next run of the restore check,
which says so in its evidence; a younger one (a concurrent run's, perhaps) and a database only
looking like golive's are left alone (issue 19). Real databases on db1's PostgreSQL; one run of
the one check."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from one_check import run_one

from golive.model.expectations.backup import Backup
from golive.model.facts.scratch import scratch_name
from golive.sandbox.context import Sandbox
from golive.sandbox.services import db
from pytest_golive.fixtures.backup import RESTORE_TAG

SUITE = "suites/backup/test_backup.py"
CHECK = f"{SUITE}::test_logical_dump_restores_cleanly"


def databases(sbx: Sandbox) -> set[str]:
    return set(db.psql(sbx, "db1", "SELECT datname FROM pg_database").split())


@pytest.fixture
def left(sandbox: None) -> Iterator[dict[str, str]]:
    """An interrupted run's scratch database (a day old), a young one, a rollback scratch copy
    and a database that only looks like golive's; whatever the run left of them is dropped
    afterwards."""
    sbx = Sandbox.load()
    prefix = sbx.env.expectation(Backup).scratch_database
    names = {
        "stale": scratch_name(prefix, time.time() - 86_400, 4_000_001, "deadbeef", RESTORE_TAG),
        "young": scratch_name(prefix, time.time(), 4_000_002, "deadbeef", RESTORE_TAG),
        "other": f"{prefix}_{RESTORE_TAG}_kept_by_someone",
    }
    try:
        for name in names.values():
            db.psql(sbx, "db1", f'CREATE DATABASE "{name}"')
        yield names
    finally:
        for name in names.values():
            db.psql(sbx, "db1", f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_the_next_run_drops_an_interrupted_runs_scratch_database_and_nothing_else(
    left: dict[str, str], tmp_path: Path
) -> None:
    run, said = run_one(CHECK, tmp_path)
    sbx = Sandbox.load()
    found = databases(sbx)
    assert left["stale"] not in found, run.stdout
    assert {left["young"], left["other"]} <= found, run.stdout
    prefix = sbx.env.expectation(Backup).scratch_database
    mine = {d for d in found if d.startswith(f"{prefix}_{RESTORE_TAG}_")} - set(left.values())
    assert not mine, f"the run left its own scratch database: {mine}"
    assert f"db1: dropped {left['stale']}, a scratch database left by an interrupted run" in said
    assert f"db1: left {left['young']} alone: it may be a run still under way" in said
    assert f"dropped {left['other']}" not in said and f"left {left['other']}" not in said
    assert " passed" in run.stdout and "failed" not in run.stdout, run.stdout
