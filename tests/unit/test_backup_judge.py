"""Backup judge: pgBackRest info/verify output, pg_verifybackup, manifests, schedule, RPO/RTO
(samples are pgBackRest 2.45's and PostgreSQL 15's real output; no network)."""

from __future__ import annotations

import copy
import datetime as dt
import json
from typing import Any

import pytest

from golive.judge import backup as bj
from golive.model.facts import backup as bf

UTC = dt.UTC
NOW = dt.datetime(2026, 11, 27, 12, 0, tzinfo=UTC)
DAY = dt.timedelta(hours=24)

INFO_OK: list[dict[str, Any]] = [
    {
        "archive": [{"database": {"id": 1, "repo-key": 1}, "id": "15-1",
                     "max": "000000010000000000000004", "min": "000000010000000000000002"}],
        "backup": [{
            "archive": {"start": "000000010000000000000004", "stop": "000000010000000000000004"},
            "backrest": {"format": 5, "version": "2.45"},
            "database": {"id": 1, "repo-key": 1},
            "error": False,
            "info": {"delta": 30886751, "repository": {"delta": 4697543, "size": 4697543},
                     "size": 30886751},
            "label": "20261127-063654F",
            "lsn": {"start": "0/4000028", "stop": "0/4000100"},
            "prior": None, "reference": None,
            "timestamp": {"start": 1795761414, "stop": 1795761420},
            "type": "full",
        }],
        "cipher": "none",
        "db": [{"id": 1, "repo-key": 1, "system-id": 7712735943033170038, "version": "15"}],
        "name": "db1",
        "repo": [{"cipher": "none", "key": 1, "status": {"code": 0, "message": "ok"}}],
        "status": {"code": 0, "lock": {"backup": {"held": False}}, "message": "ok"},
    }
]  # fmt: skip
INFO_MISSING = (
    '[{"archive":[],"backup":[],"cipher":"none","db":[],"name":"db1","repo":[{"cipher":"none",'
    '"key":1,"status":{"code":1,"message":"missing stanza path"}}],"status":{"code":1,"lock":'
    '{"backup":{"held":false}},"message":"missing stanza path"}}]'
)
VERIFY_OK = """stanza: db1
status: ok
  archiveId: 15-1, total WAL checked: 3, total valid WAL: 3
    missing: 0, checksum invalid: 0, size invalid: 0, other: 0
  backup: 20261127-063654F, status: valid, total files checked: 1291, total valid files: 1291
    missing: 0, checksum invalid: 0, size invalid: 0, other: 0
"""
# what `verify` printed (exit status 0) after one byte of a repository file was changed
VERIFY_CORRUPT = """stanza: db1
status: error
  archiveId: 15-1, total WAL checked: 3, total valid WAL: 3
    missing: 0, checksum invalid: 0, size invalid: 0, other: 0
  backup: 20261127-063654F, status: invalid, total files checked: 1291, total valid files: 1290
    missing: 0, checksum invalid: 1, size invalid: 0, other: 0
"""


def test_pgbackrest_info_healthy_gives_backups_and_no_finding() -> None:
    found, backups = bj.pgbackrest_info("db1", "db1", json.dumps(INFO_OK))
    assert found == []
    assert [(b.label, b.kind, b.error) for b in backups] == [("20261127-063654F", "full", False)]
    assert backups[0].stopped == dt.datetime.fromtimestamp(1795761420, UTC)


def test_pgbackrest_info_missing_stanza_path_and_unknown_stanza() -> None:
    found, backups = bj.pgbackrest_info("db1", "db1", INFO_MISSING)
    assert backups == []
    assert "db1: pgBackRest stanza db1: status 1 (missing stanza path)" in found
    assert any("repo1 status 1" in f for f in found)
    assert bj.pgbackrest_info("db1", "other", json.dumps(INFO_OK))[0] == [
        "db1: pgBackRest stanza other: not in `info` output"
    ]


def test_pgbackrest_info_error_flag_and_silence_about_it_are_findings() -> None:
    bad = copy.deepcopy(INFO_OK)
    bad[0]["backup"][0]["error"] = True
    assert bj.pgbackrest_info("db1", "db1", json.dumps(bad))[0] == [
        "db1: pgBackRest stanza db1: backup 20261127-063654F has errors (info: error=true)"
    ]
    del bad[0]["backup"][0]["error"]
    assert "does not say" in bj.pgbackrest_info("db1", "db1", json.dumps(bad))[0][0]
    assert "printed no JSON" in bj.pgbackrest_info("db1", "db1", "ERROR: [055]")[0][0]


def test_pgbackrest_verify_ok_and_corrupt_repository() -> None:
    assert bj.pgbackrest_verify("db1", "db1", VERIFY_OK) == []
    assert bj.pgbackrest_verify("db1", "db1", VERIFY_CORRUPT) == [
        "db1: pgBackRest verify of stanza db1: status error",
        "db1: pgBackRest verify of stanza db1: backup 20261127-063654F is invalid "
        "(1 checksum invalid of 1291 files)",
    ]


def test_pgbackrest_verify_says_nothing_is_never_a_pass() -> None:
    assert bj.pgbackrest_verify("db1", "db1", "") == [
        "db1: pgBackRest verify of stanza db1: the stanza is not in its output"
    ]
    no_backup = "stanza: db1\nstatus: ok\n  archiveId: 15-1, total WAL checked: 0\n"
    assert bj.pgbackrest_verify("db1", "db1", no_backup) == [
        "db1: pgBackRest verify of stanza db1: no backup was verified"
    ]
    # the other stanza's error is not this one's, and this one's block ends at the next
    two = VERIFY_OK + VERIFY_CORRUPT.replace("stanza: db1", "stanza: db2")
    assert bj.pgbackrest_verify("db1", "db1", two) == []
    assert len(bj.pgbackrest_verify("db1", "db2", two)) == 2


def test_verifybackup_requires_its_success_line() -> None:
    assert bj.verifybackup_finding("db1", "/b", 0, "backup successfully verified\n", "") is None
    mismatch = 'pg_verifybackup: error: checksum mismatch for file "global/1260"\n'
    assert bj.verifybackup_finding("db1", "/b", 1, "", mismatch) == (
        'db1: base backup /b does not verify: checksum mismatch for file "global/1260"'
    )
    assert "no 'backup successfully verified'" in str(
        bj.verifybackup_finding("db1", "/b", 0, "", "")
    )
    # an error line with exit 0 still fails
    assert "missing" in str(
        bj.verifybackup_finding(
            "db1", "/b", 0, "backup successfully verified\n",
            'pg_verifybackup: error: "base/1/2" is present in the manifest but not on disk missing',
        )
    )  # fmt: skip


def test_manifest_parses_and_rejects_what_is_not_one() -> None:
    text = json.dumps({
        "taken_at": "2026-11-27T06:34:39Z", "database": "trading",
        "row_counts": {"orders": 2, "users": 3}, "files": {"trading.dump": "AB" * 32},
    })  # fmt: skip
    m = bf.parse_manifest("db1:/m", text)
    assert m.taken_at == dt.datetime(2026, 11, 27, 6, 34, 39, tzinfo=UTC)
    assert m.row_counts == {"orders": 2, "users": 3}
    assert m.files == {"trading.dump": "ab" * 32}
    for bad in ("", "{}", '{"taken_at": "x", "database": "t", "row_counts": {}, "files": {}}'):
        with pytest.raises(ValueError, match="db1:/m"):
            bf.parse_manifest("db1:/m", bad)


def test_checksums_missing_and_altered() -> None:
    want = {"trading.dump": "a" * 64, "base/backup_manifest": "b" * 64}
    assert bj.checksum_findings("db1", "/bk/1", want, dict(want)) == []
    found = bj.checksum_findings(
        "db1", "/bk/1", want, {"trading.dump": "c" * 64, "base/backup_manifest": None}
    )
    assert found == [
        "db1: /bk/1/base/backup_manifest is missing (the manifest lists it)",
        f"db1: /bk/1/trading.dump sha256 {'c' * 12}… differs from the manifest's {'a' * 12}…",
    ]


def test_restore_fails_on_status_or_error_lines() -> None:
    assert bj.restore_finding("db1", "pg_restore of /d", 0, "") is None
    eof = "pg_restore: error: could not read from input file: end of file"
    assert bj.restore_finding("db1", "pg_restore of /d", 1, eof + "\n") == (
        f"db1: pg_restore of /d failed: {eof}"
    )
    # psql without ON_ERROR_STOP exits 0 after an error: the error line still fails it
    assert "ERROR:  relation" in str(
        bj.restore_finding("db1", "x", 0, 'psql:<stdin>:1: ERROR:  relation "t" does not exist')
    )
    assert bj.restore_finding("db1", "x", 124, "") == "db1: x failed: exit 124"


def test_counts_exact() -> None:
    tables = ["orders", "users"]
    assert (
        bj.count_findings("db1", "r", tables, {"orders": 2, "users": 3}, {"orders": 2, "users": 3})
        == []
    )
    assert bj.count_findings("db1", "r", tables, {"orders": 2}, {"orders": 1, "users": None}) == [
        "db1: r: orders has 1 rows, the manifest says 2",
        "db1: r: the manifest records no row count for users",
    ]
    assert bj.count_findings("db1", "r", ["users"], {"users": 3}, {}) == [
        "db1: r: table users is missing"
    ]


def test_age_and_retention() -> None:
    old = dt.datetime(2026, 11, 21, 2, 0, tzinfo=UTC)
    assert bj.age_finding("db1", "backup job", old, NOW, DAY) == (
        "db1: backup job: newest backup 2026-11-21T02:00Z is 6.4 days old, RPO is 24 h"
    )
    assert bj.age_finding("db1", "job", NOW - dt.timedelta(hours=23), NOW, DAY) is None
    assert "no backup at all" in str(bj.age_finding("db1", "pgBackRest", None, NOW, DAY))
    assert "in the future" in str(bj.age_finding("db1", "j", NOW + DAY, NOW, DAY))
    assert bj.retention_finding("db1", "job", 1, 1, 3) is None
    assert "0 complete backup(s) kept, retention requires 1" in str(
        bj.retention_finding("db1", "job", 0, 1, 3)
    )
    assert "5 backups kept, retention keeps 3" in str(bj.retention_finding("db1", "job", 5, 1, 3))


@pytest.mark.parametrize(
    ("schedule", "gap"),
    [
        ("0 2 * * *", DAY),
        ("@daily", DAY),
        ("*/15 * * * *", dt.timedelta(minutes=15)),
        ("0 2 * * 0", 7 * DAY),
        ("0 2,14 * * 1-5", dt.timedelta(hours=60)),  # Friday 14:00 to Monday 02:00
        ("0 3 1 * *", dt.timedelta(days=31)),
    ],
)
def test_cron_longest_gap(schedule: str, gap: dt.timedelta) -> None:
    assert bj.cron_max_gap(schedule) == gap


def test_schedule_findings() -> None:
    cron = "# nightly\n0 2 * * * postgres sh /x/backup.sh /b /s 5432\n"
    assert bj.schedule_findings("db1", "/c", cron, "backup.sh", DAY) == []
    assert bj.schedule_findings("db1", "/c", "#" + cron.split("\n")[1], "backup.sh", DAY) == [
        "db1: no active schedule entry in /c runs backup.sh"
    ]
    weekly = cron.replace("0 2 * * *", "0 2 * * 0")
    assert bj.schedule_findings("db1", "/c", weekly, "backup.sh", DAY) == [
        "db1: /c runs backup.sh every 7 days at most, RPO is 24 h"
    ]
    assert (
        "not valid cron"
        in bj.schedule_findings("db1", "/c", cron.replace("0 2", "0 25"), "backup.sh", DAY)[0]
    )


def test_drill_rto_and_rpo() -> None:
    taken = NOW - dt.timedelta(hours=2)
    ok = bj.DrillFacts(30.0, taken - dt.timedelta(seconds=5), taken, NOW)
    assert bj.drill_findings("dr1", ok, dt.timedelta(seconds=120), DAY) == []
    slow = bj.DrillFacts(300.0, taken, taken, NOW)
    assert bj.drill_findings("dr1", slow, dt.timedelta(seconds=120), DAY) == [
        "dr1: restore drill took 5 min to a verified query, RTO is 2 min"
    ]
    stale = bj.DrillFacts(30.0, NOW - 2 * DAY, NOW - 2 * DAY, NOW)
    assert bj.drill_findings("dr1", stale, dt.timedelta(seconds=120), DAY) == [
        "dr1: restored data ends at 2026-11-25T12:00Z, 2 days before now, RPO is 24 h"
    ]
    unknown = bj.DrillFacts(30.0, None, taken, NOW)
    assert "RPO unknown" in bj.drill_findings("dr1", unknown, dt.timedelta(seconds=120), DAY)[0]
    later = bj.DrillFacts(30.0, NOW, taken, NOW)
    assert (
        "after the backup's time" in bj.drill_findings("dr1", later, dt.timedelta(hours=1), DAY)[0]
    )


# -- WAL archiving, the archive's continuity, the backups' cluster (issue 22) -----------------

SEG = 16 << 20
RPO = dt.timedelta(hours=24)


def _archiver(**changes: Any) -> bf.Archiver:
    row = {
        "archive_mode": "on", "archived_count": "6",
        "last_archived_wal": "000000010000000000000004",
        "last_archived_time": "2026-11-27T11:59:00Z",
        "failed_count": "0", "last_failed_wal": "", "last_failed_time": "",
        "current_wal": "000000010000000000000005", "current_lsn": "0/5000060",
        "segment_size": str(SEG), "waiting": "0", "oldest_waiting": "", "archive_timeout_s": "3600",
        "now": "2026-11-27T12:00:00Z",
    }  # fmt: skip
    row.update(changes)
    return bf.parse_archiver("|".join(row[k] for k in bf.ARCHIVER_FIELDS) + "\n")


def test_archiver_healthy_is_no_finding() -> None:
    assert bj.archiver_findings("db1", _archiver(), RPO, 1) == []


def test_archiver_failures_after_the_last_success_are_a_finding() -> None:
    facts = _archiver(failed_count="7", last_failed_wal="000000010000000000000005",
                      last_failed_time="2026-11-27T11:59:30Z", waiting="1")  # fmt: skip
    (finding,) = bj.archiver_findings("db1", facts, RPO, 1)
    assert finding.startswith("db1: WAL archiving failing: 7 failures since 2026-11-27T11:59Z")


def test_archiver_failures_before_the_last_success_are_history() -> None:
    facts = _archiver(failed_count="7", last_failed_time="2026-11-27T11:00:00Z")
    assert bj.archiver_findings("db1", facts, RPO, 1) == []


def test_archiver_off_backlog_stuck_and_never_are_findings() -> None:
    assert (
        "archive_mode=off" in bj.archiver_findings("db1", _archiver(archive_mode="off"), RPO, 1)[0]
    )
    backlog = _archiver(waiting="5", oldest_waiting="000000010000000000000005.ready")
    assert "5 WAL segments wait to be archived" in bj.archiver_findings("db1", backlog, RPO, 1)[0]
    stuck = _archiver(last_archived_time="2026-11-25T12:00:00Z", current_lsn="0/7000000")
    assert (
        "is not archived (2 days ago, RPO is 24 h)" in bj.archiver_findings("db1", stuck, RPO, 1)[0]
    )
    idle = _archiver(last_archived_time="2026-11-25T12:00:00Z", current_lsn="0/5000000")
    assert bj.archiver_findings("db1", idle, RPO, 1) == []  # nothing written since
    never = _archiver(last_archived_wal="", last_archived_time="")
    assert bj.archiver_findings("db1", never, RPO, 1) == [
        "db1: WAL archiving has not archived a segment yet"
    ]


def test_archive_timeout_off_or_above_the_rpo_is_a_finding() -> None:
    (off,) = bj.archiver_findings("db1", _archiver(archive_timeout_s="0"), RPO, 1)
    assert off == (
        "db1: archive_timeout is 0 (off): on a quiet database a commit can wait unarchived "
        "longer than the RPO of 24 h"
    )
    assert (
        "is 2 days" in bj.archiver_findings("db1", _archiver(archive_timeout_s="172800"), RPO, 1)[0]
    )
    assert bj.archiver_findings("db1", _archiver(archive_timeout_s="0"), RPO, 1, False) == []


def test_parse_archiver_refuses_a_short_row() -> None:
    with pytest.raises(ValueError, match="expected 14 fields"):
        bf.parse_archiver("on|6")


def _listing(*names: str) -> str:
    files = {f"15-1/{n[:16]}/{n}-{'a' * 40}.gz": {"type": "file"} for n in names}
    return json.dumps({".": {"type": "path"}, "15-1": {"type": "path"}, **files,
                       "15-1/00000002.history": {"type": "file"}})  # fmt: skip


def _gap(
    held: str,
    last: str = "000000010000000000000006",
    history: tuple[tuple[int, int], ...] | list[tuple[int, int]] = (),
    current: str | None = None,
) -> list[str]:
    return bj.archive_gap_findings(
        "db1", "20261127-063654F", "000000010000000000000002", last,
        current or "000000010000000000000007", bj.repo_segments(held)["15-1"], list(history), SEG,
    )  # fmt: skip


def test_archive_continuous_is_no_finding() -> None:
    names = [f"0000000100000000000000{i:02X}" for i in range(1, 7)]
    assert _gap(_listing(*names)) == []


def test_archive_gap_names_the_missing_segment() -> None:
    names = [f"0000000100000000000000{i:02X}" for i in (1, 2, 3, 5, 6)]
    (finding,) = _gap(_listing(*names))
    assert finding.startswith(
        "db1: WAL archive gap: segment 000000010000000000000004 missing between backup "
        "20261127-063654F (start 000000010000000000000002) and now"
    )


def test_archive_without_the_last_archived_segment_is_a_gap() -> None:
    names = [f"0000000100000000000000{i:02X}" for i in range(1, 4)]
    assert (
        "3 segments 000000010000000000000004, 000000010000000000000005" in _gap(_listing(*names))[0]
    )


def test_archive_after_a_promotion_follows_the_timeline_history() -> None:
    # timeline 2 began at 0/4000000: segments 2-3 on timeline 1, 4-6 on timeline 2
    history = bj.parse_history("1\t0/4000000\tno recovery target specified\n", SEG)
    ok = [f"0000000100000000000000{i:02X}" for i in (2, 3)] + [
        f"0000000200000000000000{i:02X}" for i in (4, 5, 6)
    ]
    last, now = "000000020000000000000006", "000000020000000000000007"
    assert _gap(_listing(*ok), last, history, now) == []
    wrong = [f"0000000100000000000000{i:02X}" for i in range(2, 7)]
    assert "000000020000000000000004" in _gap(_listing(*wrong), last, history, now)[0]


def test_archive_at_a_larger_segment_size() -> None:
    size = 64 << 20  # 64 segments per id: 0/100000000 is segment 64, 000000010000000100000000
    start = bj.base_backup_start(
        '{"WAL-Ranges": [{"Timeline": 1, "Start-LSN": "0/FC000028"}]}', size
    )
    assert start == "00000001000000000000003F"
    held = bj.repo_segments(_listing("00000001000000000000003F", "000000010000000100000000"))[
        "15-1"
    ]
    assert bj.archive_gap_findings("db1", "b", start, "000000010000000100000000",
                                   "000000010000000100000001", held, [], size) == []  # fmt: skip


def test_repo_listing_that_is_not_json_is_refused() -> None:
    with pytest.raises(ValueError):
        bj.repo_segments("ERROR: [055]: unable to list")


def test_cluster_of_each_backup_is_the_live_one() -> None:
    assert bj.cluster_findings("db1", 77, {"backup job base b": 77, "pgBackRest x": 77}) == []
    (other,) = bj.cluster_findings("db1", 77, {"backup job base b": 78})
    assert other.startswith("db1: backup job base b is of another cluster (system identifier 78")
    assert "cannot be read" in bj.cluster_findings("db1", 77, {"pgBackRest": None})[0]
    assert "live cluster" in bj.cluster_findings("db1", None, {})[0]


def test_cluster_facts_parsers() -> None:
    text = (
        "pg_control version number:     1300\nDatabase system identifier:    7716235384821025352\n"
    )
    assert bj.controldata_system_id(text) == 7716235384821025352
    assert bj.controldata_system_id("") is None
    assert bj.dump_database(";\n; Archive created at 2026\n;     dbname: trading\n") == "trading"
    assert bj.pgbackrest_system_ids("db1", json.dumps(INFO_OK)) == {1: 7712735943033170038}
    _, (backup,) = bj.pgbackrest_info("db1", "db1", json.dumps(INFO_OK))
    assert (backup.start_wal, backup.db_id, backup.archive_id) == (
        "000000010000000000000004",
        1,
        "15-1",
    )


def test_point_in_time_restore_holds_the_marker_before_and_not_after() -> None:
    target = "2026-11-27 11:59:00.000001+00"
    ok = bj.point_in_time_findings("dr1", target, "m-before", "m-after", "m-before")
    assert ok == []
    (short,) = bj.point_in_time_findings("dr1", target, "m-before", "m-after", "")
    assert "marker row committed before it is missing" in short
    (past,) = bj.point_in_time_findings("dr1", target, "m-before", "m-after", "m-after,m-before")
    assert "committed after it is there: the recovery target was not honoured" in past
    assert "cannot be read" in bj.point_in_time_findings("dr1", target, "b", "a", None)[0]


def test_the_targets_segment_is_archived_only_once_the_archiver_reached_it() -> None:
    segment = "000000010000000100000007"
    assert bf.archived_past("000000010000000100000007\n", segment)
    assert bf.archived_past("000000010000000200000000", segment)  # a later log id
    assert bf.archived_past("000000020000000100000008.partial", segment)
    assert not bf.archived_past("000000010000000100000006", segment)  # lagging
    # a .history file or nothing archived says nothing (a text comparison said "t" for
    # "00000002.history")
    assert not bf.archived_past("00000002.history", segment)
    assert not bf.archived_past("", segment)


def test_an_archive_lagging_behind_the_drills_target_is_said_with_the_newest_archived() -> None:
    segment, newest = "000000010000000000000007", "000000010000000000000005\n"
    said = bj.archive_wait_finding("db1", segment, newest, 30)
    assert said == (
        "db1: the WAL segment 000000010000000000000007 holding the drill's recovery target was "
        "not archived within 30 s (drill.archive_wait_s; newest archived: "
        "000000010000000000000005): the archive lags, no restore reaches that point"
    )
    assert "newest archived: none)" in bj.archive_wait_finding("db1", "00", "", 30)


RESTORE_LOG = """\
23:19:40.001 UTC [21100] @  LOG:  database system is shut down
23:19:40.500 UTC [21100] [local] FATAL:  terminating connection due to administrator command
23:19:53.100 UTC [21192] @  LOG:  starting PostgreSQL 15.10 on x86_64-pc-linux-gnu
23:19:58.297 UTC [21196] @  LOG:  restored log file "000000010000000000000020" from archive
ERROR: [042]: unable to get 000000010000000000000021:
       repo1: 15-1/000000010000000000000021-a08f.gz [FormatError] unexpected eof
ERROR: [042]: unable to get 000000010000000000000021:
       repo1: 15-1/000000010000000000000021-a08f.gz [FormatError] unexpected eof
23:19:58.583 UTC [21196] @  LOG:  redo done at 0/20000068 system usage: CPU: user: 0.00 s
23:19:58.583 UTC [21196] @  LOG:  last completed transaction was at log time 23:18:13+00
23:19:58.583 UTC [21196] @  FATAL:  recovery ended before configured recovery target was reached
23:19:58.585 UTC [21192] @  LOG:  startup process (PID 21196) exited with exit code 1
23:19:58.590 UTC [21729] postgres@trading [local] FATAL:  the database system is in recovery mode
23:19:58.596 UTC [21192] @  LOG:  database system is shut down
"""


def test_a_recovery_that_stopped_is_said_with_its_logs_reason() -> None:
    """The tool's error (a damaged segment), the server's own FATAL (not a client refused
    while it stopped, nor one before its last start) and the last transaction replayed."""
    assert bf.recovery_stop_reason(RESTORE_LOG) == (
        "restore_command: unable to get 000000010000000000000021: repo1: "
        "15-1/000000010000000000000021-a08f.gz [FormatError] unexpected eof; recovery ended "
        "before configured recovery target was reached; last completed transaction was at log "
        "time 23:18:13+00"
    )
    # a segment the archive does not hold: the tool says nothing at its console level
    missing = "\n".join(
        line for line in RESTORE_LOG.splitlines() if "repo1" not in line and "ERROR" not in line
    )
    assert bf.recovery_stop_reason(missing) == (
        "recovery ended before configured recovery target was reached; last completed "
        "transaction was at log time 23:18:13+00"
    )
    assert bf.recovery_stop_reason("") is None
    assert bf.recovery_stop_reason(RESTORE_LOG.splitlines()[1]) is None  # a client's FATAL


def test_drill_restored_past_its_target_is_a_finding() -> None:
    target = NOW - dt.timedelta(minutes=1)
    taken = NOW - dt.timedelta(hours=3)
    facts = bj.DrillFacts(10.0, target - dt.timedelta(seconds=1), taken, NOW, target)
    assert bj.drill_findings("dr1", facts, dt.timedelta(seconds=120), DAY) == []
    late = bj.DrillFacts(10.0, NOW, taken, NOW, target)
    (finding,) = bj.drill_findings("dr1", late, dt.timedelta(seconds=120), DAY)
    assert "after the recovery target 2026-11-27T11:59Z" in finding
