"""Bundle, certificate and plan data: no pytest run of golive needed."""

from __future__ import annotations

import hashlib
import io
import subprocess
import tarfile
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


@pytest.fixture
def reports(tmp_path: Path) -> Path:
    root = tmp_path / "reports"
    (root / "allure-results").mkdir(parents=True)
    (root / "allure-results" / "a-result.json").write_text('{"name": "t"}')
    (root / "allure-results" / "b-attachment.txt").write_text("evidence")
    (root / "verdict.json").write_text(
        '{"verdict": "GO", "complete": true,'
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
    out = reports / "golive-bundle-e-1.tar.gz"
    assert out.is_file() and main(["bundle", "--verify", str(out)]) == 0
    out_text = capsys.readouterr().out
    assert "intact" in out_text and "UNSIGNED" in out_text


def test_verify_a_missing_file_is_a_usage_error(tmp_path: Path, capsys) -> None:
    assert main(["bundle", "--verify", str(tmp_path / "nope.tar.gz")]) == 4
    err = capsys.readouterr().err
    assert "no such file" in err and "TAMPERED" not in err


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
    out = reports / "golive-bundle-e-1.tar.gz"
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
