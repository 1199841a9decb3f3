"""Every catalog fault makes its suite fail through the intended check; healing restores GO.
Under pytest-xdist (``-n 2``) the verdict and blockers are the same as serially: proven for a
sample holding every suite's first fault in CI, and for every fault with GOLIVE_FULL_MATRIX=1
(the whole comparison doubles the matrix, past the self-test's 30-minute budget)."""

from __future__ import annotations

import os

import pytest

from conftest import XDIST, alone, assert_same_verdict, injected
from golive.sandbox import faults

CATALOG = faults.catalog()
FULL_MATRIX = os.environ.get("GOLIVE_FULL_MATRIX") == "1"


def _xdist_sample() -> set[str]:
    """Each suite's first fault (by name) that runs under xdist at all: every suite's
    checks, drills and shared fixtures are compared serially and under ``-n 2``."""
    sample: dict[str, str] = {}
    for name, fault in sorted(CATALOG.items()):
        if fault.xdist:
            sample.setdefault(" or ".join(fault.caught_by), name)
    return set(sample.values())


XDIST_SAMPLE = _xdist_sample()
# The check that compares a load run with the stored baseline (the last GO run's).
BASELINE_CHECK = "test_no_latency_regression_against_baseline"
# Every check golive has but the load tests: the node-loss drill included.
HEALTHY_SCOPE = "predeploy or smoke or integration"


def test_healthy_sandbox_smoke_passes(certify) -> None:
    run = certify("smoke")
    assert run.returncode == 0, run.output


def test_healthy_sandbox_is_go_serially_and_under_xdist(certify) -> None:
    """The node-loss drill stops app2: under xdist it waits for every other check, runs
    alone, and the verdict is GO as serially. The drill ends only once the load balancer
    sends app2 traffic again, so the next run starts at once."""
    serial = certify(HEALTHY_SCOPE)
    assert serial.verdict.get("verdict") == "GO", serial.output
    parallel = certify(HEALTHY_SCOPE, *XDIST)
    assert parallel.verdict.get("verdict") == "GO", parallel.output
    drills = [c for c in parallel.verdict["checks"] if c["id"].endswith("survives_node_loss")]
    assert [c["outcome"] for c in drills] == ["passed"], "the drill ran, and passed"
    assert_same_verdict(serial, parallel, "healthy sandbox")


@pytest.mark.parametrize(
    "name", [pytest.param(n, marks=alone(CATALOG[n].caught_by)) for n in sorted(CATALOG)]
)
def test_fault_is_caught_then_healed(name: str, certify) -> None:
    fault = CATALOG[name]
    markers = " or ".join(fault.caught_by)
    if fault.expect.check == BASELINE_CHECK:
        # the baseline the fault is judged against: the healthy sandbox's GO run of a moment
        # ago, on the machine as it is now (the last GO run's may be minutes old, right after a
        # Tomcat restart or under another load: its p75 then hides one node of two slower)
        before = certify(markers, *fault.options)
        if before.returncode != 0 and BASELINE_CHECK in before.output:
            # a Tomcat an earlier test restarted (a drill, the rehearsal) answers its first
            # logins slowly (a cold JVM): that run warmed it, and the next one is the baseline
            before = certify(markers, *fault.options)
        assert before.returncode == 0, f"before injecting {name}:\n{before.output}"
    with injected(name):
        broken = certify(markers, *fault.options)
        compare = fault.xdist and (FULL_MATRIX or name in XDIST_SAMPLE)
        parallel = certify(markers, *fault.options, *XDIST) if compare else None
    assert broken.returncode != 0, f"{name} went unnoticed:\n{broken.output}"
    failed_lines = [line for line in broken.output.splitlines() if fault.expect.check in line]
    # verdict.json too: the terminal's short summary cuts long messages (an unreachable host's)
    checks = broken.verdict.get("checks", [])
    failed_lines += [c["message"] for c in checks if c["id"].endswith(fault.expect.check)]
    assert any(fault.expect.message in line for line in failed_lines), (
        f"{name}: {fault.expect.check} did not fail with {fault.expect.message!r}:\n{broken.output}"
    )
    if parallel is not None:
        assert_same_verdict(broken, parallel, name)
    healed = certify(markers, *fault.options)
    assert healed.returncode == 0, f"after healing {name}:\n{healed.output}"
