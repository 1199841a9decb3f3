"""pgBackRest on db1: a stanza, a repository in the sandbox dir, WAL archiving, a full backup.

The configuration is the sandbox's own file, never the machine's; db1 (and the drill host)
see its folder at ``/etc/pgbackrest``, where Debian's pgbackrest reads it by default
(golive/sandbox/context.py ``HOST_DIRS``), so a check runs plain ``pgbackrest`` there, as on
staging. The controller, and PostgreSQL's ``archive_command``, name the file by its sandbox
path (valid inside every host too). At ``up``, :func:`prepare` creates the stanza and
:func:`full_backup` takes a full backup when the repository holds none, so a warm ``up``
costs one ``info`` call.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from golive.sandbox.context import Sandbox
from golive.sandbox.process import run
from golive.sandbox.render import write

BIN = "/usr/bin/pgbackrest"
USER = "postgres"
RETENTION_FULL = 2


def root(sbx: Sandbox, host: str) -> Path:
    return sbx.path(host, "pgbackrest")


def config(sbx: Sandbox, host: str) -> Path:
    return root(sbx, host) / "pgbackrest.conf"


def stanza(host: str) -> str:
    return host


def command(sbx: Sandbox, host: str, *args: str) -> list[str]:
    return [BIN, f"--config={config(sbx, host)}", f"--stanza={stanza(host)}", *args]


def archive_command(sbx: Sandbox, host: str) -> str:
    """PostgreSQL's ``archive_command`` (``%p``: the WAL file to push)."""
    return " ".join([*command(sbx, host), "archive-push", "%p"])


def write_config(sbx: Sandbox, host: str, pgdata: Path, socket_dir: Path, port: int) -> None:
    """The repository, log and lock directories and the configuration file (owned by
    PostgreSQL's user, which runs every pgBackRest command)."""
    base = root(sbx, host)
    for sub in ("repo", "log", "lock", "spool"):
        (base / sub).mkdir(parents=True, exist_ok=True)
        shutil.chown(base / sub, USER, USER)
        (base / sub).chmod(0o750)
    shutil.chown(base, USER, USER)
    base.chmod(0o755)
    write(
        config(sbx, host),
        "# the sandbox's pgBackRest (golive/sandbox/pgbackrest.py)\n"
        "[global]\n"
        f"repo1-path={base / 'repo'}\n"
        f"repo1-retention-full={RETENTION_FULL}\n"
        f"log-path={base / 'log'}\n"
        f"lock-path={base / 'lock'}\n"
        f"spool-path={base / 'spool'}\n"
        "log-level-console=warn\n"
        "log-level-file=info\n"
        "start-fast=y\n"
        "compress-type=gz\n"
        "compress-level=1\n"
        "archive-timeout=30\n"
        f"\n[{stanza(host)}]\n"
        f"pg1-path={pgdata}\n"
        f"pg1-socket-path={socket_dir}\n"
        f"pg1-port={port}\n",
        mode=0o644,
        owner=USER,
    )


def backups(sbx: Sandbox, host: str) -> list[dict[str, object]]:
    """The repository's backups (``info --output=json``); [] when the stanza has none."""
    out = run(command(sbx, host, "info", "--output=json"), user=USER, check=False)
    if out.returncode != 0:
        return []
    for entry in json.loads(out.stdout or "[]"):
        if entry.get("name") == stanza(host):
            return list(entry.get("backup", []))
    return []


def prepare(sbx: Sandbox, host: str) -> bool:
    """Create the stanza unless the repository already holds a backup; True if it holds
    none (then :func:`full_backup` is due)."""
    if backups(sbx, host):
        return False
    run(command(sbx, host, "stanza-create"), user=USER)
    return True


def full_backup(sbx: Sandbox, host: str) -> None:
    run(command(sbx, host, "--type=full", "backup"), user=USER)
