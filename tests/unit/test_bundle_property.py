"""A signed NO-GO bundle cannot be made to verify as anything else: hypothesis rewrites a real
bundle (signed by a throw-away ed25519 key, checked against its allowed-signers file) entry by
entry and byte by byte, and whatever it builds either fails verification or verifies with the
signed verdict, the very bytes that were signed."""

from __future__ import annotations

import gzip
import hashlib
import io
import tarfile
from dataclasses import dataclass, replace
from pathlib import Path

import pytest
from hypothesis import HealthCheck, event, example, given, note, settings
from hypothesis import strategies as st
from test_bundle import FORGED, NOGO, NOGO_TOP, Signer, _entries, _signer, signed_nogo

from golive.report import bundle

TOP = NOGO_TOP
KINDS = [tarfile.REGTYPE, tarfile.AREGTYPE, tarfile.DIRTYPE, tarfile.SYMTYPE, tarfile.LNKTYPE,
         tarfile.CHRTYPE, tarfile.BLKTYPE, tarfile.FIFOTYPE, tarfile.CONTTYPE]  # fmt: skip


@dataclass(frozen=True)
class E:
    """One tar entry to write."""

    name: str
    data: bytes = b""
    kind: bytes = tarfile.REGTYPE
    link: str = ""


@dataclass(frozen=True)
class Signed:
    signer: Signer
    entries: tuple[E, ...]
    work: Path


@pytest.fixture(scope="module")
def signed(tmp_path_factory: pytest.TempPathFactory) -> Signed:
    tmp = tmp_path_factory.mktemp("signed")
    qa = _signer(tmp, "qa")
    entries = tuple(E(m.name, d) for m, d in _entries(signed_nogo(tmp / "reports", qa)))
    return Signed(qa, entries, tmp)


def _forged_manifest() -> bytes:
    """The manifest a forger recomputes for the GO verdict (its signature cannot follow)."""
    lines = [(FORGED, "verdict.json"), (b"# NO-GO\n", "certificate.md"),
             (b'{"name": "smoke"}', "allure-results/a-result.json")]  # fmt: skip
    return "".join(f"{hashlib.sha256(d).hexdigest()}  {n}\n" for d, n in lines).encode()


NAMES = st.sampled_from(
    [f"{TOP}/verdict.json", f"{TOP}/MANIFEST.sha256", f"{TOP}/MANIFEST.sha256.sig",
     f"{TOP}/certificate.md", f"{TOP}/allure-results/a-result.json", f"{TOP}/allure-results",
     f"{TOP}/allure-results/verdict.json", f"{TOP}/x", TOP, "forged/verdict.json", "verdict.json",
     f"{TOP}/../verdict.json", f"/{TOP}/verdict.json", f"{TOP}/./verdict.json",
     f"{TOP}//verdict.json", f"./{TOP}/verdict.json", f"{TOP}/verdict.json/x"]
)  # fmt: skip
DATA = st.one_of(
    st.sampled_from([FORGED, NOGO, b"", _forged_manifest(), b"# GO\n", b"not json"]),
    st.binary(max_size=64),
)
LINKS = st.sampled_from(["", "verdict.json", f"{TOP}/verdict.json", "../forged/verdict.json",
                         "/etc/passwd", f"{TOP}/allure-results/a-result.json"])  # fmt: skip
ENTRY = st.builds(E, NAMES, DATA, st.sampled_from(KINDS), LINKS)
AT = st.integers(min_value=0, max_value=20)

EDIT = st.one_of(
    st.tuples(st.just("add"), AT, ENTRY),
    st.tuples(st.just("replace"), AT, ENTRY),
    st.tuples(st.just("duplicate"), AT, AT),
    st.tuples(st.just("rename"), AT, NAMES),
    st.tuples(st.just("retype"), AT, st.sampled_from(KINDS), LINKS),
    st.tuples(st.just("bytes"), AT, DATA),
    st.tuples(st.just("flip"), AT, st.integers(min_value=0, max_value=600)),
    st.tuples(st.just("swap"), AT, AT),
    st.tuples(st.just("drop"), AT),
    st.tuples(st.just("top"), st.sampled_from(["other", "golive-bundle-e-2", "."])),
    st.tuples(st.just("append"), ENTRY),
)


def _edit(entries: list[E], tail: list[E], edit: tuple) -> None:  # type: ignore[type-arg]
    op, *args = edit
    n = len(entries)
    at = args[0] % n if n and isinstance(args[0], int) else 0
    if op == "add":
        entries.insert(at if n else 0, args[1])
    elif op == "append":
        tail.append(args[0])
    elif op == "top":
        entries[:] = [replace(e, name=e.name.replace(TOP, args[0], 1)) for e in entries]
    elif not n:
        return
    elif op == "replace":
        entries[at] = args[1]
    elif op == "duplicate":
        entries.insert(args[1] % (n + 1), entries[at])
    elif op == "rename":
        entries[at] = replace(entries[at], name=args[1])
    elif op == "retype":
        entries[at] = replace(entries[at], kind=args[1], link=args[2])
    elif op == "bytes":
        entries[at] = replace(entries[at], data=args[1])
    elif op == "flip" and entries[at].data:
        data = bytearray(entries[at].data)
        data[args[1] % len(data)] ^= 0x01
        entries[at] = replace(entries[at], data=bytes(data))
    elif op == "swap":
        j = args[1] % n
        entries[at], entries[j] = entries[j], entries[at]
    elif op == "drop":
        del entries[at]


def _tar(entries: list[E], fmt: int) -> bytes:
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=fmt) as tar:
        for e in entries:
            info = tarfile.TarInfo(e.name)
            info.type, info.linkname = e.kind, e.link
            regular = e.kind in (tarfile.REGTYPE, tarfile.AREGTYPE, tarfile.CONTTYPE)
            info.size = len(e.data) if regular else 0
            tar.addfile(info, io.BytesIO(e.data) if regular else None)
    return raw.getvalue()


@settings(
    max_examples=250,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    edits=st.lists(EDIT, min_size=1, max_size=4),
    fmt=st.sampled_from([tarfile.PAX_FORMAT, tarfile.GNU_FORMAT]),
)
@example(edits=[("swap", 0, 3)], fmt=tarfile.PAX_FORMAT)  # order does not matter: verifies
@example(edits=[("bytes", 0, FORGED), ("bytes", 3, _forged_manifest())], fmt=tarfile.PAX_FORMAT)
@example(edits=[("append", E(f"{TOP}/verdict.json", FORGED))], fmt=tarfile.GNU_FORMAT)
@example(edits=[("add", 20, E("forged/verdict.json", FORGED))], fmt=tarfile.PAX_FORMAT)
@example(edits=[("retype", 0, tarfile.SYMTYPE, "../forged/verdict.json")], fmt=tarfile.PAX_FORMAT)
def test_a_signed_no_go_verifies_as_nothing_else(
    signed: Signed,
    edits: list[tuple],  # type: ignore[type-arg]
    fmt: int,
) -> None:
    entries, tail = list(signed.entries), []
    for edit in edits:
        _edit(entries, tail, edit)
    note(f"entries: {[(e.name, e.kind, e.link, e.data[:40]) for e in entries]}, tail: {tail}")
    try:
        data = _tar(entries, fmt) + (_tar(tail, fmt) if tail else b"")
    except (ValueError, UnicodeError):  # a name tarfile cannot write in this format
        return
    bad = signed.work / "mutated.tar.gz"
    bad.write_bytes(gzip.compress(data))
    found = bundle.verify(bad, signed.signer.allowed)
    note(f"problems: {found.problems}")
    event("verified" if found.ok else found.problems[0].split(":")[0][:40])
    if found.ok:
        assert found.verdict_bytes == NOGO
        assert found.verdict is not None and found.verdict["verdict"] == "NO-GO"
        assert "verdict NO-GO" in found.summary(bad)
    else:
        assert found.verdict is None and found.verdict_bytes is None
        assert found.summary(bad).startswith(f"{bad}: TAMPERED: ")
