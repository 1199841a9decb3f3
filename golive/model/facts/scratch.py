"""golive's own steps on a database host and the scratch databases it makes there
(docs/architecture.md#layers): whether a step failed (the restore and the scratch copy of the
schema stop at the first), golive's name for a scratch database, and which of the host's
names are an interrupted run's leftovers. Used by the backup and rollback fixtures while they
gather, and by their judges."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass


def step_failure(host: str, what: str, rc: int, stderr: str) -> str | None:
    """Why one step of a restore or a scratch copy (``pg_restore --exit-on-error``, ``psql
    -v ON_ERROR_STOP=1``, ``pg_dump``) failed, or None: it exited 0 and printed no error line
    (some tools print errors and still exit 0). The procedure stops at the first."""
    errors = [
        line.strip()
        for line in stderr.splitlines()
        if re.search(r"\berror:|\bERROR:|\bFATAL:", line)
    ]
    if rc == 0 and not errors:
        return None
    why = "; ".join(errors[:2]) or f"exit {rc}"
    return f"{host}: {what} failed: {why}"[:600]


def scratch_step_failure(
    host: str, what: str, rc: int, stderr: str, timeout_s: float
) -> str | None:
    """One step on the scratch copy of the schema succeeded: exit 0 and no error line (psql
    with ON_ERROR_STOP, pg_dump, pg_restore --exit-on-error); 124 is the host's timeout."""
    if rc == 124:
        return f"{host}: {what} did not finish within {timeout_s:g} s"
    return step_failure(host, what, rc, stderr)


# what golive adds to the environment's scratch prefix (``backup.scratch_database``, always
# ``golive_...``) to name a scratch copy of the schema, and the suffixes of its dump files
SCRATCH_TAG = "rollback"
SCRATCH_FILES = (".schema.sql", ".versions.sql")


def scratch_name(
    prefix: str, created_s: float, pid: int, token: str, tag: str = SCRATCH_TAG
) -> str:
    """golive's name for a scratch copy of the schema: the environment's scratch prefix,
    ``rollback``, when it was made (unix seconds), the controller's pid and a random part
    (8 hex digits), e.g. ``golive_restore_check_rollback_1765051200_4242_1a2b3c4d``. Its dump
    files are the name plus :data:`SCRATCH_FILES`. Another ``tag`` names another kind of
    scratch database alike (the backup suite's restore: ``restore``)."""
    return f"{prefix}_{tag}_{int(created_s)}_{pid}_{token}"


@dataclass(frozen=True)
class Leftovers:
    """golive's own scratch copies found on the database host before a new one is made:
    ``databases`` and ``files`` (dump file names) are an interrupted run's (SIGKILL, a lost
    controller) and are removed; ``young`` names may still be a concurrent run's and are left
    alone. Nothing that does not carry golive's scratch name is ever in any of them."""

    databases: tuple[str, ...] = ()
    files: tuple[str, ...] = ()
    young: tuple[str, ...] = ()

    def said(self, host: str) -> list[str]:
        """What the evidence says of them, one line each (none when there were none)."""
        lines = [
            f"{host}: dropped {d}, a scratch database left by an interrupted run"
            for d in self.databases
        ]
        lines += [
            f"{host}: removed {f}, a schema dump left by an interrupted run" for f in self.files
        ]
        lines += [f"{host}: left {y} alone: it may be a run still under way" for y in self.young]
        return lines


def scratch_leftovers(
    prefix: str,
    databases: Iterable[str],
    files: Iterable[str],
    now_s: float,
    lifetime_s: float,
    tag: str = SCRATCH_TAG,
) -> Leftovers:
    """Which of the host's ``databases`` and ``files`` (names in the scratch directory) are
    golive's scratch copies of the schema (:func:`scratch_name` of ``prefix``, exactly) older
    than ``lifetime_s``, the longest a run keeps one (its steps times their timeout): those
    a run that ended without its cleanup left. A younger one (or one dated ahead of this
    clock) may be a concurrent run's and is only named. ``tag``: the kind of scratch copy
    (:func:`scratch_name`)."""
    pattern = re.compile(
        rf"{re.escape(prefix)}_{re.escape(tag)}_(?P<created>[0-9]{{1,12}})_[0-9]{{1,10}}_[0-9a-f]{{8}}"
    )
    suffix = "|".join(re.escape(s) for s in SCRATCH_FILES)
    dump = re.compile(rf"(?P<name>.+)(?:{suffix})")
    stale: list[str] = []
    young: list[str] = []

    def sort(name: str) -> bool:
        found = pattern.fullmatch(name)
        if found is None:
            return False
        old = now_s - int(found["created"]) > lifetime_s
        (stale if old else young).append(name)
        return old

    old_dbs = tuple(sorted(d for d in set(databases) if sort(d)))
    old_files = []
    for file in sorted(set(files)):
        found = dump.fullmatch(file)
        if found is not None and sort(found["name"]):
            old_files.append(file)
    return Leftovers(old_dbs, tuple(old_files), tuple(sorted(set(young))))
