"""The evidence bundle: a tar.gz of the run's results with a sha256 manifest, optionally signed
with an OpenSSH key (``ssh-keygen -Y sign``, namespace ``golive-bundle``), and its check.

The manifest alone proves nothing: whoever edits ``verdict.json`` can recompute it. A signed
bundle carries ``MANIFEST.sha256.sig``; :func:`verify` checks it against an allowed-signers
file (``ssh-keygen -Y verify``), so any change (a file, the manifest, the signature) fails and
names the reason. An unsigned bundle is checked against its own manifest only, and says so.
"""

from __future__ import annotations

import io
import os
import subprocess
import tarfile
import tempfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path

from golive.model.errors import UsageError
from golive.report.files import WriteError, commit
from golive.report.hashing import sha256, sha256_file
from golive.report.output import read_verdict

MANIFEST = "MANIFEST.sha256"
SIGNATURE = f"{MANIFEST}.sig"
NAMESPACE = "golive-bundle"
SSH_KEYGEN_TIMEOUT = 30.0
CONTENTS = ("verdict.json", "certificate.md", "certificate.html", "junit.xml", "allure-results")


def _files(root: Path) -> list[Path]:
    out: list[Path] = []
    for name in CONTENTS:
        path = root / name
        if path.is_file():
            out.append(path)
        elif path.is_dir():
            out += sorted(p for p in path.rglob("*") if p.is_file() and "history" not in p.parts)
    return out


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


def create(root: Path, out: Path, key: Path | None = None) -> tuple[Path, int]:
    """Write ``out`` from the reports directory ``root``, signed by ``key`` if given; returns
    it and the number of files. Only the results of a completed run are bundled (UsageError
    otherwise)."""
    read_verdict(root)
    files = _files(root)
    prefix = out.name.removesuffix(".tar.gz")
    manifest = "".join(f"{sha256_file(p)}  {p.relative_to(root).as_posix()}\n" for p in files)
    signature = sign(manifest.encode(), key) if key is not None else None
    tmp = out.with_name(f".{out.name}.{os.getpid()}.tmp")
    try:
        with tarfile.open(tmp, "w:gz") as tar:
            for name, data in ((MANIFEST, manifest.encode()), (SIGNATURE, signature)):
                if data is None:
                    continue
                info = tarfile.TarInfo(f"{prefix}/{name}")
                info.size = len(data)
                tar.addfile(info, io.BytesIO(data))
            for p in files:
                tar.add(p, f"{prefix}/{p.relative_to(root).as_posix()}", recursive=False)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise WriteError.of(out, exc) from None
    commit(tmp, out)
    return out, len(files)


@dataclass
class Verification:
    """What :func:`verify` found: problems (none if intact), and who signed the manifest
    (None when the bundle is unsigned or its signature was not checked)."""

    problems: list[str] = field(default_factory=list)
    signed: bool = False
    signer: str | None = None

    @property
    def ok(self) -> bool:
        return not self.problems

    def summary(self, bundle: Path) -> str:
        """One line: TAMPERED with the first reason, or intact with what vouches for it."""
        if self.problems:
            return f"{bundle}: TAMPERED: {self.problems[0]}"
        if self.signer is not None:
            return f"{bundle}: intact, signed by {self.signer} (signature and checksums verified)"
        if self.signed:
            return (
                f"{bundle}: checksums intact; signature NOT checked (give --allowed-signers): "
                "anyone who can edit the bundle can recompute its manifest"
            )
        return (
            f"{bundle}: checksums intact; UNSIGNED: only the bundle's own manifest vouches "
            "for it, so an edit with a recomputed manifest would pass"
        )


def _read(bundle: Path) -> tuple[dict[str, bytes], list[str]]:
    """The bundle's files by name (without the top folder); problems reading it."""
    members: dict[str, bytes] = {}
    last = "(start of archive)"
    try:
        with tarfile.open(bundle, "r:gz") as tar:
            for member in tar:
                if not member.isfile():
                    continue
                name = member.name.split("/", 1)[1] if "/" in member.name else member.name
                last = name
                f = tar.extractfile(member)
                members[name] = f.read() if f is not None else b""
    except (tarfile.TarError, OSError, EOFError, zlib.error) as exc:
        return members, [f"archive corrupt at or after {last}: {exc}"]
    return members, []


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


def verify(bundle: Path, allowed_signers: Path | None = None) -> Verification:
    """Check ``bundle``: its signature and signer against ``allowed_signers`` when given (a
    bundle without a signature then fails), and every file against the manifest."""
    if not bundle.is_file():
        raise UsageError(f"{bundle}: no such file")
    if allowed_signers is not None and not allowed_signers.is_file():
        raise UsageError(f"--allowed-signers {allowed_signers}: no such file")
    members, problems = _read(bundle)
    found = Verification(problems, signed=SIGNATURE in members)
    manifest_data = members.pop(MANIFEST, None)
    signature = members.pop(SIGNATURE, None)
    if manifest_data is None:
        found.problems.append(f"{MANIFEST} missing")
        return found
    if allowed_signers is not None:
        if signature is None:
            found.problems.append(
                f"unsigned: the bundle has no {SIGNATURE}, and --allowed-signers asks for one"
            )
        else:
            _check_signature(manifest_data, signature, allowed_signers, found)
    manifest = _parse(manifest_data.decode("utf-8", "replace"))
    for name, digest in manifest.items():
        if name not in members:
            found.problems.append(f"missing: {name}")
        elif sha256(members[name]) != digest:
            found.problems.append(f"tampered: {name}")
    found.problems += [f"unexpected (not in manifest): {n}" for n in members if n not in manifest]
    return found


def _parse(text: str) -> dict[str, str]:
    out = {}
    for line in text.splitlines():
        digest, _, name = line.partition("  ")
        if name:
            out[name] = digest
    return out
