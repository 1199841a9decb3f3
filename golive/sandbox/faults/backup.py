"""Fault actions on backups: age the job's backups, damage a backup file (one byte flipped,
or cut short), keep more backups than retention allows, replace the dump with one missing a
table's rows. Each keeps what it changed under the sandbox's ``fault-state`` directory, so
healing puts back exactly the original bytes (same inode, owner and mode). WAL archiving:
failing, a segment lost from the archive, lagging, or going where no restore looks."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import shlex
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Literal

from pydantic import Field

from golive.model.errors import SandboxError
from golive.probe.wait import WaitTimeout, wait_until
from golive.sandbox import pgbackrest
from golive.sandbox.context import Sandbox
from golive.sandbox.faults.base import FaultAction
from golive.sandbox.process import run
from golive.sandbox.render import write
from golive.sandbox.services import db


def _state(sbx: Sandbox, key: str) -> Path:
    directory = sbx.path("fault-state")
    directory.mkdir(mode=0o700, exist_ok=True)
    return directory / hashlib.sha256(key.encode()).hexdigest()[:16]


def _newest(sbx: Sandbox, pattern: str) -> Path:
    """The last (newest, by name) path matching ``pattern`` under the sandbox dir."""
    found = sorted(sbx.dir.glob(pattern))
    if not found:
        raise SandboxError(f"{sbx.path(pattern)}: nothing matches; the fault cannot be applied")
    return found[-1].resolve()


def _write_back(path: Path, data: bytes) -> None:
    with path.open("r+b") as f:
        f.write(data)
        f.truncate()


class CorruptFile(FaultAction):
    """Damage the newest file matching ``path`` (a glob under the sandbox dir): ``flip``
    changes one byte in its middle, ``truncate`` keeps its first half."""

    kind: Literal["corrupt_file"]
    path: str
    how: Literal["flip", "truncate"]

    def apply(self, sbx: Sandbox, host: str, inject: bool) -> None:
        state = _state(sbx, f"{self.kind}:{self.path}")
        if not inject:
            if state.exists():
                target = Path(json.loads(state.with_suffix(".json").read_text())["path"])
                _write_back(target, state.read_bytes())
                state.unlink()
                state.with_suffix(".json").unlink()
            return
        if state.exists():
            return  # already injected
        target = _newest(sbx, self.path)
        data = target.read_bytes()
        if len(data) < 2:
            raise SandboxError(f"{target}: too small to damage")
        state.write_bytes(data)
        state.with_suffix(".json").write_text(json.dumps({"path": str(target)}))
        if self.how == "truncate":
            _write_back(target, data[: len(data) // 2])
        else:
            at = min(100, len(data) // 2)
            _write_back(target, data[:at] + bytes([data[at] ^ 0xFF]) + data[at + 1 :])


class AgeBackups(FaultAction):
    """Make every backup of the host's job (host var ``location_var``) look ``hours`` older:
    its manifest's ``taken_at`` moves back (as if the job had stopped running)."""

    kind: Literal["age_backups"]
    location_var: str
    hours: float

    def apply(self, sbx: Sandbox, host: str, inject: bool) -> None:
        state = _state(sbx, f"{self.kind}:{host}")
        if not inject:
            if state.exists():
                for path, text in json.loads(state.read_text()).items():
                    _write_back(Path(path), text.encode())
                state.unlink()
            return
        if state.exists():
            return
        manifests = sorted(sbx.var(host, self.location_var).glob("*/manifest.json"))
        if not manifests:
            raise SandboxError(f"{host}: no backup manifest to age")
        saved = {str(p): p.read_text() for p in manifests}
        state.write_text(json.dumps(saved))
        for path, text in saved.items():
            match = re.search(r'"taken_at": "([^"]+)"', text)
            if match is None:
                raise SandboxError(f"{path}: no taken_at")
            taken = dt.datetime.fromisoformat(match[1].replace("Z", "+00:00"))
            older = (taken - dt.timedelta(hours=self.hours)).strftime("%Y-%m-%dT%H:%M:%SZ")
            _write_back(Path(path), text.replace(match[0], f'"taken_at": "{older}"').encode())


class ExtraBackups(FaultAction):
    """Keep ``count`` more backups than the job does (pruning broken): hard-linked copies
    of the newest backup under older names; healing removes them."""

    kind: Literal["extra_backups"]
    location_var: str
    count: int

    def _names(self, sbx: Sandbox, host: str) -> list[Path]:
        where = sbx.var(host, self.location_var)
        return [where / f"20200101T0000{i:02d}Z" for i in range(self.count)]

    def apply(self, sbx: Sandbox, host: str, inject: bool) -> None:
        latest = (sbx.var(host, self.location_var) / "latest").resolve()
        for extra in self._names(sbx, host):
            if inject and not extra.exists():
                run(["cp", "-al", str(latest), str(extra)])
            elif not inject and extra.exists():
                shutil.rmtree(extra)


class DumpWithoutRows(FaultAction):
    """Replace the newest backup's dump (host var ``location_var``, file ``dump``) with one
    that leaves out the rows of ``table`` (it restores cleanly, and its counts are wrong)."""

    kind: Literal["dump_without_rows"]
    location_var: str
    dump: str
    database: str
    table: str

    def apply(self, sbx: Sandbox, host: str, inject: bool) -> None:
        target = (sbx.var(host, self.location_var) / "latest" / self.dump).resolve()
        state = _state(sbx, f"{self.kind}:{target}")
        if not inject:
            if state.exists():
                _write_back(target, state.read_bytes())
                state.unlink()
            return
        if state.exists():
            return
        state.write_bytes(target.read_bytes())
        staged = target.with_name(f".{target.name}.fault")
        run(
            [
                str(db.PG_BIN / "pg_dump"), "-h", str(db.socket_dir(sbx, host)),
                "-p", str(db.PORT), "-Fc", f"--exclude-table-data={self.table}",
                "-f", str(staged), self.database,
            ],
            user=db.USER,
        )  # fmt: skip
        _write_back(target, staged.read_bytes())
        staged.unlink()


def _switch_wal(sbx: Sandbox, host: str) -> str:
    """Write a WAL record and complete the current segment; the segment's name."""
    return db.psql(
        sbx,
        host,
        "SELECT pg_logical_emit_message(false, 'golive', 'fault');\n"
        "SELECT pg_walfile_name(pg_switch_wal());",
    ).splitlines()[-1]


def _archived(
    sbx: Sandbox, host: str, condition: str, what: str, switch: bool = False, wait_s: float = 75
) -> None:
    """Wait until ``condition`` on ``pg_stat_archiver`` holds (PostgreSQL's archiver retries
    a failed segment after up to a minute, at once when a segment completes: ``switch``
    completes one before each look); SandboxError naming ``what`` if it never does."""

    def holds() -> bool:
        if switch:
            _switch_wal(sbx, host)
        return db.psql(sbx, host, f"SELECT {condition} FROM pg_stat_archiver") == "t"

    try:
        wait_until(holds, wait_s, 1.0 if switch else 0.2, what=f"{host}: {what}")
    except WaitTimeout as exc:
        raise SandboxError(str(exc)) from None


class ArchiveFailing(FaultAction):
    """Make the host's WAL archiving fail the way a typo does: ``archive_command`` (by
    ``ALTER SYSTEM``, reloaded) pushes to pgBackRest stanza ``stanza``, which does not exist;
    a segment is completed so the archiver tries, and fails. Healing resets the command and
    waits until the waiting segment is archived."""

    kind: Literal["archive_failing"]
    stanza: str

    def apply(self, sbx: Sandbox, host: str, inject: bool) -> None:
        if inject:
            wrong = pgbackrest.archive_command(sbx, host).replace(
                f"--stanza={pgbackrest.stanza(host)}", f"--stanza={self.stanza}"
            )
            db.psql(sbx, host, f"ALTER SYSTEM SET archive_command = '{wrong}'")
        else:
            db.psql(sbx, host, "ALTER SYSTEM RESET archive_command")
        db.psql(sbx, host, "SELECT pg_reload_conf()")
        # a segment completed after the archiver read the reloaded command fails (inject),
        # or is archived after every failure (heal)
        failing = (
            "coalesce(last_failed_time, '-infinity') > coalesce(last_archived_time, '-infinity')"
        )
        condition = failing if inject else f"NOT ({failing})"
        _archived(sbx, host, condition, "archiving failing" if inject else "archiving healed",
                  switch=True)  # fmt: skip


class ArchiveGap(FaultAction):
    """Lose one WAL segment from pgBackRest's archive (``repo``: the archive's directory of
    the cluster's database, a glob under the sandbox dir): two segments are completed and
    archived, and the first of them is moved out of the repository (``pgbackrest verify``
    still says ``status: ok``). Healing moves it back (same inode, owner and mode)."""

    kind: Literal["wal_archive_gap"]
    repo: str

    def apply(self, sbx: Sandbox, host: str, inject: bool) -> None:
        state = _state(sbx, f"{self.kind}:{host}")
        if not inject:
            if state.exists():
                Path(state.read_text()).parent.mkdir(parents=True, exist_ok=True)
                state.with_suffix(".wal").rename(state.read_text())
                state.unlink()
            return
        if state.exists():
            return
        first = _switch_wal(sbx, host)
        second = _switch_wal(sbx, host)
        _archived(sbx, host, f"last_archived_wal >= '{second}'", f"{second} archived")
        found = sorted(sbx.dir.glob(f"{self.repo}/{first[:16]}/{first}-*"))
        if len(found) != 1:
            raise SandboxError(f"{host}: {first} is not (once) in {sbx.path(self.repo)}")
        state.write_text(str(found[0]))
        found[0].rename(state.with_suffix(".wal"))


def _set_archive_command(sbx: Sandbox, host: str, command: str | None) -> None:
    """``ALTER SYSTEM`` the host's ``archive_command`` (None: reset to the sandbox's own, from
    golive.conf) and reload; it survives a restart, as a real misconfiguration does."""
    if command is None:
        db.psql(sbx, host, "ALTER SYSTEM RESET archive_command")
    else:
        quoted = command.replace("'", "''")
        db.psql(sbx, host, f"ALTER SYSTEM SET archive_command = '{quoted}'")
    db.psql(sbx, host, "SELECT pg_reload_conf()")


def _until(sbx: Sandbox, host: str, holds: Callable[[], bool], what: str) -> None:
    """Complete a WAL segment before each look (the archiver wakes for it, and reads a
    reloaded configuration) until ``holds``; SandboxError naming ``what`` if it never does."""

    def look() -> bool:
        _switch_wal(sbx, host)
        return holds()

    try:
        wait_until(look, 75, 1.0, what=f"{host}: {what}")
    except WaitTimeout as exc:
        raise SandboxError(str(exc)) from None


def _drain(sbx: Sandbox, host: str) -> str:
    """Complete a segment and wait until it is archived: everything before it was too."""
    segment = _switch_wal(sbx, host)
    _archived(sbx, host, f"last_archived_wal >= '{segment}'", f"{segment} archived")
    return segment


class ArchiveLagging(FaultAction):
    """Make the host's WAL archiving lag: ``archive_command`` (by ``ALTER SYSTEM``, reloaded)
    becomes a wrapper that holds each completed segment ``delay_s`` seconds before pushing it
    into pgBackRest's repository, as a throttled or saturated link to the archive does.
    Nothing fails; every segment arrives, late. Injected once the archiver is seen holding a
    segment. Healing removes the fault's flag (a segment being held is pushed at once),
    resets the command and waits until the backlog is archived."""

    kind: Literal["archive_lagging"]
    delay_s: float = Field(gt=0, le=600)

    def apply(self, sbx: Sandbox, host: str, inject: bool) -> None:
        where = sbx.path(host, "archive-lag")
        flag, holding, wrapper = where / "lagging", where / "holding", where / "archive-push.sh"
        if not inject:
            flag.unlink(missing_ok=True)
            _set_archive_command(sbx, host, None)
            _drain(sbx, host)
            shutil.rmtree(where, ignore_errors=True)
            return
        if flag.exists():
            return  # already injected
        where.mkdir(mode=0o755, exist_ok=True)
        shutil.chown(where, db.USER, db.USER)  # the wrapper (PostgreSQL's user) says it holds
        push = " ".join(shlex.quote(a) for a in pgbackrest.command(sbx, host, "archive-push"))
        ticks = max(1, round(self.delay_s / 0.5))
        write(
            wrapper,
            "#!/bin/sh\n"
            "# golive fault archive_lagging: hold each WAL segment before pushing it\n"
            f'echo "$1" > {shlex.quote(str(holding))}\n'
            "i=0\n"
            f'while [ "$i" -lt {ticks} ] && [ -e {shlex.quote(str(flag))} ]; do\n'
            "  sleep 0.5; i=$((i + 1))\n"
            "done\n"
            f'exec {push} "$1"\n',
            mode=0o755,
        )
        flag.touch()
        _set_archive_command(sbx, host, f"{shlex.quote(str(wrapper))} %p")
        _until(sbx, host, holding.exists, "the archiver holding a segment")


class ArchiveElsewhere(FaultAction):
    """Archive the host's WAL where no restore looks: ``archive_command`` (by ``ALTER
    SYSTEM``, reloaded) copies each completed segment into ``directory`` (under the host's
    sandbox directory: a leftover local archive) instead of pushing it into pgBackRest's
    repository. The archiver succeeds (pg_stat_archiver counts every segment archived, none
    failed); the repository stops growing. Injected once a segment is seen there. Healing
    resets the command, waits until segments reach the repository again, pushes every
    segment copied aside into it (the archive has no gap) and removes the directory."""

    kind: Literal["archive_elsewhere"]
    directory: str = Field(pattern=r"^[a-z0-9_-]+$")

    def apply(self, sbx: Sandbox, host: str, inject: bool) -> None:
        where = sbx.path(host, self.directory)
        if not inject:
            _set_archive_command(sbx, host, None)
            _until(
                sbx, host, lambda: not (where / _drain(sbx, host)).exists(),
                "WAL segments reaching pgBackRest's repository again",
            )  # fmt: skip
            for aside in sorted(where.glob("*")) if where.is_dir() else []:
                run(pgbackrest.command(sbx, host, "archive-push", str(aside)), user=db.USER)
            shutil.rmtree(where, ignore_errors=True)
            return
        where.mkdir(mode=0o750, exist_ok=True)
        shutil.chown(where, db.USER, db.USER)
        local = shlex.quote(str(where))
        _set_archive_command(sbx, host, f"test ! -f {local}/%f && cp %p {local}/%f")
        _until(sbx, host, lambda: any(where.iterdir()), f"WAL segments copied into {where}")
