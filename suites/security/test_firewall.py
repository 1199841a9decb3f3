"""Firewall: exposure from the QA vantage point (nmap), listening sockets on each host, the
reachability matrix and every path it does not declare, probed from the source hosts, and
the packet filter's ruleset. Plan: Network Configuration › Firewall.
"""

from __future__ import annotations

import json

import pytest

from golive.judge import firewall
from golive.model.environment import Environment
from golive.model.expectations.security import Firewall, Ports
from golive.probe import listeners
from golive.probe import reach as reachability
from golive.probe.hosts import Target
from golive.probe.reach import Probe
from golive.report.evidence import Evidence
from pytest_golive.fixtures.findings import judge
from pytest_golive.fixtures.security import rule_id

pytestmark = [pytest.mark.security, pytest.mark.firewall]


def _allowed(env: Environment, host: str, policy: dict[str, Ports]) -> dict[str, set[int]]:
    roles = env.inventory.hosts[host].roles
    unknown = [r for r in roles if r not in policy]
    if unknown:
        pytest.fail(f"{host}: the firewall policy declares no ports for role(s) {unknown}")
    return {proto: {p for r in roles for p in policy[r].of(proto)} for proto in ("tcp", "udp")}


def test_exposure_from_vantage_point(
    scanned_host: str, environment: Environment, exposure_scan, evidence: Evidence
) -> None:
    """Claim: from the QA vantage point, the host accepts connections on exactly the ports
    its roles expose, per protocol (TCP and UDP).

    Covers: every TCP port (1-65535), so a listener on any port, a port forward (DNAT) to
    another host's service, or a firewall rule opening a range is seen wherever it lands; the
    UDP ports that matter (well-known UDP services, scan.udp_ports) and every UDP port the
    policy names, open when the service answers nmap's protocol probe (DNS on ns1:53/udp);
    a declared port that is filtered or closed. A sweep without retries finds everything, a
    second look with retries re-checks every port the policy names, so a lost packet neither
    hides an exposed service port nor fails an expected one.

    Does not cover: a UDP service that answers nothing to nmap's probe (nmap cannot tell it
    from a dropped port; ``test_listening_ports`` sees it on the host), other vantage points
    than the inventory's probe.source, IPv6 addresses (the inventory names IPv4 ones).
    """
    fw = environment.expectation(Firewall)
    for name, xml in exposure_scan.xml.items():
        evidence.xml(f"nmap exposure scan ({name}).xml", xml)
    address = str(environment.inventory.hosts[scanned_host].address)
    if address not in exposure_scan.states:
        pytest.fail(
            f"{scanned_host}: {address} gave no answer to the scan from {exposure_scan.source}"
        )
    judge(
        firewall.port_findings(
            scanned_host,
            _allowed(environment, scanned_host, fw.exposure),
            exposure_scan.states[address],
            f"from {exposure_scan.source}",
        )
    )


def test_listening_ports(target: Target, environment: Environment, evidence: Evidence) -> None:
    """Claim: the host listens on exactly the ports its roles declare, per protocol: TCP
    listening sockets and bound UDP sockets, on the host's own address or on every address.

    Covers: any TCP port and any UDP port, whether or not the firewall lets anyone reach it
    (a listener the firewall hides today is one rule away from exposure), and a declared
    service that does not listen.

    Does not cover: sockets bound only to loopback or to another host's address (on a shared
    network stack they belong to that host), raw sockets, services in another network namespace
    of the host (containers with their own stack).
    """
    fw = environment.expectation(Firewall)
    sockets = listeners.listening(target)
    evidence.text(f"{target.name} listening sockets", "\n".join(sockets.sockets))
    found = {(p, "tcp"): "open" for p in sockets.ports}
    found |= {(p, "udp"): "open" for p in sockets.udp_ports}
    judge(
        firewall.port_findings(
            target.name,
            _allowed(environment, target.name, fw.listening),
            found,
            "(listening on the host)",
        )
    )


def test_reachability(
    reach_rule, reach_probes, reach_states, environment: Environment, evidence: Evidence
) -> None:
    """Claim: for one rule of the matrix, every host of the source role reaches (or is denied)
    the port on every host of the destination role, as the rule says.

    Covers: every pair of hosts with those roles (not one sample pair), each connection made
    on the source host and bound to its own address, so the packet filter sees the real source.

    Does not cover: UDP paths (a TCP connect says whether a path is open; UDP gives no answer
    to tell); paths no rule names are ``test_undeclared_paths_are_denied``'s claim.
    """
    environment.expectation(Firewall)
    mine = [
        p
        for p in reach_probes
        if (p.port, p.allow) == (reach_rule.port, reach_rule.allow)
        and reach_rule.source in environment.inventory.hosts[p.source].roles
        and reach_rule.dest in environment.inventory.hosts[p.dest].roles
    ]
    assert mine, f"{rule_id(reach_rule)}: no pair of hosts has these roles"
    states = {p: reach_states[(p.source, p.endpoint)] for p in mine}
    evidence.json(
        f"reachability {rule_id(reach_rule)}",
        {f"{p.source} -> {p.dest} {p.endpoint}": s for p, s in states.items()},
    )
    judge([f for p, s in states.items() if (f := reachability.finding(p, s))])


def test_undeclared_paths_are_denied(
    path_source: str,
    other_paths: dict[str, list[Probe]],
    reach_states,
    environment: Environment,
    evidence: Evidence,
) -> None:
    """Claim: the host reaches no other host's port unless a rule of the reachability matrix
    allows it or the destination exposes that port to everyone (exposure): every path the
    matrix does not declare is denied.

    Covers: every other host of the environment, and on each every TCP port the listening
    policy names for its roles or that it really listens on (read on the host), so a firewall
    rule opened to a role or host the matrix never mentions (db1 reaching app1's node exporter,
    app2 reaching app1's Tomcat) is found.

    Does not cover: ports nothing listens on (nothing to reach today; the ruleset check judges
    the filter itself), UDP paths.
    """
    environment.expectation(Firewall)
    mine = other_paths.get(path_source, [])
    states = {p: reach_states[(p.source, p.endpoint)] for p in mine}
    evidence.json(
        f"undeclared paths from {path_source}",
        {f"{p.source} -> {p.dest} {p.endpoint}": s for p, s in states.items()},
    )
    judge(
        [
            f
            for p, s in states.items()
            if (f := firewall.undeclared_path_finding(p.source, p.dest, p.endpoint, s))
        ]
    )


def test_ruleset_is_default_deny(
    ruleset_host: str, environment: Environment, host_pool, evidence: Evidence
) -> None:
    """Claim: the host's packet filter drops by default on every declared hook, for every
    declared address family (IPv4 and IPv6), and no rule voids that by accepting every packet
    before the policy applies.

    Covers: the ruleset the kernel runs now (``nft -j list ruleset``), every table and base
    chain on the hook (one chain dropping by default suffices: nftables evaluates them all),
    an ``ip``-only or ``ip6``-only table leaving the other family open, a rule accepting
    everything (no match, a /0 address, a 0-65535 port range).

    Does not cover: the ruleset the host loads at boot (a file not yet applied), iptables-legacy
    rules (not in nftables: the hook then has no chain, a finding), a rule that accepts nearly
    everything through a narrower match, jumps to other chains.
    """
    ruleset = environment.expectation(Firewall).ruleset
    if ruleset is None:
        pytest.fail(
            "firewall.ruleset is not declared in expectations.yml: where the packet filter's "
            "ruleset can be read, declare it (roles, command, default_deny_hooks)",
            pytrace=False,
        )
    target = host_pool.get(ruleset_host)
    out = target.run(ruleset.command)
    assert out.rc == 0, f"{target.name}: `{ruleset.command}` exited {out.rc}: {out.stderr.strip()}"
    evidence.json(f"{target.name} nftables ruleset", json.loads(out.stdout))
    judge(
        firewall.default_deny_findings(
            target.name, out.stdout, ruleset.default_deny_hooks, ruleset.families
        )
    )
