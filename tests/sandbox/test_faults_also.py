"""Faults that more than one suite must catch: each further suite fails through its own check,
with the same verdict and blockers under pytest-xdist (``-n 2``) as serially."""

from __future__ import annotations

import pytest

from conftest import XDIST, alone, assert_same_verdict, injected
from golive.sandbox import faults

CASES = [
    pytest.param(name, i, also, id=f"{name}-{i}", marks=alone(also.caught_by))
    for name, fault in sorted(faults.catalog().items())
    for i, also in enumerate(fault.also)
]


@pytest.mark.parametrize(("name", "index", "also"), CASES)
def test_fault_is_also_caught(name: str, index: int, also: faults.AlsoCaught, certify) -> None:
    markers = " or ".join(also.caught_by)
    with injected(name):
        broken = certify(markers)
        parallel = certify(markers, *XDIST)
    assert broken.returncode != 0, f"{name} went unnoticed by {also.caught_by}:\n{broken.output}"
    lines = [line for line in broken.output.splitlines() if also.check in line]
    # verdict.json too: the terminal says a dependent check under its cause, not by its name
    checks = broken.verdict.get("checks", [])
    lines += [c["message"] for c in checks if c["id"].endswith(also.check)]
    assert any(also.message in line for line in lines), (
        f"{name}: {also.check} did not fail with {also.message!r}:\n{broken.output}"
    )
    assert_same_verdict(broken, parallel, f"{name} ({markers})")
