"""Pre-deployment › Environment Setup: software, hardware, clocks, and parity with the baseline.

Every version, minimum and bound comes from expectations.yml (software, hardware, clock,
facts, parity).
"""

from __future__ import annotations

import time

import pytest

from golive.judge import parity
from golive.judge.predeploy import missing_listeners
from golive.model.environment import Environment
from golive.model.expectations.predeploy import Clock, Facts, Hardware, Parity, Software
from golive.model.versions import satisfies
from golive.probe import facts as host_facts
from golive.probe.hosts import Target
from pytest_golive.fixtures.findings import judge

pytestmark = pytest.mark.predeploy


@pytest.mark.plan("pre.env.software")
def test_runtimes_report_expected_versions(target: Target, environment: Environment, facts) -> None:
    software = environment.expectation(Software)
    found = facts.get(target.name).runtimes
    wrong = [
        f"{name} reports {found.get(name, '?')}, expected {probe.version}"
        for role in target.spec.roles
        for name, probe in (software[role].runtimes if role in software else {}).items()
        if not satisfies(found.get(name, ""), probe.version)
    ]
    assert not wrong, f"{target.name}: " + "; ".join(wrong)


@pytest.mark.plan("pre.env.software")
def test_required_packages_installed(target: Target, environment: Environment, facts) -> None:
    software = environment.expectation(Software)
    installed = facts.get(target.name).packages
    wrong = []
    for role in target.spec.roles:
        for package, constraint in (software[role].packages if role in software else {}).items():
            version = installed.get(package)
            if version is None:
                wrong.append(f"package {package} is not installed")
            elif not satisfies(version, constraint):
                wrong.append(f"package {package} is {version}, expected {constraint}")
    assert not wrong, f"{target.name}: " + "; ".join(wrong)


@pytest.mark.plan("pre.env.hardware")
def test_hardware_minimums(target: Target, environment: Environment) -> None:
    hardware = environment.expectation(Hardware)
    for role in (r for r in target.spec.roles if r in hardware):
        want = hardware[role]
        cores = int(target.run("nproc").stdout.strip() or 0)
        mem_kib = int(target.run("awk '/^MemTotal:/ {print $2}' /proc/meminfo").stdout.strip() or 0)
        short = []
        if cores < want.cores:
            short.append(f"{cores} cores < {want.cores}")
        if mem_kib // 1024 < want.memory_mib:
            short.append(f"{mem_kib // 1024} MiB memory < {want.memory_mib}")
        for mount, mib in want.free_disk_mib.items():
            out = target.run("df -Pm %s", mount)
            free = int(out.stdout.splitlines()[-1].split()[3]) if out.rc == 0 else 0
            if free < mib:
                short.append(f"{free} MiB free on {mount} < {mib}")
        assert not short, f"{target.name} ({role}): " + "; ".join(short)


@pytest.mark.plan("pre.env.production")
def test_clocks_agree(targets: dict[str, Target], environment: Environment) -> None:
    bound = environment.expectation(Clock).max_skew_ms
    skews = {}
    for name, target in targets.items():
        before = time.time()
        remote = float(target.run("date +%s.%N").stdout.strip())
        after = time.time()
        offset_ms = (remote - (before + after) / 2) * 1000
        skews[name] = max(0.0, abs(offset_ms) - (after - before) * 500)  # minus half the RTT
    late = {n: round(s) for n, s in skews.items() if s > bound}
    assert not late, f"clock skew beyond {bound} ms: " + ", ".join(
        f"{n} off by {ms} ms" for n, ms in late.items()
    )


@pytest.mark.plan("pre.env.production")
def test_facts_snapshot_and_listening_ports(
    target: Target, environment: Environment, facts, evidence
) -> None:
    want = environment.expectation(Facts)
    snap = facts.get(target.name)
    evidence.json(f"facts {target.name}", snap.as_dict())
    required = {p for r in target.spec.roles for p in want.listening.get(r, [])}
    judge(missing_listeners(target.name, target.address, set(snap.listening), required))


@pytest.mark.plan("pre.env.production")
def test_parity_with_baseline(environment: Environment, facts, evidence) -> None:
    spec = environment.expectation(Parity)
    mine = parity.snapshot(environment, facts.all())
    if spec.baseline == environment.name:
        baseline = mine
    else:
        baseline, _ = host_facts.resolve(spec.baseline)
    drift = parity.diff(baseline, mine, spec.allow)
    evidence.json("parity snapshot", mine)
    evidence.json("parity drift", [d.__dict__ for d in drift])
    assert not drift, f"{environment.name} drifts from {spec.baseline}: " + "; ".join(
        d.line(spec.baseline, environment.name) for d in drift[:10]
    )
