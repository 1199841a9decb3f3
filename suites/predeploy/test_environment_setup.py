"""Pre-deployment › Environment Setup: software, hardware, clocks, and parity with the baseline.

Every version, minimum and bound comes from expectations.yml (software, hardware, clock,
facts, parity).
"""

from __future__ import annotations

import time

import pytest

from golive.judge import parity
from golive.judge.predeploy import (
    hostname_findings,
    missing_listeners,
    port_holder_findings,
)
from golive.judge.predeploy import port_holders as parse_holders
from golive.model.environment import Environment
from golive.model.expectations.predeploy import Clock, Facts, Hardware, Parity, Software
from golive.model.facts.parity import snapshot
from golive.model.versions import satisfies
from golive.probe import facts as host_facts
from golive.probe.hosts import Target
from golive.probe.listeners import port_holders
from pytest_golive.fixtures.findings import judge

pytestmark = pytest.mark.predeploy


@pytest.mark.plan("pre.env.software")
def test_runtimes_report_expected_versions(target: Target, environment: Environment, facts) -> None:
    """Claim: every runtime a host's roles need reports a version within its constraint.

    Covers: every host, every runtime declared for each of its roles (``software.<role>.runtimes``),
    asked from the runtime itself on the host (its command and version pattern, e.g. ``java
    -version``), not from a package database, so a runtime installed beside the package or first
    on the PATH counts; a runtime that is missing or prints no version fails as ``?``.

    Does not cover: the runtime a service was started with if it names another binary than the
    PATH's (the process's own command line is the hardening suite's).
    """
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
    """Claim: every package a host's roles need is installed in a version within its constraint.

    Covers: every host, every package of each of its roles (``software.<role>.packages``), from
    the host's package database in the facts snapshot: a package missing, removed but with its
    configuration left (not "installed"), or outside its version constraint fails.

    Does not cover: software installed outside the package manager (the runtime check asks the
    runtimes themselves).
    """
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
    """Claim: every host meets its roles' hardware minimums.

    Covers: every host, each of its roles with declared minimums (``hardware.<role>``): CPU cores
    the host sees (``nproc``, so a cgroup or affinity limit counts), total memory, and free space
    on every declared mount point (one that cannot be read counts as 0 MiB free).

    A host none of whose roles declares minimums fails: hardware nobody sized is not
    provisioned hardware (a role added without its minimums would otherwise pass unchecked).

    Does not cover: memory or disk taken by other tenants after the check; CPU speed.
    """
    hardware = environment.expectation(Hardware)
    sized = [r for r in target.spec.roles if r in hardware]
    assert sized, (
        f"{target.name}: no hardware minimums declared for its roles "
        f"({', '.join(target.spec.roles)}); declare hardware.<role> in expectations.yml"
    )
    mounts = list(dict.fromkeys(m for role in sized for m in hardware[role].free_disk_mib))
    seen = host_facts.hardware(target, mounts)  # one command, whatever the roles and mounts
    wrong = []
    for role in sized:
        want = hardware[role]
        short = []
        if seen.cores < want.cores:
            short.append(f"{seen.cores} cores < {want.cores}")
        if seen.memory_mib < want.memory_mib:
            short.append(f"{seen.memory_mib} MiB memory < {want.memory_mib}")
        for mount, mib in want.free_disk_mib.items():
            if seen.free_mib[mount] < mib:
                short.append(f"{seen.free_mib[mount]} MiB free on {mount} < {mib}")
        if short:
            wrong.append(f"{target.name} ({role}): " + "; ".join(short))
    assert not wrong, "; ".join(wrong)


@pytest.mark.plan("pre.env.production")
def test_clocks_agree(targets: dict[str, Target], environment: Environment) -> None:
    """Claim: every host's clock agrees with the QA machine's within the declared skew.

    Covers: every host of the environment, its clock read over its own connection and compared
    with the middle of the request's round trip (half the round trip is allowed on top of
    ``clock.max_skew_ms``), so one host's drift names that host.

    Does not cover: whether the hosts' time synchronisation keeps them so (an NTP daemon's
    state); time zones (epoch seconds are compared); a clock a service's process sees other
    than a login session's (`date` in the session is what is read).
    """
    bound = environment.expectation(Clock).max_skew_ms
    skews = {}
    for name, target in targets.items():
        before = time.time()
        remote = float(target.run("date +%s.%N").stdout.strip())
        after = time.time()
        offset_ms = (remote - (before + after) / 2) * 1000
        skew = max(0.0, abs(offset_ms) - (after - before) * 500)  # minus half the RTT
        skews[name] = skew if offset_ms >= 0 else -skew
    late = {n: s for n, s in skews.items() if abs(s) > bound}
    assert not late, f"clock skew beyond {bound} ms: " + ", ".join(
        f"{n} is {_span(abs(ms))} {'ahead' if ms > 0 else 'behind'}" for n, ms in late.items()
    )


def _span(ms: float) -> str:
    """A clock's offset as one reads it: whole seconds from 10 s on, else milliseconds."""
    return f"{ms / 1000:.0f} s" if ms >= 10_000 else f"{ms:.0f} ms"


@pytest.mark.plan("pre.env.production")
def test_facts_snapshot_and_listening_ports(
    target: Target, environment: Environment, facts, evidence
) -> None:
    """Claim: every host listens on the TCP ports its roles must serve, and its facts are recorded.

    Covers: every host, the union of the ports of its roles (``facts.listening``), from the
    host's own socket table in the facts snapshot: a port nothing listens on, or one bound only
    to another address than the host's (not to all addresses) fails; the snapshot (packages,
    runtimes, config file hashes, listeners) is attached as evidence.

    Does not cover: whether what listens answers (the smoke suite asks each tier); UDP listeners
    (the firewall suite's).
    """
    want = environment.expectation(Facts)
    snap = facts.get(target.name)
    evidence.json(f"facts {target.name}", snap.as_dict())
    required = {p for r in target.spec.roles for p in want.listening.get(r, [])}
    judge(missing_listeners(target.name, target.address, set(snap.listening), required))


@pytest.mark.plan("pre.env.production")
def test_hostname_is_inventory_name(target: Target, environment: Environment, evidence) -> None:
    """Claim: the host's hostname is its inventory name, where the expectations require it
    (``facts.hostname_is_inventory_name``).

    Covers: every host, its hostname as its kernel reports it to a login session
    (``uname -n``, attached as evidence), compared exactly with its inventory name: a host
    renamed, or built from an image that kept another machine's name, fails naming both.
    Nothing is required where the expectations do not ask it.

    Does not cover: what /etc/hostname holds for the next boot; whether the name resolves (the
    DNS checks); a fully qualified name (the short name is compared, as the inventory names it).
    """
    hostname = target.run("uname -n").stdout
    evidence.text(f"hostname {target.name}", hostname)
    if environment.expectation(Facts).hostname_is_inventory_name:  # else nothing is required
        judge(hostname_findings(target.name, hostname))


@pytest.mark.plan("pre.env.production")
def test_listening_ports_are_held_by_their_services(
    target: Target, environment: Environment, evidence
) -> None:
    """Claim: each TCP port the host's roles serve is held by the process that serves it.

    Covers: every host, each port of its roles' ``facts.listening_processes`` that something
    listens on (on the host's address or on all), from root's view of the host's sockets
    (``sudo ss -tlnp``, attached as evidence): a port answered by another process (a leftover
    listener, a relay, a service stopped and its port taken) or by no process of the host fails,
    naming what holds it.

    Does not cover: a port nothing listens on (``test_facts_snapshot_and_listening_ports``);
    whether the process answers or runs the right release (the smoke suite); a process of the
    same name that is not the service (a name is what is compared); UDP.
    """
    want = environment.expectation(Facts).listening_processes
    expected = {p: n for r in target.spec.roles for p, n in want.get(r, {}).items()}
    if not expected:  # nothing to hold: no port of its roles is declared
        evidence.text(f"port holders {target.name}", "facts.listening_processes: none declared")
        return
    text = port_holders(target)
    evidence.text(f"port holders {target.name}", text)
    judge(port_holder_findings(target.name, target.address, parse_holders(text), expected))


@pytest.mark.plan("pre.env.production")
def test_parity_with_baseline(environment: Environment, facts, evidence) -> None:
    """Claim: this environment mirrors its baseline, except for the declared differences.

    Covers: the declared release and every expectation section, flattened, and per role the facts
    of all its hosts (packages, runtimes, configuration file hashes, listening ports) as sets of
    values, against the baseline environment or saved snapshot (``parity.baseline``), minus the
    allow-list (``parity.allow``): a host of a role with another package version, config file or
    listener than the baseline's fails, naming the key and both values.

    Does not cover: facts the snapshot does not take (kernel settings, users); differences the
    allow-list hides.
    """
    spec = environment.expectation(Parity)
    mine = snapshot(environment, facts.all())
    if spec.baseline == environment.name:
        baseline = mine
    else:
        baseline, _ = host_facts.resolve(spec.baseline, spec.max_snapshot_bytes)
    drift = parity.diff(baseline, mine, spec.allow)
    evidence.json("parity snapshot", mine)
    evidence.json("parity drift", [d.__dict__ for d in drift])
    assert not drift, f"{environment.name} drifts from {spec.baseline}: " + "; ".join(
        d.line(spec.baseline, environment.name) for d in drift[:10]
    )
