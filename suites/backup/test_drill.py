"""Post-Deployment › Backup and Recovery Testing › Disaster Recovery Drill: the newest base
backup restored into a separate PostgreSQL instance on the drill host (never a database
host), recovered to a chosen point in time through the archived WAL, started and proven by
its data, within the RTO and the RPO."""

from __future__ import annotations

import datetime as dt
import os
import time

import pytest

from golive.judge import backup as judge
from golive.model.environment import Environment
from golive.model.errors import CheckFailed
from golive.model.expectations.backup import Backup
from golive.model.facts import backup as backup_facts
from golive.probe import pgbackup
from golive.probe.hosts import HostPool, Target
from golive.probe.tracked import Tracked
from pytest_golive.fixtures.backup import newest_backup, now

BESIDE = ["smoke", "integration", "tls", "auth"]
"""The checks the drill cannot disturb, during its run or after it (plugins/safety.py: it runs
beside them under xdist, and first among them serially): it touches the drill host (a copy of
the base backup, an instance of its own, removed after), reads the backup repository, and
writes and deletes its own marker rows on the database host (one WAL switch). These checks
talk to the load balancer, the app nodes and the database's orders and TLS, and read neither
the drill host's ports, processes or disk (predeploy, firewall, hardening), the backups
(backup), the database's I/O (performance, the rollback's scratch copy) nor the alerts
(monitoring)."""
pytestmark = [
    pytest.mark.backup,
    pytest.mark.drill(beside=BESIDE),
    pytest.mark.plan("post.backup.drill"),
]


def test_restore_drill_meets_rto_and_rpo(
    drill_host: Target,
    backup_spec: Backup,
    environment: Environment,
    host_pool: HostPool,
    drill,
    evidence,
) -> None:
    """Claim: production's data can be restored to a chosen point in time within the RPO,
    within the RTO: the newest base backup of the (first) database host, restored on the
    drill host, recovers through the archived WAL to a recovery target taken between two
    marker rows written on the database host for this drill, and holds the first and not the
    second. The instance is stopped and its data removed afterwards, also on a failure,
    SIGINT or SIGTERM (the drill's command still running on the host, a copy or a start,
    ended first); the marker rows are deleted.

    Covers: the drill host unreachable; no complete backup; the copy, the recovery to the
    backup's end or the start failing or timing out; a key table missing or its count at the
    backup's end differing from the manifest (recovery paused there, read-only); the
    markers' WAL not archived within ``drill.archive_wait_s``, also where nothing fails and
    the archive only lags (the newest archived segment named: fault wal_archive_lagging);
    the archived WAL not fetchable on the drill host (``drill.restore_command``), archived
    where it does not look though pg_stat_archiver counts it archived, none failed (fault
    wal_archived_elsewhere), or broken between the backup and the target (fault
    wal_segment_damaged; recovery ends before the target: not promoted, the reason its server
    log gives said); the target not honoured
    (the second marker there, or a commit after the target); the first marker missing (the
    restore stopped short); the time from the drill's start to the markers read above the
    RTO; the restored data older than the RPO or its newest commit unknown; the instance not
    stopped or its data not removed; the marker rows not deleted.

    Does not cover: targets further back than the drill's own (any point from the backup to
    now needs every segment in between: test_wal_archive_is_continuous); restoring from
    pgBackRest's backup itself (its repository is verified, not restored:
    test_pgbackrest_repository_verifies); the RTO at another data size than the estate's
    (measured on the estate it runs on); other database hosts than the first (one drill
    per run, a time budget)."""
    names = environment.hosts_with_role(backup_spec.role)
    assert names, f"no host has role {backup_spec.role} (expectations.yml backup.role)"
    assert drill_host.name not in names, (
        f"{drill_host.name} is a database host: a restore drill never runs on one"
    )
    datadir = backup_spec.drill.datadir.rstrip("/")
    for db_host in names:  # on a shared filesystem, never a live database's own directory
        for key, value in environment.inventory.hosts[db_host].vars.items():
            value = value.rstrip("/")
            assert not value.startswith("/") or not (
                value == datadir
                or value.startswith(datadir + "/")
                or datadir.startswith(value + "/")
            ), f"{drill_host.name}: drill datadir {datadir} overlaps {db_host}'s {key} {value}"
    source = host_pool.get(names[0])
    newest = newest_backup(source, backup_spec)
    base = f"{newest.directory}/{backup_spec.job.base}"
    run = pgbackup.DrillRun(drill_host.name, [], Tracked(drill_host))
    name, d = drill_host.name, backup_spec.drill
    run_id = f"golive_drill_{int(time.time())}_{os.getpid()}"
    marking: list[pgbackup.Ran] = []
    recover = (f"restore_command={d.restore_command}", "recovery_target_timeline=current")
    try:
        with drill.disrupting(name, lambda: pgbackup.drill_cleanup(drill_host, backup_spec, run)):
            try:
                markers = pgbackup.write_markers(source, backup_spec, run_id, marking)
            except backup_facts.ArchiveLag as lag:  # no restore reaches the target
                said = judge.archive_wait_finding(
                    lag.host, lag.segment, lag.last_archived, lag.wait_s
                )
                raise CheckFailed(said) from None
            started = time.monotonic()  # the restore's time: the markers are the drill's own
            step = pgbackup.drill_restore(drill_host, backup_spec, run, base)
            assert step.rc == 0, f"{name}: copying {source.name}:{base} failed: {step.stderr[:200]}"
            step = pgbackup.drill_recovery_signal(drill_host, backup_spec, run)
            assert step.rc == 0, f"{name}: recovery.signal not written: {step.stderr[:200]}"
            step = pgbackup.drill_start(
                drill_host, backup_spec, run, "recover to the backup's end", *recover,
                "hot_standby=on", "recovery_target=immediate", "recovery_target_action=pause",
            )  # fmt: skip
            assert step.rc == 0, (
                f"{name}: the restored instance did not start (exit {step.rc}): "
                f"{(step.stderr or step.stdout).strip()[:300]}; see {d.log}"
            )
            counted = pgbackup.drill_query(
                drill_host, backup_spec, run, "verifying query (exact counts)",
                pgbackup.count_sql(backup_spec.key_tables),
            )  # fmt: skip
            problem = judge.restore_finding(name, "the verifying query", counted.rc, counted.stderr)
            assert problem is None, problem
            step = pgbackup.drill_stop(drill_host, backup_spec, run)
            assert step.rc == 0, f"{name}: the restored instance did not stop: {step.stderr[:200]}"
            step = pgbackup.drill_start(
                drill_host, backup_spec, run, f"recover to {markers.target}", *recover,
                "hot_standby=on", f"recovery_target_time={markers.target}",
                "recovery_target_action=promote",
            )  # fmt: skip
            if step.rc == 0:
                step = pgbackup.drill_promoted(drill_host, backup_spec, run)
            assert step.rc == 0 and step.stdout.strip() == "f", (
                f"{name}: point-in-time recovery to {markers.target} did not complete (exit "
                f"{step.rc}): {(step.stderr or step.stdout).strip()[:600]}; see {d.log}"
            )
            marked = pgbackup.drill_query(
                drill_host, backup_spec, run, "markers", pgbackup.marker_sql(backup_spec, run_id)
            )
            rto_s = time.monotonic() - started
            committed = pgbackup.drill_query(
                drill_host,
                backup_spec,
                run,
                "newest commit",
                pgbackup.commit_sql(backup_spec.key_tables),
            )
            text = committed.stdout.strip() if committed.rc == 0 else ""
            facts = judge.DrillFacts(
                rto_s,
                backup_facts.parse_time(text) if text else None,
                newest.manifest.taken_at,
                now(),
                backup_facts.parse_time(markers.target),
            )
    finally:
        marking.append(pgbackup.remove_markers(source, backup_spec, run_id))
        evidence.text(f"{source.name} drill markers", "\n".join(r.log() for r in marking))
        evidence.text(f"{name} restore drill log", run.log())
    found = judge.count_findings(
        name,
        f"restore of {source.name}:{base}",
        backup_spec.key_tables,
        newest.manifest.row_counts,
        pgbackup.parse_counts(counted.stdout),
    )
    if marking[-1].rc != 0:
        found.append(
            f"{source.name}: the drill's marker rows ({run_id}-*) were not deleted: "
            f"{marking[-1].stderr.strip()[:200]}"
        )
    found += judge.point_in_time_findings(
        name,
        markers.target,
        markers.before,
        markers.after,
        marked.stdout.strip() if marked.rc == 0 else None,
    )
    found += judge.drill_findings(
        name,
        facts,
        dt.timedelta(seconds=backup_spec.rto_seconds),
        dt.timedelta(hours=backup_spec.rpo_hours),
    )
    evidence.json(
        f"{name} restore drill measures",
        {
            "rto_s": round(facts.rto_s, 3),
            "rto_limit_s": backup_spec.rto_seconds,
            "newest_commit": facts.newest_commit.isoformat() if facts.newest_commit else None,
            "backup_taken": facts.backup_taken.isoformat(),
            "recovery_target": markers.target,
            "rpo_achieved_s": (
                round((facts.now - facts.newest_commit).total_seconds(), 1)
                if facts.newest_commit
                else None
            ),
            "newest_commit_before_backup_s": (
                round((facts.backup_taken - facts.newest_commit).total_seconds(), 1)
                if facts.newest_commit
                else None
            ),
            "phases_s": {p: round(s, 3) for p, s, _ in run.phases},
        },
    )
    assert not found, "; ".join(found)
