"""Bundle, certificate and plan data: no pytest run of golive needed."""

from __future__ import annotations

import io
import tarfile
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
    assert count == 4 and bundle.verify(out) == []


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
    assert bundle.verify(bad) == ["tampered: allure-results/b-attachment.txt"]
    assert main(["bundle", "--verify", str(bad)]) == 1


def test_raw_byte_flip_in_archive_fails(reports: Path):
    out, _ = bundle.create(reports, reports / "b.tar.gz")
    data = bytearray(out.read_bytes())
    data[len(data) // 2] ^= 0xFF
    out.write_bytes(bytes(data))
    assert bundle.verify(out)


def test_cli_bundle_and_certificate(reports: Path, capsys: pytest.CaptureFixture[str]):
    assert main(["certificate", "--reports", str(reports)]) == 0
    assert "Go-live certificate: GO" in (reports / "certificate.md").read_text()
    assert main(["bundle", "--reports", str(reports)]) == 0
    out = reports / "golive-bundle-e-1.tar.gz"
    assert out.is_file() and main(["bundle", "--verify", str(out)]) == 0
    assert "intact" in capsys.readouterr().out
