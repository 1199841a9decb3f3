"""Judge backups from what their tools printed: pure functions, facts in, finding lines out.

Backup tools fail open: ``pgbackrest verify`` exits 0 while it reports ``status: error``
(pgbackrest issue 2502), ``psql`` exits 0 on SQL errors without ``ON_ERROR_STOP``, a shell
pipeline hides ``pg_restore``'s status. Every judge here reads the tool's output and requires
the positive statement of success; an exit status of 0 alone is never a pass, and output that
says nothing (no stanza, no backup, no summary line) is a finding ("cannot tell") too.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from golive.model.facts.backup import (
    UTC,
    Archiver,
    parse_lsn,
    segments_per_id,
    wal_segment,
)
from golive.model.facts.scratch import step_failure


def stamp(value: dt.datetime) -> str:
    """A time the way findings say it: ``2026-11-20T02:00Z``."""
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%MZ")


def span(seconds: float) -> str:
    """A duration for a change-board reader: ``40 s``, ``12 min``, ``6.5 h``, ``3 days``."""
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 2 * 3600:
        return f"{seconds / 60:.0f} min"
    if seconds < 2 * 86400:
        return f"{seconds / 3600:.1f} h".replace(".0 h", " h")
    return f"{seconds / 86400:.1f} days".replace(".0 days", " days")


# -- schedule ---------------------------------------------------------------------------------

_FIELDS = (("minute", 0, 59), ("hour", 0, 23), ("day", 1, 31), ("month", 1, 12), ("dow", 0, 7))
_MACROS = {
    "@hourly": "0 * * * *",
    "@daily": "0 0 * * *",
    "@midnight": "0 0 * * *",
    "@weekly": "0 0 * * 0",
    "@monthly": "0 0 1 * *",
    "@yearly": "0 0 1 1 *",
    "@annually": "0 0 1 1 *",
}


def _cron_field(text: str, low: int, high: int) -> set[int]:
    values: set[int] = set()
    for part in text.split(","):
        rng, _, step_text = part.partition("/")
        step = int(step_text) if step_text else 1
        if rng == "*":
            start, end = low, high
        elif "-" in rng:
            a, b = rng.split("-", 1)
            start, end = int(a), int(b)
        else:
            start = int(rng)
            end = high if step_text else start
        if not (low <= start <= end <= high) or step < 1:
            raise ValueError(f"{text!r} is outside {low}-{high}")
        values.update(range(start, end + 1, step))
    return values


def cron_schedule(line: str) -> tuple[str, str] | None:
    """(schedule, command) of an active cron.d line (five fields or a macro, a user, the
    command); None for a comment, a blank or an environment assignment."""
    text = line.strip()
    if not text or text.startswith("#") or re.match(r"^[A-Za-z_][A-Za-z0-9_]*\s*=", text):
        return None
    parts = text.split()
    if parts[0].startswith("@"):
        return (parts[0], " ".join(parts[2:])) if len(parts) >= 3 else None
    if len(parts) < 7:
        return None
    return " ".join(parts[:5]), " ".join(parts[6:])


def cron_max_gap(schedule: str, start: dt.date | None = None) -> dt.timedelta | None:
    """The longest time between two runs of a cron schedule over the four years from
    ``start`` (default 2026-01-01; a leap day included); None when it runs at most once
    then. ValueError if malformed."""
    if schedule == "@reboot":
        return None
    fields = _MACROS.get(schedule, schedule).split()
    if len(fields) != 5:
        raise ValueError(f"{schedule!r} does not have five fields")
    minute, hour, day, month, dow = (
        _cron_field(f, lo, hi) for f, (_, lo, hi) in zip(fields, _FIELDS, strict=True)
    )
    dow = {d % 7 for d in dow}
    day_any, dow_any = fields[2] == "*", fields[4] == "*"
    times = sorted(h * 60 + m for h in hour for m in minute)  # minutes into a run day
    first = start or dt.date(2026, 1, 1)
    days = []
    for offset in range(4 * 366):
        d = first + dt.timedelta(days=offset)
        by_day, by_dow = d.day in day, (d.isoweekday() % 7) in dow
        # cron: when both day fields are restricted, either one matching suffices
        if d.month in month and (
            (by_day and by_dow) if (day_any or dow_any) else (by_day or by_dow)
        ):
            days.append(offset)
    if len(days) * len(times) < 2:
        return None
    gaps = [b - a for a, b in itertools.pairwise(times)]
    gaps += [(b - a) * 1440 - times[-1] + times[0] for a, b in itertools.pairwise(days)]
    return dt.timedelta(minutes=max(gaps))


def schedule_findings(
    host: str, path: str, text: str, command_contains: str, rpo: dt.timedelta
) -> list[str]:
    """The schedule file holds an active entry running the backup job at least once per RPO."""
    entries = [
        entry
        for line in text.splitlines()
        if (entry := cron_schedule(line)) is not None and command_contains in entry[1]
    ]
    if not entries:
        return [f"{host}: no active schedule entry in {path} runs {command_contains}"]
    gaps = []
    for schedule, _ in entries:
        try:
            gap = cron_max_gap(schedule)
        except ValueError as exc:
            return [f"{host}: {path}: schedule {schedule!r} is not valid cron ({exc})"]
        if gap is not None:
            gaps.append(gap)
    if not gaps:
        return [f"{host}: {path}: the backup job's schedule never repeats"]
    best = min(gaps)
    if best > rpo:
        return [
            f"{host}: {path} runs {command_contains} every {span(best.total_seconds())} at "
            f"most, RPO is {span(rpo.total_seconds())}"
        ]
    return []


# -- age and retention ------------------------------------------------------------------------


def age_finding(
    host: str, what: str, taken_at: dt.datetime | None, now: dt.datetime, rpo: dt.timedelta
) -> str | None:
    """The newest backup of ``what`` is younger than the RPO (and not from the future)."""
    if taken_at is None:
        return f"{host}: {what}: no backup at all, RPO is {span(rpo.total_seconds())}"
    age = now - taken_at
    if age < -dt.timedelta(minutes=5):
        return f"{host}: {what}: newest backup {stamp(taken_at)} is in the future (clock?)"
    if age > rpo:
        return (
            f"{host}: {what}: newest backup {stamp(taken_at)} is {span(age.total_seconds())} "
            f"old, RPO is {span(rpo.total_seconds())}"
        )
    return None


def retention_finding(host: str, what: str, count: int, minimum: int, keep: int) -> str | None:
    """At least ``minimum`` complete backups are kept, and no more than ``keep`` (pruning
    works, so the backup volume does not fill)."""
    if count < minimum:
        return f"{host}: {what}: {count} complete backup(s) kept, retention requires {minimum}"
    if count > keep:
        return (
            f"{host}: {what}: {count} backups kept, retention keeps {keep} (old backups "
            "are not pruned)"
        )
    return None


# -- pg_verifybackup, checksums, restores, counts ---------------------------------------------


def verifybackup_finding(host: str, path: str, rc: int, stdout: str, stderr: str) -> str | None:
    """``pg_verifybackup`` passed: exit 0, its "successfully verified" line, no error line."""
    out = f"{stdout}\n{stderr}"
    errors = [
        line.split("error:", 1)[1].strip()
        for line in out.splitlines()
        if "error:" in line or "FATAL" in line
    ]
    if rc == 0 and not errors and "backup successfully verified" in out:
        return None
    why = "; ".join(errors[:3]) or (
        f"exit {rc}" if rc else "no 'backup successfully verified' line in its output"
    )
    return f"{host}: base backup {path} does not verify: {why}"[:600]


def checksum_findings(
    host: str, backup: str, expected: Mapping[str, str], actual: Mapping[str, str | None]
) -> list[str]:
    """Every file the manifest lists exists and has its sha256."""
    found = []
    for name, want in sorted(expected.items()):
        have = actual.get(name)
        if have is None:
            found.append(f"{host}: {backup}/{name} is missing (the manifest lists it)")
        elif have.lower() != want.lower():
            found.append(
                f"{host}: {backup}/{name} sha256 {have[:12]}… differs from the manifest's "
                f"{want[:12]}…"
            )
    return found


def count_findings(
    host: str,
    what: str,
    key_tables: Iterable[str],
    expected: Mapping[str, int],
    actual: Mapping[str, int | None],
) -> list[str]:
    """Each key table holds exactly the rows the backup's manifest recorded."""
    found = []
    for table in key_tables:
        want, have = expected.get(table), actual.get(table)
        if want is None:
            found.append(f"{host}: {what}: the manifest records no row count for {table}")
        elif have is None:
            found.append(f"{host}: {what}: table {table} is missing")
        elif have != want:
            found.append(f"{host}: {what}: {table} has {have} rows, the manifest says {want}")
    return found


# -- pgBackRest -------------------------------------------------------------------------------


@dataclass(frozen=True)
class RepoBackup:
    label: str
    kind: str
    stopped: dt.datetime | None
    error: bool | None  # None: the tool did not say
    start_wal: str | None = None  # the WAL segment it starts in
    db_id: int | None = None  # its entry in the stanza's database history
    archive_id: str | None = None  # that database's WAL archive (``15-1``)


def pgbackrest_info(host: str, stanza: str, text: str) -> tuple[list[str], list[RepoBackup]]:
    """``pgbackrest info --output=json``: the stanza is there with ``status.code`` 0 (and each
    repository's too), and no backup carries ``error: true``. Returns the findings and the
    stanza's backups, oldest first."""
    where = f"{host}: pgBackRest stanza {stanza}"
    try:
        data = json.loads(text)
    except ValueError as exc:
        return [f"{where}: `info --output=json` printed no JSON ({exc})"[:300]], []
    entry = (
        next((e for e in data if isinstance(e, dict) and e.get("name") == stanza), None)
        if isinstance(data, list)
        else None
    )
    if entry is None:
        return [f"{where}: not in `info` output"], []
    found = []
    status = entry.get("status") or {}
    if status.get("code") != 0:
        found.append(f"{where}: status {status.get('code')!r} ({status.get('message', '?')})")
    for repo in entry.get("repo") or []:
        rs = repo.get("status") or {}
        if rs.get("code") != 0:
            found.append(
                f"{where}: repo{repo.get('key', '?')} status {rs.get('code')!r} "
                f"({rs.get('message', '?')})"
            )
    archives = {
        (a.get("database") or {}).get("id"): str(a.get("id"))
        for a in entry.get("archive") or []
        if isinstance(a, dict)
    }
    backups = []
    for b in entry.get("backup") or []:
        stop = (b.get("timestamp") or {}).get("stop")
        error = b.get("error")
        start = (b.get("archive") or {}).get("start")
        db_id = (b.get("database") or {}).get("id")
        backups.append(
            RepoBackup(
                str(b.get("label", "?")),
                str(b.get("type", "?")),
                dt.datetime.fromtimestamp(stop, UTC) if isinstance(stop, int | float) else None,
                error if isinstance(error, bool) else None,
                start if isinstance(start, str) else None,
                db_id if isinstance(db_id, int) else None,
                archives.get(db_id),
            )
        )
    for b in backups:
        if b.error is None:
            found.append(f"{where}: backup {b.label}: `info` does not say whether it has errors")
        elif b.error:
            found.append(f"{where}: backup {b.label} has errors (info: error=true)")
    return found, backups


_VERIFY_BACKUP = re.compile(
    r"backup: (?P<label>\S+), status: (?P<status>[\w-]+), total files checked: (?P<checked>\d+),"
    r" total valid files: (?P<valid>\d+)"
)
_VERIFY_DETAIL = re.compile(
    r"missing: (?P<missing>\d+), checksum invalid: (?P<checksum>\d+), "
    r"size invalid: (?P<size>\d+), other: (?P<other>\d+)"
)
_KINDS = {
    "missing": "missing",
    "checksum": "checksum invalid",
    "size": "size invalid",
    "other": "other",
}


def pgbackrest_verify(host: str, stanza: str, text: str) -> list[str]:
    """``pgbackrest verify --output=text --verbose``: the stanza's ``status: ok``, every backup
    ``status: valid`` with all its files valid, at least one backup checked. (verify exits 0
    on errors, so its status is never used.)"""
    where = f"{host}: pgBackRest verify of stanza {stanza}"
    lines = text.splitlines()
    start = next((i for i, ln in enumerate(lines) if ln.strip() == f"stanza: {stanza}"), None)
    if start is None:
        return [f"{where}: the stanza is not in its output"]
    block = []
    for line in lines[start + 1 :]:
        if line.startswith("stanza: "):
            break
        block.append(line.strip())
    status = next((ln.split(":", 1)[1].strip() for ln in block if ln.startswith("status:")), None)
    found = []
    if status != "ok":
        found.append(f"{where}: status {status or 'missing'}")
    checked = 0
    for i, line in enumerate(block):
        match = _VERIFY_BACKUP.match(line)
        if not match:
            continue
        checked += 1
        detail = _VERIFY_DETAIL.match(block[i + 1]) if i + 1 < len(block) else None
        bad = int(match["checked"]) - int(match["valid"])
        if match["status"] != "valid" or bad:
            what = (
                ", ".join(f"{detail[k]} {label}" for k, label in _KINDS.items() if int(detail[k]))
                if detail
                else f"{bad} invalid"
            )
            found.append(
                f"{where}: backup {match['label']} is {match['status']} ({what or 'no count'} "
                f"of {match['checked']} files)"
            )
    if not checked:
        found.append(f"{where}: no backup was verified")
    return found


# -- the restore drill ------------------------------------------------------------------------


@dataclass(frozen=True)
class DrillFacts:
    """What a restore drill measured: the seconds from its start to the verified query, the
    newest commit the restored instance holds, the backup's time, and when it ran."""

    rto_s: float
    newest_commit: dt.datetime | None
    backup_taken: dt.datetime
    now: dt.datetime
    target: dt.datetime | None = None  # the recovery target, when it restored to a time


def drill_findings(host: str, facts: DrillFacts, rto: dt.timedelta, rpo: dt.timedelta) -> list[str]:
    """The RTO measured is within the expectation, and so is the RPO achieved: the data
    lost if the database were lost now (now minus the newest restored commit). A restored
    instance whose newest commit is after the backup's time is impossible (a clock problem,
    or the wrong backup restored)."""
    found = []
    if facts.rto_s > rto.total_seconds():
        found.append(
            f"{host}: restore drill took {span(facts.rto_s)} to a verified query, RTO is "
            f"{span(rto.total_seconds())}"
        )
    if facts.newest_commit is None:
        found.append(f"{host}: the restored instance reports no commit time (RPO unknown)")
        return found
    lost = (facts.now - facts.newest_commit).total_seconds()
    if lost > rpo.total_seconds():
        found.append(
            f"{host}: restored data ends at {stamp(facts.newest_commit)}, "
            f"{span(lost)} before now, RPO is {span(rpo.total_seconds())}"
        )
    end, what = (
        (facts.target, "recovery target")
        if facts.target is not None
        else (facts.backup_taken + dt.timedelta(minutes=5), "backup's time")
    )
    if facts.newest_commit > end:
        found.append(
            f"{host}: restored data ends at {stamp(facts.newest_commit)}, after the {what} "
            f"{stamp(facts.target or facts.backup_taken)}"
        )
    return found


def point_in_time_findings(
    host: str, target: str, before: str, after: str, restored: str | None
) -> list[str]:
    """The instance restored to ``target`` holds the marker row committed before it and not
    the one committed after it (``restored``: the markers it holds, comma-separated; None
    when they could not be read)."""
    if restored is None:
        return [f"{host}: the markers of the point-in-time restore to {target} cannot be read"]
    held = set(filter(None, restored.split(",")))
    found = []
    if before not in held:
        found.append(
            f"{host}: restored to {target}, the marker row committed before it is missing: "
            "the restore did not reach that point"
        )
    if after in held:
        found.append(
            f"{host}: restored to {target}, the marker row committed after it is there: the "
            "recovery target was not honoured"
        )
    return found


def archive_wait_finding(host: str, segment: str, last_archived: str, wait_s: float) -> str:
    """The WAL segment holding the drill's recovery target not archived within the drill's
    wait: the archive lags behind the database, and no restore can reach that point."""
    newest = last_archived.strip()
    return (
        f"{host}: the WAL segment {segment} holding the drill's recovery target was not "
        f"archived within {span(wait_s)} (drill.archive_wait_s; newest archived: "
        f"{newest or 'none'}): the archive lags, no restore reaches that point"
    )


# -- the cluster a backup is of ---------------------------------------------------------------


def controldata_system_id(text: str) -> int | None:
    """The ``Database system identifier`` ``pg_controldata`` printed; None when absent."""
    match = re.search(r"^Database system identifier:\s*(\d+)\s*$", text, re.MULTILINE)
    return int(match[1]) if match else None


def dump_database(text: str) -> str | None:
    """The database a custom-format dump was taken of (``pg_restore -l``'s ``dbname:`` line)."""
    match = re.search(r"^;\s+dbname:\s*(\S+)\s*$", text, re.MULTILINE)
    return match[1] if match else None


def pgbackrest_system_ids(stanza: str, text: str) -> dict[int, int]:
    """``info --output=json``: the stanza's database history, id to ``system-id``."""
    try:
        data = json.loads(text)
    except ValueError:
        return {}
    entry = next(
        (e for e in data if isinstance(e, dict) and e.get("name") == stanza),
        None,
    ) if isinstance(data, list) else None  # fmt: skip
    ids = {}
    for db in (entry or {}).get("db") or []:
        if isinstance(db.get("id"), int) and isinstance(db.get("system-id"), int):
            ids[db["id"]] = db["system-id"]
    return ids


def cluster_findings(host: str, live: int | None, backups: Mapping[str, int | None]) -> list[str]:
    """Each backup (by what it is: ``"backup job base …"``, ``"pgBackRest backup …"``) was
    taken of the live cluster: its system identifier is the live one's. A backup whose
    identifier cannot be read, or a live cluster whose cannot, is a finding too."""
    if live is None:
        return [f"{host}: the live cluster's system identifier cannot be read"]
    found = []
    for what, sysid in backups.items():
        if sysid is None:
            found.append(f"{host}: {what}: its system identifier cannot be read")
        elif sysid != live:
            found.append(
                f"{host}: {what} is of another cluster (system identifier {sysid}, the live "
                f"cluster's is {live}): it cannot restore this database"
            )
    return found


# -- WAL archiving ----------------------------------------------------------------------------


def archiver_findings(
    host: str, facts: Archiver, rpo: dt.timedelta, max_waiting: int, need_timeout: bool = True
) -> list[str]:
    """WAL archiving works now, so every commit can be recovered within the RPO: archiving is
    on; it is not failing (no failure after the last success); no more than ``max_waiting``
    completed segments wait to be archived; and WAL written since the last archived segment
    is not older than the RPO (that segment archived within the RPO, or nothing written
    since); and, with ``need_timeout``, ``archive_timeout`` bounds how long a quiet
    database's commit may wait in an unfilled segment (set, and within the RPO)."""
    rpo_text = span(rpo.total_seconds())
    if facts.archive_mode not in ("on", "always"):
        return [
            f"{host}: WAL archiving is off (archive_mode={facts.archive_mode}): no "
            "point-in-time recovery"
        ]
    found = []
    last_ok = facts.last_archived_time
    if facts.last_failed_time is not None and (last_ok is None or facts.last_failed_time > last_ok):
        since = f"since {stamp(last_ok)}" if last_ok else "and no segment ever archived"
        found.append(
            f"{host}: WAL archiving failing: {facts.failed_count} failures {since} (last: "
            f"{facts.last_failed_wal} at {stamp(facts.last_failed_time)}); WAL after that "
            "cannot be restored"
        )
    if need_timeout and not 0 < facts.archive_timeout_s <= rpo.total_seconds():
        now_set = span(facts.archive_timeout_s) if facts.archive_timeout_s else "0 (off)"
        found.append(
            f"{host}: archive_timeout is {now_set}: on a quiet database a commit can wait "
            f"unarchived longer than the RPO of {rpo_text}"
        )
    if facts.waiting > max_waiting:
        found.append(
            f"{host}: {facts.waiting} WAL segments wait to be archived (oldest "
            f"{facts.oldest_waiting}), at most {max_waiting} may"
        )
    segment = wal_segment(facts.last_archived_wal or "", facts.segment_size)
    if segment is None:
        if not found:
            found.append(f"{host}: WAL archiving has not archived a segment yet")
        return found
    segno = segment[1]
    unarchived = facts.current_lsn - (segno + 1) * facts.segment_size
    if last_ok is not None and unarchived > 0 and facts.now - last_ok > rpo:
        found.append(
            f"{host}: WAL written since {stamp(last_ok)} is not archived "
            f"({span((facts.now - last_ok).total_seconds())} ago, RPO is {rpo_text})"
        )
    return found


def segment_name(tli: int, segno: int, segment_size: int = 16 << 20) -> str:
    per = segments_per_id(segment_size)
    return f"{tli:08X}{segno // per:08X}{segno % per:08X}"


def parse_history(text: str, segment_size: int = 16 << 20) -> list[tuple[int, int]]:
    """A timeline history file's (parent timeline, segment number of the switch point), in
    order; ValueError when a line is neither a comment nor one of these."""
    found = []
    for line in text.splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        parts = line.split()
        found.append((int(parts[0]), parse_lsn(parts[1]) // segment_size))
    return found


def _kind(entry: object) -> object:
    return entry.get("type") if isinstance(entry, dict) else None


def repo_segments(text: str) -> dict[str, set[tuple[int, int]]]:
    """``pgbackrest repo-ls --recurse --output=json archive/<stanza>``: by archive id
    (``15-1``), the complete WAL segments it holds, as (timeline, the 16 hex digits after
    it read as one number; :func:`archive_gap_findings` turns them into segment numbers of
    the cluster's segment size). ValueError when the output is not that listing."""
    data = json.loads(text)
    if not isinstance(data, dict):
        raise ValueError("repo-ls printed no listing")
    found: dict[str, set[tuple[int, int]]] = {}
    for path, entry in data.items():
        parts = str(path).split("/")
        if parts[0] != "." and len(parts) == 1 and _kind(entry) == "path":
            found.setdefault(parts[0], set())
        if len(parts) != 3 or _kind(entry) != "file":
            continue
        name = parts[2]
        if re.match(r"^[0-9A-F]{24}-[0-9a-f]{40}(\.\w+)?$", name):
            found.setdefault(parts[0], set()).add((int(name[:8], 16), int(name[8:24], 16)))
    return found


def _segno(packed: int, segment_size: int) -> int:
    """A segment number from its name's 16 hex digits after the timeline."""
    return (packed >> 32) * segments_per_id(segment_size) + (packed & 0xFFFFFFFF)


def archive_gap_findings(
    host: str,
    backup: str,
    start_wal: str,
    last_archived_wal: str | None,
    current_wal: str,
    held: set[tuple[int, int]],
    history: list[tuple[int, int]],
    segment_size: int,
) -> list[str]:
    """The archive holds every WAL segment from the newest base backup's start segment to
    the last one PostgreSQL archived, each on the timeline the current timeline's history
    says it belongs to (``history``: the current timeline's (parent, switch segment) list),
    so a restore can replay from that backup to now. ``held``: (timeline, packed name) pairs
    as :func:`repo_segments` gives them."""
    have = {(tli, _segno(packed, segment_size)) for tli, packed in held}
    start = wal_segment(start_wal, segment_size)
    current = wal_segment(current_wal, segment_size)
    if start is None or current is None:
        return [f"{host}: backup {backup}'s start WAL {start_wal!r} cannot be read"]
    tli_now = current[0]
    last = wal_segment(last_archived_wal or "", segment_size)
    if last is None:
        return [f"{host}: WAL archive: PostgreSQL has archived no segment, nothing after "
                f"backup {backup} can be replayed"]  # fmt: skip
    ends = [(parent, switch) for parent, switch in history]

    def timeline(segno: int) -> int:
        for parent, switch in ends:
            if segno < switch:
                return parent
        return tli_now

    if timeline(start[1]) != start[0]:
        return [
            f"{host}: backup {backup} starts on timeline {start[0]}, which the current "
            f"timeline {tli_now}'s history does not lead through at {start_wal}"
        ]
    missing = [
        segment_name(timeline(s), s, segment_size)
        for s in range(start[1], last[1] + 1)
        if (timeline(s), s) not in have
    ]
    if not missing:
        return []
    shown = ", ".join(missing[:5]) + (f" and {len(missing) - 5} more" if len(missing) > 5 else "")
    what = "segment" if len(missing) == 1 else f"{len(missing)} segments"
    return [
        f"{host}: WAL archive gap: {what} {shown} missing between backup {backup} "
        f"(start {start_wal}) and now (last archived {last_archived_wal}): no restore can "
        "replay past the gap"
    ]


def base_backup_start(text: str, segment_size: int) -> str | None:
    """The WAL segment a ``pg_basebackup`` backup starts in (its ``backup_manifest``'s first
    ``WAL-Ranges`` entry); None when the manifest does not say."""
    try:
        first = json.loads(text)["WAL-Ranges"][0]
        return segment_name(int(first["Timeline"]), parse_lsn(first["Start-LSN"]) // segment_size,
                            segment_size)  # fmt: skip
    except (ValueError, KeyError, IndexError, TypeError, AttributeError):
        return None


# a restore's step: one sentence naming the host when it failed (golive.model.facts.scratch)
restore_finding = step_failure
