"""environments/sandbox uses staging.example's host paths and host vars (issue 25).

Both environments' inventory.yml and expectations.yml are read as raw YAML (``${...}`` left
as written, anchors and merge keys resolved) and walked side by side; every difference must be
listed in sandbox_vs_staging.yml beside this file, with its reason (addresses, credentials,
sizes, controller-side paths, timings of a shared machine, what the sandbox cannot have, and
what is not yet moved). Every entry there must still match a difference.
"""

from __future__ import annotations

from fnmatch import fnmatchcase
from pathlib import Path
from typing import Any

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
ALLOWED = Path(__file__).with_name("sandbox_vs_staging.yml")
FILES = ("inventory.yml", "expectations.yml")


def _walk(staging: Any, sandbox: Any, path: str, out: list[tuple[str, str]]) -> None:
    """(key path, how) of every difference; mappings by key, lists of mappings by index,
    anything else compared whole."""
    if isinstance(staging, dict) and isinstance(sandbox, dict):
        for key in [*staging, *(k for k in sandbox if k not in staging)]:
            sub = f"{path}.{key}"
            if key not in sandbox:
                out.append((sub, "only in staging"))
            elif key not in staging:
                out.append((sub, "only in sandbox"))
            else:
                _walk(staging[key], sandbox[key], sub, out)
    elif (
        isinstance(staging, list)
        and isinstance(sandbox, list)
        and staging
        and sandbox
        and all(isinstance(x, dict) for x in [*staging, *sandbox])
    ):
        for i in range(max(len(staging), len(sandbox))):
            sub = f"{path}[{i}]"
            if i >= len(sandbox):
                out.append((sub, "only in staging"))
            elif i >= len(staging):
                out.append((sub, "only in sandbox"))
            else:
                _walk(staging[i], sandbox[i], sub, out)
    elif staging != sandbox:
        out.append((path, f"{staging!r} in staging, {sandbox!r} in the sandbox"))


def differences(staging_dir: Path, sandbox_dir: Path) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    for name in FILES:
        staging = yaml.safe_load((staging_dir / name).read_text())
        sandbox = yaml.safe_load((sandbox_dir / name).read_text())
        _walk(staging, sandbox, name.removesuffix(".yml"), out)
    return out


def allowed() -> list[dict[str, str]]:
    entries = yaml.safe_load(ALLOWED.read_text())
    for entry in entries:
        assert set(entry) == {"path", "reason"} and entry["reason"].strip(), entry
    return entries


def matches(path: str, pattern: str) -> bool:
    """fnmatch, with ``[`` literal (list indexes: ``[0]``, ``[*]``)."""
    return fnmatchcase(path, pattern.replace("[", "[[]"))


def unexplained(diffs: list[tuple[str, str]], entries: list[dict[str, str]]) -> list[str]:
    return [
        f"{path}: {how}"
        for path, how in diffs
        if not any(matches(path, e["path"]) for e in entries)
    ]


def test_every_difference_from_staging_has_a_reason() -> None:
    diffs = differences(
        REPO / "environments" / "staging.example", REPO / "environments" / "sandbox"
    )
    left = unexplained(diffs, allowed())
    assert not left, (
        f"{len(left)} difference(s) of environments/sandbox from staging.example with no reason "
        f"in {ALLOWED.name} (use staging's path, or list it with its reason):\n" + "\n".join(left)
    )


def test_every_listed_difference_still_exists() -> None:
    diffs = differences(
        REPO / "environments" / "staging.example", REPO / "environments" / "sandbox"
    )
    stale = [e["path"] for e in allowed() if not any(matches(p, e["path"]) for p, _ in diffs)]
    assert not stale, f"{ALLOWED.name} lists differences there are no more: {stale}"


def test_host_vars_are_staging_paths() -> None:
    """The host paths checks read over SSH are staging's, not the sandbox dir's."""
    diffs = differences(
        REPO / "environments" / "staging.example", REPO / "environments" / "sandbox"
    )
    host_vars = [p for p, _ in diffs if matches(p, "inventory.hosts.*.vars.*")]
    moved = {"nginx_conf", "catalina_base", "releases", "app_config", "audit_log", "backups",
             "backup_cron", "pgdata", "prometheus_config"}  # fmt: skip
    assert not [p for p in host_vars if p.rsplit(".", 1)[1] in moved], host_vars


@pytest.mark.parametrize(
    ("staging", "sandbox", "expected"),
    [
        ({"a": {"b": 1}}, {"a": {"b": 1}}, []),
        ({"a": {"b": 1}}, {"a": {"b": 2}}, ["a.b"]),
        ({"a": [{"x": 1}]}, {"a": [{"x": 1}, {"y": 2}]}, ["a[1]"]),
        ({"a": [1, 2]}, {"a": [2, 1]}, ["a"]),
        ({"a": 1}, {"b": 1}, ["a", "b"]),
    ],
)
def test_the_walk_finds_each_difference(
    tmp_path: Path, staging: dict[str, Any], sandbox: dict[str, Any], expected: list[str]
) -> None:
    out: list[tuple[str, str]] = []
    _walk(staging, sandbox, "", out)
    assert [p.lstrip(".") for p, _ in out] == expected
    assert not unexplained([(".a.b", "x")], [{"path": ".a.*", "reason": "r"}])
    assert unexplained([(".a.b", "x")], [{"path": ".c.*", "reason": "r"}])
    assert matches("a[1].b", "a[*].b") and not matches("a1.b", "a[1].b")


def test_every_host_path_is_a_folder_of_the_host() -> None:
    """Each host var naming a Debian path is bound in its host's namespaces from a folder of
    that host under the sandbox dir (golive.sandbox.context.HOST_DIRS): the host sees it, the
    controller edits it there."""
    from golive.sandbox.context import Sandbox

    sbx = Sandbox.load()
    unbound = []
    for name, host in sbx.env.inventory.hosts.items():
        for key, value in host.vars.items():
            if not str(value).startswith("/"):
                continue  # a command (service_stop, service_start)
            local = sbx.var(name, key)
            if (
                sbx.dir not in sbx.host_var(name, key).parents
                and sbx.path(name) not in local.parents
            ):
                unbound.append(f"{name}.{key}: {value} -> {local}")
    assert not unbound, unbound
    assert sbx.local("app1", "/etc/trading/application.properties") == sbx.path(
        "app1", "conf", "application.properties"
    )
    assert sbx.local("dr1", "/var/backups/postgresql/latest") == sbx.path(
        "db1", "backups", "latest"
    )
    assert sbx.local("lb1", "/etc/trading/application.properties") == Path(
        "/etc/trading/application.properties"
    )  # not an app host: the machine's path


def test_staging_paths_of_the_expectations_are_the_sandboxs_files() -> None:
    """The paths issue 25 moved to staging's (pgBackRest's configuration, PostgreSQL's socket,
    the drill's files, the rollback runbook) reach, on their host, the files the sandbox
    writes."""
    from golive.model.expectations.backup import Backup
    from golive.model.expectations.rollback import Rollback
    from golive.sandbox import pgbackrest, sudo_access
    from golive.sandbox.context import Sandbox
    from golive.sandbox.services import db

    sbx = Sandbox.load()
    backup, rollback = sbx.env.expectation(Backup), sbx.env.expectation(Rollback)
    conf = Path("/etc/pgbackrest/pgbackrest.conf")
    assert sbx.local("db1", conf) == sbx.local("dr1", conf) == pgbackrest.config(sbx, "db1")
    assert sbx.local("db1", backup.socket_dir) == db.socket_dir(sbx, "db1")
    assert backup.drill is not None
    for path in (backup.drill.datadir, backup.drill.socket_dir, backup.drill.log):
        assert sbx.path("dr1") in sbx.local("dr1", path).parents, path
    for host in sbx.env.hosts_with_role("app"):
        assert sbx.local(host, rollback.runbook.path) == sudo_access.rollback_runbook(sbx)
