"""Talk to a database host's backups: list them, read their manifests, run the tools.

Every command runs on the host through Testinfra (``Target.run``, under the SSH command
deadline), as the backups' owner (the environment's ``run_as`` prefix, e.g.
``sudo -n -u postgres``), and bounded on the host by ``timeout`` (``backup.timeout_s``).
Commands are single programs: no pipeline can hide a status. The tools' exit codes and output
are returned as they are; judging them is :mod:`golive.judge.backup`'s job.
"""

from __future__ import annotations

import shlex
import time
from dataclasses import dataclass
from typing import Any

from golive.model.checksums import parse_sha256sums
from golive.model.errors import CheckFailed
from golive.model.expectations.backup import Backup
from golive.model.facts import backup as facts
from golive.probe.hosts import Target
from golive.probe.tracked import Tracked
from golive.probe.wait import WaitTimeout, wait_until


@dataclass(frozen=True)
class Ran:
    """A command's exit status and output."""

    command: str
    rc: int
    stdout: str
    stderr: str

    def log(self) -> str:
        return f"$ {self.command}\n[exit {self.rc}]\n{self.stdout}{self.stderr}"


def run(
    target: Target,
    spec: Backup,
    *argv: str,
    timeout: float | None = None,
    tracked: Tracked | None = None,
) -> Ran:
    """Run ``argv`` as the backups' owner, killed on the host after its timeout (124: timed
    out); through ``tracked``, recorded on the host while it runs (an interrupted drill's
    cleanup ends it there)."""
    limit = timeout if timeout is not None else spec.timeout_s
    command = f"timeout -k 5 {limit:g} {spec.run_as} " + " ".join(shlex.quote(a) for a in argv)
    out: Any = (tracked or target).run(command)
    return Ran(command, int(out.rc), str(out.stdout), str(out.stderr))


def tool(spec: Backup, name: str) -> str:
    """A PostgreSQL client program of the environment's version."""
    return f"{spec.pg_bin.rstrip('/')}/{name}"


def backups(target: Target, spec: Backup) -> list[str]:
    """The job's backup directories on the host, oldest first (their names sort by time).
    CheckFailed naming host and cause when the location cannot be listed."""
    location = target.var(spec.job.location_var)
    out = run(
        target,
        spec,
        "find",
        location,
        "-mindepth",
        "1",
        "-maxdepth",
        "1",
        "-type",
        "d",
        "-name",
        spec.job.pattern,
    )
    if out.rc != 0:
        raise CheckFailed(
            f"{target.name}: cannot list backups in {location}: "
            f"{(out.stderr.strip() or f'exit {out.rc}')[:200]}"
        )
    return sorted(out.stdout.split())


def read(target: Target, spec: Backup, path: str) -> str | None:
    """A file's text read as the backups' owner; None when it cannot be read."""
    out = run(target, spec, "cat", path)
    return out.stdout if out.rc == 0 else None


def sha256(target: Target, spec: Backup, paths: list[str]) -> dict[str, str | None]:
    """Each path's sha256 (None: absent or unreadable), one ``sha256sum`` for all of them."""
    found: dict[str, str | None] = dict.fromkeys(paths)
    if not paths:
        return found
    sums = parse_sha256sums(run(target, spec, "sha256sum", "--", *paths).stdout)
    return {path: sums.get(path) for path in found}


def psql(
    target: Target,
    spec: Backup,
    database: str,
    sql: str,
    tracked: Tracked | None = None,
    **where: Any,
) -> Ran:
    """One SQL command through ``psql`` with ``ON_ERROR_STOP`` (psql exits 0 on SQL errors
    without it), unaligned tuples only, on the local socket (``socket_dir``, ``port``; or
    those given)."""
    return run(
        target,
        spec,
        tool(spec, "psql"),
        "-X",
        "-A",
        "-t",
        "-q",
        "-v",
        "ON_ERROR_STOP=1",
        "-h",
        str(where.get("socket_dir", spec.socket_dir)),
        "-p",
        str(where.get("port", spec.port)),
        "-d",
        database,
        "-c",
        sql,
        tracked=tracked,
    )


def count_sql(tables: list[str]) -> str:
    """Exact ``count(*)`` of each table, one ``name|count`` row each (never an estimate)."""
    return " UNION ALL ".join(
        f"SELECT '{t}', count(*) FROM \"{t}\"" for t in tables
    )  # names are validated identifiers (expectations)


def parse_counts(text: str) -> dict[str, int | None]:
    counts: dict[str, int | None] = {}
    for line in text.splitlines():
        name, sep, value = line.partition("|")
        if sep and value.strip().isdigit():
            counts[name.strip()] = int(value)
    return counts


def pgbackrest(target: Target, spec: Backup, *argv: str) -> Ran:
    """A pgBackRest command on the environment's stanza."""
    rest = spec.pgbackrest
    if rest is None:
        raise CheckFailed(f"{target.name}: expectations.yml declares no backup.pgbackrest")
    return run(target, spec, *shlex.split(rest.command), f"--stanza={rest.stanza}", *argv)


def commit_sql(tables: list[str]) -> str:
    """The newest commit the instance knows of: the last one it recorded, or the newest
    commit time of a key table's rows (needs ``track_commit_timestamp``; '' when unknown)."""
    rows = " UNION ALL ".join(
        f'SELECT max(pg_xact_commit_timestamp(xmin)) FROM "{t}"' for t in tables
    )
    return (
        "SELECT coalesce(to_char(max(ts) AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), '')"
        f" FROM (SELECT (pg_last_committed_xact()).timestamp AS ts UNION ALL {rows}) AS commits"
    )


@dataclass
class DrillRun:
    """A restore drill on the drill host: each phase's command and seconds, in order, and its
    commands recorded on the host while they run (``tracked``: the cleanup of an interrupted
    drill ends the one in flight, a copy into the directory it removes, a start)."""

    host: str
    phases: list[tuple[str, float, Ran]]
    tracked: Tracked | None = None

    def log(self) -> str:
        lines = [f"restore drill on {self.host}"]
        total = 0.0
        for name, seconds, ran in self.phases:
            total += seconds
            lines.append(f"\n== {name}: {seconds:.2f} s (cumulative {total:.2f} s)\n{ran.log()}")
        return "\n".join(lines)


def _pg_ctl(spec: Backup, *argv: str) -> list[str]:
    return [tool(spec, "pg_ctl"), "-D", spec.drill.datadir, *argv]


def drill_phase(
    target: Target,
    spec: Backup,
    run_: DrillRun,
    name: str,
    *argv: str,
    timeout: float | None = None,
) -> Ran:
    """Run one phase of the drill on the drill host, timed and logged."""
    started = time.monotonic()
    ran = run(target, spec, *argv, timeout=timeout, tracked=run_.tracked)
    run_.phases.append((name, time.monotonic() - started, ran))
    return ran


def drill_restore(target: Target, spec: Backup, run_: DrillRun, base: str) -> Ran:
    """Clear the drill's data directory and its server log (which then holds this drill's
    lines only: what a stopped recovery said is read from it) and copy the base backup into
    it (the backup's location must be readable from the drill host)."""
    d = spec.drill
    drill_phase(target, spec, run_, "clear", "rm", "-rf", "--", d.datadir, d.log)
    drill_phase(target, spec, run_, "socket directory", "mkdir", "-p", "--", d.socket_dir)
    return drill_phase(target, spec, run_, "restore", "cp", "-a", "--", base, d.datadir)


def drill_start(
    target: Target, spec: Backup, run_: DrillRun, name: str = "start and recover", *settings: str
) -> Ran:
    """Start the restored instance: socket only (no TCP listener), no WAL archiving (it must
    never push into the live database's archive), no TLS, and ``settings`` (``name=value``
    each); wait until it accepts connections (recovery from the backup's WAL included)."""
    d = spec.drill
    options = (
        f"-c listen_addresses='' -c port={d.port} -c unix_socket_directories={d.socket_dir} "
        "-c archive_mode=off -c ssl=off"
    ) + "".join(f" -c {shlex.quote(setting)}" for setting in settings)  # pg_ctl: through sh
    wait = f"{d.start_timeout_s:g}"
    return drill_phase(
        target, spec, run_, name,
        *_pg_ctl(spec, "-l", d.log, "-w", "-t", wait, "-o", options, "start"),
        timeout=d.start_timeout_s + 5,
    )  # fmt: skip


def drill_recovery_signal(target: Target, spec: Backup, run_: DrillRun) -> Ran:
    """Put the restored copy into archive recovery (an empty ``recovery.signal``)."""
    signal = f"{spec.drill.datadir.rstrip('/')}/recovery.signal"
    return drill_phase(target, spec, run_, "recovery signal", "cp", "/dev/null", signal)


def drill_stop(target: Target, spec: Backup, run_: DrillRun) -> Ran:
    """Stop the restored instance (fast: it is still in recovery, nothing to lose)."""
    return drill_phase(
        target, spec, run_, "stop at the backup's end",
        *_pg_ctl(spec, "-m", "fast", "-w", "-t", "30", "stop"), timeout=35,
    )  # fmt: skip


def drill_promoted(target: Target, spec: Backup, run_: DrillRun) -> Ran:
    """Wait, at most ``drill.start_timeout_s``, until the restored instance has ended its
    recovery (reached its target and promoted): ``pg_is_in_recovery()`` is false. Its last
    answer is logged as a phase (rc 0 and ``f``: promoted); an instance that stopped (a
    target never reached ends recovery with FATAL) ends the wait at once, and its log's
    reason is said (:func:`golive.model.facts.backup.recovery_stop_reason`)."""
    d = spec.drill
    started, polls = time.monotonic(), [0]

    def observe() -> tuple[Ran, bool]:
        polls[0] += 1
        ran = psql(target, spec, spec.database, "SELECT pg_is_in_recovery()", run_.tracked,
                   socket_dir=d.socket_dir, port=d.port)  # fmt: skip
        stopped = ran.rc != 0 and run(target, spec, *_pg_ctl(spec, "status")).rc == 3
        return ran, stopped

    def done(seen: tuple[Ran, bool]) -> bool:
        return seen[1] or (seen[0].rc == 0 and seen[0].stdout.strip() == "f")

    try:
        ran, stopped = wait_until(observe, d.start_timeout_s, 0.2, until=done, what="promotion")
    except WaitTimeout as exc:
        ran, stopped = exc.last
    if stopped:  # say what happened, not the socket psql did not find; its log says why
        why = "the restored instance stopped during recovery, before reaching its target"
        log = run(target, spec, "cat", "--", d.log)  # this drill's own (drill_restore)
        said = facts.recovery_stop_reason(log.stdout) if log.rc == 0 else None
        ran = Ran(ran.command, 3, "", f"{why} ({said})" if said else why)
    run_.phases.append((f"promoted ({polls[0]} polls)", time.monotonic() - started, ran))
    return ran


@dataclass(frozen=True)
class Markers:
    """The drill's two marker rows on the database host, and the recovery target between
    them (UTC, as PostgreSQL takes it), with the WAL segment that holds the second."""

    before: str
    after: str
    target: str
    segment: str


def _one(target: Target, spec: Backup, sql: str, steps: list[Ran]) -> str:
    ran = psql(target, spec, spec.database, sql)
    steps.append(ran)
    if ran.rc != 0:
        why = (ran.stderr.strip() or f"exit {ran.rc}")[:200]
        raise CheckFailed(f"{target.name}: the drill's marker step failed: {why}")
    return ran.stdout.strip()


def write_markers(target: Target, spec: Backup, run_id: str, steps: list[Ran]) -> Markers:
    """On the database host: commit the marker row ``<run_id>-before``, read the time after
    its commit (the recovery target), commit ``<run_id>-after``, complete the WAL segment
    (each its own transaction, in this order), and wait at most ``drill.archive_wait_s``
    until that segment is archived. CheckFailed naming the host when a step fails, and the
    newest archived segment when the target's is not archived in time (the archive lags: no
    restore can reach the target)."""
    table = spec.drill.marker_table  # a validated identifier
    before, after = f"{run_id}-before", f"{run_id}-after"
    _one(target, spec, f"INSERT INTO \"{table}\" (id) VALUES ('{before}')", steps)
    moment = _one(
        target, spec,
        "SELECT to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US')",
        steps,
    )  # fmt: skip
    _one(target, spec, f"INSERT INTO \"{table}\" (id) VALUES ('{after}')", steps)
    segment = _one(target, spec, "SELECT pg_walfile_name(pg_switch_wal())", steps)
    check = "SELECT coalesce(last_archived_wal, '') FROM pg_stat_archiver"
    wait = spec.drill.archive_wait_s
    try:
        wait_until(lambda: _one(target, spec, check, steps), wait, 0.2,
                   until=lambda last: facts.archived_past(last, segment))  # fmt: skip
    except WaitTimeout as exc:
        raise facts.ArchiveLag(target.name, segment, exc.last, wait) from None
    return Markers(before, after, f"{moment}+00", segment)


def remove_markers(target: Target, spec: Backup, run_id: str) -> Ran:
    """Delete the drill's marker rows on the database host."""
    table = spec.drill.marker_table
    return psql(target, spec, spec.database, f"DELETE FROM \"{table}\" WHERE id LIKE '{run_id}-%'")


def marker_sql(spec: Backup, run_id: str) -> str:
    """The drill's marker rows the restored instance holds, comma-separated."""
    table = spec.drill.marker_table
    rows = f"FROM \"{table}\" WHERE id LIKE '{run_id}-%'"
    return f"SELECT coalesce(string_agg(id, ',' ORDER BY id), '') {rows}"


def drill_query(target: Target, spec: Backup, run_: DrillRun, name: str, sql: str) -> Ran:
    """A query on the restored instance, timed and logged as a phase."""
    d = spec.drill
    started = time.monotonic()
    ran = psql(target, spec, spec.database, sql, run_.tracked, socket_dir=d.socket_dir, port=d.port)
    run_.phases.append((name, time.monotonic() - started, ran))
    return ran


def drill_cleanup(target: Target, spec: Backup, run_: DrillRun | None = None) -> str | None:
    """End the drill's command still running on the host (an interrupted drill: SIGINT or
    SIGTERM ended only golive's side of it), stop the drill's instance (immediate) and remove
    its data directory; None when all are done, else why not."""
    d = spec.drill
    if run_ is not None and run_.tracked is not None:
        problem = run_.tracked.settle(spec.timeout_s, end=True)
        if problem:
            return problem
    run(target, spec, *_pg_ctl(spec, "-m", "immediate", "-w", "-t", "30", "stop"), timeout=35)
    status = run(target, spec, *_pg_ctl(spec, "status"))
    if status.rc not in (3, 4):  # 3: not running, 4: no data directory
        return f"the drill's PostgreSQL in {d.datadir} still runs: {status.stdout.strip()[:200]}"
    removed = run(target, spec, "rm", "-rf", "--", d.datadir)
    if removed.rc != 0:
        return f"{d.datadir} was not removed: {removed.stderr.strip()[:200]}"
    return None


def _utc(expr: str) -> str:
    return f"coalesce(to_char({expr} AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"'), '')"


# one row of facts.ARCHIVER_FIELDS: pg_stat_archiver, the current WAL file and position, the
# segment size, and the segments waiting in archive_status (.ready)
ARCHIVER_SQL = (
    "SELECT current_setting('archive_mode'), a.archived_count, "
    f"coalesce(a.last_archived_wal, ''), {_utc('a.last_archived_time')}, a.failed_count, "
    f"coalesce(a.last_failed_wal, ''), {_utc('a.last_failed_time')}, "
    "pg_walfile_name(pg_current_wal_lsn()), pg_current_wal_lsn(), "
    "(SELECT setting FROM pg_settings WHERE name = 'wal_segment_size'), "
    "r.n, coalesce(r.oldest, ''), "
    "(SELECT setting FROM pg_settings WHERE name = 'archive_timeout'), "
    f"{_utc('now()')} FROM pg_stat_archiver a, "
    "(SELECT count(*) AS n, min(name) AS oldest FROM pg_ls_archive_statusdir() "
    "WHERE name LIKE '%.ready') r"
)


def archiver(target: Target, spec: Backup) -> tuple[Ran, facts.Archiver | str]:
    """The host's WAL archiving facts, or the reason they cannot be read (a sentence naming
    the host) in place of them."""
    out = psql(target, spec, spec.database, ARCHIVER_SQL)
    if out.rc != 0:
        why = (out.stderr.strip() or f"exit {out.rc}")[:200]
        return out, f"{target.name}: pg_stat_archiver cannot be read: {why}"
    try:
        return out, facts.parse_archiver(out.stdout)
    except ValueError as exc:
        return out, f"{target.name}: pg_stat_archiver gave no row golive reads ({exc})"[:300]


def system_id(target: Target, spec: Backup) -> Ran:
    """The live cluster's system identifier (``pg_control_system()``)."""
    return psql(target, spec, spec.database, "SELECT system_identifier FROM pg_control_system()")
