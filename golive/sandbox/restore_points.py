"""The candidate release's restore point on the sandbox's db host: where it is kept, and when
a deployment takes it (just before its first migration). Its own module: the database service
(services/db.py) takes it as it migrates, and the rollback runbook (rollback.py) installs
beside it."""

from __future__ import annotations

import shutil
from pathlib import Path

from golive.model.errors import SandboxError
from golive.model.expectations.predeploy import DatabasePrep
from golive.sandbox.context import Sandbox


def schemas(sbx: Sandbox) -> tuple[int, int]:
    """The schema versions of the previous and the candidate release."""
    prep = sbx.env.expectations.get(DatabasePrep)
    release = sbx.env.inventory.release
    if prep is None or release.previous not in prep.migrations.by_release:
        raise SandboxError("expectations.yml database_prep.migrations.by_release names no schema")
    by_release = prep.migrations.by_release
    return by_release[release.previous or ""], by_release[release.version]


def restore_point(sbx: Sandbox, host: str) -> Path:
    """Where the deploy's restore point of the candidate release is kept on the db host."""
    version = sbx.env.inventory.release.version
    return sbx.path(host, "restore-points", f"trading-before-{version}.dump")


def restore_point_due(sbx: Sandbox, host: str, number: int) -> Path | None:
    """Before migration ``number``: where to take the deploy's restore point, if this is the
    candidate release's first migration and none was taken (a deployment dumps the database
    just before it migrates); else None."""
    previous, _ = schemas(sbx)
    path = restore_point(sbx, host)
    if number != previous + 1 or path.exists():
        return None
    path.parent.mkdir(parents=True, exist_ok=True)
    shutil.chown(path.parent, "postgres", "postgres")
    return path
