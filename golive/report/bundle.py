"""The evidence bundle: a tar.gz of the run's results with a sha256 manifest, optionally signed
with an OpenSSH key (``ssh-keygen -Y sign``, namespace ``golive-bundle``), and its check.

The manifest alone proves nothing: whoever edits ``verdict.json`` can recompute it. A signed
bundle carries ``MANIFEST.sha256.sig``; :func:`verify` checks it against an allowed-signers
file (``ssh-keygen -Y verify``), so any change (a file, the manifest, the signature) fails and
names the reason. An unsigned bundle is checked against its own manifest only, and says so.

:func:`verify` accepts exactly what :func:`create` writes, and nothing else. It reads the
archive once, entry by entry, and refuses the first deviation:

- every entry is a regular file or a folder, under one top folder: no link (symbolic or
  hard), device, fifo or sparse file, no second top folder, no file beside the top folder;
- a name is a canonical relative path: not absolute, no ``..``, ``.`` or empty part, no
  control character, backslash or invalid UTF-8, and no name twice (a forged
  ``verdict.json`` appended after the signed one is a second entry of that name); a folder is
  the top folder or one holding a listed file, and is never also a file;
- nothing follows the end of the archive but zeros (tar would not list it, another reader
  might);
- ``MANIFEST.sha256`` is present and each of its lines is ``<sha256>  <path>``; it lists
  ``verdict.json``; every file in the bundle is listed and every listed file is there with
  that checksum. ``MANIFEST.sha256.sig``, when present, is an SSH signature; it is checked
  (and then required) when an allowed-signers file is given, and said not to be otherwise;
- sizes are bounded (:class:`Limits`): files are hashed while they stream, and only the
  manifest, the signature and ``verdict.json`` are held in memory, each within a cap;
- ``verdict.json`` is the verdict of a completed run. The verdict :func:`verify` reports is
  parsed from the very bytes whose checksum matched the (signed) manifest, never re-read.

:func:`create` writes only regular files it opened itself (a link in the reports directory is
refused), hashes each while it streams into the archive, and checks the archive it wrote
with :func:`verify` before giving it its name.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import os
import stat
import subprocess
import tarfile
import tempfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, get_args

from golive.gate.verdict import Decision
from golive.model.errors import UsageError
from golive.report.files import WriteError, commit, discard, shown
from golive.report.output import read_verdict

MANIFEST = "MANIFEST.sha256"
SIGNATURE = f"{MANIFEST}.sig"
VERDICT = "verdict.json"
NAMESPACE = "golive-bundle"
SSH_KEYGEN_TIMEOUT = 30.0
CONTENTS = (VERDICT, "certificate.md", "certificate.html", "report.html", "junit.xml",
            "allure-results")  # fmt: skip
"""What a bundle holds, as the reports directory names it: report.html is the single-file
Allure report (`golive report`), which opens from disk (the folder report does not)."""
KEPT = (MANIFEST, SIGNATURE, VERDICT)
"""The files :func:`verify` holds in memory (at the top of the bundle); every other is hashed
as it streams."""
SIG_HEADER = b"-----BEGIN SSH SIGNATURE-----"
CHUNK = 1 << 16
MiB = 1 << 20
HEX = frozenset("0123456789abcdef")
NAME_MAX = 1024
"""The longest name of an entry (in characters): a bundle's names are short."""


@dataclass(frozen=True)
class Limits:
    """What a bundle may hold: :func:`create` refuses to write more, :func:`verify` refuses
    to read more (so a huge, sparse or endless member cannot exhaust memory or time)."""

    file_size: int = 512 * MiB
    """One file, as stored (uncompressed)."""
    total_size: int = 2048 * MiB
    """All files together."""
    entries: int = 20_000
    """Entries in the archive."""
    kept_size: int = 16 * MiB
    """The manifest, the signature and verdict.json each: read into memory."""
    header_size: int = 64 * 1024
    """The tar headers of one entry (extended headers and long names included)."""
    headers_size: int = 64 * MiB
    """The tar headers of all entries, with the padding and the end of the archive."""


LIMITS = Limits()


def _size(n: int) -> str:
    return f"{n / MiB:.0f} MiB" if n >= MiB else f"{n} bytes"


def bad_name(name: str) -> str | None:
    """Why ``name`` cannot be the path of an entry of a bundle (None if it can): it must be a
    canonical relative POSIX path, printable UTF-8."""
    if not name:
        return "an empty name"
    if len(name) > NAME_MAX:
        return f"a name longer than {NAME_MAX} characters"
    if name.startswith("/"):
        return "an absolute name"
    parts = name.split("/")
    if ".." in parts:
        return "a name with a '..' part"
    if "" in parts or "." in parts:
        return "a name with an empty or '.' part (not canonical)"
    if "\\" in name or any(ord(c) < 32 or ord(c) == 127 for c in name):
        return "a name with a backslash or a control character"
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return "a name that is not valid UTF-8"
    return None


# --- create ---


def _refuse_entry(path: Path, root: Path, what: str) -> UsageError:
    return UsageError(
        f"{shown(path)}: {what}; a bundle holds regular files only (nothing under "
        f"{shown(root)} may be a link, device or fifo)"
    )


def _files(root: Path) -> list[tuple[Path, str]]:
    """The files to bundle with their names in the bundle: every CONTENTS entry that exists,
    folders walked without following links (Allure's carried-over history left out). A link,
    device or fifo is a UsageError: verify would refuse the bundle."""
    out: list[tuple[Path, str]] = []
    todo = [root / name for name in CONTENTS]
    while todo:
        path = todo.pop(0)
        try:
            mode = path.lstat().st_mode
        except FileNotFoundError:
            continue
        except OSError as exc:
            raise UsageError(f"{shown(path)}: cannot read it ({exc.strerror})") from None
        name = path.relative_to(root).as_posix()
        if stat.S_ISDIR(mode):
            if "history" not in path.relative_to(root).parts:
                todo[:0] = sorted(path.iterdir())
            continue
        if stat.S_ISLNK(mode):
            raise _refuse_entry(path, root, f"a symbolic link (to {os.readlink(path)!r})")
        if not stat.S_ISREG(mode):
            raise _refuse_entry(path, root, "not a regular file")
        why = bad_name(name)
        if why is not None or name in (MANIFEST, SIGNATURE):
            raise UsageError(f"{shown(path)}: cannot be bundled: {why or 'a reserved name'}")
        out.append((path, name))
    return out


class _Hashing:
    """A file read once: what tarfile copies into the archive is what is hashed."""

    def __init__(self, f: IO[bytes], path: Path, size: int) -> None:
        self.f, self.path, self.left = f, path, size
        self.hash = hashlib.sha256()

    def read(self, n: int = -1) -> bytes:
        want = n if 0 <= n <= self.left else self.left
        data = self.f.read(want)
        if len(data) < want:
            raise UsageError(f"{shown(self.path)} shrank while it was being bundled")
        self.left -= len(data)
        self.hash.update(data)
        return data


def _add_file(tar: tarfile.TarFile, path: Path, arcname: str, limits: Limits) -> tuple[str, int]:
    """Add ``path`` (opened without following a link, a regular file within the limit) as
    ``arcname``; its sha256 and size."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError as exc:
        raise UsageError(f"{shown(path)}: cannot read it ({exc.strerror})") from None
    with os.fdopen(fd, "rb") as f:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise UsageError(
                f"{shown(path)}: not a regular file; a bundle holds regular files only"
            )
        if st.st_size > limits.file_size:
            raise UsageError(
                f"{shown(path)}: {_size(st.st_size)}, more than the {_size(limits.file_size)} "
                "a file of a bundle may be"
            )
        info = tarfile.TarInfo(arcname)
        info.size, info.mtime, info.mode = st.st_size, int(st.st_mtime), 0o644
        reader = _Hashing(f, path, st.st_size)
        tar.addfile(info, reader)
        return reader.hash.hexdigest(), st.st_size


def _add_bytes(tar: tarfile.TarFile, arcname: str, data: bytes) -> None:
    info = tarfile.TarInfo(arcname)
    info.size, info.mode = len(data), 0o644
    tar.addfile(info, io.BytesIO(data))


def create(
    root: Path, out: Path, key: Path | None = None, limits: Limits = LIMITS
) -> tuple[Path, int]:
    """Write ``out`` from the reports directory ``root``, signed by ``key`` if given; returns
    it and the number of files. Only the results of a completed run are bundled (UsageError
    otherwise), and only what :func:`verify` accepts (checked before ``out`` is written)."""
    read_verdict(root, "bundle")
    files = _files(root)
    prefix = out.name.removesuffix(".tar.gz")
    if bad_name(prefix) or "/" in prefix:
        raise UsageError(f"{shown(out)}: cannot name a bundle's top folder {prefix!r}")
    if len(files) + 2 > limits.entries:
        raise UsageError(
            f"{shown(root)}: {len(files)} files, more than the {limits.entries} a bundle may hold"
        )
    tmp = out.with_name(f".{out.name}.{os.getpid()}.tmp")
    try:
        lines, total = [], 0
        with tarfile.open(tmp, "w:gz", format=tarfile.PAX_FORMAT) as tar:
            for path, name in files:
                digest, size = _add_file(tar, path, f"{prefix}/{name}", limits)
                total += size
                if total > limits.total_size:
                    raise UsageError(
                        f"{shown(root)}: more than the {_size(limits.total_size)} a bundle may "
                        f"hold (at {shown(path)})"
                    )
                lines.append(f"{digest}  {name}\n")
            manifest = "".join(lines).encode()
            _add_bytes(tar, f"{prefix}/{MANIFEST}", manifest)
            if key is not None:
                _add_bytes(tar, f"{prefix}/{SIGNATURE}", sign(manifest, key))
        found = verify(tmp, limits=limits)
        if not found.ok:
            raise UsageError(
                f"{shown(out)}: the bundle written does not verify: {found.problems[0]}"
            )
        commit(tmp, out)
    except OSError as exc:
        raise WriteError.of(out, exc) from None
    finally:
        discard(tmp)  # never raises (a read-only file system refuses even an unlink)
    return out, len(files)


# --- sign ---


def _keygen(args: list[str], stdin: bytes, what: str) -> subprocess.CompletedProcess[bytes]:
    """``ssh-keygen ARGS`` with ``stdin``, within SSH_KEYGEN_TIMEOUT; a UsageError if it
    cannot be run at all."""
    try:
        return subprocess.run(
            ["ssh-keygen", *args],
            input=stdin,
            capture_output=True,
            timeout=SSH_KEYGEN_TIMEOUT,
            check=False,
        )
    except FileNotFoundError:
        raise UsageError(f"{what}: ssh-keygen (OpenSSH) is not installed") from None
    except subprocess.TimeoutExpired:
        raise UsageError(
            f"{what}: ssh-keygen did not finish within {SSH_KEYGEN_TIMEOUT:g} s"
        ) from None


def _said(proc: subprocess.CompletedProcess[bytes]) -> str:
    text = (proc.stderr or proc.stdout).decode(errors="replace").strip()
    return text.splitlines()[-1] if text else f"ssh-keygen exited {proc.returncode}"


def sign(manifest: bytes, key: Path) -> bytes:
    """An SSH signature of ``manifest`` by ``key`` (a private key, or a public key whose
    private half is in ssh-agent), namespace NAMESPACE."""
    if not key.is_file():
        raise UsageError(f"--sign {key}: no such file")
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / MANIFEST
        data.write_bytes(manifest)
        # stdin is not a terminal: a key with a passphrase fails here rather than prompting
        proc = _keygen(["-Y", "sign", "-n", NAMESPACE, "-f", str(key), str(data)], b"", "--sign")
        sig = Path(f"{data}.sig")
        if proc.returncode != 0 or not sig.is_file():
            raise UsageError(f"--sign {key}: ssh-keygen could not sign: {_said(proc)}")
        return sig.read_bytes()


# --- verify ---


@dataclass
class Verification:
    """What :func:`verify` found: problems (none if intact), and who signed the manifest
    (None when the bundle is unsigned or its signature was not checked). ``verdict`` is the
    bundle's verdict.json parsed from ``verdict_bytes``, the bytes whose checksum matched the
    manifest; both are None unless the bundle verified."""

    problems: list[str] = field(default_factory=list)
    signed: bool = False
    signer: str | None = None
    verdict: dict[str, Any] | None = None
    verdict_bytes: bytes | None = None

    @property
    def ok(self) -> bool:
        return not self.problems

    def decision(self) -> str:
        """The verified verdict with its scope: "NO-GO (env sandbox, release 1.5.0)" (the
        scope printable and short, so that an unsigned bundle cannot add a line of its own)."""
        doc = self.verdict or {}
        scope = doc.get("scope")
        where = ""
        if isinstance(scope, dict):
            env, release = (_printable(scope.get(k, "?")) for k in ("env", "release"))
            where = f" (env {env}, release {release})"
        return f"{doc.get('verdict', '?')}{where}"

    def summary(self, bundle: Path) -> str:
        """One line: TAMPERED with the first reason, or intact with what vouches for it and
        the verdict it holds."""
        if self.problems:
            return f"{bundle}: TAMPERED: {self.problems[0]}"
        if self.signer is not None:
            return (
                f"{bundle}: intact, signed by {self.signer} (signature and checksums "
                f"verified): verdict {self.decision()}"
            )
        if self.signed:
            return (
                f"{bundle}: checksums intact; signature NOT checked (give --allowed-signers): "
                "anyone who can edit the bundle can recompute its manifest; it says verdict "
                f"{self.decision()}"
            )
        return (
            f"{bundle}: checksums intact; UNSIGNED: only the bundle's own manifest vouches "
            f"for it, so an edit with a recomputed manifest would pass; it says verdict "
            f"{self.decision()}"
        )


def _printable(value: object, most: int = 80) -> str:
    text = "".join(c if c.isprintable() else "?" for c in str(value))
    return text if len(text) <= most else f"{text[:most]}..."


class _Refused(Exception):
    """The archive deviates from what :func:`create` writes; the message says how."""


class _Decompressed:
    """The archive's tar stream, read forward only and within the limits: the headers of one
    entry (what tarfile reads after :meth:`entry`) at most ``header_size`` bytes, those of all
    entries ``headers_size``, a member's data exactly the size :meth:`data` allows."""

    def __init__(self, raw: gzip.GzipFile, limits: Limits) -> None:
        self.raw, self.limits = raw, limits
        self.pos = 0
        self.headers = limits.headers_size
        self.budget, self.in_data = limits.header_size, False
        self.last = (0, b"")  # the start and bytes of the last read (the block that ended tar)

    def entry(self) -> None:
        self.budget, self.in_data = self.limits.header_size, False

    def data(self, size: int) -> None:
        self.budget, self.in_data = size, True

    def read(self, n: int = -1) -> bytes:
        if n is None or n < 0 or n > self.budget:
            raise _Refused(
                f"an entry's headers at byte {self.pos} of the archive are longer than "
                f"{_size(self.limits.header_size)}"
            )
        if not self.in_data and n > self.headers:
            raise _Refused(
                f"the archive's headers pass {_size(self.limits.headers_size)} at byte {self.pos}"
            )
        data = self.raw.read(n)
        self.budget -= len(data)
        if not self.in_data:
            self.headers -= len(data)
        self.last = (self.pos, data)
        self.pos += len(data)
        return data

    def tell(self) -> int:
        return self.pos

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def seek(self, pos: int, whence: int = 0) -> int:
        if whence != 0 or pos < self.pos:
            raise _Refused(f"the archive cannot be read front to back (at byte {self.pos})")
        while self.pos < pos:
            self.read(min(CHUNK, pos - self.pos))
        return self.pos


_KINDS = {
    tarfile.SYMTYPE: "a symbolic link",
    tarfile.LNKTYPE: "a hard link",
    tarfile.CHRTYPE: "a character device",
    tarfile.BLKTYPE: "a block device",
    tarfile.FIFOTYPE: "a fifo",
    tarfile.CONTTYPE: "a contiguous file",
    tarfile.GNUTYPE_SPARSE: "a sparse file",
}


def _kind(member: tarfile.TarInfo) -> str:
    """'file', 'dir', or what else ``member`` is (to be refused)."""
    if member.type in (tarfile.REGTYPE, tarfile.AREGTYPE) and member.sparse is None:
        return "file"
    if member.type == tarfile.DIRTYPE:
        return "dir"
    what = _KINDS.get(member.type, f"an entry of tar type {member.type!r}")
    if member.sparse is not None:
        what = "a sparse file"
    if member.linkname:
        what += f" (to {member.linkname!r})"
    return what


@dataclass
class _Contents:
    """What the archive holds, relative to its top folder."""

    top: str | None = None
    digests: dict[str, str] = field(default_factory=dict)
    kept: dict[str, bytes] = field(default_factory=dict)
    dirs: set[str] = field(default_factory=set)
    """Folder entries."""
    folders: set[str] = field(default_factory=lambda: {""})
    """The folders the files are in."""
    total: int = 0


def _member(tar: tarfile.TarFile, stream: _Decompressed, m: tarfile.TarInfo, c: _Contents) -> None:
    """Take one entry into ``c``, or refuse it."""
    why = bad_name(m.name)
    if why is not None:
        raise _Refused(f"{m.name!r}: {why}")
    first, _, rest = m.name.partition("/")
    if c.top is None:
        c.top = first
    if first != c.top:
        raise _Refused(f"{m.name}: outside the top folder {c.top}/ (a second top folder)")
    kind = _kind(m)
    if kind not in ("file", "dir"):
        raise _Refused(f"{m.name}: {kind}; a bundle holds regular files and folders only")
    if rest in c.digests or rest in c.dirs:
        raise _Refused(f"{m.name}: a second entry of the same name")
    if kind == "dir":
        if m.size:
            raise _Refused(f"{m.name}: a folder with {m.size} bytes of data")
        c.dirs.add(rest)
        return
    if not rest:
        raise _Refused(f"{m.name}: a file beside the top folder, not in it")
    parts = rest.split("/")
    folders = {"/".join(parts[:i]) for i in range(len(parts))}
    if rest in c.folders or folders & c.digests.keys():
        raise _Refused(f"{m.name}: both a file and a folder")
    c.folders |= folders
    keep = rest in KEPT
    cap = stream.limits.kept_size if keep else stream.limits.file_size
    if not 0 <= m.size <= cap:
        raise _Refused(f"{m.name}: {_size(m.size)}, more than the {_size(cap)} it may be")
    c.total += m.size
    if c.total > stream.limits.total_size:
        raise _Refused(f"{m.name}: the files pass the {_size(stream.limits.total_size)} limit")
    stream.data(m.size)
    f = tar.extractfile(m)
    if f is None:  # tarfile has no data for it: not a file after all
        raise _Refused(f"{m.name}: an entry without data")
    h, kept = hashlib.sha256(), []
    while chunk := f.read(CHUNK):
        h.update(chunk)
        if keep:
            kept.append(chunk)
    c.digests[rest] = h.hexdigest()
    if keep:
        c.kept[rest] = b"".join(kept)


def _read(bundle: Path, limits: Limits) -> _Contents:
    """Every entry of ``bundle``, checked as it is read; _Refused at the first deviation."""
    size, most = bundle.stat().st_size, limits.total_size + limits.headers_size
    if size > most:
        raise _Refused(f"{_size(size)}, more than a bundle can be ({_size(most)})")
    c = _Contents()
    count = 0
    with gzip.open(bundle, "rb") as raw:
        stream = _Decompressed(raw, limits)
        with tarfile.open(fileobj=stream, mode="r:") as tar:  # type: ignore[call-overload]
            while True:
                stream.entry()
                member = tar.next()
                if member is None:
                    break
                count += 1
                if count > limits.entries:
                    raise _Refused(f"more than {limits.entries} entries")
                _member(tar, stream, member, c)
                tar.members.clear()  # what was read is in c: the archive is never held
            start, block = stream.last
            tail = block if start == tar.offset else b""  # the block that ended the archive
            stream.data(limits.header_size)
            while True:
                if tail.strip(b"\0"):
                    raise _Refused(
                        f"data after the end of the archive at byte {tar.offset} (an entry "
                        "that tar would not list)"
                    )
                if not stream.budget:
                    raise _Refused(
                        f"more than {_size(limits.header_size)} after the end of the archive "
                        f"at byte {tar.offset}"
                    )
                tail = stream.read(min(CHUNK, stream.budget))
                if not tail:
                    break
    if count == 0:
        raise _Refused("an empty archive")
    return c


def _check_signature(manifest: bytes, signature: bytes, allowed: Path, found: Verification) -> None:
    """Who of ``allowed`` signed ``manifest`` (``ssh-keygen -Y find-principals``, then
    ``-Y verify``, judged by its "Good signature" line, not its exit status alone)."""
    with tempfile.TemporaryDirectory() as tmp:
        sig = Path(tmp) / SIGNATURE
        sig.write_bytes(signature)
        who = _keygen(["-Y", "find-principals", "-s", str(sig), "-f", str(allowed)], b"",
                      "--verify")  # fmt: skip
        principals = who.stdout.decode(errors="replace").split()
        if who.returncode != 0 or not principals:
            found.problems.append(
                f"signature: not made by a key in {allowed} (signer unknown or signature "
                f"damaged: {_said(who)})"
            )
            return
        principal = principals[0].split(",")[0]
        check = _keygen(
            ["-Y", "verify", "-f", str(allowed), "-I", principal, "-n", NAMESPACE,
             "-s", str(sig)],
            manifest,
            "--verify",
        )  # fmt: skip
        said = check.stdout.decode(errors="replace") + check.stderr.decode(errors="replace")
        if check.returncode != 0 or f'Good "{NAMESPACE}" signature' not in said:
            found.problems.append(
                f"signature: {MANIFEST} does not match the signature of {principal} "
                f"(the manifest was changed after signing: {_said(check)})"
            )
            return
        found.signer = principal


def _parse(data: bytes, limits: Limits) -> tuple[dict[str, str], str | None]:
    """The manifest's checksums by name, or why it is malformed: every line (each ending in a
    newline) is ``<64 lowercase hex>  <name>``, each name once, verdict.json among them."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return {}, f"{MANIFEST} is not UTF-8"
    if not text:
        return {}, f"{MANIFEST} is empty"
    if not text.endswith("\n"):
        return {}, f"{MANIFEST}: its last line does not end with a newline"
    out: dict[str, str] = {}
    for n, line in enumerate(text[:-1].split("\n"), 1):
        digest, sep, name = line[:64], line[64:66], line[66:]
        if sep != "  " or len(digest) != 64 or not set(digest) <= HEX:
            return {}, f"{MANIFEST} line {n}: expected '<sha256>  <path>', found {line[:80]!r}"
        why = bad_name(name) or ("a reserved name" if name in (MANIFEST, SIGNATURE) else None)
        if why is not None:
            return {}, f"{MANIFEST} line {n}: {name!r}: {why}"
        if name in out:
            return {}, f"{MANIFEST} line {n}: {name} is listed twice"
        if n > limits.entries:
            return {}, f"{MANIFEST}: more than {limits.entries} lines"
        out[name] = digest
    if VERDICT not in out:
        return {}, f"{MANIFEST} does not list {VERDICT}"
    return out, None


def _completed(data: bytes) -> dict[str, Any] | None:
    """verdict.json's document if it is the verdict of a completed run."""
    try:
        doc = json.loads(data.decode("utf-8"))
    except (ValueError, RecursionError):
        return None
    if not isinstance(doc, dict) or doc.get("complete") is not True:
        return None
    return doc if doc.get("verdict") in get_args(Decision) else None


def _compare(c: _Contents, manifest: dict[str, str], found: Verification) -> None:
    """Every listed file there with its checksum, every file listed, folder entries only
    where files are."""
    files = {n: d for n, d in c.digests.items() if n not in (MANIFEST, SIGNATURE)}
    for name, digest in manifest.items():
        if name not in files:
            found.problems.append(f"missing: {name}")
        elif files[name] != digest:
            found.problems.append(f"tampered: {name}")
    found.problems += [f"unexpected (not in manifest): {n}" for n in files if n not in manifest]
    found.problems += [f"{c.top}/{d}: a folder with no file" for d in sorted(c.dirs - c.folders)]


def verify(
    bundle: Path, allowed_signers: Path | None = None, limits: Limits = LIMITS
) -> Verification:
    """Check ``bundle``: its structure (see the module), its signature and signer against
    ``allowed_signers`` when given (a bundle without a signature then fails), and every file
    against the manifest. The first problem is the reason; the verdict is set only when there
    is none."""
    if not bundle.is_file():
        raise UsageError(f"{bundle}: no such file")
    if allowed_signers is not None and not allowed_signers.is_file():
        raise UsageError(f"--allowed-signers {allowed_signers}: no such file")
    found = Verification()
    try:
        c = _read(bundle, limits)
    except _Refused as exc:
        found.problems.append(str(exc))
        return found
    except (tarfile.TarError, OSError, EOFError, zlib.error) as exc:
        found.problems.append(f"archive corrupt: {exc}")
        return found
    manifest_data = c.kept.get(MANIFEST)
    signature = c.kept.get(SIGNATURE)
    found.signed = signature is not None
    if manifest_data is None:
        found.problems.append(f"{MANIFEST} missing")
        return found
    manifest, why = _parse(manifest_data, limits)
    if why is not None:
        found.problems.append(why)
        return found
    if signature is not None and not signature.startswith(SIG_HEADER):
        found.problems.append(f"{SIGNATURE} is not an SSH signature")
        return found
    if allowed_signers is not None:
        if signature is None:
            found.problems.append(
                f"unsigned: the bundle has no {SIGNATURE}, and --allowed-signers asks for one"
            )
        else:
            _check_signature(manifest_data, signature, allowed_signers, found)
    _compare(c, manifest, found)
    if found.problems:
        return found
    verdict = c.kept[VERDICT]  # its checksum matched the manifest: these bytes, not a re-read
    doc = _completed(verdict)
    if doc is None:
        found.problems.append(f"{VERDICT} is not the verdict of a completed run")
        return found
    found.verdict, found.verdict_bytes = doc, verdict
    return found
