"""Bundle, certificate and plan data: no pytest run of golive needed."""

from __future__ import annotations

import copy
import gzip
import hashlib
import io
import subprocess
import tarfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from golive.cli import main
from golive.gate.plan import load_plan
from golive.report import bundle

ITEMS = [
    "pre.env.production",
    "pre.env.hardware",
    "pre.env.software",
    "pre.network.firewall",
    "pre.network.lb",
    "pre.network.dns",
    "pre.db.schema",
    "pre.db.migration",
    "pre.db.backup",
    "pre.security.tls",
    "pre.security.auth",
    "pre.security.access",
    "deploy.app.package",
    "deploy.app.deploy",
    "deploy.app.config",
    "deploy.app.db",
    "deploy.validation.smoke",
    "deploy.validation.integration",
    "deploy.validation.performance",
    "deploy.validation.security",
    "deploy.monitoring.tools",
    "deploy.monitoring.logging",
    "deploy.monitoring.alerts",
    "post.backup.validation",
    "post.backup.drill",
    "rollback.steps.previous",
    "rollback.steps.database",
    "rollback.steps.config",
    "rollback.steps.validation",
]


def test_plan_has_every_bullet_of_the_deployment_plan():
    plan = load_plan()
    assert len(plan.items) == 48
    assert set(ITEMS) <= set(plan.items)
    assert plan["pre.security.tls"].section == "Security Preparations"


GO_BUNDLE = "golive-bundle-e-1-20240110T120000Z-GO.tar.gz"


@pytest.fixture
def reports(tmp_path: Path) -> Path:
    root = tmp_path / "reports"
    (root / "allure-results").mkdir(parents=True)
    (root / "allure-results" / "a-result.json").write_text('{"name": "t"}')
    (root / "allure-results" / "b-attachment.txt").write_text("evidence")
    (root / "verdict.json").write_text(
        '{"verdict": "GO", "complete": true, "timings": {"started": "2024-01-10T12:00:00+00:00"},'
        ' "scope": {"env": "e", "release": "1", "markers": "", "hosts": ["h"]}}'
    )
    (root / "certificate.md").write_text("# GO\n")
    return root


def test_bundle_verifies_intact(reports: Path):
    out, count = bundle.create(reports, reports / "b.tar.gz")
    assert count == 4 and bundle.verify(out).problems == []


def _rewrite(src: Path, dst: Path, change: str) -> None:
    with tarfile.open(src, "r:gz") as tin, tarfile.open(dst, "w:gz") as tout:
        for m in tin:
            data = tin.extractfile(m).read()  # type: ignore[union-attr]
            if m.name.endswith(change):
                data = bytes([data[0] ^ 1]) + data[1:]
            tout.addfile(m, io.BytesIO(data))


def test_one_byte_changed_names_the_file(reports: Path):
    out, _ = bundle.create(reports, reports / "b.tar.gz")
    bad = reports / "bad.tar.gz"
    _rewrite(out, bad, "b-attachment.txt")
    assert bundle.verify(bad).problems == ["tampered: allure-results/b-attachment.txt"]
    assert main(["bundle", "--verify", str(bad)]) == 1


def test_raw_byte_flip_in_archive_fails(reports: Path):
    out, _ = bundle.create(reports, reports / "b.tar.gz")
    data = bytearray(out.read_bytes())
    data[len(data) // 2] ^= 0xFF
    out.write_bytes(bytes(data))
    assert bundle.verify(out).problems


def test_cli_bundle_and_certificate(reports: Path, capsys: pytest.CaptureFixture[str]):
    assert main(["certificate", "--reports", str(reports)]) == 0
    assert "Go-live certificate: GO" in (reports / "certificate.md").read_text()
    assert main(["bundle", "--reports", str(reports)]) == 0
    out = reports / GO_BUNDLE
    assert out.is_file() and main(["bundle", "--verify", str(out)]) == 0
    out_text = capsys.readouterr().out
    assert "intact" in out_text and "UNSIGNED" in out_text


def test_verify_a_missing_file_is_a_usage_error(tmp_path: Path, capsys) -> None:
    assert main(["bundle", "--verify", str(tmp_path / "nope.tar.gz")]) == 4
    err = capsys.readouterr().err
    assert "no such file" in err and "TAMPERED" not in err


def test_sign_and_verify_together_is_a_usage_error(tmp_path: Path, capsys) -> None:
    assert main(["bundle", "--verify", str(tmp_path / "b.tar.gz"), "--sign", "key"]) == 4
    assert "not both" in capsys.readouterr().err


# --- signed bundles: real ssh-keygen, temporary keys ---


@dataclass
class Signer:
    key: Path
    allowed: Path


def _signer(tmp: Path, name: str) -> Signer:
    key = tmp / name
    subprocess.run(
        ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", name, "-f", str(key)],
        check=True, capture_output=True, timeout=30,
    )  # fmt: skip
    allowed = tmp / f"{name}.allowed"
    pub = (tmp / f"{name}.pub").read_text().split()
    allowed.write_text(f'{name}@example.org namespaces="golive-bundle" {pub[0]} {pub[1]}\n')
    return Signer(key, allowed)


@pytest.fixture
def qa(tmp_path: Path) -> Signer:
    return _signer(tmp_path, "qa")


def _members(path: Path) -> dict[str, tuple[tarfile.TarInfo, bytes]]:
    with tarfile.open(path, "r:gz") as tar:
        return {m.name: (m, tar.extractfile(m).read()) for m in tar if m.isfile()}  # type: ignore[union-attr]


def _write(path: Path, members: dict[str, tuple[tarfile.TarInfo, bytes]]) -> Path:
    with tarfile.open(path, "w:gz") as tar:
        for info, data in members.values():
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return path


def _edit_verdict_and_recompute_manifest(src: Path, dst: Path) -> Path:
    members = _members(src)
    [vname] = [n for n in members if n.endswith("/verdict.json")]
    [mname] = [n for n in members if n.endswith("/MANIFEST.sha256")]
    info, data = members[vname]
    members[vname] = (info, data.replace(b'"GO"', b'"NO-GO"'))
    prefix = vname.rsplit("/", 1)[0] + "/"
    manifest = "".join(
        f"{hashlib.sha256(d).hexdigest()}  {n.removeprefix(prefix)}\n"
        for n, (_, d) in members.items()
        if not n.endswith(("MANIFEST.sha256", ".sig"))
    )
    members[mname] = (members[mname][0], manifest.encode())
    return _write(dst, members)


def test_signed_bundle_verifies_naming_the_signer(reports: Path, qa: Signer, capsys) -> None:
    assert main(["bundle", "--reports", str(reports), "--sign", str(qa.key)]) == 0
    out = reports / GO_BUNDLE
    found = bundle.verify(out, qa.allowed)
    assert found.ok and found.signer == "qa@example.org", found.problems
    capsys.readouterr()
    assert main(["bundle", "--verify", str(out), "--allowed-signers", str(qa.allowed)]) == 0
    assert "intact, signed by qa@example.org" in capsys.readouterr().out


def test_edited_verdict_with_recomputed_manifest_fails(reports: Path, qa: Signer, capsys):
    out, _ = bundle.create(reports, reports / "b.tar.gz", qa.key)
    bad = _edit_verdict_and_recompute_manifest(out, reports / "bad.tar.gz")
    assert bundle.verify(bad).ok  # the manifest alone vouches for the edit...
    found = bundle.verify(bad, qa.allowed)  # ...the signature does not
    assert not found.ok and found.signer is None
    assert found.problems[0].startswith("signature: MANIFEST.sha256 does not match"), found
    capsys.readouterr()
    assert main(["bundle", "--verify", str(bad), "--allowed-signers", str(qa.allowed)]) == 1
    assert "TAMPERED: signature" in capsys.readouterr().out


def test_edited_file_in_signed_bundle_fails_naming_it(reports: Path, qa: Signer) -> None:
    out, _ = bundle.create(reports, reports / "b.tar.gz", qa.key)
    bad = reports / "bad.tar.gz"
    _rewrite(out, bad, "verdict.json")
    assert bundle.verify(bad, qa.allowed).problems == ["tampered: verdict.json"]


def test_signature_by_another_key_fails(reports: Path, qa: Signer, tmp_path: Path) -> None:
    mallory = _signer(tmp_path, "mallory")
    out, _ = bundle.create(reports, reports / "b.tar.gz", mallory.key)
    assert bundle.verify(out, mallory.allowed).ok
    found = bundle.verify(out, qa.allowed)
    assert not found.ok and "not made by a key in" in found.problems[0]


def test_damaged_or_stripped_signature_fails(reports: Path, qa: Signer) -> None:
    out, _ = bundle.create(reports, reports / "b.tar.gz", qa.key)
    members = _members(out)
    [sname] = [n for n in members if n.endswith(".sig")]
    info, sig = members[sname]
    lines = sig.splitlines()
    body = bytearray(lines[3])
    body[10] = ord("A") if body[10] != ord("A") else ord("B")
    damaged = dict(members)
    damaged[sname] = (info, b"\n".join([*lines[:3], bytes(body), *lines[4:]]) + b"\n")
    assert not bundle.verify(_write(reports / "d.tar.gz", damaged), qa.allowed).ok
    stripped = {n: m for n, m in members.items() if n != sname}
    found = bundle.verify(_write(reports / "s.tar.gz", stripped), qa.allowed)
    assert found.problems[0].startswith("unsigned: the bundle has no MANIFEST.sha256.sig")


def test_signed_bundle_without_allowed_signers_says_not_checked(reports: Path, qa: Signer):
    out, _ = bundle.create(reports, reports / "b.tar.gz", qa.key)
    found = bundle.verify(out)
    assert found.ok and found.signed and found.signer is None
    assert "signature NOT checked" in found.summary(out)


def test_sign_with_a_missing_key_is_a_usage_error(reports: Path, tmp_path: Path, capsys):
    assert main(["bundle", "--reports", str(reports), "--sign", str(tmp_path / "nokey")]) == 4
    assert "no such file" in capsys.readouterr().err


# --- what create writes verify accepts (round trip), and nothing else (hostile bundles) ---

NOGO = (
    b'{"verdict": "NO-GO", "complete": true, "blockers": [{"check": "smoke", "host": "app2",'
    b' "message": "app2: /health answered 503"}],'
    b' "scope": {"env": "e", "release": "1", "markers": "", "hosts": ["app2"]},'
    b' "timings": {"started": "2024-01-10T12:00:00+00:00"}}\n'
)
NOGO_TOP = "golive-bundle-e-1-20240110T120000Z-NO-GO"
"""The bundle of NOGO: environment, release, the run's UTC start and its verdict."""
FORGED = NOGO.replace(b'"NO-GO"', b'"GO"').replace(b"app2: /health answered 503", b"")
Entry = tuple[tarfile.TarInfo, bytes]


def _entries(path: Path) -> list[Entry]:
    """Every entry of the bundle at ``path``, in order, with its data."""
    with tarfile.open(path, "r:gz") as tar:
        return [(m, (tar.extractfile(m) or io.BytesIO()).read()) for m in tar]


def _pack(path: Path, entries: list[Entry], tail: bytes = b"") -> Path:
    """Write ``entries`` as a tar.gz (``tail`` appended to the tar before compression)."""
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for info, data in entries:
            info = copy.copy(info)
            info.size = len(data) if info.isreg() else 0
            tar.addfile(info, io.BytesIO(data) if info.isreg() else None)
    path.write_bytes(gzip.compress(raw.getvalue() + tail))
    return path


def _entry(name: str, data: bytes = b"", kind: bytes = tarfile.REGTYPE, link: str = "") -> Entry:
    info = tarfile.TarInfo(name)
    info.type, info.linkname = kind, link
    return info, data


def signed_nogo(root: Path, signer: Signer) -> Path:
    """A signed NO-GO bundle, written by golive bundle --sign from a run's results."""
    (root / "allure-results").mkdir(parents=True)
    (root / "allure-results" / "a-result.json").write_text('{"name": "smoke"}')
    (root / "verdict.json").write_bytes(NOGO)
    (root / "certificate.md").write_text("# NO-GO\n")
    assert main(["bundle", "--reports", str(root), "--sign", str(signer.key)]) == 0
    return root / f"{NOGO_TOP}.tar.gz"


@pytest.fixture
def nogo(tmp_path: Path, qa: Signer) -> Path:
    return signed_nogo(tmp_path / "nogo", qa)


def test_create_writes_what_verify_accepts_and_the_verdict_is_the_verified_bytes(
    nogo: Path, qa: Signer, capsys: pytest.CaptureFixture[str]
) -> None:
    found = bundle.verify(nogo, qa.allowed)
    assert found.ok and found.verdict_bytes == NOGO, found.problems
    assert found.verdict is not None and found.verdict["verdict"] == "NO-GO"
    names = [m.name.removeprefix(f"{NOGO_TOP}/") for m, _ in _entries(nogo)]
    files = ["allure-results/a-result.json", "MANIFEST.sha256", "MANIFEST.sha256.sig"]
    assert names == ["verdict.json", "certificate.md", *files]
    capsys.readouterr()
    assert main(["bundle", "--verify", str(nogo), "--allowed-signers", str(qa.allowed)]) == 0
    out = capsys.readouterr().out.strip()
    assert out.endswith(
        "intact, signed by qa@example.org (signature and checksums verified): "
        "verdict NO-GO (env e, release 1)"
    )


def test_folder_entries_and_any_order_verify(nogo: Path, qa: Signer, tmp_path: Path) -> None:
    """tar of an extracted bundle: folder entries first, files in another order."""
    entries = _entries(nogo)
    top = entries[0][0].name.split("/")[0]
    folders = [
        _entry(top, kind=tarfile.DIRTYPE),
        _entry(f"{top}/allure-results", kind=tarfile.DIRTYPE),
    ]
    found = bundle.verify(_pack(tmp_path / "x.tar.gz", folders + entries[::-1]), qa.allowed)
    assert found.ok and found.verdict_bytes == NOGO, found.problems


def _top(entries: list[Entry]) -> str:
    return entries[0][0].name.split("/")[0]


def _named(entries: list[Entry], name: str) -> int:
    [i] = [i for i, (m, _) in enumerate(entries) if m.name.endswith(f"/{name}")]
    return i


def _forged_folder(e: list[Entry]) -> list[Entry]:
    return [*e, _entry("forged/verdict.json", FORGED)]


def _second_verdict(e: list[Entry]) -> list[Entry]:
    return [*e, _entry(f"{_top(e)}/verdict.json", FORGED)]


def _retyped(kind: bytes, link: str = "") -> Callable[[list[Entry]], list[Entry]]:
    def change(e: list[Entry]) -> list[Entry]:
        i = _named(e, "verdict.json")
        return [*e[:i], _entry(e[i][0].name, kind=kind, link=link), *e[i + 1 :]]

    return change


def _manifest_only(e: list[Entry]) -> list[Entry]:
    return [_entry(f"{_top(e)}/MANIFEST.sha256", b"")]


def _extra(
    name: str, data: bytes = b"x", kind: bytes = tarfile.REGTYPE
) -> Callable[[list[Entry]], list[Entry]]:
    return lambda e: [*e, _entry(name.format(top=_top(e)), data, kind)]


def _without(name: str) -> Callable[[list[Entry]], list[Entry]]:
    return lambda e: [x for i, x in enumerate(e) if i != _named(e, name)]


def _manifest(text: bytes) -> Callable[[list[Entry]], list[Entry]]:
    def change(e: list[Entry]) -> list[Entry]:
        i = _named(e, "MANIFEST.sha256")
        return [*e[:i], (e[i][0], text), *e[i + 1 :]]

    return change


HOSTILE: dict[str, tuple[Callable[[list[Entry]], list[Entry]], str]] = {
    "second folder with a forged verdict.json": (
        _forged_folder,
        "forged/verdict.json: outside the top folder",
    ),
    "verdict.json a symlink": (
        _retyped(tarfile.SYMTYPE, "../forged/verdict.json"),
        "verdict.json: a symbolic link",
    ),
    "verdict.json a hardlink": (
        _retyped(tarfile.LNKTYPE, "forged/verdict.json"),
        "verdict.json: a hard link",
    ),
    "verdict.json a device": (_retyped(tarfile.CHRTYPE), "verdict.json: a character device"),
    "verdict.json a fifo": (_retyped(tarfile.FIFOTYPE), "verdict.json: a fifo"),
    "dotdot name": (_extra("{top}/../verdict.json", FORGED), "a name with a '..' part"),
    "absolute name": (_extra("/{top}/verdict.json", FORGED), "an absolute name"),
    "non-canonical name": (_extra("{top}/./verdict.json", FORGED), "not canonical"),
    "empty manifest only": (_manifest_only, "MANIFEST.sha256 is empty"),
    "duplicate verdict.json after the signed one": (
        _second_verdict,
        "verdict.json: a second entry of the same name",
    ),
    "extra unlisted file": (
        _extra("{top}/allure-results/x.json"),
        "unexpected (not in manifest): allure-results/x.json",
    ),
    "missing file": (_without("certificate.md"), "missing: certificate.md"),
    "missing manifest": (_without("MANIFEST.sha256"), "MANIFEST.sha256 missing"),
    "missing verdict.json": (_without("verdict.json"), "missing: verdict.json"),
    "malformed manifest line": (
        _manifest(b"not a checksum  verdict.json\n"),
        "MANIFEST.sha256 line 1: expected",
    ),
    "manifest without verdict.json": (
        _manifest(b"0" * 64 + b"  certificate.md\n"),
        "does not list verdict.json",
    ),
    "a file beside the top folder": (_extra("verdict.json", FORGED), "outside the top folder"),
    "a file that is also a folder": (_extra("{top}/certificate.md/x"), "both a file and a folder"),
    "an empty folder": (
        _extra("{top}/forged", b"", tarfile.DIRTYPE),
        "forged: a folder with no file",
    ),
}


@pytest.mark.parametrize("case", HOSTILE, ids=list(HOSTILE))
def test_hostile_bundle_is_tampered(
    case: str, nogo: Path, qa: Signer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    change, reason = HOSTILE[case]
    bad = _pack(tmp_path / "bad.tar.gz", change(_entries(nogo)))
    for allowed in (qa.allowed, None):
        found = bundle.verify(bad, allowed)
        assert not found.ok and reason in found.problems[0], found.problems
        assert found.verdict is None and found.verdict_bytes is None
    capsys.readouterr()
    assert main(["bundle", "--verify", str(bad), "--allowed-signers", str(qa.allowed)]) == 1
    out = capsys.readouterr().out
    assert "TAMPERED: " in out and reason in out and "verdict" not in out.split("TAMPERED")[0]


def test_a_tar_appended_after_the_end_is_tampered(nogo: Path, qa: Signer, tmp_path: Path) -> None:
    """GNU tar -i would list what tarfile stops before: nothing but zeros may follow."""
    entries = _entries(nogo)
    extra = io.BytesIO()
    _pack(tmp_path / "extra.tar.gz", [_entry(f"{_top(entries)}/verdict.json", FORGED)])
    extra.write(gzip.decompress((tmp_path / "extra.tar.gz").read_bytes()))
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for info, data in entries:
            tar.addfile(info, io.BytesIO(data))
    bad = tmp_path / "bad.tar.gz"
    # the end-of-archive blocks kept: a reader that ignores them finds the forged verdict
    bad.write_bytes(gzip.compress(raw.getvalue() + extra.getvalue()))
    found = bundle.verify(bad, qa.allowed)
    assert found.problems[0].startswith("data after the end of the archive"), found.problems
    assert main(["bundle", "--verify", str(bad), "--allowed-signers", str(qa.allowed)]) == 1


def test_zeros_after_the_end_are_bounded(nogo: Path, tmp_path: Path) -> None:
    entries = _entries(nogo)
    assert bundle.verify(_pack(tmp_path / "ok.tar.gz", entries, bytes(10240))).ok
    found = bundle.verify(_pack(tmp_path / "bad.tar.gz", entries, bytes(1 << 20)))
    assert found.problems[0].startswith("more than 65536 bytes after the end of the archive")


def test_sparse_entry_is_tampered(nogo: Path, qa: Signer, tmp_path: Path) -> None:
    entries = _entries(nogo)
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.GNU_FORMAT) as tar:
        for info, data in entries:
            if info.name.endswith("/verdict.json"):
                info.type = tarfile.GNUTYPE_SPARSE
            tar.addfile(info, io.BytesIO(data))
    bad = tmp_path / "bad.tar.gz"
    bad.write_bytes(gzip.compress(raw.getvalue()))
    assert "verdict.json: a sparse file" in bundle.verify(bad, qa.allowed).problems[0]


def test_sizes_are_bounded(nogo: Path, qa: Signer, tmp_path: Path) -> None:
    small = bundle.Limits(file_size=64, kept_size=len(NOGO) - 1)
    found = bundle.verify(nogo, qa.allowed, limits=small)
    assert (
        f"verdict.json: {len(NOGO)} bytes, more than the {len(NOGO) - 1} bytes" in found.problems[0]
    )
    found = bundle.verify(nogo, qa.allowed, limits=bundle.Limits(total_size=len(NOGO) + 5))
    assert "certificate.md: the files pass the" in found.problems[0], found.problems
    found = bundle.verify(nogo, qa.allowed, limits=bundle.Limits(entries=3))
    assert found.problems == ["more than 3 entries"]
    headers = bundle.Limits(header_size=1024)
    long = _extra("{top}/allure-results/" + "x" * 3000 + ".json")(_entries(nogo))
    found = bundle.verify(_pack(tmp_path / "long.tar.gz", long), qa.allowed, limits=headers)
    assert "headers at byte" in found.problems[0] and "longer than 1024 bytes" in found.problems[0]
    found = bundle.verify(nogo, qa.allowed, limits=bundle.Limits(headers_size=2048))
    assert found.problems[0].startswith("the archive's headers pass 2048 bytes"), found.problems
    name = "{top}/" + "x" * (bundle.NAME_MAX + 1)
    found = bundle.verify(_pack(tmp_path / "n.tar.gz", _extra(name)(_entries(nogo))))
    assert f"a name longer than {bundle.NAME_MAX} characters" in found.problems[0]


def _unsigned(entries: list[Entry], verdict: bytes) -> list[Entry]:
    """``entries`` with ``verdict`` for verdict.json, the manifest recomputed, no signature."""
    top = _top(entries)
    files = [(m.name.removeprefix(f"{top}/"), verdict if m.name.endswith("/verdict.json") else d)
             for m, d in entries if not m.name.endswith(("MANIFEST.sha256", ".sig"))]  # fmt: skip
    manifest = "".join(f"{hashlib.sha256(d).hexdigest()}  {n}\n" for n, d in files)
    return [_entry(f"{top}/{n}", d) for n, d in files] + [
        _entry(f"{top}/MANIFEST.sha256", manifest.encode())
    ]


@pytest.mark.parametrize(
    "verdict",
    [b"[" * 100_000, b'{"verdict": "GO"}', b'{"verdict": "MAYBE", "complete": true}', b"\xff"],
    ids=["deeply nested", "not complete", "no decision", "not UTF-8"],
)
def test_a_verdict_json_not_from_a_completed_run_is_tampered(
    verdict: bytes, nogo: Path, tmp_path: Path
) -> None:
    """Even unsigned, with a recomputed manifest: a bundle only holds a completed run."""
    bad = _pack(tmp_path / "bad.tar.gz", _unsigned(_entries(nogo), verdict))
    assert bundle.verify(bad).problems == ["verdict.json is not the verdict of a completed run"]


def test_an_unsigned_bundle_cannot_add_a_line_to_the_answer(
    nogo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    forged = FORGED.replace(
        b'"env": "e"', b'"env": "e\\nbad.tar.gz: intact, signed by qa@example.org"'
    )
    bad = _pack(tmp_path / "bad.tar.gz", _unsigned(_entries(nogo), forged))
    assert main(["bundle", "--verify", str(bad)]) == 0
    [line] = capsys.readouterr().out.splitlines()
    assert "UNSIGNED" in line and line.endswith(
        "verdict GO (env e?bad.tar.gz: intact, signed by qa@example.org, release 1)"
    )


def test_a_signature_that_is_not_one_is_tampered(nogo: Path, tmp_path: Path) -> None:
    entries = [(m, b"forged" if m.name.endswith(".sig") else d) for m, d in _entries(nogo)]
    found = bundle.verify(_pack(tmp_path / "bad.tar.gz", entries))
    assert found.problems == ["MANIFEST.sha256.sig is not an SSH signature"]


def test_a_gzip_bomb_stops_at_the_archive_limit(tmp_path: Path) -> None:
    bomb = tmp_path / "bomb.tar.gz"
    with gzip.open(bomb, "wb") as out:
        info = tarfile.TarInfo("top/big")
        info.size = 8 * 1024 * 1024
        out.write(info.tobuf(tarfile.PAX_FORMAT))
        for _ in range(8):
            out.write(bytes(1024 * 1024))
    limits = bundle.Limits(file_size=4 * 1024 * 1024)
    found = bundle.verify(bomb, None, limits)
    assert found.problems == ["top/big: 8 MiB, more than the 4 MiB it may be"]


def test_create_refuses_a_link_in_the_reports(reports: Path, capsys) -> None:
    (reports / "allure-results" / "c-attachment.txt").symlink_to("/etc/hostname")
    assert main(["bundle", "--reports", str(reports)]) == 4
    err = capsys.readouterr().err
    assert "c-attachment.txt: a symbolic link (to '/etc/hostname')" in err, err
    assert not list(reports.glob("*.tar.gz")) and not list(reports.glob(".*.tmp"))
