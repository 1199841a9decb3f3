"""Writing a run's files: atomically (a temporary file in the same directory, fsync, rename),
so a reader sees the old file or the whole new one, never a truncated one; a write that fails
(a full disk) is one :class:`WriteError` naming the file."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager, suppress
from pathlib import Path

from golive.gate.verdict import WRITE_FAILED
from golive.model.errors import GoliveError

WRITERS = 8  # files written (and fsynced) at once by write_all


def shown(path: Path) -> str:
    """``path`` as the user gave it: relative to the working directory when under it."""
    try:
        return path.relative_to(Path.cwd()).as_posix()
    except ValueError:
        return str(path)


class WriteError(GoliveError):
    """A file of the run could not be written; the run cannot end GO without it."""

    exit_code = WRITE_FAILED

    def __init__(self, path: Path, reason: str, what: str = "write") -> None:
        self.path = path
        self.reason = reason
        super().__init__(f"cannot {what} {shown(path)}: {reason}")

    @classmethod
    def of(cls, path: Path, exc: OSError) -> WriteError:
        return cls(path, exc.strerror or str(exc))


def discard(path: Path, instead: bytes = b"") -> WriteError | None:
    """Take away what an earlier run wrote at ``path``: remove it, or, where it cannot be
    removed (an immutable or read-only directory), overwrite it in place with ``instead``.
    None when that was done; else why not (it still holds the earlier run's content), as a
    WriteError "cannot remove PATH: REASON"."""
    try:
        path.unlink(missing_ok=True)
        return None
    except OSError as exc:
        why = exc.strerror or str(exc)
    try:
        with path.open("r+b") as out:
            out.truncate(0)
            out.write(instead)
            out.flush()
            os.fsync(out.fileno())
        return None
    except OSError:
        return WriteError(path, why, "remove")


@contextmanager
def writing(path: Path) -> Iterator[None]:
    """Writes into ``path`` (a file or a directory of them) by other means than
    :func:`write_atomic` (copying a tree, a tool's output): an OSError is a WriteError naming
    the file it met, else ``path``."""
    try:
        yield
    except shutil.Error as exc:  # a tree copy: (source, destination, why) per file
        _, where, why = exc.args[0][0]
        raise WriteError(Path(where), str(why)) from None
    except OSError as exc:
        where = Path(exc.filename) if isinstance(exc.filename, str) else path
        raise WriteError.of(where, exc) from None


def _fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def sync_directory(directory: Path) -> None:
    """Make the names given in ``directory`` durable (after writes with ``sync_dir=False``)."""
    try:
        _fsync_dir(directory)
    except OSError as exc:
        raise WriteError.of(directory, exc) from None


def write_atomic(path: Path, data: bytes | str, mode: int = 0o644, sync_dir: bool = True) -> None:
    """Replace ``path`` with ``data`` (str as UTF-8) all at once, durably; with ``sync_dir``
    False its new name is durable only once the caller's :func:`sync_directory` (one for many
    files of a directory) has returned."""
    raw = data.encode("utf-8") if isinstance(data, str) else data
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
        with os.fdopen(fd, "wb") as out:
            out.write(raw)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, path)
        if sync_dir:
            _fsync_dir(path.parent)
    except OSError as exc:
        with suppress(OSError):  # a read-only file system refuses even that
            tmp.unlink(missing_ok=True)
        raise WriteError.of(path, exc) from None


def write_all(files: Sequence[tuple[Path, bytes | str]]) -> list[WriteError]:
    """:func:`write_atomic` of many files side by side (their fsyncs concurrent, which the file
    system commits together rather than one journal commit each), then each directory once;
    the files that could not be written (the others are)."""

    def one(item: tuple[Path, bytes | str]) -> WriteError | None:
        try:
            write_atomic(*item, sync_dir=False)
        except WriteError as exc:
            return exc
        return None

    with ThreadPoolExecutor(WRITERS) as writers:
        failed = [e for e in writers.map(one, files) if e is not None]
    for directory in dict.fromkeys(path.parent for path, _ in files):
        try:
            sync_directory(directory)
        except WriteError as exc:
            failed.append(exc)
    return failed


def commit(tmp: Path, path: Path) -> None:
    """Make a file another writer finished at ``tmp`` durable, then give it its name."""
    try:
        fd = os.open(tmp, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, path)
        _fsync_dir(path.parent)
    except OSError as exc:
        with suppress(OSError):  # a read-only file system refuses even that
            tmp.unlink(missing_ok=True)
        raise WriteError.of(path, exc) from None
