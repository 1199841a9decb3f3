"""Post-Deployment › Backup and Recovery Testing › Backup Validation: each database host's
backups are taken on schedule, recent, retained, intact and restorable, with both tools (the
base-backup job and pgBackRest) judged by their output, never by their exit status alone."""

from __future__ import annotations

import datetime as dt

import pytest

from golive.judge import backup as judge
from golive.model.expectations.backup import Backup
from golive.model.facts import backup as backup_facts
from golive.probe import pgbackup
from golive.probe.appconfig import read_text
from golive.probe.hosts import Target
from pytest_golive.fixtures.backup import DumpRestore, newest_backup, now, restore_dump

pytestmark = [pytest.mark.backup, pytest.mark.plan("post.backup.validation")]


def _rpo(spec: Backup) -> dt.timedelta:
    return dt.timedelta(hours=spec.rpo_hours)


def _fail(found: list[str]) -> None:
    assert not found, "; ".join(found)


@pytest.mark.plan("post.backup.validation", "pre.db.backup")
def test_backup_schedule_meets_rpo(backup_host: Target, backup_spec: Backup) -> None:
    """Claim: the host's schedule runs the backup job at least once per RPO.

    Covers: the schedule file missing or unreadable; no active (uncommented) entry running
    the job (``schedule.command_contains``); an entry that is not valid cron or never
    repeats; its longest gap between two runs (four years of dates, both day fields as cron
    reads them, leap days) longer than the RPO; of several entries, the best one counts.

    Does not cover: whether cron runs the entry and the job succeeds (a job that stopped
    leaves its backups ageing: test_newest_backup_is_within_rpo); a schedule kept in another
    mechanism (a systemd timer: no entry found, so the check fails, never passes)."""
    path = backup_host.var(backup_spec.schedule.file_var)
    _fail(
        judge.schedule_findings(
            backup_host.name,
            path,
            read_text(backup_host, path),
            backup_spec.schedule.command_contains,
            _rpo(backup_spec),
        )
    )


def _pgbackrest_info(target: Target, spec: Backup) -> tuple[list[str], list[judge.RepoBackup]]:
    assert spec.pgbackrest is not None
    out = pgbackup.pgbackrest(target, spec, "info", "--output=json")
    if out.rc != 0 and not out.stdout.strip():
        return [f"{target.name}: pgBackRest info exited {out.rc}: {out.stderr.strip()[:200]}"], []
    return judge.pgbackrest_info(target.name, spec.pgbackrest.stanza, out.stdout)


def test_newest_backup_is_within_rpo(backup_host: Target, backup_spec: Backup, evidence) -> None:
    """Claim: the newest complete backup of each tool (the job, pgBackRest) is younger than
    the RPO.

    Covers: the job's newest complete backup (its manifest's ``taken_at``; a directory
    without a readable manifest does not count) or pgBackRest's newest backup (its stop
    time) older than the RPO, or in the future (a clock); a tool without any complete
    backup; pgBackRest's stanza unreadable.

    Does not cover: recovery between two backups (that needs the WAL archive:
    test_wal_archiving_is_healthy, test_wal_archive_is_continuous); whether the newest
    backup is intact or of this cluster (the verify, checksum and cluster checks)."""
    found, seen = [], []
    moment, rpo, name = now(), _rpo(backup_spec), backup_host.name
    try:
        newest = newest_backup(backup_host, backup_spec)
    except AssertionError as exc:
        found.append(str(exc))
    else:
        taken = newest.manifest.taken_at
        seen.append(f"backup job: {newest.directory} taken {judge.stamp(taken)}")
        if f := judge.age_finding(name, "backup job", taken, moment, rpo):
            found.append(f)
    if backup_spec.pgbackrest is not None:
        problems, repo = _pgbackrest_info(backup_host, backup_spec)
        stops = [b.stopped for b in repo if b.stopped is not None]
        last = max(stops) if stops else None
        seen.append(f"pgBackRest: newest stopped {judge.stamp(last) if last else None}")
        if problems and not repo:
            found += problems
        elif f := judge.age_finding(name, "pgBackRest", last, moment, rpo):
            found.append(f)
    evidence.text(f"{name} newest backups", "\n".join(seen))
    _fail(found)


def test_retention_holds(backup_host: Target, backup_spec: Backup, evidence) -> None:
    """Claim: the host keeps as many backups as its retention promises: no fewer (pruned too
    early, failed runs) and no more (pruning broken: the backup volume fills).

    Covers: the job keeping fewer complete backups (a readable manifest) than
    ``job.min_backups``, or more backup directories than ``job.keep``; pgBackRest keeping
    fewer full backups than ``pgbackrest.min_full`` or more than ``pgbackrest.keep_full``.

    Does not cover: whether the older backups kept are intact (only the newest is verified,
    a time budget); WAL kept for them (test_wal_archive_is_continuous judges the archive
    from the newest backup on); free space on the backup volume (not measured)."""
    found, seen, name, job = [], [], backup_host.name, backup_spec.job
    newest = newest_backup(backup_host, backup_spec)
    seen.append(f"backup job: {newest.complete} complete of {len(newest.all)}: {newest.all}")
    for count in (newest.complete, len(newest.all)):
        f = judge.retention_finding(name, "backup job", count, job.min_backups, job.keep)
        if f and f not in found:
            found.append(f)
    if (spec := backup_spec.pgbackrest) is not None:
        problems, repo = _pgbackrest_info(backup_host, backup_spec)
        fulls = [b.label for b in repo if b.kind == "full"]
        seen.append(f"pgBackRest: {len(fulls)} full of {len(repo)}: {fulls}")
        if problems and not repo:
            found += problems
        elif f := judge.retention_finding(
            name, "pgBackRest", len(fulls), spec.min_full, spec.keep_full
        ):
            found.append(f)
    evidence.text(f"{name} backups kept", "\n".join(seen))
    _fail(found)


def test_base_backup_verifies(backup_host: Target, backup_spec: Backup, evidence) -> None:
    """Claim: the host's newest base backup is intact: ``pg_verifybackup`` checks every file's
    size and checksum against the backup's own manifest, and the WAL the backup needs.

    Covers: a data file changed, missing or extra; the WAL needed absent or damaged; the
    backup manifest damaged; pg_verifybackup printing an error, or not saying "backup
    successfully verified" (its exit status alone is not trusted).

    Does not cover: a backup of another cluster that is intact in itself
    (test_backups_are_of_this_cluster); that it starts and holds the data (the restore
    drill); older backups (time budget)."""
    newest = newest_backup(backup_host, backup_spec)
    base = f"{newest.directory}/{backup_spec.job.base}"
    out = pgbackup.run(
        backup_host, backup_spec, pgbackup.tool(backup_spec, "pg_verifybackup"), base
    )
    evidence.text(f"{backup_host.name} pg_verifybackup output", out.log())
    finding = judge.verifybackup_finding(backup_host.name, base, out.rc, out.stdout, out.stderr)
    _fail([finding] if finding else [])


def test_backup_files_match_manifest(backup_host: Target, backup_spec: Backup, evidence) -> None:
    """Claim: every file the newest backup's job manifest lists (the dump, and the base
    backup's own manifest, which covers each base file) exists with the sha256 the manifest
    records.

    Covers: a listed file missing, unreadable, truncated or altered after the job wrote it.

    Does not cover: a manifest rewritten together with its files (the restore checks and
    the drill prove the content); files the manifest does not list (pg_verifybackup
    reports extra base files: test_base_backup_verifies)."""
    newest = newest_backup(backup_host, backup_spec)
    paths = {name: f"{newest.directory}/{name}" for name in newest.manifest.files}
    sums = pgbackup.sha256(backup_host, backup_spec, list(paths.values()))
    actual = {name: sums[path] for name, path in paths.items()}
    evidence.text(
        f"{backup_host.name} backup checksums",
        "\n".join(f"{paths[n]} {actual[n]} (manifest {newest.manifest.files[n]})" for n in paths),
    )
    _fail(
        judge.checksum_findings(backup_host.name, newest.directory, newest.manifest.files, actual)
    )


def _restored(
    target: Target, spec: Backup, dump_restores: dict[str, DumpRestore], evidence
) -> DumpRestore:
    if target.name not in dump_restores:
        dump_restores[target.name] = restore_dump(target, spec)
    evidence.text(f"{target.name} scratch restore log", dump_restores[target.name].log())
    return dump_restores[target.name]


def test_logical_dump_restores_cleanly(
    backup_host: Target, backup_spec: Backup, dump_restores, evidence
) -> None:
    """Claim: the host's newest logical dump restores without a single error into a scratch
    database, which is dropped afterwards.

    Covers: the dump truncated, damaged or missing; any object failing to restore
    (``pg_restore --exit-on-error``; the SQL around it runs with ``ON_ERROR_STOP``, each
    command on its own, so no pipeline hides a status); the scratch database not created or
    not dropped.

    Does not cover: rows left out of a dump that restores cleanly
    (test_restored_row_counts_match_manifest); a dump of another database
    (test_backups_are_of_this_cluster)."""
    done = _restored(backup_host, backup_spec, dump_restores, evidence)
    _fail([done.finding] if done.finding else [])


def test_restored_row_counts_match_manifest(
    backup_host: Target, backup_spec: Backup, dump_restores, evidence
) -> None:
    """Claim: every key table restored from the newest dump holds exactly the rows the
    backup's manifest recorded (``count(*)``, never an estimate).

    Covers: a key table missing from the restore, or with more or fewer rows than the
    manifest says; the manifest recording no count for a key table; the restore failed
    (then nothing to count).

    Does not cover: a manifest whose counts were taken wrong together with the dump (the job
    counts before and after both and retries); tables outside ``key_tables``; row content
    (counts only)."""
    done = _restored(backup_host, backup_spec, dump_restores, evidence)
    if done.finding:
        pytest.fail(f"{backup_host.name}: nothing to count: {done.finding}")
    _fail(
        judge.count_findings(
            backup_host.name,
            f"restore of {done.newest.directory}",
            backup_spec.key_tables,
            done.newest.manifest.row_counts,
            done.counts,
        )
    )


def test_pgbackrest_repository_verifies(backup_host: Target, backup_spec: Backup, evidence) -> None:
    """Claim: the host's pgBackRest stanza is healthy and every backup in its repository is
    intact, judged by what ``info --output=json`` and ``verify --output=text --verbose``
    print, never their exit status (verify exits 0 when it finds errors, pgbackrest issue
    2502).

    Covers: the stanza missing, or its status code (or a repository's) not 0; a backup
    carrying ``error: true``; verify's status for the stanza not ``ok``; a backup not
    ``valid`` or with a missing, checksum-invalid, size-invalid or other bad file; verify
    checking no backup at all.

    Does not cover: a gap in the WAL archive (verify says ``status: ok`` over one:
    test_wal_archive_is_continuous); a backup of another cluster
    (test_backups_are_of_this_cluster); restoring from pgBackRest (the drill restores the
    job's base backup, with pgBackRest's archived WAL)."""
    spec = backup_spec.pgbackrest
    if spec is None:
        pytest.fail("expectations.yml backup.pgbackrest is not declared (no pgBackRest here)")
    found, _ = _pgbackrest_info(backup_host, backup_spec)
    out = pgbackup.pgbackrest(backup_host, backup_spec, "verify", "--output=text", "--verbose")
    evidence.text(f"{backup_host.name} pgbackrest verify output", out.log())
    _fail(found + judge.pgbackrest_verify(backup_host.name, spec.stanza, out.stdout))


def _archiver(target: Target, spec: Backup, evidence) -> backup_facts.Archiver:
    out, facts = pgbackup.archiver(target, spec)
    evidence.text(f"{target.name} WAL archiver", out.log())
    if isinstance(facts, str):
        pytest.fail(facts)
    return facts


def test_wal_archiving_is_healthy(backup_host: Target, backup_spec: Backup, evidence) -> None:
    """Claim: every commit on the host reaches the WAL archive now, so point-in-time recovery
    to any moment within the RPO is possible (pgBackRest, or any ``archive_command``).

    Covers: archiving off (``archive_mode``); ``archive_command`` failing (a failure in
    ``pg_stat_archiver`` after its last success: a wrong stanza, a full or unreachable
    repository, a permission); a backlog (more completed segments ``.ready`` in
    ``archive_status`` than ``backup.wal.max_waiting_segments``); WAL written since the last
    archived segment older than the RPO (archiving stuck without failing); a quiet
    database's commits waiting unbounded (``archive_timeout`` off or above the RPO, unless
    ``backup.wal.require_archive_timeout`` is false); nothing ever archived; the statistics
    unreadable (a finding naming the host).

    Does not cover: whether the archived segments are where a restore looks and complete
    (test_wal_archive_is_continuous); an ``archive_command`` that exits 0 without storing
    anything (test_wal_archive_is_continuous: the segment PostgreSQL archived last must be
    in the repository); a standby's archiving (the check reads the primary)."""
    facts = _archiver(backup_host, backup_spec, evidence)
    _fail(
        judge.archiver_findings(
            backup_host.name,
            facts,
            _rpo(backup_spec),
            backup_spec.wal.max_waiting_segments,
            backup_spec.wal.require_archive_timeout,
        )
    )


def test_wal_archive_is_continuous(backup_host: Target, backup_spec: Backup, evidence) -> None:
    """Claim: the WAL archive holds every segment from the start of the newest base backup
    (of each tool) up to the one PostgreSQL archived last, on the timeline each belongs to,
    so a restore can replay from that backup to now. Read from the repository's own listing
    (``pgbackrest repo-ls``), never from ``pgbackrest verify``, which says ``status: ok``
    over a gap.

    Covers: a segment missing in the middle (deleted, expired, lost); the last segment
    PostgreSQL archived absent from the repository (``archive_command`` stores elsewhere or
    nothing); segments on the wrong timeline after a promotion (the current timeline's
    ``.history`` file read from the repository, and its absence a finding); a backup whose
    start is not on the current timeline's history; the repository listing unreadable.

    Does not cover: a segment present but damaged (pgbackrest verify's checksums:
    test_pgbackrest_repository_verifies); segments still waiting to be archived
    (test_wal_archiving_is_healthy); the job's own backups when pgBackRest is not declared
    (then nothing is archived where golive can list it: the check fails)."""
    spec = backup_spec.pgbackrest
    if spec is None:
        pytest.fail("expectations.yml backup.pgbackrest is not declared: no archive to list")
    name = backup_host.name
    facts = _archiver(backup_host, backup_spec, evidence)
    size = facts.segment_size
    problems, repo = _pgbackrest_info(backup_host, backup_spec)
    newest = [b for b in repo if b.start_wal and b.archive_id]
    if not newest:
        why = problems or [f"{name}: pgBackRest stanza {spec.stanza} has no backup to replay from"]
        pytest.fail("; ".join(why))
    rest = newest[-1]
    assert rest.start_wal is not None and rest.archive_id is not None
    starts = {f"pgBackRest {rest.label}": rest.start_wal}
    job = newest_backup(backup_host, backup_spec)
    text = pgbackup.read(
        backup_host, backup_spec, f"{job.directory}/{backup_spec.job.base}/backup_manifest"
    )
    job_start = judge.base_backup_start(text or "", size)
    if job_start is None:
        pytest.fail(
            f"{name}: the start WAL of {job.directory}/{backup_spec.job.base} cannot be read"
        )
    starts[f"{job.directory}/{backup_spec.job.base}"] = job_start
    segment = backup_facts.wal_segment
    label, start = min(starts.items(), key=lambda kv: segment(kv[1], size) or (0, 0))
    listing = pgbackup.pgbackrest(
        backup_host, backup_spec, "repo-ls", "--recurse", "--output=json",
        f"archive/{spec.stanza}",
    )  # fmt: skip
    evidence.text(f"{name} WAL archive listing", listing.log()[:20000])
    try:
        held = judge.repo_segments(listing.stdout).get(rest.archive_id, set())
    except ValueError as exc:
        pytest.fail(f"{name}: the archive {rest.archive_id} of stanza {spec.stanza} cannot be "
                    f"listed: {(listing.stderr.strip() or str(exc))[:200]}")  # fmt: skip
    history: list[tuple[int, int]] = []
    tli = int(facts.current_wal[:8], 16)
    if tli > 1:
        path = f"archive/{spec.stanza}/{rest.archive_id}/{tli:08X}.history"
        got = pgbackup.pgbackrest(backup_host, backup_spec, "repo-get", path)
        if got.rc != 0 or not got.stdout.strip():
            pytest.fail(f"{name}: timeline {tli}'s history {path} is not in the archive")
        history = judge.parse_history(got.stdout, size)
    _fail(
        judge.archive_gap_findings(
            name, label, start, facts.last_archived_wal, facts.current_wal, held, history, size
        )
    )


def test_backups_are_of_this_cluster(backup_host: Target, backup_spec: Backup, evidence) -> None:
    """Claim: the newest backups restore *this* host's data: each was taken of the live
    cluster and of the database the plan names.

    Covers: the job's newest base backup of another cluster (the system identifier in its
    ``global/pg_control``, read by ``pg_controldata``, differs from ``pg_control_system()``:
    a re-initialised cluster, a copy from another host, a job pointed elsewhere); pgBackRest's
    newest backup of another cluster (its database's ``system-id`` in ``info``); the dump of
    another database (``pg_restore -l``'s ``dbname``) or the job's manifest naming another;
    any of these unreadable.

    Does not cover: whether the backup is complete and intact (test_base_backup_verifies,
    test_backup_files_match_manifest, test_pgbackrest_repository_verifies); whether its rows
    are the live ones (test_restored_row_counts_match_manifest, the restore drill)."""
    name, spec = backup_host.name, backup_spec
    live = pgbackup.system_id(backup_host, spec)
    job = newest_backup(backup_host, spec)
    base = f"{job.directory}/{spec.job.base}"
    control = pgbackup.run(backup_host, spec, pgbackup.tool(spec, "pg_controldata"), base)
    listed = pgbackup.run(backup_host, spec, pgbackup.tool(spec, "pg_restore"), "-l",
                          f"{job.directory}/{spec.job.dump}")  # fmt: skip
    evidence.text(f"{name} backups' clusters", "\n".join(r.log()[:2000] for r in (live, control)))
    sysids: dict[str, int | None] = {
        f"backup job base {base}": judge.controldata_system_id(control.stdout)
    }
    if spec.pgbackrest is not None:
        out = pgbackup.pgbackrest(backup_host, spec, "info", "--output=json")
        _, repo = judge.pgbackrest_info(name, spec.pgbackrest.stanza, out.stdout)
        ids = judge.pgbackrest_system_ids(spec.pgbackrest.stanza, out.stdout)
        if repo:
            sysids[f"pgBackRest backup {repo[-1].label}"] = ids.get(repo[-1].db_id or -1)
        else:
            sysids["pgBackRest"] = None
    text = live.stdout.strip() if live.rc == 0 else ""
    found = judge.cluster_findings(name, int(text) if text.isdigit() else None, sysids)
    dumped = judge.dump_database(listed.stdout) if listed.rc == 0 else None
    for what, database in (("dump", dumped), ("manifest", job.manifest.database)):
        if database != spec.database:
            found.append(
                f"{name}: {job.directory}'s {what} is of database {database or 'unknown'}, "
                f"the plan's is {spec.database}"
            )
    _fail(found)
