"""The backup probe and fixtures' command sequences, against a fake host (no network): every
command bounded by ``timeout`` and run as the backups' owner, no pipeline, psql with
ON_ERROR_STOP, the scratch database dropped whatever fails, the drill's cleanup verified."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

import pytest

from golive.model.environment import Host
from golive.model.expectations.backup import Backup
from golive.model.facts.backup import ArchiveLag
from golive.probe import pgbackup
from golive.probe.hosts import Target
from pytest_golive.fixtures.backup import restore_dump

SPEC = Backup.model_validate({
    "role": "db", "run_as": "sudo -n -u postgres", "pg_bin": "/pg/bin", "socket_dir": "/run/pg",
    "port": 5432, "database": "trading", "scratch_database": "golive_restore_check",
    "key_tables": ["users", "orders"], "rpo_hours": 24, "rto_seconds": 120, "timeout_s": 20,
    "schedule": {"file_var": "cron", "command_contains": "backup.sh"},
    "job": {"location_var": "backups", "dump": "trading.dump", "keep": 3},
    "drill": {"role": "drill", "datadir": "/dr/data", "socket_dir": "/dr/run", "port": 5432,
              "log": "/dr/log", "marker_table": "golive_drill_marker", "archive_wait_s": 1,
              "restore_command": 'pgbackrest --stanza=db1 archive-get %f "%p"'},
})  # fmt: skip
MANIFEST = json.dumps({
    "taken_at": "2026-11-27T06:00:00Z", "database": "trading",
    "row_counts": {"users": 3, "orders": 2}, "files": {"trading.dump": "a" * 64},
})  # fmt: skip


@dataclass
class FakeHost:
    """Answers each command by the first rule whose text it contains; records them all."""

    rules: list[tuple[str, tuple[int, str, str]]]
    commands: list[str] = field(default_factory=list)

    def run(self, command: str, *args: str) -> Any:
        self.commands.append(command)
        for needle, (rc, out, err) in self.rules:
            if needle in command:
                return SimpleNamespace(rc=rc, stdout=out, stderr=err)
        return SimpleNamespace(rc=0, stdout="", stderr="")


def target(*rules: tuple[str, tuple[int, str, str]]) -> tuple[Target, FakeHost]:
    fake = FakeHost(list(rules))
    host = Host(address="192.0.2.21", roles=["db"], vars={"backups": "/bk"})
    return Target("db1", host, SimpleNamespace(run=fake.run)), fake


LISTED = ("find", (0, "/bk/20261127T060000Z\n/bk/20261126T060000Z\n", ""))
READ = ("cat", (0, MANIFEST, ""))


def test_every_command_is_bounded_and_run_as_the_owner_without_a_pipeline() -> None:
    host, fake = target(LISTED, READ, ("count(*)", (0, "users|3\norders|2\n", "")))
    done = restore_dump(host, SPEC)
    assert done.finding is None and done.counts == {"users": 3, "orders": 2}
    assert done.newest.directory == "/bk/20261127T060000Z"  # newest by name
    for command in fake.commands:
        assert command.startswith("timeout -k 5 20 sudo -n -u postgres "), command
        assert "|" not in command.replace("'users'", "").split("-c", 1)[0], command
    psqls = [c for c in fake.commands if "/pg/bin/psql" in c]
    assert psqls and all("ON_ERROR_STOP=1" in c for c in psqls)
    restore = next(c for c in fake.commands if "pg_restore" in c)
    assert "--exit-on-error" in restore and "/bk/20261127T060000Z/trading.dump" in restore
    assert "DROP DATABASE IF EXISTS" in fake.commands[-1]


def test_a_failed_restore_is_named_and_the_scratch_database_still_dropped() -> None:
    eof = "pg_restore: error: could not read from input file: end of file"
    host, fake = target(LISTED, READ, ("pg_restore", (1, "", eof)))
    done = restore_dump(host, SPEC)
    assert done.finding == (f"db1: pg_restore of /bk/20261127T060000Z/trading.dump failed: {eof}")
    assert not any("count(*)" in c for c in fake.commands)  # nothing counted
    assert "DROP DATABASE IF EXISTS" in fake.commands[-1]


def test_psql_error_with_exit_zero_still_fails() -> None:
    host, _ = target(LISTED, READ, ("count(*)", (0, "", 'ERROR:  relation "users" does not exist')))
    done = restore_dump(host, SPEC)
    assert done.finding is not None and "relation" in done.finding


def test_drill_cleanup_requires_the_instance_stopped_and_its_data_removed() -> None:
    host, fake = target(("status", (3, "pg_ctl: no server running", "")))
    assert pgbackup.drill_cleanup(host, SPEC) is None
    assert any("-m immediate" in c and c.endswith("stop") for c in fake.commands)
    assert "rm -rf -- /dr/data" in fake.commands[-1]
    still, _ = target(("status", (0, "pg_ctl: server is running (PID: 7)", "")))
    assert "still runs" in str(pgbackup.drill_cleanup(still, SPEC))


def test_drill_start_listens_on_no_address_and_never_archives() -> None:
    host, fake = target()
    run = pgbackup.DrillRun("dr1", [])
    pgbackup.drill_start(host, SPEC, run)
    (command,) = fake.commands
    assert "listen_addresses=" in command and "archive_mode=off" in command
    assert command.startswith("timeout -k 5 65 ")  # start timeout + 5
    assert [name for name, _, _ in run.phases] == ["start and recover"]


def test_markers_are_committed_in_order_around_the_target_and_archived() -> None:
    host, fake = target(
        ("clock_timestamp", (0, "2026-11-27 06:00:00.000001\n", "")),
        ("pg_switch_wal", (0, "000000010000000000000007\n", "")),
        ("pg_stat_archiver", (0, "000000010000000000000007\n", "")),
    )
    steps: list[pgbackup.Ran] = []
    markers = pgbackup.write_markers(host, SPEC, "golive_drill_1_2", steps)
    assert markers.target == "2026-11-27 06:00:00.000001+00"
    assert (markers.before, markers.after) == ("golive_drill_1_2-before", "golive_drill_1_2-after")
    order = ["golive_drill_1_2-before", "clock_timestamp", "golive_drill_1_2-after",
             "pg_switch_wal", "pg_stat_archiver"]  # fmt: skip
    assert [next(i for i, c in enumerate(fake.commands) if o in c) for o in order] == [
        0,
        1,
        2,
        3,
        4,
    ]


def test_markers_never_archived_are_a_lag_naming_the_host() -> None:
    """The wait's facts (host, segment, newest archived, the wait) go back to the drill,
    whose judge says them (judge.backup.archive_wait_finding, test_backup_judge)."""
    host, _ = target(
        ("clock_timestamp", (0, "2026-11-27 06:00:00\n", "")),
        ("pg_switch_wal", (0, "000000010000000000000007\n", "")),
        ("pg_stat_archiver", (0, "000000010000000000000006\n", "")),
    )
    with pytest.raises(ArchiveLag) as lag:
        pgbackup.write_markers(host, SPEC, "golive_drill_1_2", [])
    assert (lag.value.host, lag.value.segment) == ("db1", "000000010000000000000007")
    assert lag.value.last_archived.strip() == "000000010000000000000006"
    assert lag.value.wait_s == SPEC.drill.archive_wait_s


def test_drill_start_passes_recovery_settings_quoted_for_the_shell() -> None:
    host, fake = target()
    run = pgbackup.DrillRun("dr1", [])
    pgbackup.drill_start(host, SPEC, run, "recover", "recovery_target_time=2026-11-27 06:00:00+00")
    assert "'\"'\"'recovery_target_time=2026-11-27 06:00:00+00'\"'\"'" in fake.commands[0]


def test_a_drill_instance_that_stopped_in_recovery_says_why_from_its_log() -> None:
    log = (
        "2026-12-06 23:09:44.768 UTC [9429] @  LOG:  last completed transaction was at log "
        "time 2026-12-06 23:09:13.654229+00\n"
        "2026-12-06 23:09:44.768 UTC [9429] @  FATAL:  recovery ended before configured "
        "recovery target was reached\n"
    )
    host, fake = target(
        ("/pg/bin/psql", (2, "", "psql: error: connection to server on socket failed")),
        ("status", (3, "pg_ctl: no server running", "")),
        ("cat -- /dr/log", (0, log, "")),
    )
    run = pgbackup.DrillRun("dr1", [])
    ran = pgbackup.drill_promoted(host, SPEC, run)
    assert (ran.rc, ran.stdout) == (3, "")
    assert ran.stderr == (
        "the restored instance stopped during recovery, before reaching its target (recovery "
        "ended before configured recovery target was reached; last completed transaction was "
        "at log time 2026-12-06 23:09:13.654229+00)"
    )
    assert any(c.endswith("cat -- /dr/log") for c in fake.commands)
    unread, _ = target(("/pg/bin/psql", (2, "", "")), ("status", (3, "", "")), ("cat", (1, "", "")))
    said = pgbackup.drill_promoted(unread, SPEC, pgbackup.DrillRun("dr1", [])).stderr
    assert said == "the restored instance stopped during recovery, before reaching its target"


def test_a_drill_clears_its_data_directory_and_server_log_before_copying() -> None:
    """The log then holds this drill's lines only: a stopped recovery's reason is its own."""
    host, fake = target()
    pgbackup.drill_restore(host, SPEC, pgbackup.DrillRun("dr1", []), "/bk/1/base")
    assert fake.commands[0].endswith("rm -rf -- /dr/data /dr/log")
    assert fake.commands[-1].endswith("cp -a -- /bk/1/base /dr/data")
