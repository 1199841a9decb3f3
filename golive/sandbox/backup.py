"""db1's backup job and its schedule entry, and its pgBackRest stanza (:mod:`.pgbackrest`)."""

from __future__ import annotations

import shutil
from collections.abc import Callable

from golive.sandbox import pgbackrest
from golive.sandbox.context import DRILL_DIR, Sandbox
from golive.sandbox.process import run
from golive.sandbox.render import write
from golive.sandbox.services import db

SCHEDULE = "0 2 * * *"
MARKERS = "golive_drill_marker"


def job(sbx: Sandbox, host: str) -> list[str]:
    return [
        "sh",
        str(sbx.stack / "backup" / "backup.sh"),
        str(sbx.var(host, "backups")),
        str(db.socket_dir(sbx, host)),
        str(db.PORT),
    ]


def install(sbx: Sandbox, host: str, restart: Callable[[Sandbox, str], None]) -> None:
    """Install the cron entry; take a first backup if there is none yet. ``restart`` restarts
    the host's PostgreSQL (lifecycle's: services are the lifecycle's to start)."""
    backups = sbx.var(host, "backups")
    backups.mkdir(parents=True, exist_ok=True)
    shutil.chown(backups, db.USER, db.USER)
    write(
        sbx.var(host, "backup_cron"),
        "# nightly backup of the trading database\n"
        f"{SCHEDULE} {db.USER} {' '.join(job(sbx, host))}\n",
    )
    archiving = db.psql(sbx, host, "SHOW archive_mode; SHOW archive_timeout").split()
    if archiving != ["on", "1h"]:
        # a cluster started before WAL archiving (or its timeout) was configured: its
        # configuration rewritten and read on restart
        restart(sbx, host)
    # the stanza exists before the job's first base backup switches WAL segments: archiving
    # then succeeds at once (a failed push makes PostgreSQL's archiver wait a minute)
    fresh = pgbackrest.prepare(sbx, host)
    # the restore drill's marker rows (expectations backup.drill.marker_table)
    db.psql(
        sbx, host, f"CREATE TABLE IF NOT EXISTS {MARKERS} (id text PRIMARY KEY, "
        "written_at timestamptz NOT NULL DEFAULT clock_timestamp())", "trading",
    )  # fmt: skip
    if not (backups / "latest").exists():
        take(sbx, host)
    if fresh:
        pgbackrest.full_backup(sbx, host)
    for drill_host in sbx.env.hosts_with_role("drill"):
        # restore drills run as PostgreSQL's user in the folder the drill host sees as
        # /var/lib/golive-drill (context.HOST_DIRS; the expectations' backup.drill paths)
        drill = sbx.local(drill_host, DRILL_DIR)
        for folder in (sbx.path(drill_host), drill):
            folder.mkdir(parents=True, exist_ok=True)
            shutil.chown(folder, db.USER, db.USER)


def take(sbx: Sandbox, host: str) -> None:
    run(job(sbx, host), user=db.USER, env={"PATH": f"{db.PG_BIN}:/usr/bin:/bin"})
