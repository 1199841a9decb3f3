"""The sandbox's rollback means, as a real deployment keeps them: each release's configuration
beside its artifact, the migrations with their down-migrations on db1, and the rollback
runbook (``environments/sandbox/stack/rollback/runbook.sh``) that the deploy user runs with
sudo."""

from __future__ import annotations

import shutil
from pathlib import Path

from golive.model.errors import SandboxError
from golive.model.expectations.rollback import Rollback
from golive.sandbox import releases, sudo_access
from golive.sandbox.context import APP_USER, Sandbox
from golive.sandbox.render import write
from golive.sandbox.restore_points import schemas
from golive.sandbox.services import db


def spec(sbx: Sandbox) -> Rollback:
    found = sbx.env.expectations.get(Rollback)
    if found is None:
        raise SandboxError(f"{sbx.env.path}/expectations.yml declares no `rollback:` section")
    return found


def conf(sbx: Sandbox) -> Path:
    return sbx.path("rollback", "runbook.conf")


def release_configs(sbx: Sandbox, candidate: str) -> dict[str, str]:
    """Each kept release's configuration, from the candidate's rendered one: the previous
    release's lacks the keys its successor's release notes declare new (``added_keys``)."""
    configs = {sbx.env.inventory.release.version: candidate}
    previous = sbx.env.inventory.release.previous
    if previous:
        declared = set(spec(sbx).config.added_keys)
        configs[previous] = "".join(
            line
            for line in candidate.splitlines(keepends=True)
            if line.partition("=")[0].strip() not in declared
        )
    return configs


def keep_configs(sbx: Sandbox, host: str, candidate: str) -> str:
    """Write each release's configuration beside its artifact (owner-only) and return the one
    of the release the node's ``current`` link names (the node runs with it)."""
    rel = sbx.var(host, "releases")
    configs = release_configs(sbx, candidate)
    for version, text in configs.items():
        write(rel / version / "application.properties", text, mode=0o600, owner=APP_USER)
    current = rel / "current"
    running = current.resolve().name if current.is_symlink() else None
    return configs.get(running or "", candidate)


def install(sbx: Sandbox) -> None:
    """The migrations (up, down, grants) on the db host, the runbook and its settings."""
    host = spec(sbx).database.host
    migrations = sbx.var(host, "migrations")
    shutil.copytree(sbx.stack / "db" / "migrations", migrations, dirs_exist_ok=True)
    shutil.copyfile(sbx.stack / "db" / "grants.sql", migrations / "grants.sql")
    for path in (migrations, *migrations.rglob("*")):
        path.chmod(0o755 if path.is_dir() else 0o644)
    previous, candidate = schemas(sbx)
    release = sbx.env.inventory.release
    apps = sbx.env.hosts_with_role("app")
    lines = [
        f"PREVIOUS='{release.previous}'",
        f"CANDIDATE='{release.version}'",
        f"PREVIOUS_SCHEMA={previous}",
        f"CANDIDATE_SCHEMA={candidate}",
        f"REGISTRY_SUMS='{releases.registry(sbx) / 'SHA256SUMS'}'",
        f"APP_HOSTS='{' '.join(apps)}'",
        f"APP_USER='{APP_USER}'",
        *(f"{h}_releases='{sbx.var(h, 'releases')}'" for h in apps),
        *(f"{h}_config='{sbx.var(h, 'app_config')}'" for h in apps),
        f"SERVICE='{sbx.path('bin', 'service')}'",
        f"MIGRATIONS='{migrations}'",
        f"PG_BIN='{db.PG_BIN}'",
        f"PG_SOCKET='{db.socket_dir(sbx, host)}'",
        f"PG_PORT={db.PORT}",
        f"DB_NAME='{sbx.env.inventory.database.dbname}'",
    ]
    write(conf(sbx), "# settings of the rollback runbook\n" + "\n".join(lines) + "\n")
    script = (sbx.stack / "rollback" / "runbook.sh").read_text()
    write(sudo_access.rollback_runbook(sbx), script.replace("@CONF@", str(conf(sbx))), mode=0o755)
