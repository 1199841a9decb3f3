"""Expectations of the backup suite (registered in expectations.SUITES)."""

from __future__ import annotations

from typing import Annotated, ClassVar

from pydantic import Field

from golive.model.config import YEAR_H, Count, Limit, Port, Seconds, Strict
from golive.model.expectations.section import Section


class BackupSchedule(Strict):
    """The schedule entry (a cron file named by a host variable of the database hosts) that
    runs the backup job: its line must name ``command_contains``."""

    file_var: str
    command_contains: str


class BaseBackupJob(Strict):
    """The ``pg_basebackup`` + ``pg_dump`` job: the directory of its backups (a host variable
    of the database hosts), the shell pattern naming one backup in it, and what a backup
    holds: a plain base backup with its ``backup_manifest``, a custom-format dump, and the
    job's own manifest (``taken_at``, ``row_counts``, ``files`` with their sha256)."""

    location_var: str
    pattern: str = "20*Z"
    manifest: str = "manifest.json"
    base: str = "base"
    dump: str
    min_backups: Count = 1
    keep: Count = Field(description="the most backups the job keeps (older are pruned)")


class PgBackRest(Strict):
    """pgBackRest: the command (with its ``--config``), the stanza, and its retention."""

    command: str
    stanza: str
    min_full: Count = 1
    keep_full: Count


class WalArchiving(Strict):
    """The database hosts' WAL archiving (PostgreSQL's ``archive_command``, pushing into
    pgBackRest's repository when ``pgbackrest`` is declared): at most
    ``max_waiting_segments`` completed segments may wait to be archived at any time, and
    ``archive_timeout`` must be set within the RPO unless ``require_archive_timeout`` is
    false (WAL streamed to the archive, e.g. by ``pg_receivewal``, needs none)."""

    max_waiting_segments: Limit = 1
    require_archive_timeout: bool = True


class RestoreDrill(Strict):
    """The disaster-recovery drill: on the hosts of ``role`` (never a database host), restore
    the newest base backup into ``datadir``, start PostgreSQL there on ``port`` (its socket in
    ``socket_dir``), and wait at most ``start_timeout_s`` for it to answer.

    Point in time: the drill writes two marker rows into ``marker_table`` (a table of
    ``database`` with a text column ``id``, which the deployment provides; the rows are
    deleted afterwards), the recovery target between them; the restored instance fetches the
    archived WAL with ``restore_command`` (PostgreSQL's, ``%f`` and ``%p``) and must hold the
    first and not the second. The markers' WAL must be archived within ``archive_wait_s``."""

    role: str
    datadir: str
    socket_dir: str
    port: Port
    log: str
    start_timeout_s: Seconds = 60.0
    marker_table: str = Field(pattern=r"^[a-z_][a-z0-9_]*$")
    restore_command: str = Field(pattern=r"%f[\s\S]*%p|%p[\s\S]*%f")
    archive_wait_s: Seconds = 30.0


class Backup(Section):
    """The backups of the database hosts (``role``): how to run their tools (``run_as``, a
    command prefix such as ``sudo -n -u postgres``; ``pg_bin``), the RPO and RTO, the key
    tables whose exact row counts a restore must give back, the scratch database a restore
    check may create and drop, both tools (the base-backup job, pgBackRest) and the drill.
    ``timeout_s`` bounds every remote command (on the host, with ``timeout``)."""

    key: ClassVar[str] = "backup"

    role: str
    run_as: str
    pg_bin: str
    socket_dir: str
    port: Port
    database: str
    scratch_database: str = Field(
        pattern=r"^golive_[a-z0-9_]+$",
        max_length=26,
        description="prefix of golive's scratch databases on the database host (golive adds "
        "up to 37 characters: a PostgreSQL name has at most 63)",
    )
    key_tables: list[Annotated[str, Field(pattern=r"^[a-z_][a-z0-9_]*$")]] = Field(min_length=1)
    rpo_hours: float = Field(gt=0, le=YEAR_H, description="recovery point objective: hours")
    rto_seconds: float = Field(
        gt=0, le=7 * 86_400, description="recovery time objective: seconds (at most a week)"
    )
    timeout_s: Seconds = 25.0
    schedule: BackupSchedule
    job: BaseBackupJob
    pgbackrest: PgBackRest | None = None
    wal: WalArchiving = WalArchiving()
    drill: RestoreDrill

    def roles_named(self) -> set[str]:
        return {self.role, self.drill.role}
