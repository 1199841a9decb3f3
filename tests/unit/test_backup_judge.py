"""Backup judge: pgBackRest info/verify output, pg_verifybackup, manifests, schedule, RPO/RTO
(samples are pgBackRest 2.45's and PostgreSQL 15's real output; no network)."""

from __future__ import annotations

import copy
import datetime as dt
import json
from typing import Any

import pytest

from golive.judge import backup as bj

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
    m = bj.parse_manifest("db1:/m", text)
    assert m.taken_at == dt.datetime(2026, 11, 27, 6, 34, 39, tzinfo=UTC)
    assert m.row_counts == {"orders": 2, "users": 3}
    assert m.files == {"trading.dump": "ab" * 32}
    for bad in ("", "{}", '{"taken_at": "x", "database": "t", "row_counts": {}, "files": {}}'):
        with pytest.raises(ValueError, match="db1:/m"):
            bj.parse_manifest("db1:/m", bad)


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
