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

Every other file golive reads from the controller because the configuration names it (a CA
bundle, the release registry's SHA256SUMS and artifacts, a performance baseline) is read by
:func:`read_file`: not confined to a root (it is no evidence), but a regular file after its
links, no larger than its limit, read in chunks and hashed as read. A FIFO, a device (also as
a link's target), a directory or an oversized file is refused before a byte is read
(:func:`file_problems`: a configuration error naming the file and key), never a hung run.
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

from golive.model.config import MAX_FILE_BYTES
from golive.model.errors import ConfigError
from golive.model.expectations.monitoring import WEB, ProcessEvidence
from golive.model.expectations.predeploy import Deployment, Parity
from golive.model.expectations.security import TlsPolicy

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


def _admit_regular(facts: os.stat_result, limit: int, limit_key: str) -> None:
    if not stat.S_ISREG(facts.st_mode):
        raise Refused(f"is {_kind(facts.st_mode)}, not a regular file")
    if facts.st_size > limit:
        raise Refused(f"is {facts.st_size} bytes, more than {limit_key} ({limit})")


def _stream(fd: int, limit: int, limit_key: str) -> tuple[bytes, str]:
    """The file's bytes and their sha256, read in chunks, never more than ``limit + 1``."""
    digest, parts, left = hashlib.sha256(), [], limit + 1
    while left > 0:
        chunk = os.read(fd, min(CHUNK, left))
        if not chunk:
            break
        digest.update(chunk)
        parts.append(chunk)
        left -= len(chunk)
    if left <= 0:
        raise Refused(f"grew past {limit_key} ({limit}) while read")
    return b"".join(parts), digest.hexdigest()


OPEN_FLAGS = os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY | os.O_CLOEXEC  # a FIFO never blocks


def check_file(path: Path, limit: int, limit_key: str) -> None:
    """Refused when the file ``path`` names (after its links) is no regular file or is larger
    than ``limit`` (the setting ``limit_key``); a missing one passes (the check that needs
    it reports it). Nothing is opened."""
    try:
        facts = os.stat(path)
    except OSError:
        return
    _admit_regular(facts, limit, limit_key)


def read_file(path: Path, limit: int, limit_key: str) -> Document:
    """A file the configuration names, read whole: a regular file after its links, at most
    ``limit`` bytes (the setting ``limit_key``), read in chunks and hashed as read. Refused
    as :func:`check_file` says (before it is opened), or when it changes while read; OSError
    (e.g. FileNotFoundError) when it cannot be read."""
    before = os.stat(path)
    _admit_regular(before, limit, limit_key)
    fd = os.open(path, OPEN_FLAGS)
    try:
        facts = os.fstat(fd)
        if (facts.st_dev, facts.st_ino) != (before.st_dev, before.st_ino):
            raise Refused("was replaced while read")
        _admit_regular(facts, limit, limit_key)
        content, digest = _stream(fd, limit, limit_key)
    finally:
        os.close(fd)
    return Document(str(path), content, digest, facts.st_mtime)


CONFIG_BOUND = "the bound of a configuration file"


def read_config_file(path: Path) -> Document:
    """A small file the configuration names (a CA bundle): :func:`read_file` bounded as a
    configuration file is (``MAX_FILE_BYTES``)."""
    return read_file(path, MAX_FILE_BYTES, CONFIG_BOUND)


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
        if stat.S_ISREG(facts.st_mode) and self._secret(real, facts):
            raise Refused(SECRET)
        _admit_regular(facts, self.limit, "max_document_bytes")

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
        try:
            fd = os.open(real, OPEN_FLAGS | os.O_NOFOLLOW)
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
            content, digest = _stream(fd, self.limit, "max_document_bytes")
        finally:
            os.close(fd)
        return Document(str(real), content, digest, facts.st_mtime)


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


def file_problems(
    base: Path, inventory: Inventory, expectations: Expectations
) -> list[ConfigError]:
    """Every file the configuration names that golive could not read safely (see
    :func:`read_file`): the CA bundles, the release registry's SHA256SUMS and the artifacts of
    the release and the previous one, a parity baseline that is a snapshot file, one
    ConfigError each (file, key, what was expected)."""
    checks: list[tuple[Path, str, Path, int, str]] = []
    inv_file, exp_file = base / "inventory.yml", base / "expectations.yml"
    for key, bundle in (
        ("public.ca_bundle", inventory.public.ca_bundle),
        ("database.ca_bundle", inventory.database.ca_bundle),
    ):
        if bundle is not None:
            checks.append((inv_file, key, bundle, MAX_FILE_BYTES, CONFIG_BOUND))
    tls = expectations.get(TlsPolicy)
    if tls is not None:
        checks.append(
            (exp_file, f"{TlsPolicy.key}.ca_bundle", tls.ca_bundle, MAX_FILE_BYTES, CONFIG_BOUND)
        )
    deployment = expectations.get(Deployment)
    if deployment is not None and not is_url(deployment.registry_sums):
        limit, limit_key = deployment.max_artifact_bytes, f"{Deployment.key}.max_artifact_bytes"
        key = f"{Deployment.key}.registry_sums"
        checks.append((exp_file, key, Path(deployment.registry_sums), limit, limit_key))
        release = inventory.release
        for version in dict.fromkeys(v for v in (release.version, release.previous) if v):
            artifact = Path(deployment.registry_artifact(version))
            checks.append(
                (exp_file, f"{Deployment.key}.registry_entry", artifact, limit, limit_key)
            )
    parity = expectations.get(Parity)
    if parity is not None and os.path.lexists(parity.baseline):  # a snapshot file, not a name
        baseline = Path(parity.baseline)
        if not baseline.is_dir():
            limit_key = f"{Parity.key}.max_snapshot_bytes"
            checks.append(
                (exp_file, f"{Parity.key}.baseline", baseline, parity.max_snapshot_bytes, limit_key)
            )
    found = []
    for file, key, path, limit, limit_key in checks:
        try:
            check_file(path, limit, limit_key)
        except Refused as exc:
            found.append(ConfigError(file, key, f"a regular file ({path} {exc})"))
    return found
