"""Every catalog fault makes its suite fail through the intended check; healing restores GO."""

from __future__ import annotations

import pytest

from conftest import injected
from golive.sandbox import faults

CATALOG = faults.catalog()


def test_healthy_sandbox_smoke_passes(certify) -> None:
    run = certify("smoke")
    assert run.returncode == 0, run.output


@pytest.mark.parametrize("name", sorted(CATALOG))
def test_fault_is_caught_then_healed(name: str, certify) -> None:
    fault = CATALOG[name]
    markers = " or ".join(fault.caught_by)
    with injected(name):
        broken = certify(markers)
    assert broken.returncode != 0, f"{name} went unnoticed:\n{broken.output}"
    failed_lines = [line for line in broken.output.splitlines() if fault.expect.check in line]
    # verdict.json too: the terminal's short summary cuts long messages (an unreachable host's)
    checks = broken.verdict.get("checks", [])
    failed_lines += [c["message"] for c in checks if c["id"].endswith(fault.expect.check)]
    assert any(fault.expect.message in line for line in failed_lines), (
        f"{name}: {fault.expect.check} did not fail with {fault.expect.message!r}:\n{broken.output}"
    )
    healed = certify(markers)
    assert healed.returncode == 0, f"after healing {name}:\n{healed.output}"
