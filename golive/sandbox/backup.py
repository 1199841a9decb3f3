"""db1's backup job and its schedule entry."""

from __future__ import annotations

import shutil

from golive.sandbox.context import Sandbox
from golive.sandbox.process import run
from golive.sandbox.render import write
from golive.sandbox.services import db

SCHEDULE = "0 2 * * *"


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
        sbx.path(host, "cron.d", "golive-backup"),
        "# nightly backup of the trading database\n"
        f"{SCHEDULE} {db.USER} {' '.join(job(sbx, host))}\n",
    )
    if not (backups / "latest").exists():
        take(sbx, host)


def take(sbx: Sandbox, host: str) -> None:
    run(job(sbx, host), user=db.USER, env={"PATH": f"{db.PG_BIN}:/usr/bin:/bin"})
