"""Facts of backups and WAL archiving (docs/architecture.md#layers): what PostgreSQL and a
restored instance's log say, read by :mod:`golive.probe.pgbackup` and judged by
:mod:`golive.judge.backup`. Parsers of a tool's own output into data, no verdicts."""

from __future__ import annotations

import datetime as dt
import itertools
import json
import re
from dataclasses import dataclass

UTC = dt.UTC


def parse_time(text: str) -> dt.datetime:
    """An ISO 8601 time (``2026-11-20T02:00:00Z``) as an aware UTC datetime."""
    value = dt.datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    return value if value.tzinfo else value.replace(tzinfo=UTC)


_SEGMENT = re.compile(r"^([0-9A-F]{8})([0-9A-F]{8})([0-9A-F]{8})(?:$|[.-])")


def segments_per_id(segment_size: int) -> int:
    return 0x1_0000_0000 // segment_size


def wal_segment(name: str, segment_size: int = 16 << 20) -> tuple[int, int] | None:
    """(timeline, segment number) of a WAL file name (a segment, ``.partial``, ``.backup`` or
    a repository name with its checksum); None for anything else (a ``.history``)."""
    match = _SEGMENT.match(name)
    if not match:
        return None
    per = segments_per_id(segment_size)
    return int(match[1], 16), int(match[2], 16) * per + int(match[3], 16)


def archived_past(last_archived: str, segment: str) -> bool:
    """PostgreSQL's archiver has archived ``segment`` (the archiver works in order: its
    ``last_archived_wal`` is that segment or a later one). A ``.history`` file or nothing
    archived says nothing about it: not yet."""
    last, wanted = wal_segment(last_archived.strip()), wal_segment(segment)
    return last is not None and wanted is not None and last[1] >= wanted[1]


_TOOL_ERROR = re.compile(r"(?:P\d+\s+)?ERROR: \[\d+\]: (.*)")  # pgBackRest's
_SERVER_STOP = re.compile(r"\b(?:FATAL|PANIC):\s+(.*)")
_LAST_REPLAYED = re.compile(r"\bLOG:\s+(last completed transaction was at log time .*)")
_CLIENT_REFUSED = ("the database system is ", "terminating connection ")


def recovery_stop_reason(log: str) -> str | None:
    """Why a restored instance stopped during recovery, from its server log (the lines since
    its last start): the restore_command's first error (pgBackRest's ``ERROR: [nnn]: ...``
    and its indented continuation), the server's first FATAL or PANIC that is not a refused
    or ended client connection, and the last transaction it replayed; None when the log says
    none of these."""
    lines = log.splitlines()
    starts = [i for i, line in enumerate(lines) if "starting PostgreSQL" in line]
    lines = lines[starts[-1] :] if starts else lines
    error = stop = last = None
    for i, line in enumerate(lines):
        if error is None and (match := _TOOL_ERROR.match(line)):
            more = itertools.takewhile(lambda x: x[:1] in (" ", "\t"), lines[i + 1 :])
            error = " ".join([match[1].strip(), *(x.strip() for x in more)])
        elif (match := _SERVER_STOP.search(line)) and not match[1].startswith(_CLIENT_REFUSED):
            stop = stop or match[1].strip()
        elif match := _LAST_REPLAYED.search(line):
            last = match[1].strip()
    said = [f"restore_command: {error}" if error else None, stop, last]
    return "; ".join(part for part in said if part) or None


ARCHIVER_FIELDS = (
    "archive_mode", "archived_count", "last_archived_wal", "last_archived_time",
    "failed_count", "last_failed_wal", "last_failed_time", "current_wal", "current_lsn",
    "segment_size", "waiting", "oldest_waiting", "archive_timeout_s", "now",
)  # fmt: skip


@dataclass(frozen=True)
class Archiver:
    """The host's WAL archiving as PostgreSQL reports it (``pg_stat_archiver``, the current
    WAL file, the segments waiting in ``archive_status`` as ``.ready``)."""

    archive_mode: str
    archived_count: int
    last_archived_wal: str | None
    last_archived_time: dt.datetime | None
    failed_count: int
    last_failed_wal: str | None
    last_failed_time: dt.datetime | None
    current_wal: str
    current_lsn: int
    segment_size: int
    waiting: int
    oldest_waiting: str | None
    archive_timeout_s: int
    now: dt.datetime


def parse_lsn(text: str) -> int:
    """``0/5000060`` as a byte position."""
    high, _, low = text.strip().partition("/")
    return (int(high, 16) << 32) | int(low, 16)


def parse_archiver(text: str) -> Archiver:
    """One ``|``-separated row of :data:`ARCHIVER_FIELDS` (psql ``-A -t``); ValueError when
    it is not one."""
    values = text.strip().split("|")
    if len(values) != len(ARCHIVER_FIELDS):
        raise ValueError(f"expected {len(ARCHIVER_FIELDS)} fields, got {text.strip()[:200]!r}")
    row = dict(zip(ARCHIVER_FIELDS, values, strict=True))

    def when(key: str) -> dt.datetime | None:
        return parse_time(row[key]) if row[key] else None

    return Archiver(
        row["archive_mode"],
        int(row["archived_count"]),
        row["last_archived_wal"] or None,
        when("last_archived_time"),
        int(row["failed_count"]),
        row["last_failed_wal"] or None,
        when("last_failed_time"),
        row["current_wal"],
        parse_lsn(row["current_lsn"]),
        int(row["segment_size"]),
        int(row["waiting"]),
        row["oldest_waiting"] or None,
        int(row["archive_timeout_s"]),
        parse_time(row["now"]),
    )


class ArchiveLag(Exception):
    """The WAL segment holding a drill's recovery target was not archived within the drill's
    wait (``drill.archive_wait_s``): the newest segment archived then. Raised by the probe
    that waits; :func:`golive.judge.backup.archive_wait_finding` says what it means."""

    def __init__(self, host: str, segment: str, last_archived: str, wait_s: float) -> None:
        super().__init__(f"{host}: {segment} not archived within {wait_s} s")
        self.host, self.segment = host, segment
        self.last_archived, self.wait_s = last_archived, wait_s


@dataclass(frozen=True)
class JobManifest:
    """``manifest.json`` of one backup of the job: when it was taken, the per-table row counts
    at that time, and the sha256 of each file (relative to the backup's directory)."""

    taken_at: dt.datetime
    database: str
    row_counts: dict[str, int]
    files: dict[str, str]


def parse_manifest(where: str, text: str) -> JobManifest:
    """The job's manifest; ValueError naming ``where`` and what is wrong with it."""
    try:
        data = json.loads(text)
        taken = parse_time(str(data["taken_at"]))
        counts = {str(k): int(v) for k, v in dict(data["row_counts"]).items()}
        files = {str(k): str(v).lower() for k, v in dict(data["files"]).items()}
        database = str(data["database"])
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise ValueError(f"{where} is not a valid backup manifest ({exc})"[:300]) from None
    if not files:
        raise ValueError(f"{where} lists no file checksums")
    return JobManifest(taken, database, counts, files)
