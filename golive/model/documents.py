"""Documents golive reads from the controller because the environment names them (the plan's
process evidence): confined, bounded, hashed as they are read.

A document is read only when, after every symbolic link is resolved, it lies inside the
environment directory or a root the environment declares (``process_evidence.evidence_roots``),
is not a file holding the environment's secrets (the inventory's ``secrets_file`` or SSH
``identity_file``, by path or by inode), is a regular file (never a directory, FIFO, socket or
device) and is no larger than the limit (``process_evidence.max_document_bytes``). The read
stops after ``limit + 1`` bytes whatever the file claims, in chunks, each one hashed as it
arrives: a sparse 2 GiB file is refused by its size without a byte read, and a run stays
interruptible.

The same rules make a configuration error when the environment loads (``golive validate``
lists them): a document outside the roots is never read. A document that does not exist is
not a configuration error: the check that needs it reports it missing.
"""

from __future__ import annotations

import errno
import hashlib
import os
import stat
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import parse_qs, urlsplit

from golive.model.errors import ConfigError
from golive.model.expectations.monitoring import WEB, ProcessEvidence

if TYPE_CHECKING:
    from golive.model.environment import Inventory
    from golive.model.expectations import Expectations

CHUNK = 1 << 16
SECRET = "is a file of the environment's secrets (secrets_file, an SSH identity), never evidence"


class Refused(Exception):
    """A document golive will not read; the message completes "<document> ..." (e.g. "is a
    FIFO, not a regular file")."""


@dataclass(frozen=True)
class Document:
    """A document read whole (at most the limit): where it really is (its resolved path, or
    its URL), its bytes, their sha256 and its modification time (None: not known)."""

    where: str
    content: bytes
    sha256: str
    mtime: float | None


def is_url(where: str) -> bool:
    """The document is fetched over HTTP(S) rather than read from the controller."""
    return urlsplit(where).scheme in WEB


def _kind(mode: int) -> str:
    kinds = {
        stat.S_ISDIR: "a directory",
        stat.S_ISFIFO: "a FIFO",
        stat.S_ISSOCK: "a socket",
        stat.S_ISCHR: "a character device",
        stat.S_ISBLK: "a block device",
        stat.S_ISLNK: "a symbolic link",
    }
    return next((name for test, name in kinds.items() if test(mode)), "not a file")


def _inside(path: Path, roots: Iterable[Path]) -> bool:
    return any(path == root or path.is_relative_to(root) for root in roots)


@dataclass(frozen=True)
class Confinement:
    """Where documents may be read from: the environment directory ``base`` and the declared
    ``roots`` (both resolved), never one of the ``secrets`` files, at most ``limit`` bytes."""

    base: Path
    roots: tuple[Path, ...]
    secrets: tuple[Path, ...]
    limit: int

    @classmethod
    def of(
        cls, base: Path, roots: Iterable[str], secrets: Iterable[Path], limit: int
    ) -> Confinement:
        """Relative roots are relative to ``base``; a relative secret is taken both relative
        to the working directory (as golive reads it) and to ``base``; every path is resolved
        after its links."""
        real = Path(os.path.realpath(base))
        secrets = [s for secret in secrets for s in dict.fromkeys((secret, real / secret))]
        return cls(
            real,
            (real, *(Path(os.path.realpath(real / root)) for root in roots)),
            tuple(Path(os.path.realpath(secret)) for secret in secrets),
            limit,
        )

    def _where(self) -> str:
        declared = self.roots[1:]
        return "the environment directory" + (
            f" ({self.base}) and the declared evidence_roots ({', '.join(map(str, declared))})"
            if declared
            else f" ({self.base}) and no evidence_roots are declared"
        )

    def locate(self, where: str) -> Path:
        """The document's real path (relative to the environment directory), or Refused when
        it resolves outside the roots or to a secrets file. Nothing is opened."""
        real = Path(os.path.realpath(self.base / where))
        if not _inside(real, self.roots):
            how = "is" if str(real) == where else f"resolves to {real},"
            raise Refused(f"{how} outside {self._where()}")
        if self._secret(real):
            raise Refused(SECRET)
        return real

    def _secret(self, real: Path, facts: os.stat_result | None = None) -> bool:
        if real in self.secrets:
            return True
        if facts is None:
            return False
        for secret in self.secrets:
            try:
                other = os.stat(secret)
            except OSError:
                continue
            if (other.st_dev, other.st_ino) == (facts.st_dev, facts.st_ino):
                return True
        return False

    def _admit(self, real: Path, facts: os.stat_result) -> None:
        if not stat.S_ISREG(facts.st_mode):
            raise Refused(f"is {_kind(facts.st_mode)}, not a regular file")
        if self._secret(real, facts):
            raise Refused(SECRET)
        if facts.st_size > self.limit:
            raise Refused(f"is {facts.st_size} bytes, more than max_document_bytes ({self.limit})")

    def check(self, where: str) -> None:
        """Refused when the document may not be read; a missing one passes (the check that
        needs it reports it). Nothing is opened."""
        real = self.locate(where)
        try:
            facts = os.lstat(real)
        except OSError:
            return  # missing or not visible yet: a finding of the check, not of the config
        self._admit(real, facts)

    def read(self, where: str) -> Document:
        """The document, read in chunks and hashed as read, never more than ``limit + 1``
        bytes. Refused as :meth:`check` says, or when it changes while read; OSError (e.g.
        FileNotFoundError) when it cannot be read."""
        real = self.locate(where)
        before = os.lstat(real)
        self._admit(real, before)
        flags = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_NOCTTY | os.O_CLOEXEC
        try:
            fd = os.open(real, flags)
        except OSError as exc:
            if exc.errno == errno.ELOOP:  # a link put in its place since it was resolved
                raise Refused("became a symbolic link while read") from None
            raise
        try:
            facts = os.fstat(fd)
            opened = Path(os.path.realpath(f"/proc/self/fd/{fd}"))
            if (facts.st_dev, facts.st_ino) != (before.st_dev, before.st_ino) or not _inside(
                opened, self.roots
            ):
                raise Refused("was replaced while read")
            self._admit(real, facts)
            digest, parts, left = hashlib.sha256(), [], self.limit + 1
            while left > 0:
                chunk = os.read(fd, min(CHUNK, left))
                if not chunk:
                    break
                digest.update(chunk)
                parts.append(chunk)
                left -= len(chunk)
            if left <= 0:
                raise Refused(f"grew past max_document_bytes ({self.limit}) while read")
        finally:
            os.close(fd)
        return Document(str(real), b"".join(parts), digest.hexdigest(), facts.st_mtime)


def secret_files(inventory: Inventory) -> list[Path]:
    """The controller's files holding the environment's secrets: the secrets file, the SSH
    identity and each host's own (``?ssh_identity_file=`` of its connection)."""
    named = [inventory.secrets_file, inventory.ssh.identity_file]
    for host in inventory.hosts.values():
        named += map(Path, parse_qs(urlsplit(host.connection).query).get("ssh_identity_file", []))
    return [path.expanduser() for path in named if path is not None]


def confinement(base: Path, inventory: Inventory, spec: ProcessEvidence) -> Confinement:
    """The environment's confinement of the documents ``spec`` names."""
    return Confinement.of(
        base, spec.evidence_roots, secret_files(inventory), spec.max_document_bytes
    )


def document_problems(
    base: Path, inventory: Inventory, expectations: Expectations
) -> list[ConfigError]:
    """Every document ``process_evidence`` names that golive may not read, and every root
    that confines nothing, one ConfigError each (file, key, why)."""
    spec = expectations.get(ProcessEvidence)
    if spec is None:
        return []
    file, found = base / "expectations.yml", []
    rules = confinement(base, inventory, spec)
    for index, root in enumerate(spec.evidence_roots):
        if Path(os.path.realpath(base / root)) == Path("/"):
            found.append(ConfigError(
                file, f"{ProcessEvidence.key}.evidence_roots[{index}]",
                f"a directory narrower than / ({root} is /)",
            ))  # fmt: skip
    for name, item in spec.items.items():
        if item.document is None or is_url(item.document):
            continue
        try:
            rules.check(item.document)
        except Refused as exc:
            key = f"{ProcessEvidence.key}.items.{name}.document"
            found.append(ConfigError(file, key, f"{item.document} {exc}"))
    return found
