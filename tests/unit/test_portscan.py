"""Port-set diff, listening-socket parsing and reachability verdicts (no network)."""

from __future__ import annotations

from golive.probe import listeners
from golive.probe import nmap as portscan
from golive.probe import reach as reachability

SS = """\
LISTEN 0      128       127.10.0.11:22        0.0.0.0:*
LISTEN 0      100   [::ffff:127.10.0.11]:8080       *:*
LISTEN 0      128       127.10.0.12:22        0.0.0.0:*
LISTEN 0      5             0.0.0.0:6000      0.0.0.0:*
LISTEN 0      5                [::]:7000         [::]:*
LISTEN 0      5          127.10.0.11:8081      0.0.0.0:*
"""


def test_port_spec_adds_policy_ports() -> None:
    assert portscan.port_spec("1-1024", {8443, 22}) == "1-1024,22,8443"
    assert portscan.port_spec("1-1024", set()) == "1-1024"


def test_unexpected_open_and_expected_closed_ports() -> None:
    found = {22: "open", 5432: "open", 80: "filtered", 9999: "closed"}
    assert portscan.port_findings("db1", {22, 80}, found, "from 10.0.0.200") == [
        "db1:5432/tcp open from 10.0.0.200; policy allows only 22, 80",
        "db1:80/tcp filtered from 10.0.0.200; policy expects it open",
    ]


def test_expected_port_missing_from_scan() -> None:
    assert portscan.port_findings("lb1", {443}, {}, "from x") == [
        "lb1:443/tcp not open from x; policy expects it open"
    ]


def test_listening_ports_of_one_address_plus_wildcards() -> None:
    assert listeners.listening_ports(SS, "127.10.0.11") == {22, 8080, 6000, 7000, 8081}
    assert listeners.listening_ports(SS, "127.10.0.12") == {22, 6000, 7000}


def test_reachability_verdicts() -> None:
    allow = reachability.Probe("app1", "db1", "10.0.0.21", 5432, allow=True)
    deny = reachability.Probe("lb1", "db1", "10.0.0.21", 5432, allow=False)
    assert reachability.finding(allow, "open") is None
    assert reachability.finding(deny, "timeout") is None
    assert reachability.finding(deny, "refused") is None
    assert reachability.finding(allow, "timeout") == (
        "app1 cannot reach db1 10.0.0.21:5432/tcp (timeout); policy allows it"
    )
    assert reachability.finding(deny, "open") == (
        "lb1 reaches db1 10.0.0.21:5432/tcp (open); policy denies it"
    )
