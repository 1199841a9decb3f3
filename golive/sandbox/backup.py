"""db1's backup job and its schedule entry, and its pgBackRest stanza (:mod:`.pgbackrest`)."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal

from golive.probe.wait import WaitTimeout, wait_until
from golive.sandbox import pgbackrest
from golive.sandbox.context import Sandbox
from golive.sandbox.process import read_pid, run, stop
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


def install(sbx: Sandbox, host: str) -> None:
    """Install the cron entry; take a first backup if there is none yet."""
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
        _restart_fast(sbx, host)
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
        # restore drills run as PostgreSQL's user in this host's directory
        home = sbx.path(drill_host)
        home.mkdir(parents=True, exist_ok=True)
        shutil.chown(home, db.USER, db.USER)


def take(sbx: Sandbox, host: str) -> None:
    run(job(sbx, host), user=db.USER, env={"PATH": f"{db.PG_BIN}:/usr/bin:/bin"})


def _restart_fast(sbx: Sandbox, host: str) -> None:
    """Restart the host's PostgreSQL with a fast shutdown (SIGINT: a smart one would wait for
    the app's pooled connections to close)."""
    from golive.sandbox import lifecycle  # here: lifecycle imports this module

    svc = lifecycle.service(sbx, host, "postgres")
    pid = read_pid(svc.pidfile(sbx))
    if pid is not None:
        os.kill(pid, signal.SIGINT)
        with contextlib.suppress(WaitTimeout):  # then stop() ends it
            wait_until(
                lambda: read_pid(svc.pidfile(sbx)) is None, svc.start_timeout, 0.1,
                what=f"{svc.label} stopped",
            )  # fmt: skip
    stop(svc.pidfile(sbx))
    lifecycle.start(sbx, [svc], "conffile")  # part of `up`: its configuration as `up` writes it
