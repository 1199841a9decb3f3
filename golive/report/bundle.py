"""The evidence bundle: a tar.gz of the run's results with a sha256 manifest, and its check."""

from __future__ import annotations

import io
import os
import tarfile
import zlib
from pathlib import Path

from golive.report.files import WriteError, commit
from golive.report.hashing import sha256, sha256_file
from golive.report.output import read_verdict

MANIFEST = "MANIFEST.sha256"
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


def create(root: Path, out: Path) -> tuple[Path, int]:
    """Write ``out`` from the reports directory ``root``; returns it and the number of files.
    Only the results of a completed run are bundled (UsageError otherwise)."""
    read_verdict(root)
    files = _files(root)
    prefix = out.name.removesuffix(".tar.gz")
    manifest = "".join(f"{sha256_file(p)}  {p.relative_to(root).as_posix()}\n" for p in files)
    tmp = out.with_name(f".{out.name}.{os.getpid()}.tmp")
    try:
        with tarfile.open(tmp, "w:gz") as tar:
            data = manifest.encode()
            info = tarfile.TarInfo(f"{prefix}/{MANIFEST}")
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
            for p in files:
                tar.add(p, f"{prefix}/{p.relative_to(root).as_posix()}", recursive=False)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise WriteError.of(out, exc) from None
    commit(tmp, out)
    return out, len(files)


def verify(bundle: Path) -> list[str]:
    """Problems found in ``bundle``: tampered, missing or unexpected files; empty if intact."""
    seen: dict[str, str] = {}
    manifest: dict[str, str] | None = None
    problems: list[str] = []
    last = "(start of archive)"
    try:
        with tarfile.open(bundle, "r:gz") as tar:
            for member in tar:
                if not member.isfile():
                    continue
                name = member.name.split("/", 1)[1] if "/" in member.name else member.name
                last = name
                f = tar.extractfile(member)
                data = f.read() if f is not None else b""
                if name == MANIFEST:
                    manifest = _parse(data.decode("utf-8", "replace"))
                else:
                    seen[name] = sha256(data)
    except (tarfile.TarError, OSError, EOFError, zlib.error) as exc:
        problems.append(f"{bundle}: archive corrupt at or after {last}: {exc}")
    if manifest is None:
        return [*problems, f"{bundle}: {MANIFEST} missing"]
    for name, digest in manifest.items():
        if name not in seen:
            problems.append(f"missing: {name}")
        elif seen[name] != digest:
            problems.append(f"tampered: {name}")
    problems += [f"unexpected (not in manifest): {n}" for n in seen if n not in manifest]
    return problems


def _parse(text: str) -> dict[str, str]:
    out = {}
    for line in text.splitlines():
        digest, _, name = line.partition("  ")
        if name:
            out[name] = digest
    return out
