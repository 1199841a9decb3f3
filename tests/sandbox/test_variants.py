"""Every healthy variant of the catalog (``healthy: true`` in faults.yml) stays GO: golive
must not refuse a deployment that is right, only different (a wildcard certificate). The run's
evidence shows the variant was in place, so a variant that silently did nothing fails."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import injected
from golive.sandbox import faults

VARIANTS = faults.variants()


def _evidence_holds(reports: Path, fragment: str) -> bool:
    return any(fragment in p.read_text(errors="replace") for p in reports.rglob("*") if p.is_file())


@pytest.mark.parametrize("name", sorted(VARIANTS))
def test_healthy_variant_stays_go(name: str, certify, tmp_path: Path) -> None:
    variant = VARIANTS[name]
    with injected(name):
        run = certify(" or ".join(variant.stays_go))
    assert run.verdict.get("verdict") == "GO", f"{name} ({variant.varies}):\n{run.output}"
    assert _evidence_holds(tmp_path / "reports", variant.shows), (
        f"{name}: the run's evidence does not show {variant.shows!r}: the variant was not in place"
    )
