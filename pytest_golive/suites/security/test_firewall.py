"""Firewall: exposure from the QA vantage point (nmap), listening sockets on each host, and
the reachability matrix probed from the source hosts. Plan: Network Configuration › Firewall.
"""

from __future__ import annotations

import json

import pytest

from golive.judge import firewall as nftables
from golive.model.environment import Environment
from golive.model.expectations.security import Firewall
from golive.probe import listeners
from golive.probe import nmap as portscan
from golive.probe import reach as reachability
from golive.probe.hosts import Target
from golive.report.evidence import Evidence
from pytest_golive.fixtures.findings import judge
from pytest_golive.fixtures.security import rule_id

pytestmark = [pytest.mark.security, pytest.mark.firewall]


def _allowed(env: Environment, host: str, policy: dict[str, list[int]]) -> set[int]:
    roles = env.inventory.hosts[host].roles
    unknown = [r for r in roles if r not in policy]
    if unknown:
        pytest.fail(f"{host}: the firewall policy declares no ports for role(s) {unknown}")
    return {p for r in roles for p in policy[r]}


def test_exposure_from_vantage_point(
    scanned_host: str, environment: Environment, exposure_scan, evidence: Evidence
) -> None:
    fw = environment.expectation(Firewall)
    evidence.xml("nmap exposure scan.xml", exposure_scan.xml)
    address = str(environment.inventory.hosts[scanned_host].address)
    if address not in exposure_scan.states:
        pytest.fail(
            f"{scanned_host}: {address} gave no answer to the scan from {exposure_scan.source}"
        )
    judge(
        portscan.port_findings(
            scanned_host,
            _allowed(environment, scanned_host, fw.exposure),
            exposure_scan.states[address],
            f"from {exposure_scan.source}",
        )
    )


def test_listening_ports(target: Target, environment: Environment, evidence: Evidence) -> None:
    fw = environment.expectation(Firewall)
    sockets = listeners.listening(target)
    evidence.text(f"{target.name} listening sockets", "\n".join(sockets.sockets))
    found = dict.fromkeys(sockets.ports, "open")
    judge(
        portscan.port_findings(
            target.name,
            _allowed(environment, target.name, fw.listening),
            found,
            "(listening on the host)",
        )
    )


def test_reachability(
    reach_rule, reach_probes, reach_states, environment: Environment, evidence: Evidence
) -> None:
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


def test_ruleset_is_default_deny(
    ruleset_host: str, environment: Environment, host_pool, evidence: Evidence
) -> None:
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
    judge(nftables.default_deny_findings(target.name, out.stdout, ruleset.default_deny_hooks))
